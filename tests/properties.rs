//! Properties of the policy's Rust code over generated requests and settings (the same checks run
//! on the .wasm in wasm_properties.rs, with fewer cases).

mod common;

use common::native::{own_output_as_update, run, stored};

use common::generate::{
    check_accepted_output, check_profiled_output, choice, invalid_alias_beside_a_fill,
    knative_refusals, knative_request, profiled_settings, users_profile_keys, valid_settings,
};
use common::template_annotations;
use knative_scale_policy::admission::{self, evaluate};
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::rules::annotations::Annotations;
use knative_scale_policy::rules::message::quote;
use knative_scale_policy::rules::validation::validate;
use knative_scale_policy::verdict::Outcome;
use knative_scale_policy::wire::request::Admission;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn accepted_output_is_admissible_by_knative_and_touches_only_template_annotations(
        request in knative_request(), (settings, cluster) in valid_settings()
    ) {
        let settings = Settings::from_json(&settings).unwrap();
        let verdict = run(&request, &settings);
        if let Outcome::Reject(message) = &verdict.outcome {
            prop_assert!(message.contains("autoscaling.knative.dev/"), "{}", message);
        } else {
            let output = stored(&request, &verdict);
            check_accepted_output(&request["object"], &output, cluster).map_err(TestCaseError::fail)?;
        }
    }

    #[test]
    fn fixed_point_f_of_f_equals_f(request in knative_request(), (settings, _) in valid_settings()) {
        let settings = Settings::from_json(&settings).unwrap();
        let Some(update) = own_output_as_update(&request, &run(&request, &settings)) else {
            return Ok(());
        };
        prop_assert_eq!(run(&update, &settings).outcome, Outcome::Accept);
    }

    /// The policy reads the payload's text and writes a mutation into it (src/splice.rs): the
    /// text's layout (indentation, key order, a template without metadata) never changes the
    /// answer.
    #[test]
    fn the_payloads_layout_never_changes_the_answer(
        request in knative_request(), (settings, _) in valid_settings(), no_metadata in any::<bool>()
    ) {
        let mut request = request;
        if let Some(template) = request["object"]["spec"]["template"].as_object_mut()
            && no_metadata
        {
            template.remove("metadata");
        }
        let compact = run(&request, &Settings::from_json(&settings).unwrap());
        let payload = serde_json::to_vec_pretty(&json!({"settings": settings, "request": request})).unwrap();
        let (admission, settings) = admission::read(&payload).expect("a well-formed payload");
        let pretty = evaluate(admission, &settings, |_| Err("no host in native tests".to_string()));
        prop_assert_eq!(&pretty.warnings, &compact.warnings);
        match (pretty.outcome, compact.outcome) {
            (Outcome::Mutate(pretty), Outcome::Mutate(compact)) => {
                prop_assert_eq!(pretty.to_value().unwrap(), compact.to_value().unwrap());
                prop_assert!(pretty.json().contains('\n'), "written into the pretty text");
            }
            (pretty, compact) => prop_assert_eq!(pretty, compact),
        }
    }

    #[test]
    fn warnings_only_accompany_a_mutation(request in knative_request(), (settings, _) in valid_settings()) {
        let settings = Settings::from_json(&settings).unwrap();
        let verdict = run(&request, &settings);
        if !verdict.warnings.is_empty() {
            prop_assert!(matches!(verdict.outcome, Outcome::Mutate(_)));
            for warning in verdict.warnings {
                prop_assert!(warning.starts_with("autoscaling.knative.dev/"), "{}", warning);
                prop_assert!(
                    warning.contains(" set to ") || warning.contains(" left to the cluster's "),
                    "{}",
                    warning
                );
            }
        }
    }

    /// kube-apiserver drops a warning holding a control character and may cut one over 256
    /// characters (rules section 4): whatever the request, the settings or the host's error.
    #[test]
    fn every_warning_is_one_printable_line_the_api_server_keeps(
        request in knative_request(), (settings, _) in valid_settings(),
        context_aware in any::<bool>(), host_error in "(?s)\\PC{0,40}(\n|\r\n|\t|\u{1b}|\\PC){0,400}"
    ) {
        let mut settings = settings;
        if context_aware {
            settings["autoscalerConfigMap"] = json!({"namespace": "knative-serving", "name": "config-autoscaler"});
        }
        let settings = Settings::from_json(&settings).unwrap();
        let reads_config = !(request["kind"]["kind"] == "Configuration"
            && request["object"]["metadata"]["ownerReferences"].to_string().contains("\"Service\""));
        let admission = Admission::from_json(request).expect("a well-formed request");
        let verdict = evaluate(admission, &settings, |_| Err(host_error.clone()));
        for warning in &verdict.warnings {
            prop_assert!(!warning.chars().any(char::is_control), "{:?}", warning);
            prop_assert!(warning.len() <= 256, "{} bytes: {:?}", warning.len(), warning);
        }
        if context_aware && reads_config {
            let fallback = &verdict.warnings[0];
            prop_assert!(fallback.starts_with("ConfigMap knative-serving/config-autoscaler could not be used ("), "{:?}", fallback);
            let first_line = host_error.lines().next().unwrap_or_default();
            let start: String = first_line.chars().take(20).map(|c| if c.is_control() { ' ' } else { c }).collect();
            prop_assert!(fallback.contains(start.trim_end()), "{:?}", fallback);
        }
    }

    /// The rules quote values without serde_json (they are pure); they write what it writes.
    #[test]
    fn the_rules_quote_a_value_as_serde_json_writes_it(text in "(?s)\\PC{0,20}[\u{0}-\u{1f}\"\\\\]{0,5}\\PC{0,20}") {
        prop_assert_eq!(quote(&text), serde_json::to_string(&text).unwrap());
    }

    /// Issue 20: a template Knative admits as written (every autoscaling annotation, judged by
    /// Knative's own validation) is never turned into one it rejects, nor rejected but for the
    /// rules' own reasons (a min above the limit, section 3.2.3; an initial-scale beyond int32,
    /// section 2; an alias added beside a bound the policy filled, which section 5 makes the
    /// user's value, that is not a non-negative int32, section 2).
    #[test]
    fn a_template_knative_admits_stays_admitted(
        request in knative_request(), (settings, _) in valid_settings(), extra in other_annotations()
    ) {
        let mut request = request;
        let template = request["object"]["spec"]["template"]["metadata"]["annotations"]
            .as_object_mut().expect("generated annotations are a map");
        for (key, value) in extra {
            template.entry(key).or_insert(Value::String(value));
        }
        let settings = Settings::from_json(&settings).unwrap();
        let input = annotations_of(&request["object"]);
        if !validate(&input, &settings.autoscaler).is_empty() {
            return Ok(()); // Knative refuses it as written: no promise to keep.
        }
        let verdict = run(&request, &settings);
        match &verdict.outcome {
            Outcome::Reject(message) => prop_assert!(
                message.contains("min-scale=") && message.contains("exceeds max-scale-limit")
                    || ["initial-scale: invalid value", "initialScale: invalid value"]
                        .iter()
                        .any(|text| message.contains(text))
                    || invalid_alias_beside_a_fill(message, |key| input.get(key)),
                "{}", message
            ),
            Outcome::Mutate(object) => {
                let output = annotations_of(&object.to_value().unwrap());
                let errors = validate(&output, &settings.autoscaler);
                prop_assert!(errors.is_empty(), "{:?} from {:?}", errors, input);
            }
            Outcome::Accept => {}
        }
    }
}

/// The template's annotations as the rules' string map.
fn annotations_of(object: &Value) -> Annotations {
    object["spec"]["template"]["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
        .collect()
}

/// Knative's other autoscaling annotations, valid and not, both classes.
fn other_annotations() -> impl Strategy<Value = Vec<(String, String)>> {
    let one = |name: &'static str, values: &'static [&'static str]| {
        proptest::option::weighted(0.3, proptest::sample::select(values)).prop_map(move |value| {
            value.map(|v| (format!("autoscaling.knative.dev/{name}"), v.to_string()))
        })
    };
    (
        one(
            "class",
            &[
                "kpa.autoscaling.knative.dev",
                "hpa.autoscaling.knative.dev",
                "custom.example.com",
                "bad.knative.dev",
            ],
        ),
        one("metric", &["concurrency", "rps", "cpu", "memory", ""]),
        one("target", &["0", "0.005", "0.01", "10", "1e2", "abc"]),
        one("target-utilization-percentage", &["0", "70", "101"]),
        one("window", &["5s", "60s", "1m9s82ms", "2h", "soon"]),
        one("panic-window-percentage", &["0.5", "10", "100"]),
        one("panic-threshold-percentage", &["109", "200", "1001"]),
        one("scale-down-delay", &["0", "1.5s", "30s", "2h", "-1s"]),
        one("scale-to-zero-pod-retention-period", &["0s", "59m", "1h1s"]),
        one("target-burst-capacity", &["-1", "0", "-2", "200"]),
        one(
            "metric-aggregation-algorithm",
            &["linear", "weightedExponential", "other"],
        ),
    )
        .prop_map(|values| {
            let (a, b, c, d, e, f, g, h, i, j, k) = values;
            [a, b, c, d, e, f, g, h, i, j, k]
                .into_iter()
                .flatten()
                .collect()
        })
}

/// The annotations with the record's originals in canonical text: the first pass rewrote an
/// explicit bound's text (`000` to `0`, section 3.4), which a later correction records as the
/// user's original.
fn canonical_record(mut annotations: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::String(record)) = annotations.get_mut(common::RECORD_KEY) {
        let entries: Vec<String> = record
            .split(", ")
            .map(|entry| {
                match entry
                    .split_once(": ")
                    .and_then(|(key, rest)| Some((key, rest.split_once(" -> ")?)))
                {
                    Some((key, (original, written))) => {
                        let original = original
                            .trim_start_matches('+')
                            .parse::<i64>()
                            .map_or(original.to_string(), |n| n.to_string());
                        format!("{key}: {original} -> {written}")
                    }
                    None => entry.to_string(),
                }
            })
            .collect();
        *record = entries.join(", ");
    }
    annotations
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The generated profiles are valid settings (`Settings::from_json` accepts them), so the
    /// properties below are not vacuous.
    #[test]
    fn generated_profiles_are_valid_settings(profiled in profiled_settings()) {
        let settings = Settings::from_json(&profiled.settings);
        prop_assert!(settings.is_ok(), "{:?}: {}", settings.err(), profiled.settings);
    }

    /// Section 11 (a): a template Knative admits as written stays admitted with any valid
    /// profile, chosen by the object, its namespace or the default; a rejection is only the
    /// rules' own.
    #[test]
    fn a_template_knative_admits_stays_admissible_with_any_profile(
        request in knative_request(), extra in other_annotations(), users in users_profile_keys(),
        profiled in profiled_settings(), choice in choice()
    ) {
        let extra = extra.into_iter().chain(users).collect();
        let (request, chosen) = profiled.request(&request, extra, choice);
        let input = template_annotations(&request["object"]);
        if !knative_refusals(&input, &profiled).is_empty() {
            return Ok(()); // Knative refuses it as written: no promise to keep.
        }
        let verdict = run(&request, &profiled.policy_settings());
        if let Outcome::Reject(message) = &verdict.outcome {
            let refusal = profiled.rules_refusal(message, chosen.as_deref(), &input);
            prop_assert!(refusal, "{}", message);
            return Ok(());
        }
        let output = template_annotations(&stored(&request, &verdict));
        let errors = knative_refusals(&output, &profiled);
        prop_assert!(errors.is_empty(), "{:?} from {:?} into {:?}", errors, input, output);
    }

    /// Section 11 (b) and (d): no annotation the user wrote changes (the bounds but for their
    /// documented corrections), what the output gains is the profile's where the user wrote
    /// neither key nor alias, and in a namespace with a cap nothing written or left to the
    /// cluster exceeds it.
    #[test]
    fn a_profile_changes_no_users_key_and_lets_no_cap_escape(
        request in knative_request(), users in users_profile_keys(),
        profiled in profiled_settings(), choice in choice()
    ) {
        let (request, chosen) = profiled.request(&request, users, choice);
        let verdict = run(&request, &profiled.policy_settings());
        if let Outcome::Reject(message) = &verdict.outcome {
            prop_assert!(message.contains("autoscaling.knative.dev/") || message.contains("profile"), "{}", message);
            return Ok(());
        }
        let output = stored(&request, &verdict);
        let profile = profiled.profile_of(chosen.as_deref());
        check_profiled_output(&request["object"], &output, &profiled, profile)
            .map_err(TestCaseError::fail)?;
    }

    /// Sections 5 and 11 (c): f(f(x)) == f(x) with profiles.
    #[test]
    fn fixed_point_with_profiles(
        request in knative_request(), users in users_profile_keys(),
        profiled in profiled_settings(), choice in choice()
    ) {
        let (request, _) = profiled.request(&request, users, choice);
        let settings = profiled.policy_settings();
        let Some(update) = own_output_as_update(&request, &run(&request, &settings)) else {
            return Ok(());
        };
        let again = run(&update, &settings);
        prop_assert_eq!(&again.outcome, &Outcome::Accept, "from {}", update["object"]["spec"]["template"]);
    }

    /// Sections 5 and 11: new settings (other profiles, another default, another namespace
    /// entry) change an object at its next update exactly as they would a new one: what the
    /// profile filled before follows the new profile, nothing of the old one stays.
    #[test]
    fn new_profiles_apply_at_the_next_update_as_to_a_new_object(
        request in knative_request(), users in users_profile_keys(),
        before in profiled_settings(), after in profiled_settings(), choice in choice()
    ) {
        let (request, _) = before.request(&request, users, choice);
        let Some(update) = own_output_as_update(&request, &run(&request, &before.policy_settings())) else {
            return Ok(());
        };
        let (settings, fresh) = (after.policy_settings(), request.clone());
        let (next, new) = (run(&update, &settings), run(&fresh, &settings));
        match (&next.outcome, &new.outcome) {
            (Outcome::Reject(_), Outcome::Reject(_)) => {}
            (Outcome::Reject(message), _) | (_, Outcome::Reject(message)) => {
                return Err(TestCaseError::fail(format!("only one of them refused: {message}")));
            }
            _ => prop_assert_eq!(
                canonical_record(template_annotations(&stored(&update, &next))),
                canonical_record(template_annotations(&stored(&fresh, &new)))
            ),
        }
    }
}
