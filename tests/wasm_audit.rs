//! Kubewarden's audit scanner (rules section 8), through the built policy.wasm: each stored object
//! comes as a synthetic CREATE with no user, and the policy answers with what it would do at the
//! object's next update, so the PolicyReport lists the Services it would change.

mod common;

use common::*;
use serde_json::{Value, json};

/// The request the audit scanner builds for an object as the API server stores it (Go's
/// AdmissionRequest, kubewarden-conventions.md section 8): the object's uid, the kind where the
/// resource should be, no requestResource, an empty `userInfo` (Go writes `{}`), and the empty
/// oldObject and options Go writes as `null`.
fn as_audit_scan(request: Value, stored: &Value) -> Value {
    let mut object = stored.clone();
    let uid = "3f1d2c4b-5a69-4e7d-8c0b-1a2b3c4d5e6f";
    object["metadata"]["uid"] = json!(uid);
    object["metadata"]["creationTimestamp"] = json!("2026-10-01T08:00:00Z");
    object["metadata"]["resourceVersion"] = json!("81234");
    json!({
        "uid": uid,
        "kind": request["kind"],
        "resource": {
            "group": request["kind"]["group"],
            "version": request["kind"]["version"],
            "resource": stored["kind"],
        },
        "requestKind": request["kind"],
        "name": request["name"],
        "namespace": request["namespace"],
        "operation": "CREATE",
        "userInfo": {},
        "object": object,
        "oldObject": null,
        "options": null,
    })
}

fn fixture_as_stored(name: &str) -> Value {
    let request = request(name);
    let object = request["object"].clone();
    as_audit_scan(request, &object)
}

#[test]
fn a_stored_service_the_policy_would_change_fails_the_audit_naming_each_change() {
    let evaluation = evaluate(
        &fixture_as_stored("kserve-predictor-min1-max3"),
        &settings("initial-scale-5"),
    );
    assert!(!evaluation.accepted());
    assert!(!evaluation.mutated());
    assert_eq!(
        evaluation.message(),
        "not yet resolved by knative-scale-policy; its next update gets \
         autoscaling.knative.dev/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
    );
    let plain = evaluate(
        &fixture_as_stored("service-no-annotations"),
        &settings("knative-defaults"),
    );
    assert_eq!(
        plain.message(),
        "not yet resolved by knative-scale-policy; its next update gets \
         autoscaling.knative.dev/min-scale set to 0: the cluster min-scale is 0; \
         autoscaling.knative.dev/max-scale set to 0: the cluster max-scale is 0; \
         autoscaling.knative.dev/initial-scale set to 1: min-scale is 0 but the cluster does not allow an initial-scale of 0 (allow-zero-initial-scale is false)"
    );
}

#[test]
fn a_stored_service_already_resolved_passes_the_audit() {
    let settings = settings("initial-scale-5");
    let created = evaluate_fixture("kserve-predictor-min1-max3", "initial-scale-5");
    assert!(created.mutated());
    let audit = evaluate(
        &as_audit_scan(request("kserve-predictor-min1-max3"), &created.object()),
        &settings,
    );
    assert!(audit.accepted() && !audit.mutated(), "{}", audit.message());
}

#[test]
fn a_stored_service_with_every_key_explicit_passes_the_audit() {
    let evaluation = evaluate(
        &fixture_as_stored("service-all-explicit"),
        &settings("knative-defaults"),
    );
    assert!(
        evaluation.accepted() && !evaluation.mutated(),
        "{}",
        evaluation.message()
    );
}

#[test]
fn a_service_written_only_under_aliases_fails_the_audit_for_its_key_names() {
    let mut request = fixture_as_stored("service-all-explicit");
    request["object"]["spec"]["template"]["metadata"]["annotations"] = json!({
        "autoscaling.knative.dev/minScale": "1",
        "autoscaling.knative.dev/maxScale": "5",
        "autoscaling.knative.dev/initialScale": "2"
    });
    let evaluation = evaluate(&request, &settings("knative-defaults"));
    assert!(!evaluation.accepted());
    assert_eq!(
        evaluation.message(),
        "not yet resolved by knative-scale-policy; its next update gets its scale annotations rewritten under their canonical keys"
    );
}

#[test]
fn the_audit_fixture_is_the_request_the_scanner_builds() {
    let scan = request("audit-scan-kserve-predictor-min1-max3");
    let keys: Vec<&str> = scan
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "uid",
        "kind",
        "resource",
        "requestKind",
        "name",
        "namespace",
        "operation",
        "userInfo",
        "object",
        "oldObject",
        "options",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(scan["userInfo"], json!({}));
    assert_eq!(scan["resource"]["resource"], scan["kind"]["kind"]);
    assert_eq!(scan["uid"], scan["object"]["metadata"]["uid"]);
    assert_eq!(scan, fixture_as_stored_like(&scan));
}

/// `as_audit_scan` of the object a scan fixture holds, from a user's request for it.
fn fixture_as_stored_like(scan: &Value) -> Value {
    let mut user_request = scan.clone();
    user_request["userInfo"] = json!({"username": "alice@example.com"});
    as_audit_scan(user_request, &scan["object"])
}

#[test]
fn audit_changes_false_answers_the_scanner_like_any_create() {
    let settings = json!({"autoscaler": {"initial-scale": "5"}, "auditChanges": false});
    let evaluation = evaluate(&fixture_as_stored("kserve-predictor-min1-max3"), &settings);
    assert!(evaluation.accepted() && evaluation.mutated());
    assert!(evaluation.scale_is("1", "3", "1"));
}

#[test]
fn ordinary_creates_and_updates_are_not_audits() {
    let settings = settings("initial-scale-5");
    // A user's CREATE: a user, and no uid yet (the API server sets it after mutation).
    let create = evaluate_fixture("kserve-predictor-min1-max3", "initial-scale-5");
    assert!(create.accepted() && create.mutated());
    // A stored object sent by a user (kubectl create of an exported object) is a write too.
    let mut exported = fixture_as_stored("kserve-predictor-min1-max3");
    exported["userInfo"] = json!({"username": "alice@example.com"});
    assert!(evaluate(&exported, &settings).mutated());
    // An UPDATE without a user is not the scanner's synthetic CREATE.
    let mut update = fixture_as_stored("kserve-predictor-min1-max3");
    update["operation"] = json!("UPDATE");
    assert!(evaluate(&update, &settings).mutated());
    // A CREATE without a user but of an object not yet stored.
    let mut unsaved = fixture_as_stored("kserve-predictor-min1-max3");
    unsaved["object"]["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("uid");
    assert!(evaluate(&unsaved, &settings).mutated());
}

#[test]
fn invalid_stored_objects_fail_the_audit_with_the_rules_message() {
    let evaluation = evaluate(
        &fixture_as_stored("service-min-abc"),
        &settings("knative-defaults"),
    );
    assert!(!evaluation.accepted());
    assert_eq!(
        evaluation.message(),
        "autoscaling.knative.dev/min-scale: invalid value \"abc\": expected an integer 0 <= n <= 2147483647"
    );
}

// Section 11: the audit answer sees the profile as the next update would apply it, and an object
// whose profile keys are in place passes.
#[test]
fn the_audit_names_what_a_profile_would_fill_and_passes_once_it_is_filled() {
    let settings = settings("profiles");
    let evaluation = evaluate(&fixture_as_stored("service-no-annotations"), &settings);
    assert!(!evaluation.accepted());
    let message = evaluation.message();
    assert!(
        message.ends_with("; profile gpu-llm: target=1, window=120s, scale-down-delay=15m"),
        "{message}"
    );
    let request = request("service-no-annotations");
    let resolved = evaluate(&request, &settings);
    assert!(resolved.mutated());
    let stored = as_audit_scan(request, &resolved.object());
    let audit = evaluate(&stored, &settings);
    assert!(audit.accepted(), "{}", audit.message());
    assert!(!audit.mutated());
}
