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

// A stopped model has no Knative Service (facts D.1): the page shows none, and the policy's
// silent accept.
#[test]
fn a_stopped_inference_service_shows_no_service() {
    let mut object = common::request("isvc-sklearn-max12-stopped")["object"].clone();
    let config = r#"{"max-scale": "5", "max-scale-limit": "10"}"#;
    let shown = Inputs::parse(&object.to_string(), config, "{}")
        .expect("JSON texts parse")
        .explain();
    assert_eq!(shown["verdict"], "accepted", "{shown}");
    assert_eq!(shown["warnings"], serde_json::json!([]));
    assert!(
        shown.get("before").is_none() && shown.get("component").is_none(),
        "{shown}"
    );
    object["metadata"]["annotations"] = serde_json::json!({});
    let running = Inputs::parse(&object.to_string(), config, "{}").expect("JSON texts parse");
    assert_eq!(running.explain()["component"], "predictor");
}
