//! Raw bytes into the policy's `validate`: it must answer, never panic; and when it answers with a
//! mutation of a payload that parses, the two readers agree: the mutated object is the payload's
//! `request.object` (as serde_json reads it, the last of repeated keys) with only
//! `spec.template.metadata` replaced, and within that metadata only the policy's own keys of the
//! annotations differ.
#![no_main]

use knative_scale_policy::rules::plan::Plan;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let answer = knative_scale_policy::wapc::validate(data).expect("validate answers");
    let answer: Value = serde_json::from_slice(&answer).expect("a JSON answer");
    assert!(answer["accepted"].is_boolean());
    let mutated = &answer["mutated_object"];
    let Ok(payload) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if mutated.is_null() {
        return;
    }
    let resolved = &mutated["spec"]["template"]["metadata"];
    let mut expected = payload["request"]["object"].clone();
    let before = expected["spec"]["template"]["metadata"].take();
    expected["spec"]["template"]["metadata"] = resolved.clone();
    assert_eq!(mutated, &expected, "only spec.template.metadata changes");
    let owned: Vec<&str> = Plan::keys().collect();
    let others = |metadata: &Value| -> Vec<(String, Value)> {
        let mut metadata = metadata.as_object().cloned().unwrap_or_default();
        let annotations = metadata.remove("annotations").unwrap_or_default();
        let mut rest: Vec<(String, Value)> = metadata.into_iter().collect();
        let annotations = annotations.as_object().cloned().unwrap_or_default();
        rest.extend(
            annotations
                .into_iter()
                .filter(|(key, _)| !owned.contains(&key.as_str()))
                .map(|(key, value)| (format!("annotations/{key}"), value)),
        );
        rest
    };
    assert_eq!(others(resolved), others(&before), "only the policy's keys change");
});
