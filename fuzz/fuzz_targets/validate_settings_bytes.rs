//! Raw bytes into the policy's `validate_settings`: a verdict, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let answer = knative_scale_policy::wapc::validate_settings(data).expect("a verdict");
    let answer: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON verdict");
    assert_eq!(answer["valid"].is_boolean(), true);
    assert_eq!(answer["valid"] == false, answer["message"].is_string());
});
