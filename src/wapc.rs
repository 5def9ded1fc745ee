//! The waPC functions on Kubewarden's SDK: requests and settings in, SDK responses out, and the
//! host capabilities the policy calls. Everything else is plain Rust shared with the playground.

use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use kubewarden_policy_sdk::wapc_guest::{CallResult, host_call};
use serde_json::Value;

use crate::admission::{self, evaluate};
use crate::config::settings::Settings;
use crate::verdict::{Outcome, Verdict};
use crate::wire::response::validation_response;

/// `validate`: an AdmissionRequest and the settings in, a ValidationResponse out.
pub fn validate(payload: &[u8]) -> CallResult {
    let verdict = match admission::read(payload) {
        Ok((admission, settings)) => evaluate(admission, &settings, host_get_resource),
        Err(message) => Verdict::plain(Outcome::Reject(message)),
    };
    Ok(validation_response(&verdict)?)
}

/// Kubewarden's `kubernetes/get_resource` host capability, as the SDK calls it.
fn host_get_resource(payload: &[u8]) -> Result<Vec<u8>, String> {
    host_call("kubewarden", "kubernetes", "get_resource", payload)
        .map_err(|error| error.to_string())
}

/// `validate_settings`: a verdict with a message, never a guest error.
pub fn validate_settings(payload: &[u8]) -> CallResult {
    let verdict = serde_json::from_slice::<Value>(payload)
        .map_err(|error| format!("settings: not valid JSON ({error})"))
        .and_then(|value| Settings::from_json(&value).map_err(|error| error.to_string()));
    let response = SettingsValidationResponse {
        valid: verdict.is_ok(),
        message: verdict.err(),
    };
    Ok(serde_json::to_vec(&response)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validate_settings_answers_with_a_verdict() {
        let answer = |payload: &[u8]| -> Value {
            serde_json::from_slice(&validate_settings(payload).unwrap()).unwrap()
        };
        assert_eq!(answer(b"{}"), json!({"valid": true, "message": null}));
        assert_eq!(
            answer(br#"{"defaultInitialScale": 1}"#),
            json!({"valid": false, "message": "defaultInitialScale: invalid value 1: expected \"min\", \"cluster\" or \"zero-or-cluster\""})
        );
        assert_eq!(answer(b"not json")["valid"], json!(false));
    }

    #[test]
    fn a_mutation_keeps_every_other_field() {
        use kubewarden_policy_sdk::response::ValidationResponse;
        let payload = json!({"settings": {}, "request": {"operation": "CREATE",
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
            "object": {"spec": {"template": {}}, "status": {"kept": [1, "x"]}}}});
        let mutated: ValidationResponse =
            serde_json::from_slice(&validate(&serde_json::to_vec(&payload).unwrap()).unwrap())
                .unwrap();
        let object = mutated.mutated_object.unwrap();
        assert_eq!(object["status"], json!({"kept": [1, "x"]}));
        assert_eq!(
            object["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"],
            "0"
        );
    }

    #[test]
    fn validate_answers_with_a_validation_response() {
        let payload = json!({"settings": {}, "request": {"operation": "CREATE",
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
            "object": {"spec": {"template": {}}}}});
        let answer: Value =
            serde_json::from_slice(&validate(&serde_json::to_vec(&payload).unwrap()).unwrap())
                .unwrap();
        assert_eq!(answer["accepted"], true);
        assert_eq!(
            answer["mutated_object"]["spec"]["template"]["metadata"]["annotations"]["autoscaling.knative.dev/initial-scale"],
            "1"
        );
        let answer: Value = serde_json::from_slice(&validate(b"{}").unwrap()).unwrap();
        assert_eq!(answer["accepted"], false);
    }
}
