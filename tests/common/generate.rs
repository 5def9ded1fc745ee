//! Proptest strategies: admission requests for Knative objects with any mix of scale annotations
//! (aliases, signs, zeros, huge numbers, garbage), unknown fields, and valid cluster settings.

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
