//! Bad input through the built policy.wasm: every case gets a clear rejection or an unchanged
//! accept, and the host never sees a trap or a guest error.

mod common;

use common::*;
use serde_json::{Value, json};

fn annotations_value(value: Value) -> Value {
    let mut request = request("service-no-annotations");
    request["object"]["spec"]["template"]["metadata"]["annotations"] = value;
    request
}

/// Calls `validate` with raw bytes; a trap or guest error fails the test.
fn validate_raw(payload: &[u8]) -> Value {
    policy()
        .validate_raw(payload)
        .unwrap_or_else(|error| panic!("trap or guest error: {error:#}"))
}

#[test]
fn annotation_values_of_every_json_type_are_rejected_naming_the_key() {
    for (value, kind) in [
        (json!(null), "null"),
        (json!(true), "a boolean"),
        (json!(3), "a number"),
        (json!(["3"]), "a list"),
        (json!({"v": "3"}), "a map"),
    ] {
        let request = annotations_value(json!({"autoscaling.knative.dev/min-scale": value}));
        let evaluation = evaluate(&request, &json!({}));
        assert!(!evaluation.accepted());
        assert_eq!(
            evaluation.message(),
            format!(
                "spec.template.metadata.annotations[\"autoscaling.knative.dev/min-scale\"]: expected a string, got {kind}"
            )
        );
    }
    let unrelated = annotations_value(json!({"example.com/replicas": 3}));
    assert!(
        evaluate(&unrelated, &json!({}))
            .message()
            .contains("example.com/replicas")
    );
}

#[test]
fn annotations_that_are_not_a_map_are_rejected() {
    let evaluation = evaluate_fixture("service-annotations-not-a-map", "knative-defaults");
    assert!(!evaluation.accepted());
    assert_eq!(
        evaluation.message(),
        "spec.template.metadata.annotations: expected a map, got a list"
    );
    let evaluation = evaluate_fixture("service-annotation-not-a-string", "knative-defaults");
    assert!(
        evaluation
            .message()
            .contains("expected a string, got a number")
    );
}

#[test]
fn null_annotations_are_treated_as_absent() {
    let evaluation = evaluate(&annotations_value(Value::Null), &json!({}));
    assert!(evaluation.scale_is("0", "0", "1"));
}

#[test]
fn template_or_metadata_of_the_wrong_type_is_rejected() {
    let mut request = request("service-no-annotations");
    request["object"]["spec"]["template"] = json!("oops");
    assert_eq!(
        evaluate(&request, &json!({})).message(),
        "spec.template: expected a map, got a string"
    );
    request["object"]["spec"]["template"] = json!({"metadata": 7});
    assert_eq!(
        evaluate(&request, &json!({})).message(),
        "spec.template.metadata: expected a map, got a number"
    );
}

#[test]
fn a_request_without_object_is_accepted_unchanged() {
    let mut request = request("service-min1-max3");
    request.as_object_mut().unwrap().remove("object");
    let evaluation = evaluate(&request, &json!({}));
    assert!(evaluation.accepted() && !evaluation.mutated());
    request["object"] = json!("not an object");
    assert!(evaluate(&request, &json!({})).accepted());
}

#[test]
fn payloads_that_are_not_admission_requests_are_rejected() {
    for payload in [
        &b""[..],
        b"not json",
        b"[]",
        b"{\"request\": {}}",
        b"{\"settings\": {}}",
        b"{\"request\": 3, \"settings\": {}}",
        &[0xff, 0xfe, 0x00, 0x12],
    ] {
        let answer = validate_raw(payload);
        assert_eq!(
            answer["accepted"],
            false,
            "{:?}",
            String::from_utf8_lossy(payload)
        );
        let message = answer["message"].as_str().unwrap();
        assert!(
            message.starts_with("invalid admission request: "),
            "{message}"
        );
    }
}

#[test]
fn settings_of_every_wrong_type_are_refused_with_a_verdict() {
    for settings in [
        json!([]),
        json!("min"),
        json!(3),
        json!(true),
        json!({"autoscaler": []}),
        json!({"autoscaler": 3}),
        json!({"autoscaler": {"min-scale": null}}),
        json!({"autoscaler": {"min-scale": {"a": 1}}}),
        json!({"autoscaler": {"allow-zero-initial-scale": 2}}),
        json!({"defaultInitialScale": null}),
        json!({"defaultInitialScale": ["min"]}),
    ] {
        let verdict = policy()
            .validate_settings(&settings)
            .unwrap_or_else(|error| panic!("trap or guest error for {settings}: {error:#}"));
        assert!(!verdict.valid, "{settings}");
        let message = verdict.message.unwrap();
        assert!(
            message.starts_with("settings:")
                || message.starts_with("autoscaler")
                || message.starts_with("defaultInitialScale"),
            "{message}"
        );
        let evaluation = validate_raw(
            &serde_json::to_vec(
                &json!({"request": request("service-min1-max3"), "settings": settings}),
            )
            .unwrap(),
        );
        assert_eq!(evaluation["accepted"], false, "{settings}");
    }
    for raw in [&b"not json"[..], b"", b"{\"a\": "] {
        let verdict = policy().validate_settings_raw(raw).expect("no trap");
        assert!(!verdict.valid);
        assert!(
            verdict
                .message
                .unwrap()
                .starts_with("settings: not valid JSON")
        );
    }
}

#[test]
fn duplicate_keys_in_the_request_json_do_not_trap() {
    let payload = br#"{"settings": {}, "request": {"uid": "d", "operation": "CREATE",
        "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
        "object": {"kind": "Service", "spec": {"template": {"metadata": {"annotations": {
            "autoscaling.knative.dev/min-scale": "1",
            "autoscaling.knative.dev/min-scale": "abc"}}}}}}}"#;
    let answer = validate_raw(payload);
    // serde_json keeps the last duplicate, as Go's encoding/json does.
    assert_eq!(answer["accepted"], false);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("invalid value \"abc\"")
    );
    // A repeated operation is the last one too: a DELETE, accepted as it is; a CREATE, resolved.
    let with_operations = |first: &str, last: &str| {
        let payload = format!(
            r#"{{"settings": {{}}, "request": {{"operation": "{first}", "operation": "{last}",
            "kind": {{"group": "serving.knative.dev", "version": "v1", "kind": "Service"}},
            "object": {{"kind": "Service", "spec": {{"template": {{}}}}}}}}}}"#
        );
        validate_raw(payload.as_bytes())
    };
    let deleted = with_operations("CREATE", "DELETE");
    assert_eq!(deleted["accepted"], true);
    assert_eq!(deleted["mutated_object"], Value::Null);
    assert_eq!(deleted["message"], Value::Null);
    let created = with_operations("DELETE", "CREATE");
    assert_eq!(created["accepted"], true);
    assert_eq!(
        created["mutated_object"]["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/initial-scale"],
        "1"
    );
}

#[test]
fn nesting_deep_enough_to_defeat_a_recursive_parser_is_rejected() {
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let payload = format!(
        r#"{{"settings": {{}}, "request": {{"operation": "CREATE", "kind": {{"group": "serving.knative.dev", "version": "v1", "kind": "Service"}}, "object": {{"spec": {{"template": {{}}, "x": {nested}}}}}}}}}"#
    );
    let answer = validate_raw(payload.as_bytes());
    assert_eq!(answer["accepted"], false);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("recursion limit exceeded")
    );
}

#[test]
fn a_ten_megabyte_object_is_resolved_and_kept_intact() {
    let mut request = request("service-min1-max3");
    let blob: Vec<String> = (0..100_000).map(|i| format!("{i:0>100}")).collect();
    request["object"]["spec"]["template"]["spec"]["x-blob"] = json!(blob);
    let size = serde_json::to_vec(&request).unwrap().len();
    assert!(size > 10_000_000, "{size}");
    let evaluation = evaluate(&request, &json!({}));
    assert!(evaluation.accepted());
    assert!(evaluation.scale_is("1", "3", "1"));
    let paths: Vec<Value> = evaluation
        .patch()
        .as_array()
        .unwrap()
        .iter()
        .map(|op| op["path"].clone())
        .collect();
    assert!(paths.iter().all(|p| {
        p.as_str()
            .unwrap()
            .starts_with("/spec/template/metadata/annotations/")
    }));
    assert_eq!(
        evaluation.object()["spec"]["template"]["spec"]["x-blob"],
        request["object"]["spec"]["template"]["spec"]["x-blob"]
    );
}

// Section 4: a rejection never repeats the request, whatever the SDK would have failed on.
#[test]
fn fields_the_policy_does_not_read_may_be_null() {
    let mut request = request("service-min1-max3");
    for field in [
        "dryRun",
        "name",
        "namespace",
        "options",
        "requestKind",
        "requestResource",
    ] {
        request[field] = Value::Null;
    }
    let evaluation = evaluate(&request, &json!({}));
    assert!(evaluation.accepted(), "{}", evaluation.message());
    assert!(evaluation.scale_is("1", "3", "1"));
    // The host refuses a null uid or resource before the policy is called (as kwctl does);
    // sent anyway, the policy answers as if they were absent.
    for field in ["uid", "resource"] {
        let mut request = request.clone();
        request[field] = Value::Null;
        let refusal = policy().validate(&request, &json!({})).unwrap_err();
        assert!(
            refusal.to_string().starts_with(
                "cannot build AdmissionRequest object from given input: invalid type: null"
            ),
            "{refusal:#}"
        );
        let payload = serde_json::to_vec(&json!({"request": request, "settings": {}})).unwrap();
        let answer = validate_raw(&payload);
        assert_eq!(answer["accepted"], true, "{answer}");
    }
}

#[test]
fn rejections_name_the_field_and_never_echo_the_request() {
    let secret = "AKIA-very-secret-credential";
    let mut request = request("service-min1-max3");
    request["object"]["spec"]["template"]["spec"]["containers"][0]["env"] =
        json!([{"name": "AWS_SECRET", "value": secret}]);
    let blob: Vec<String> = (0..20_000).map(|i| format!("{i:0>80}")).collect();
    request["object"]["spec"]["x-blob"] = json!(blob);
    let cases: Vec<(Value, Value, &str)> = vec![
        (
            {
                let mut r = request.clone();
                r["operation"] = json!(null);
                r["kind"]["kind"] = json!(7);
                r
            },
            json!({}),
            "invalid admission request: request.kind.kind: expected a string, got a number",
        ),
        (
            request.clone(),
            json!({"autoscaler": {"initial-scale": "0"}}),
            "invalid settings: autoscaler.initial-scale: invalid value 0: must be at least 0 (or at least 1 when allow-zero-initial-scale is false)",
        ),
        (
            {
                let mut r = request.clone();
                r["object"]["spec"]["template"]["metadata"]["annotations"]
                    [format!("{PREFIX}min-scale")] =
                    json!(format!("x{secret}\"{}", "9".repeat(500)));
                r
            },
            json!({}),
            "autoscaling.knative.dev/min-scale: invalid value \"xAKIA-very-secret-credential\\\"99999999999999999999999999999999999\"... (529 characters): expected an integer 0 <= n <= 2147483647",
        ),
    ];
    for (request, settings, expected) in cases {
        let payload =
            serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
        assert!(payload.len() > 1_000_000);
        let answer = validate_raw(&payload);
        assert_eq!(answer["accepted"], false);
        assert_eq!(answer["message"], expected);
    }
}

#[test]
fn a_truncated_payload_is_rejected_without_echoing_it() {
    let payload =
        serde_json::to_vec(&json!({"settings": {}, "request": request("service-min1-max3")}))
            .unwrap();
    let answer = validate_raw(&payload[..payload.len() / 2]);
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.starts_with("invalid admission request: not valid JSON (EOF while parsing"),
        "{message}"
    );
    assert!(message.len() < 120, "{message}");
}

// Section 6: where to read config-autoscaler must be a valid Kubernetes name.
#[test]
fn autoscaler_config_map_must_name_a_kubernetes_object() {
    for (reference, field) in [
        (json!({"namespace": "a/b"}), "namespace"),
        (json!({"namespace": "Knative-Serving"}), "namespace"),
        (json!({"name": "config_autoscaler"}), "name"),
        (json!({"name": ""}), "name"),
    ] {
        let verdict = policy()
            .validate_settings(&json!({"autoscalerConfigMap": reference}))
            .expect("no trap");
        assert!(!verdict.valid, "{reference}");
        let message = verdict.message.unwrap();
        assert!(
            message.starts_with(&format!("autoscalerConfigMap.{field}: invalid value")),
            "{message}"
        );
    }
    let verdict = policy()
        .validate_settings(
            &json!({"autoscalerConfigMap": {"namespace": "serving", "name": "config.autoscaler"}}),
        )
        .unwrap();
    assert!(verdict.valid);
}

// Section 6: an unknown key is named first, quoted when it is not a plain name, and cut.
#[test]
fn unknown_setting_keys_are_named_quoted_and_cut() {
    let message = |settings: Value| {
        let verdict = policy().validate_settings(&settings).expect("no trap");
        assert!(!verdict.valid, "{settings}");
        verdict.message.unwrap()
    };
    assert_eq!(
        message(json!({"autoscalerConfigMap": {"ns": "knative-serving"}})),
        "autoscalerConfigMap.ns: unknown key: the keys are namespace and name"
    );
    let odd = format!("a\"b\n{}", "x".repeat(500));
    let text = message(json!({ odd: 1 }));
    assert!(
        text.starts_with(r#""a\"b\nxxx"#)
            && text.contains("... (504 characters): unknown, not one of "),
        "{text}"
    );
    assert!(text.len() < 256, "{} characters", text.len());
}
