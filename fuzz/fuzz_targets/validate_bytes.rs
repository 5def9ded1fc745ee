//! Raw bytes into the policy's `validate`: it must answer, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let answer = knative_scale_policy::wapc::validate(data).expect("validate answers");
    let answer: serde_json::Value = serde_json::from_slice(&answer).expect("a JSON answer");
    assert!(answer["accepted"].is_boolean());
});
