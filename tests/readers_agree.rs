//! The two JSON readers agree. The decision reads the object with the one-pass field reader
//! (`wire::request`), the mutation is written by the byte-level splice (`wire::splice`): whenever
//! the answer is a mutation, the mutated object must equal `parse(payload).request.object` with
//! only `spec.template.metadata` replaced by what the policy resolved, and hold one `metadata`.
//! Payloads repeat keys along the path (an earlier `metadata` in the template, an earlier `spec`,
//! a later `template` that is null, a list or `{}`), escape them, and vary the whitespace.

mod common;

use std::collections::BTreeSet;
use std::fmt;

use common::generate::{knative_request, valid_settings};
use knative_scale_policy::admission::{self, evaluate};
use knative_scale_policy::rules::plan::Plan;
use knative_scale_policy::verdict::Outcome;
use proptest::prelude::*;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The keys a JSON text repeats within one map, anywhere in it (serde_json's `Value` keeps the
/// last and forgets the others).
#[derive(Default)]
struct RepeatedKeys(BTreeSet<String>);

impl<'de> Deserialize<'de> for RepeatedKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Walk;
        impl<'de> Visitor<'de> for Walk {
            type Value = RepeatedKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RepeatedKeys, A::Error> {
                let (mut seen, mut found) = (BTreeSet::new(), RepeatedKeys::default());
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        found.0.insert(key);
                    }
                    found.0.extend(map.next_value::<RepeatedKeys>()?.0);
                }
                Ok(found)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RepeatedKeys, A::Error> {
                let mut found = RepeatedKeys::default();
                while let Some(inner) = seq.next_element::<RepeatedKeys>()? {
                    found.0.extend(inner.0);
                }
                Ok(found)
            }
            fn visit_bool<E>(self, _: bool) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
            fn visit_unit<E>(self) -> Result<RepeatedKeys, E> {
                Ok(RepeatedKeys::default())
            }
        }
        deserializer.deserialize_any(Walk)
    }
}

/// How a payload repeats and spells the keys on the template's path.
#[derive(Clone, Debug)]
struct Layout {
    /// Copies of `metadata` before the real one in the template.
    earlier_metadata: Vec<&'static str>,
    /// The real `metadata` key written `m\u0065tadata`.
    escaped_key: bool,
    /// A `spec` before the real one.
    earlier_spec: bool,
    /// A `template` after the real one.
    later_template: Option<&'static str>,
    /// Whitespace around the separators.
    space: &'static str,
}

fn layout() -> impl Strategy<Value = Layout> {
    let earlier = prop_oneof![
        Just(r#"{"annotations": {"autoscaling.knative.dev/min-scale": "9"}}"#),
        Just("null"),
        Just("[]"),
        Just("{}"),
        Just(r#"{"labels": {"stale": "yes"}}"#),
    ];
    (
        proptest::collection::vec(earlier, 0..3),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(prop_oneof![Just("null"), Just("[]"), Just("{}")]),
        prop_oneof![Just(""), Just(" "), Just("\n\t  ")],
    )
        .prop_map(
            |(earlier_metadata, escaped_key, earlier_spec, later_template, space)| Layout {
                earlier_metadata,
                escaped_key,
                earlier_spec,
                later_template,
                space,
            },
        )
}

/// `{"k": v, ...}` from entries already written as text.
fn map_text(entries: &[String], space: &str) -> String {
    format!("{{{space}{}{space}}}", entries.join(&format!(",{space}")))
}

fn entry(key: &str, value: &str, space: &str) -> String {
    format!("{}{space}:{space}{value}", Value::from(key))
}

/// The `validate` payload of `request` and `settings`, laid out as `layout` says.
fn payload(request: &Value, settings: &Value, layout: &Layout) -> String {
    let space = layout.space;
    let object = request["object"].as_object().expect("an object");
    let spec = object["spec"].as_object().expect("a spec");
    let template = spec["template"].as_object().expect("a template");
    let mut template_entries: Vec<String> = layout
        .earlier_metadata
        .iter()
        .map(|value| entry("metadata", value, space))
        .collect();
    for (key, value) in template {
        let key = match (key.as_str(), layout.escaped_key) {
            ("metadata", true) => r#""m\u0065tadata""#.to_string(),
            _ => Value::from(key.as_str()).to_string(),
        };
        template_entries.push(format!("{key}{space}:{space}{value}"));
    }
    let mut spec_entries = vec![entry(
        "template",
        &map_text(&template_entries, space),
        space,
    )];
    if let Some(later) = layout.later_template {
        spec_entries.push(entry("template", later, space));
    }
    for (key, value) in spec.iter().filter(|(key, _)| *key != "template") {
        spec_entries.push(entry(key, &value.to_string(), space));
    }
    let mut object_entries = Vec::new();
    if layout.earlier_spec {
        let stale = r#"{"template": {"metadata": {"annotations": {"autoscaling.knative.dev/max-scale": "1"}}}}"#;
        object_entries.push(entry("spec", stale, space));
    }
    for (key, value) in object {
        let value = match key.as_str() {
            "spec" => map_text(&spec_entries, space),
            _ => value.to_string(),
        };
        object_entries.push(entry(key, &value, space));
    }
    let mut request_entries: Vec<String> = request
        .as_object()
        .expect("a request")
        .iter()
        .filter(|(key, _)| *key != "object")
        .map(|(key, value)| entry(key, &value.to_string(), space))
        .collect();
    request_entries.push(entry("object", &map_text(&object_entries, space), space));
    map_text(
        &[
            entry("settings", &settings.to_string(), space),
            entry("request", &map_text(&request_entries, space), space),
        ],
        space,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn the_field_reader_and_the_splice_agree_on_the_template_metadata(
        request in knative_request(), (settings, _) in valid_settings(), layout in layout()
    ) {
        let text = payload(&request, &settings, &layout);
        let parsed: Value = serde_json::from_str(&text).expect("the payload is JSON");
        let (admission, settings) = admission::read(text.as_bytes()).expect("a well-formed payload");
        let verdict = evaluate(admission, &settings, |_| Err("no host".to_string()));
        let Outcome::Mutate(object) = verdict.outcome else {
            return Ok(());
        };
        let mutated = object.to_value().expect("the splice writes JSON");
        let resolved = &mutated["spec"]["template"]["metadata"];
        let mut expected = parsed["request"]["object"].clone();
        expected["spec"]["template"]["metadata"] = resolved.clone();
        prop_assert_eq!(&mutated, &expected, "only spec.template.metadata changes:\n{}", text);
        // In the metadata, only the keys the policy owns change.
        let before = &parsed["request"]["object"]["spec"]["template"]["metadata"];
        let owned: BTreeSet<&str> = Plan::keys().collect();
        for (key, value) in resolved.as_object().expect("resolved metadata is a map") {
            if key != "annotations" {
                prop_assert_eq!(value, &before[key]);
            }
        }
        let annotations = |metadata: &Value| -> Vec<(String, Value)> {
            metadata["annotations"].as_object().into_iter().flatten()
                .filter(|(key, _)| !owned.contains(key.as_str()))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect()
        };
        prop_assert_eq!(annotations(resolved), annotations(before));
        // One metadata in the template the readers read: its earlier copies are gone. (A
        // template the payload repeats stays as written, with whatever it holds.)
        if layout.later_template.is_none() {
            let repeated: RepeatedKeys = serde_json::from_str(object.json()).expect("JSON");
            prop_assert!(!repeated.0.contains("metadata"), "{}", object.json());
        }
    }
}

#[test]
fn the_layouts_repeat_the_keys_they_say() {
    let request = serde_json::json!({"uid": "u", "userInfo": {}, "operation": "CREATE",
        "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
        "object": {"kind": "Service", "spec": {"template": {"metadata": {}, "spec": {}}}}});
    let layout = Layout {
        earlier_metadata: vec!["null"],
        escaped_key: true,
        earlier_spec: true,
        later_template: Some("{}"),
        space: " ",
    };
    let text = payload(&request, &serde_json::json!({}), &layout);
    let repeated: RepeatedKeys = serde_json::from_str(&text).unwrap();
    assert_eq!(
        repeated.0,
        BTreeSet::from(["metadata".to_string(), "spec".into(), "template".into()])
    );
    assert!(text.contains(r#""m\u0065tadata""#), "{text}");
}
