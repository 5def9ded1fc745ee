//! Every rule of resolution-rules.md, proven on the built policy.wasm through a waPC host.

mod common;

use common::knative::{Cluster, knative_errors, policy_promise_errors};
use common::*;
use serde_json::{Value, json};

/// A fixture with its template annotations replaced.
fn with_annotations(name: &str, annotations: &[(&str, &str)]) -> Value {
    let mut request = request(name);
    let map: serde_json::Map<String, Value> = annotations
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect();
    request["object"]["spec"]["template"]["metadata"]["annotations"] = Value::Object(map);
    request
}

fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The checks every accepted evaluation must pass: Knative would admit the output, the output
/// keeps the policy's promises, and evaluating the output again changes nothing.
fn assert_admissible_and_stable(evaluation: &Evaluation, settings: &Value, cluster: Cluster) {
    let annotations = evaluation.annotations();
    assert_eq!(knative_errors(&annotations, cluster), Vec::<String>::new());
    assert_eq!(policy_promise_errors(&annotations), Vec::<String>::new());
    let again = evaluate(&evaluation.as_update(), settings);
    assert!(
        again.accepted() && !again.mutated(),
        "not a fixed point: {:?}",
        again.patch()
    );
}

const DEFAULT_CLUSTER: Cluster = Cluster {
    allow_zero_initial_scale: false,
    max_scale_limit: 0,
};

fn worked_example(
    request_name: &str,
    settings_name: &str,
    expected: [&str; 3],
    warned: bool,
    cluster: Cluster,
) {
    let settings = settings(settings_name);
    let evaluation = evaluate(&request(request_name), &settings);
    assert!(evaluation.accepted(), "{}", evaluation.message());
    let [min, max, initial] = expected;
    assert!(
        evaluation.scale_is(min, max, initial),
        "got {:?}",
        evaluation.scale()
    );
    assert_eq!(
        !evaluation.warnings().is_empty(),
        warned,
        "{:?}",
        evaluation.warnings()
    );
    assert_admissible_and_stable(&evaluation, &settings, cluster);
}

fn rejected(request: &Value, settings_name: &str) -> String {
    let evaluation = evaluate(request, &settings(settings_name));
    assert!(!evaluation.accepted(), "accepted: {:?}", evaluation.scale());
    assert!(!evaluation.mutated());
    evaluation.message()
}

// The rules table (tests/common/rules_table.rs): section 7's worked examples and section 3's
// cases, the same rows `tests/rules_table.rs` runs natively.
#[test]
fn every_rule_row_on_the_wasm() {
    let mut failures = Vec::new();
    for row in common::rules_table::ROWS {
        let settings = row.settings();
        let evaluation = evaluate(&row.request(), &settings);
        let outcome = row.check(
            evaluation.accepted(),
            &evaluation.message(),
            &evaluation.annotations(),
            &evaluation.warnings(),
        );
        if let Err(failure) = outcome {
            failures.push(failure);
            continue;
        }
        if evaluation.accepted() {
            let allow_zero = settings["autoscaler"]["allow-zero-initial-scale"] == "true";
            let limit = settings["autoscaler"]["max-scale-limit"]
                .as_str()
                .map_or(0, |limit| limit.parse().unwrap());
            let cluster = Cluster {
                allow_zero_initial_scale: allow_zero,
                max_scale_limit: limit,
            };
            assert_admissible_and_stable(&evaluation, &settings, cluster);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// Section 7, beyond the table: fixtures shared with e2e.bats.

#[test]
fn example_inferencegraph_gets_kserve_unlimited_max() {
    worked_example(
        "inferencegraph-min1",
        "max-scale-4",
        ["1", "0", "1"],
        true,
        DEFAULT_CLUSTER,
    );
}

#[test]
fn example_configuration_owned_by_a_service() {
    for settings_name in ["max-scale-4", "max-scale-4-limit-10", "initial-scale-5"] {
        for fixture in [
            "configuration-no-annotations",
            "configuration-owned-by-service",
        ] {
            let mut request = request(fixture);
            request["object"]["metadata"]["ownerReferences"] = json!([{
                "apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "hello",
                "uid": "u", "controller": true, "blockOwnerDeletion": true
            }]);
            request["userInfo"] =
                json!({"username": "system:serviceaccount:knative-serving:controller"});
            let evaluation = evaluate(&request, &settings(settings_name));
            assert!(
                evaluation.accepted() && !evaluation.mutated(),
                "{fixture}, {settings_name}"
            );
            assert!(evaluation.warnings().is_empty());
            // The same claim written by a user is resolved (section 1): no escape.
            request["userInfo"] = json!({"username": "alice@example.com"});
            assert!(evaluate(&request, &settings(settings_name)).mutated());
        }
    }
}

#[test]
fn example_alias_added_to_the_policys_output() {
    let created = evaluate_fixture("service-no-annotations", "knative-defaults");
    assert!(created.scale_is("0", "0", "1"));
    for (alias, index) in [("minScale", 0), ("maxScale", 1), ("initialScale", 2)] {
        let mut update = created.as_update();
        update["object"]["spec"]["template"]["metadata"]["annotations"][key(alias)] = json!("3");
        let evaluation = evaluate(&update, &settings("knative-defaults"));
        assert!(evaluation.accepted(), "{}", evaluation.message());
        assert_eq!(evaluation.scale()[index].as_deref(), Some("3"), "{alias}");
        assert!(
            !evaluation.annotations().contains_key(&key(alias)),
            "{alias}"
        );
        if alias == "minScale" {
            assert!(evaluation.scale_is("3", "0", "3"));
            assert!(
                evaluation.warnings().is_empty(),
                "{:?}",
                evaluation.warnings()
            );
        }
        assert_admissible_and_stable(&evaluation, &settings("knative-defaults"), DEFAULT_CLUSTER);
    }
}

// Section 3.3: the revision's class is its annotation, else the cluster's pod-autoscaler-class.
#[test]
fn a_cluster_whose_default_class_is_hpa_never_starts_a_revision_at_zero() {
    let hpa_cluster = json!({"autoscaler": {
        "pod-autoscaler-class": "hpa.autoscaling.knative.dev",
        "allow-zero-initial-scale": "true"}});
    let min_zero = with_annotations("service-no-annotations", &[(&key("min-scale"), "0")]);
    let cluster = Cluster {
        allow_zero_initial_scale: true,
        max_scale_limit: 0,
    };
    let evaluation = evaluate(&min_zero, &hpa_cluster);
    assert!(
        evaluation.scale_is("0", "0", "1"),
        "{:?}",
        evaluation.scale()
    );
    assert_admissible_and_stable(&evaluation, &hpa_cluster, cluster);
    let kpa_revision = with_annotations(
        "service-no-annotations",
        &[
            (&key("min-scale"), "0"),
            (&key("class"), "kpa.autoscaling.knative.dev"),
        ],
    );
    assert!(evaluate(&kpa_revision, &hpa_cluster).scale_is("0", "0", "0"));
    let kpa_cluster = json!({"autoscaler": {"allow-zero-initial-scale": "true"}});
    assert!(evaluate(&min_zero, &kpa_cluster).scale_is("0", "0", "0"));
}

// Section 5: the record sits under the project's own prefix.
#[test]
fn the_record_key_is_under_the_projects_own_prefix() {
    let evaluation = evaluate_fixture("service-no-annotations", "knative-defaults");
    assert_eq!(
        evaluation.annotations()["knative-scale-policy.github.io/resolved"],
        "min-scale: absent -> 0, max-scale: absent -> 0, initial-scale: absent -> 1"
    );
    assert!(
        evaluation
            .annotations()
            .keys()
            .all(|k| !k.contains("kubewarden.io"))
    );
}

// Section 1: what is admitted.

#[test]
fn other_kinds_and_operations_are_accepted_unchanged() {
    for name in ["deployment", "service-delete", "service-no-template"] {
        let evaluation = evaluate_fixture(name, "initial-scale-5");
        assert!(evaluation.accepted() && !evaluation.mutated(), "{name}");
        assert_eq!(
            evaluation.validation["mutated_object"],
            Value::Null,
            "{name}"
        );
    }
    let connect = {
        let mut r = request("service-min1-max3");
        r["operation"] = "CONNECT".into();
        r
    };
    assert!(!evaluate(&connect, &json!({})).mutated());
}

#[test]
fn a_null_template_is_accepted_unchanged() {
    let mut request = request("service-no-annotations");
    request["object"]["spec"]["template"] = Value::Null;
    let evaluation = evaluate(&request, &settings("initial-scale-5"));
    assert!(evaluation.accepted() && !evaluation.mutated());
}

#[test]
fn configurations_are_resolved_like_services() {
    let evaluation = evaluate_fixture("configuration-no-annotations", "min-scale-2-max-scale-6");
    assert!(evaluation.scale_is("2", "6", "2"));
}

#[test]
fn only_template_annotations_change() {
    let evaluation = evaluate_fixture("kserve-predictor-min1-max3", "initial-scale-5");
    let operations = evaluation.patch();
    let paths: Vec<&str> = operations
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["path"].as_str().unwrap())
        .collect();
    assert!(!paths.is_empty());
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("/spec/template/metadata/annotations/")),
        "{paths:?}"
    );
    let strip = |mut object: Value| {
        object["spec"]["template"]["metadata"]["annotations"] = Value::Null;
        object
    };
    assert_eq!(
        strip(evaluation.object()),
        strip(evaluation.request["object"].clone())
    );
    assert_eq!(
        evaluation.object()["metadata"]["annotations"],
        json!({"serving.knative.dev/creator": "alice@example.com"})
    );
}

#[test]
fn kserve_managed_is_recognised_by_owner_reference() {
    let mut plain = request("kserve-predictor-min1");
    plain["object"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("ownerReferences");
    assert!(evaluate(&plain, &settings("max-scale-4")).scale_is("1", "4", "1"));
    assert!(evaluate_fixture("kserve-predictor-min1", "max-scale-4").scale_is("1", "0", "1"));
    let mut other_owner = request("kserve-predictor-min1");
    other_owner["object"]["metadata"]["ownerReferences"][0]["apiVersion"] = "example.com/v1".into();
    assert!(evaluate(&other_owner, &settings("max-scale-4")).scale_is("1", "4", "1"));
}

// Section 2: reading the user's values.

#[test]
fn kebab_key_wins_and_the_ignored_alias_is_dropped_unvalidated() {
    let r = with_annotations(
        "service-no-annotations",
        &[(&key("min-scale"), "1"), (&key("minScale"), "abc")],
    );
    let evaluation = evaluate(&r, &json!({}));
    assert!(evaluation.scale_is("1", "0", "1"));
    assert!(!evaluation.annotations().contains_key(&key("minScale")));
}

#[test]
fn values_parse_as_go_int32_with_sign_and_leading_zeros() {
    let r = with_annotations(
        "service-no-annotations",
        &[
            (&key("min-scale"), "+2"),
            (&key("max-scale"), "007"),
            (&key("initialScale"), "03"),
        ],
    );
    let evaluation = evaluate(&r, &json!({}));
    assert!(evaluation.scale_is("2", "7", "3"));
    assert!(evaluation.warnings().is_empty());
    assert!(!evaluation.annotations().contains_key(RECORD_KEY));
}

#[test]
fn invalid_negative_or_out_of_range_values_are_rejected_naming_key_and_value() {
    let cases = [
        ("minScale", "-1"),
        ("max-scale", "2147483648"),
        ("initial-scale", "3000000000"),
        ("initialScale", "1.5"),
        ("max-scale", " 3"),
    ];
    for (name, value) in cases {
        let r = with_annotations("service-no-annotations", &[(&key(name), value)]);
        let message = rejected(&r, "knative-defaults");
        assert_eq!(
            message,
            format!(
                "{PREFIX}{name}: invalid value \"{value}\": expected an integer 0 <= n <= 2147483647"
            )
        );
    }
}

#[test]
fn a_value_of_400_digits_is_rejected_with_a_short_message() {
    let message = rejected(&request("service-min-400-digits"), "knative-defaults");
    assert!(
        message.starts_with("autoscaling.knative.dev/min-scale: invalid value \"9999"),
        "{message}"
    );
    assert!(
        message.contains("(400 characters)") && message.len() < 200,
        "{message}"
    );
}

// Section 3: resolving.

#[test]
fn max_defaults_to_zero_for_kserve_and_to_cluster_max_scale_otherwise() {
    assert!(evaluate_fixture("kserve-predictor-min1", "max-scale-4").scale_is("1", "0", "1"));
    assert!(evaluate_fixture("service-no-annotations", "max-scale-4").scale_is("0", "4", "1"));
}

#[test]
fn explicit_unlimited_max_becomes_the_limit_with_a_warning() {
    let r = with_annotations("service-no-annotations", &[(&key("max-scale"), "0")]);
    let evaluation = evaluate(&r, &settings("max-scale-4-limit-10"));
    assert!(evaluation.scale_is("0", "10", "1"));
    assert_eq!(
        evaluation.warnings(),
        vec![
            "autoscaling.knative.dev/max-scale set to 10: 0 (unlimited) is not allowed under the cluster max-scale-limit 10, so unlimited becomes the limit"
        ]
    );
}

#[test]
fn initial_is_capped_to_max() {
    let evaluation = evaluate_fixture("service-min1-max3-initial5", "knative-defaults");
    assert_eq!(
        evaluation.warnings(),
        vec![
            "autoscaling.knative.dev/initial-scale set to 3: initial-scale 5 is above max-scale 3, and Knative would start that many pods anyway"
        ]
    );
}

// Section 4: telling the user.

#[test]
fn warning_names_key_value_and_reason() {
    let evaluation = evaluate_fixture("kserve-predictor-min1-max3", "initial-scale-5");
    assert_eq!(
        evaluation.warnings(),
        vec![
            "autoscaling.knative.dev/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
        ]
    );
}

#[test]
fn unchanged_result_is_accepted_without_mutation() {
    let evaluation = evaluate_fixture("service-all-explicit", "knative-defaults");
    assert!(evaluation.accepted());
    assert!(!evaluation.mutated());
    assert_eq!(evaluation.validation["mutated_object"], Value::Null);
}

// Section 5: stability.

#[test]
fn fixed_point_on_its_own_output() {
    let evaluation = evaluate_fixture("kserve-predictor-own-output", "initial-scale-5");
    assert!(
        evaluation.accepted() && !evaluation.mutated(),
        "{:?}",
        evaluation.patch()
    );
    let first = evaluate_fixture("kserve-predictor-min1-max3", "initial-scale-5");
    assert_eq!(
        first.object(),
        request("kserve-predictor-own-output")["object"]
    );
}

#[test]
fn resolved_keys_are_recomputed_on_update() {
    let evaluation = evaluate_fixture("kserve-predictor-min-raised", "initial-scale-5");
    assert!(
        evaluation.scale_is("3", "3", "3"),
        "{:?}",
        evaluation.scale()
    );
}

#[test]
fn a_key_the_user_edits_stays_the_users() {
    let first = evaluate_fixture("service-min1-max3", "initial-scale-5");
    let mut update = first.as_update();
    update["object"]["spec"]["template"]["metadata"]["annotations"][key("initial-scale")] =
        "2".into();
    let second = evaluate(&update, &settings("initial-scale-5"));
    assert!(second.scale_is("1", "3", "2"));
    assert!(!second.annotations().contains_key(RECORD_KEY));
}

#[test]
fn changed_settings_apply_at_the_next_update_only() {
    let first = evaluate_fixture("service-no-annotations", "knative-defaults");
    assert!(first.scale_is("0", "0", "1"));
    let second = evaluate(&first.as_update(), &settings("min-scale-2-max-scale-6"));
    assert!(second.scale_is("2", "6", "2"));
}

// Section 6: settings.

#[test]
fn settings_are_validated_with_messages_naming_the_key() {
    let verdict = |settings: Value| policy().validate_settings(&settings).expect("no trap");
    assert!(verdict(json!({})).valid);
    assert!(verdict(settings("yaml-scalars")).valid);
    assert!(verdict(settings("max-scale-4-limit-10")).valid);
    let typo = verdict(settings("invalid-typo"));
    assert!(!typo.valid);
    assert_eq!(
        typo.message.as_deref(),
        Some(
            "defaultInitalScale: unknown, not one of autoscaler, defaultInitialScale, autoscalerConfigMap, auditChanges, knativeController, namespaces, namespaceAnnotations, profiles, defaultProfile"
        )
    );
    let zero = verdict(settings("invalid-zero-initial-scale"));
    assert_eq!(
        zero.message.as_deref(),
        Some(
            "autoscaler.initial-scale: invalid value 0: must be at least 0 (or at least 1 when allow-zero-initial-scale is false)"
        )
    );
}

#[test]
fn yaml_scalars_read_like_configmap_strings() {
    let evaluation = evaluate_fixture("kserve-predictor-min0", "yaml-scalars");
    assert!(
        evaluation.scale_is("0", "10", "0"),
        "{:?}",
        evaluation.scale()
    );
}

#[test]
fn protocol_version_is_v1() {
    assert_eq!(policy().protocol_version().unwrap(), "v1");
}
