//! The AdmissionResponse `kwctl run` prints, built from the request and the policy's answer.

use std::collections::HashMap;

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<String>,
    /// Base64 of an RFC 6902 JSON Patch from the request's object to the mutated object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    pub audit_annotations: Option<HashMap<String, String>>,
    pub warnings: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Status {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

impl AdmissionResponse {
    /// From the policy's ValidationResponse, as Kubewarden's policy evaluator builds it.
    pub fn from_validation(request: &Value, validation: &Value) -> AdmissionResponse {
        let uid = request["uid"].as_str().unwrap_or_default().to_string();
        let accepted = validation["accepted"].as_bool().unwrap_or(false);
        let message = validation["message"].as_str().map(str::to_string);
        let code = validation["code"]
            .as_u64()
            .and_then(|c| u16::try_from(c).ok());
        let status = (message.is_some() || code.is_some()).then_some(Status { message, code });
        let patch = match validation.get("mutated_object") {
            Some(mutated) if accepted && !mutated.is_null() => {
                let ops = json_patch::diff(&request["object"], mutated);
                (!ops.is_empty()).then(|| {
                    let text = serde_json::to_vec(&ops).expect("a JSON patch serializes");
                    base64::engine::general_purpose::STANDARD.encode(text)
                })
            }
            _ => None,
        };
        AdmissionResponse {
            uid,
            allowed: accepted,
            patch_type: patch.as_ref().map(|_| "JSONPatch".to_string()),
            patch,
            status,
            audit_annotations: serde_json::from_value(validation["audit_annotations"].clone())
                .ok()
                .flatten(),
            warnings: serde_json::from_value(validation["warnings"].clone())
                .ok()
                .flatten(),
        }
    }

    /// What kwctl answers when the policy fails (a guest error or a trap).
    pub fn internal_error(request: &Value, error: &anyhow::Error) -> AdmissionResponse {
        AdmissionResponse {
            uid: request["uid"].as_str().unwrap_or_default().to_string(),
            allowed: false,
            patch_type: None,
            patch: None,
            status: Some(Status {
                message: Some(format!("internal server error: {error}")),
                code: Some(500),
            }),
            audit_annotations: None,
            warnings: None,
        }
    }

    /// The decoded patch, for tests and for `make run`.
    pub fn patch_operations(&self) -> Option<Value> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(self.patch.as_ref()?)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    }
}
