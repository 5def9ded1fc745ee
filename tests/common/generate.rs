//! Proptest strategies: admission requests for Knative objects with any mix of scale annotations
//! (aliases, signs, zeros, huge numbers, garbage), unknown fields, and valid cluster settings.

use std::collections::BTreeMap;

use knative_scale_policy::rules::keys::Bound;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::knative::Cluster;
use super::knative::{knative_errors, policy_promise_errors};
use super::owned::without_owned_keys;
use super::owned::{PREFIX, RECORD_KEY, SCALE_KEYS};

fn scale_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0i64..12).prop_map(|n| n.to_string()),
        1 => (0i64..12).prop_map(|n| format!("+{n}")),
        1 => (0i64..12).prop_map(|n| format!("00{n}")),
        1 => Just("-0".to_string()),
        1 => (1i64..5).prop_map(|n| format!("-{n}")),
        1 => prop_oneof![Just("2147483647"), Just("2147483648"), Just("3000000000")].prop_map(str::to_string),
        1 => prop_oneof![Just("abc"), Just(""), Just(" 1"), Just("1.5"), Just("0x10")].prop_map(str::to_string),
    ]
}

fn scale_annotations() -> impl Strategy<Value = Vec<(String, String)>> {
    let slots: Vec<_> = SCALE_KEYS
        .iter()
        .map(|name| {
            proptest::option::weighted(0.4, scale_text())
                .prop_map(move |v| v.map(|v| (format!("{PREFIX}{name}"), v)))
        })
        .collect();
    let activation = proptest::option::weighted(
        0.25,
        prop_oneof![
            6 => (0i64..9).prop_map(|n| n.to_string()),
            1 => prop_oneof![Just("-1"), Just("abc"), Just("2147483648")].prop_map(str::to_string),
        ],
    )
    .prop_map(|v| v.map(|v| (format!("{PREFIX}activation-scale"), v)));
    (slots, activation)
        .prop_map(|(values, activation)| values.into_iter().flatten().chain(activation).collect())
}

fn record() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(
        0.3,
        prop_oneof![
            Just("initial-scale: absent -> 1".to_string()),
            Just(
                "min-scale: absent -> 0, max-scale: absent -> 0, initial-scale: absent -> 1"
                    .to_string()
            ),
            Just("max-scale: 0 -> 10".to_string()),
            Just("initial-scale: 5 -> 3".to_string()),
            Just("not a record".to_string()),
        ],
    )
}

fn unknown_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Clone, Copy, Debug)]
pub enum Owner {
    None,
    InferenceService,
    InferenceGraph,
}

/// A Knative Service or Configuration admission request.
pub fn knative_request() -> impl Strategy<Value = Value> {
    (
        scale_annotations(),
        record(),
        proptest::option::of(prop_oneof![Just("kpa.autoscaling.knative.dev"), Just("hpa.autoscaling.knative.dev")]),
        proptest::collection::btree_map("[a-z]{1,5}\\.example\\.com/[a-z]{1,5}", "[ -~]{0,10}", 0..3),
        prop_oneof![Just(Owner::None), Just(Owner::InferenceService), Just(Owner::InferenceGraph)],
        prop_oneof![Just("Service"), Just("Configuration")],
        prop_oneof![Just("CREATE"), Just("UPDATE")],
        unknown_value(),
    )
        .prop_map(|(scale, record, class, others, owner, kind, operation, unknown)| {
            let mut annotations: Map<String, Value> =
                others.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
            for (key, value) in scale {
                annotations.insert(key, Value::String(value));
            }
            if let Some(record) = record {
                annotations.insert(RECORD_KEY.to_string(), record.into());
            }
            if let Some(class) = class {
                annotations.insert(format!("{PREFIX}class"), class.into());
            }
            let owners = match owner {
                Owner::None => json!([]),
                Owner::InferenceService => json!([{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "name": "m", "uid": "u", "controller": true}]),
                Owner::InferenceGraph => json!([{"apiVersion": "serving.kserve.io/v1alpha1", "kind": "InferenceGraph", "name": "m", "uid": "u", "controller": true}]),
            };
            let object = json!({
                "apiVersion": "serving.knative.dev/v1",
                "kind": kind,
                "metadata": {"name": "m", "namespace": "ns", "ownerReferences": owners,
                             "annotations": {"serving.knative.dev/creator": "someone"}},
                "spec": {
                    "template": {
                        "metadata": {"annotations": annotations, "labels": {"app": "m"}},
                        "spec": {"containers": [{"image": "example.com/m:1"}], "x-unknown": unknown.clone()}
                    },
                    "x-extra": unknown
                },
                "status": {"observedGeneration": 3}
            });
            json!({
                "uid": "u-1",
                "kind": {"group": "serving.knative.dev", "version": "v1", "kind": kind},
                "resource": {"group": "serving.knative.dev", "version": "v1", "resource": format!("{}s", kind.to_lowercase())},
                "operation": operation,
                "userInfo": {"username": "alice@example.com", "groups": ["system:authenticated"]},
                "namespace": "ns",
                "name": "m",
                "object": object
            })
        })
}

/// Settings Knative itself would accept for config-autoscaler, and the matching validation view.
pub fn valid_settings() -> impl Strategy<Value = (Value, Cluster)> {
    (
        0i64..7,
        any::<bool>(),
        0i64..6,
        0i64..9,
        prop_oneof![Just(0i64), Just(5), Just(10)],
        any::<bool>(),
        prop_oneof![Just("min"), Just("cluster")],
        any::<bool>(),
    )
        .prop_filter_map(
            "Knative would refuse this config-autoscaler",
            |(initial, allow_zero, min, max, limit, scale_to_zero, strategy, as_strings)| {
                let valid = (initial > 0 || allow_zero)
                    && (limit == 0 || (1..=limit).contains(&max))
                    && (max == 0 || min <= max);
                if !valid {
                    return None;
                }
                let scalar = |n: i64| {
                    if as_strings {
                        json!(n.to_string())
                    } else {
                        json!(n)
                    }
                };
                let flag = |b: bool| {
                    if as_strings {
                        json!(b.to_string())
                    } else {
                        json!(b)
                    }
                };
                let settings = json!({
                    "autoscaler": {
                        "initial-scale": scalar(initial),
                        "allow-zero-initial-scale": flag(allow_zero),
                        "min-scale": scalar(min),
                        "max-scale": scalar(max),
                        "max-scale-limit": scalar(limit),
                        "enable-scale-to-zero": flag(scale_to_zero),
                        "stable-window": "60s"
                    },
                    "defaultInitialScale": strategy
                });
                Some((
                    settings,
                    Cluster {
                        allow_zero_initial_scale: allow_zero,
                        max_scale_limit: limit,
                    },
                ))
            },
        )
}

/// What a generated evaluation must satisfy, given the object the API server would store.
pub fn check_accepted_output(
    input: &Value,
    output: &Value,
    cluster: Cluster,
) -> Result<(), String> {
    let annotations = super::template_annotations(output);
    let errors: Vec<String> = knative_errors(&annotations, cluster)
        .into_iter()
        .chain(policy_promise_errors(&annotations))
        .collect();
    if !errors.is_empty() {
        return Err(format!("output not admissible: {errors:?}"));
    }
    if without_owned_keys(input) != without_owned_keys(output) {
        return Err("something outside the policy's template annotations changed".to_string());
    }
    Ok(())
}

/// The profile names generated settings give (rules section 11), and one no cluster has.
pub const PROFILE_NAMES: [&str; 3] = ["gpu-llm", "web", "batch"];
pub const UNKNOWN_PROFILE: &str = "gpu-xl";
/// The template annotation with which an object chooses its profile.
pub const PROFILE_KEY: &str = "knative-scale-policy.github.io/profile";

/// A profile's keys (`profile::KEYS` spelling) and values.
pub type ProfileValues = BTreeMap<String, String>;

/// Settings with profiles (section 11), and what the checks need to know of them.
#[derive(Clone, Debug)]
pub struct Profiled {
    pub settings: Value,
    pub cluster: Cluster,
    pub profiles: BTreeMap<String, ProfileValues>,
    /// The profile of an object in the requests' namespace (`ns`) that chooses none: its
    /// entry's, else `defaultProfile`.
    pub fallback: Option<String>,
    /// The max-scale-limit in `ns`: its entry's cap, else the cluster's (0: none).
    pub cap: i64,
}

/// How a generated object chooses its profile.
#[derive(Clone, Copy, Debug)]
pub enum Choice {
    None,
    /// The profile of this index (modulo the number of profiles).
    Known(usize),
    Unknown,
}

pub fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![
        10 => Just(Choice::None),
        9 => (0usize..3).prop_map(Choice::Known),
        1 => Just(Choice::Unknown),
    ]
}

impl Profiled {
    /// The object's template with the choice written on it; the profile name it chose.
    pub fn choose(&self, request: &mut Value, choice: Choice) -> Option<String> {
        let names: Vec<&String> = self.profiles.keys().collect();
        let name = match choice {
            Choice::None => return None,
            Choice::Known(index) => names[index % names.len()].clone(),
            Choice::Unknown => UNKNOWN_PROFILE.to_string(),
        };
        let template = &mut request["object"]["spec"]["template"];
        if !template["metadata"].is_object() {
            template["metadata"] = json!({});
        }
        if !template["metadata"]["annotations"].is_object() {
            template["metadata"]["annotations"] = json!({});
        }
        template["metadata"]["annotations"][PROFILE_KEY] = json!(name);
        Some(name)
    }

    /// The profile an object with this choice gets (section 11: the object's, else its
    /// namespace entry's, else `defaultProfile`); `None` for none or an unknown name.
    pub fn profile_of(&self, chosen: Option<&str>) -> Option<&ProfileValues> {
        match chosen {
            Some(name) => self.profiles.get(name),
            None => self
                .fallback
                .as_ref()
                .and_then(|name| self.profiles.get(name)),
        }
    }

    /// `request` with the profile `choice` written on its template and `extra` annotations where
    /// the template has none of that key; the name chosen.
    pub fn request(
        &self,
        request: &Value,
        extra: Vec<(String, String)>,
        choice: Choice,
    ) -> (Value, Option<String>) {
        let mut request = request.clone();
        let chosen = self.choose(&mut request, choice);
        let template = &mut request["object"]["spec"]["template"]["metadata"]["annotations"];
        if let Some(template) = template.as_object_mut() {
            for (key, value) in extra {
                template.entry(key).or_insert(Value::String(value));
            }
        }
        (request, chosen)
    }

    /// Whether a refusal of a template Knative admits is one of the rules' own: a bound over a
    /// max-scale-limit, the cluster's or the namespace's (sections 3.2 and 10), an
    /// initial-scale beyond int32 (section 2), or a profile name the cluster does not have
    /// (section 11).
    pub fn rules_refusal(
        &self,
        message: &str,
        chosen: Option<&str>,
        input: &Map<String, Value>,
    ) -> bool {
        message.contains("max-scale-limit")
            || invalid_alias_beside_a_fill(message, |key| input.get(key).and_then(Value::as_str))
            || [
                "initial-scale: invalid value",
                "initialScale: invalid value",
            ]
            .iter()
            .any(|text| message.contains(text))
            || chosen.is_some_and(|name| !self.profiles.contains_key(name))
                && message.contains("is not a profile of this cluster")
    }

    pub fn policy_settings(&self) -> knative_scale_policy::config::settings::Settings {
        knative_scale_policy::config::settings::Settings::from_json(&self.settings).unwrap_or_else(
            |error| panic!("generated settings refused: {error}: {}", self.settings),
        )
    }
}

/// Section 5: a bound the policy filled (its record says `absent -> v` and the kebab key still
/// holds `v`) is absent again before section 2 reads it, so an alias the user wrote beside it is
/// the user's value, refused by section 2 when it is not a non-negative int32 (Knative itself
/// ignores that alias beside the kebab key). `get` reads the template's annotations.
pub fn invalid_alias_beside_a_fill<'a>(
    message: &str,
    get: impl Fn(&str) -> Option<&'a str>,
) -> bool {
    let record = get(RECORD_KEY).unwrap_or_default();
    Bound::ALL.into_iter().any(|bound| {
        let filled = get(bound.key())
            .is_some_and(|value| record.contains(&format!("{}: absent -> {value}", bound.name())));
        filled && message.starts_with(&format!("{}: invalid value", bound.alias()))
    })
}

fn seconds(range: std::ops::RangeInclusive<i64>) -> BoxedStrategy<String> {
    range.prop_map(|n| format!("{n}s")).boxed()
}

/// A profile Knative admits as a template on `cluster`: each key of `profile::KEYS` now and then,
/// with values Knative takes (the metric one of its class's, the bounds within the limit,
/// activation-scale between them).
pub fn profile_values(cluster: Cluster) -> impl Strategy<Value = ProfileValues> {
    let limit = cluster.max_scale_limit;
    let maxima = if limit > 0 { 1..=limit } else { 0i64..=12 };
    let lowest_initial: i64 = if cluster.allow_zero_initial_scale {
        0
    } else {
        1
    };
    let tuning = (
        proptest::option::weighted(0.3, any::<bool>()),
        proptest::option::weighted(0.3, any::<bool>()),
        proptest::option::weighted(0.5, (1i64..=100).prop_map(|n| n.to_string())),
        proptest::option::weighted(0.3, (1i64..=100).prop_map(|n| n.to_string())),
        proptest::option::weighted(
            0.2,
            prop_oneof![Just(-1i64), 0i64..=500].prop_map(|n| n.to_string()),
        ),
        proptest::option::weighted(
            0.4,
            prop_oneof![
                seconds(6..=3600),
                (1i64..=60).prop_map(|n| format!("{n}m")).boxed()
            ],
        ),
        proptest::option::weighted(0.2, (1i64..=100).prop_map(|n| n.to_string())),
        proptest::option::weighted(0.2, (110i64..=1000).prop_map(|n| n.to_string())),
        proptest::option::weighted(
            0.4,
            prop_oneof![
                seconds(0..=3600),
                Just("15m".to_string()).boxed(),
                Just("1h".to_string()).boxed()
            ],
        ),
        proptest::option::weighted(0.2, seconds(0..=3600)),
    );
    let scale = (
        proptest::option::weighted(0.25, 2i64..=6),
        proptest::option::weighted(0.4, 0i64..=6),
        proptest::option::weighted(0.4, maxima),
        proptest::option::weighted(0.3, lowest_initial..=5),
    );
    (tuning, scale).prop_map(
        |(
            (
                hpa,
                metric,
                target,
                utilization,
                burst,
                window,
                panic_window,
                panic_threshold,
                delay,
                retention,
            ),
            (activation, min, max, initial),
        )| {
            // The class's own metrics (the cluster's class, KPA, when the profile sets none).
            let metric = metric.map(|first| match (hpa, first) {
                (Some(true), true) => "cpu",
                (Some(true), false) => "memory",
                (_, true) => "concurrency",
                (_, false) => "rps",
            });
            let class = hpa.map(|hpa| {
                if hpa {
                    "hpa.autoscaling.knative.dev"
                } else {
                    "kpa.autoscaling.knative.dev"
                }
            });
            let min = match (min, max) {
                (Some(min), Some(max)) if max > 0 => Some(min.min(max)),
                (min, _) => min,
            };
            let activation = activation.filter(|&a| {
                min.is_none_or(|min| min <= a) && max.is_none_or(|max| max == 0 || a <= max)
            });
            let text = |n: Option<i64>| n.map(|n| n.to_string());
            [
                ("class", class.map(str::to_string)),
                ("metric", metric.map(str::to_string)),
                ("target", target),
                ("target-utilization-percentage", utilization),
                ("target-burst-capacity", burst),
                ("window", window),
                ("panic-window-percentage", panic_window),
                ("panic-threshold-percentage", panic_threshold),
                ("scale-down-delay", delay),
                ("scale-to-zero-pod-retention-period", retention),
                ("activation-scale", text(activation)),
                ("min-scale", text(min)),
                ("max-scale", text(max)),
                ("initial-scale", text(initial)),
            ]
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_string(), value?)))
            .collect()
        },
    )
}

/// `valid_settings()` with one to three profiles (as a map, or as the list Kubewarden's forms
/// edit), now and then a `defaultProfile`, and now and then an entry for the requests'
/// namespace `ns` with a cap (a narrowing of the cluster, section 10), a max-scale under it and
/// a profile. Valid: `Settings::from_json` must accept every one (a property says so).
pub fn profiled_settings() -> impl Strategy<Value = Profiled> {
    valid_settings()
        .prop_flat_map(|(settings, cluster)| {
            let int = |key: &str| match &settings["autoscaler"][key] {
                Value::String(text) => text.parse::<i64>().expect("generated as a number"),
                other => other.as_i64().expect("generated as a number"),
            };
            let (cluster_min, limit) = (int("min-scale"), cluster.max_scale_limit);
            // A cap no lower than the cluster's min (else the namespace's objects could not start).
            let caps = cluster_min.max(1)..=if limit > 0 { limit } else { 8 };
            let entry = (
                proptest::option::weighted(
                    0.5,
                    caps.prop_flat_map(move |cap| {
                        (Just(cap), proptest::option::of(cluster_min.max(1)..=cap))
                    }),
                ),
                proptest::option::weighted(0.5, 0usize..3),
            );
            (
                Just(settings),
                Just(cluster),
                proptest::collection::vec(profile_values(cluster), 1..=3),
                any::<bool>(),
                proptest::option::weighted(0.5, 0usize..3),
                proptest::option::weighted(0.6, entry),
            )
        })
        .prop_map(|(mut settings, cluster, values, as_list, default, entry)| {
            let profiles: BTreeMap<String, ProfileValues> = PROFILE_NAMES
                .iter()
                .map(|name| name.to_string())
                .zip(values)
                .collect();
            let names: Vec<String> = profiles.keys().cloned().collect();
            let pick = |index: usize| names[index % names.len()].clone();
            settings["profiles"] = if as_list {
                Value::Array(
                    profiles
                        .iter()
                        .map(|(name, values)| {
                            let mut item = json!(values);
                            item["name"] = json!(name);
                            item
                        })
                        .collect(),
                )
            } else {
                json!(profiles)
            };
            let default = default.map(pick);
            if let Some(name) = &default {
                settings["defaultProfile"] = json!(name);
            }
            let mut cap = cluster.max_scale_limit;
            let mut fallback = default;
            if let Some((bounds, profile)) = entry {
                let mut data = Map::new();
                if let Some((entry_cap, max)) = bounds {
                    cap = entry_cap;
                    data.insert("max-scale-limit".into(), json!(entry_cap.to_string()));
                    if let Some(max) = max {
                        data.insert("max-scale".into(), json!(max.to_string()));
                    }
                }
                if let Some(profile) = profile.map(pick) {
                    data.insert("profile".into(), json!(profile));
                    fallback = Some(profile);
                }
                settings["namespaces"] = json!({"ns": data});
            }
            Profiled {
                settings,
                cluster,
                profiles,
                fallback,
                cap,
            }
        })
}

/// A config-autoscaler value of generated settings (a string or a number; absent: Knative's
/// default for the three bounds).
pub fn cluster_int(settings: &Value, key: &str) -> i64 {
    match &settings["autoscaler"][key] {
        Value::String(text) => text.parse().expect("generated as a number"),
        Value::Null => i64::from(key == "initial-scale"),
        other => other.as_i64().expect("generated as a number"),
    }
}

/// The max-scale and min-scale a revision of `output` runs with: the written keys, else the
/// cluster's (a key left to the cluster, rule 3.2.4).
pub fn effective_bounds(output: &Value, settings: &Value) -> (i64, i64) {
    let annotations = super::template_annotations(output);
    let bound = |key: &str| {
        annotations
            .get(&format!("{PREFIX}{key}"))
            .and_then(Value::as_str)
            .map_or_else(|| cluster_int(settings, key), |v| v.parse().unwrap())
    };
    (bound("max-scale"), bound("min-scale"))
}

/// What Knative's validation says of these template annotations: the scale rules of
/// tests/common/knative.rs, and every other key through the policy's port of
/// `ValidateAnnotations` (fact B.1.6).
pub fn knative_refusals(annotations: &Map<String, Value>, profiled: &Profiled) -> Vec<String> {
    use knative_scale_policy::rules::annotations::Annotations;
    let strings: Annotations = annotations
        .iter()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
        .collect();
    let autoscaler = profiled.policy_settings().autoscaler;
    knative_errors(annotations, profiled.cluster)
        .into_iter()
        .chain(
            knative_scale_policy::rules::validation::validate(&strings, &autoscaler)
                .into_iter()
                .map(|error| error.to_string()),
        )
        .collect()
}

/// Knative's aliases of a profile's keys that have one (fact A.2: either spelling is read).
const PROFILE_ALIASES: [(&str, &str); 6] = [
    (
        "target-utilization-percentage",
        "targetUtilizationPercentage",
    ),
    ("target-burst-capacity", "targetBurstCapacity"),
    ("panic-window-percentage", "panicWindowPercentage"),
    ("panic-threshold-percentage", "panicThresholdPercentage"),
    ("scale-down-delay", "scaleDownDelay"),
    (
        "scale-to-zero-pod-retention-period",
        "scaleToZeroPodRetentionPeriod",
    ),
];

/// A user's own spellings of the profile keys, aliases included (valid values and not).
pub fn users_profile_keys() -> impl Strategy<Value = Vec<(String, String)>> {
    let one = |key: &'static str, values: &'static [&'static str]| {
        proptest::option::weighted(0.2, proptest::sample::select(values))
            .prop_map(move |value| value.map(|v| (format!("{PREFIX}{key}"), v.to_string())))
    };
    (
        one("scaleDownDelay", &["30s", "2m", "1.5s"]),
        one("targetUtilizationPercentage", &["50", "101"]),
        one("panicWindowPercentage", &["10", "0.5"]),
        one("target", &["5", "0"]),
        one("window", &["90s", "1s"]),
        one("metric", &["concurrency", "cpu", "rps"]),
        one("activation-scale", &["2", "3", "5"]),
    )
        .prop_map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g].into_iter().flatten().collect())
}

fn parsed(text: Option<&Value>) -> Option<i64> {
    text?.as_str()?.trim_start_matches('+').parse().ok()
}

/// Section 11's promises on an accepted evaluation of the object `input` into `output`, with
/// `profile` the profile the object gets:
/// - nothing outside the template's annotations changes;
/// - every annotation the user wrote is in the output unchanged, but for the three bounds and
///   their aliases, whose documented corrections are checked when the input holds no record
///   (section 5's restore makes a recorded value the policy's): an explicit min as written, an
///   explicit max as written or an unlimited 0 turned into the cap, an explicit initial as
///   written or raised from 0 where the cluster refuses it, then capped to the max;
/// - a key the output gains is a bound, the record, or a key of the profile with the profile's
///   value, written only where the user wrote neither it nor its alias;
/// - in a namespace with a cap, nothing written or left to the cluster exceeds it (section 10).
pub fn check_profiled_output(
    input: &Value,
    output: &Value,
    profiled: &Profiled,
    profile: Option<&ProfileValues>,
) -> Result<(), String> {
    let strip = |object: &Value| {
        let mut object = object.clone();
        if let Some(metadata) = object
            .pointer_mut("/spec/template/metadata")
            .and_then(Value::as_object_mut)
        {
            metadata.remove("annotations");
        }
        object
    };
    if strip(input) != strip(output) {
        return Err("something outside the template's annotations changed".to_string());
    }
    let (before, after) = (
        super::template_annotations(input),
        super::template_annotations(output),
    );
    let errors = policy_promise_errors(&after);
    if !errors.is_empty() {
        return Err(format!(
            "the policy's promises broken: {errors:?} in {after:?}"
        ));
    }
    let bound_keys: Vec<String> = SCALE_KEYS
        .iter()
        .map(|name| format!("{PREFIX}{name}"))
        .collect();
    for (key, value) in &before {
        if !bound_keys.contains(key) && key != RECORD_KEY && after.get(key) != Some(value) {
            return Err(format!(
                "the user's {key}: {value} became {:?}",
                after.get(key)
            ));
        }
    }
    for (key, value) in &after {
        if before.contains_key(key) || bound_keys[..3].contains(key) || key == RECORD_KEY {
            continue;
        }
        let name = key.strip_prefix(PREFIX).unwrap_or(key);
        let profiles = profile.and_then(|profile| profile.get(name));
        if profiles.map(|v| Value::String(v.clone())).as_ref() != Some(value) {
            return Err(format!(
                "{key}: {value} written, not the profile's ({profiles:?})"
            ));
        }
        let alias = PROFILE_ALIASES.iter().find(|(kebab, _)| *kebab == name);
        if let Some((_, alias)) = alias
            && before.contains_key(&format!("{PREFIX}{alias}"))
        {
            return Err(format!("{key} written beside the user's alias {alias}"));
        }
    }
    if !before.contains_key(RECORD_KEY) {
        let users = |kebab: usize| {
            parsed(
                before
                    .get(&bound_keys[kebab])
                    .or(before.get(&bound_keys[kebab + 3])),
            )
        };
        let written = |kebab: usize| parsed(after.get(&bound_keys[kebab]));
        let allow_zero = profiled.cluster.allow_zero_initial_scale;
        if let Some(min) = users(0)
            && written(0) != Some(min)
        {
            return Err(format!(
                "the user's min-scale {min} became {:?}",
                written(0)
            ));
        }
        if let Some(max) = users(1) {
            let expected = if max == 0 && profiled.cap > 0 {
                profiled.cap
            } else {
                max
            };
            if written(1) != Some(expected) {
                return Err(format!(
                    "the user's max-scale {max} became {:?}",
                    written(1)
                ));
            }
        }
        if let Some(initial) = users(2) {
            let raised = if initial == 0 && !allow_zero {
                1
            } else {
                initial
            };
            let fits = match (written(1), written(2)) {
                (Some(max), Some(out)) if max > 0 && raised > max => out == max,
                (Some(_), Some(out)) => out == raised,
                // Beside a max left to the cluster: as written, or capped below it.
                (None, Some(out)) => out <= raised,
                (_, None) => false,
            };
            if !fits {
                return Err(format!(
                    "the user's initial-scale {initial} became {:?}",
                    written(2)
                ));
            }
        }
    }
    if profiled.cap > 0 {
        let (max, min) = effective_bounds(output, &profiled.settings);
        let initial = parsed(after.get(&bound_keys[2])).unwrap_or(0);
        if !(1..=profiled.cap).contains(&max) || min > profiled.cap || initial > profiled.cap {
            return Err(format!(
                "min {min}, max {max}, initial {initial} escape the cap {}: {after:?}",
                profiled.cap
            ));
        }
    }
    Ok(())
}
