//! The playground's answer equals the policy's, evaluated through the waPC host from the built
//! policy.wasm, on generated Services, config-autoscaler data and settings.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::generate::{knative_request, valid_settings};
use knative_scale_playground::Inputs;
use proptest::prelude::*;
use serde_json::Value;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn playground_equals_the_policy(request in knative_request(), (settings, _) in valid_settings()) {
        let config = settings["autoscaler"].to_string();
        let mut policy_settings = settings.clone();
        policy_settings.as_object_mut().unwrap().remove("autoscaler");
        let inputs = Inputs::parse(&request["object"].to_string(), &config, &policy_settings.to_string())
            .expect("JSON texts parse");
        let shown = inputs.explain();
        prop_assert_ne!(&shown["verdict"], "error", "{}", shown["error"]);

        let evaluation = common::evaluate(&shown["request"], &shown["settings"]);
        prop_assert_eq!(shown["verdict"] != "rejected", evaluation.accepted());
        prop_assert_eq!(&shown["after"], &Value::Object(evaluation.annotations()));
        prop_assert_eq!(&shown["warnings"], &serde_json::to_value(evaluation.warnings()).unwrap());
        if !evaluation.accepted() {
            let message = evaluation.message();
            prop_assert_eq!(shown["message"].as_str(), Some(message.as_str()));
        }
        let patch = evaluation.patch();
        let expected_patch = if patch.is_null() { Value::Array(vec![]) } else { patch };
        prop_assert_eq!(&shown["patch"], &expected_patch);
    }
}
