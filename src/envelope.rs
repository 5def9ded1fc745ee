//! The `validate` payload, `{"request": AdmissionRequest, "settings": {...}}`, read here rather
//! than by the SDK's typed request: the SDK's error repeats the whole payload (objects can hold
//! credentials, and rejections are logged) and refuses fields the policy never reads, such as a
//! `null` uid. Errors name the field and the cause only. It is read in one pass that builds only
//! the settings and the request fields the policy reads; the objects stay JSON text.

use std::borrow::Cow;

use serde_json::Value;

use crate::admission::{Admission, RequestFields};
use crate::fields::{Shape, json_fields};
use crate::settings::Settings;

json_fields! {
    /// The payload read in one pass: the settings whole, the request's fields (see `Admission`).
    struct EnvelopeFields {
        "request" => request: Shape<RequestFields>,
        "settings" => settings: Value,
    }
}

/// The request's fields of a payload; `None` when it has no `request`.
pub(crate) fn request_fields(
    payload: &[u8],
) -> Result<Option<Shape<RequestFields>>, serde_json::Error> {
    let envelope = serde_json::from_slice::<Shape<EnvelopeFields>>(payload)?;
    Ok(envelope.into_map().and_then(|envelope| envelope.request))
}

pub fn read(payload: &[u8]) -> Result<(Admission<'_>, Settings), String> {
    let envelope = serde_json::from_slice::<Shape<EnvelopeFields>>(payload)
        .map_err(|error| format!("invalid admission request: not valid JSON ({error})"))?
        .map()
        .map_err(|found| {
            format!(
                "invalid admission request: expected a map with request and settings, got {found}"
            )
        })?;
    let settings = match &envelope.settings {
        Some(settings) => {
            Settings::from_json(settings).map_err(|error| format!("invalid settings: {error}"))?
        }
        None => return Err("invalid admission request: settings: missing".to_string()),
    };
    let request = envelope
        .request
        .ok_or("invalid admission request: request: missing")?;
    let admission = Admission::from_payload(request, Cow::Borrowed(payload))
        .map_err(|error| format!("invalid admission request: {error}"))?;
    Ok((admission, settings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The operation and kind read, or the error.
    fn read_json(value: Value) -> Result<(String, String), String> {
        let payload = serde_json::to_vec(&value).unwrap();
        read(&payload).map(|(admission, _)| (admission.operation, admission.kind))
    }

    #[test]
    fn fields_the_policy_does_not_read_may_be_null() {
        let (operation, kind) = read_json(json!({"settings": {}, "request": {
            "uid": null, "dryRun": null, "name": null, "operation": "CREATE",
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
            "object": {"spec": {}}}}))
        .unwrap();
        assert_eq!(operation, "CREATE");
        assert_eq!(kind, "Service");
    }

    #[test]
    fn errors_name_the_field_and_never_repeat_the_payload() {
        let secret = "s3cr3t-token-value";
        let object = json!({"spec": {"template": {"spec": {"containers": [
            {"env": [{"name": "TOKEN", "value": secret}]}]}}}});
        for (payload, expected) in [
            (
                json!({"settings": {}, "request": {"operation": 3, "object": object}}),
                "invalid admission request: request.operation: expected a string, got a number",
            ),
            (
                json!({"settings": {}, "request": {"kind": "Service", "object": object}}),
                "invalid admission request: request.kind: expected a map, got a string",
            ),
            (
                json!({"settings": {}, "request": {"userInfo": {"username": []}, "object": object}}),
                "invalid admission request: request.userInfo.username: expected a string, got a list",
            ),
            (
                json!({"settings": {"defaultInitialScale": 7}, "request": {"object": object}}),
                "invalid settings: defaultInitialScale: invalid value 7: expected \"min\" or \"cluster\"",
            ),
            (
                json!({"request": {"object": object}}),
                "invalid admission request: settings: missing",
            ),
            (
                json!({"settings": {}}),
                "invalid admission request: request: missing",
            ),
            (
                json!([object]),
                "invalid admission request: expected a map with request and settings, got a list",
            ),
        ] {
            let error = read_json(payload).unwrap_err();
            assert_eq!(error, expected);
            assert!(!error.contains(secret));
        }
        let cut = format!("{{\"settings\": {{}}, \"request\": {{\"object\": \"{secret}");
        let error = read(cut.as_bytes()).unwrap_err();
        assert!(
            error.starts_with("invalid admission request: not valid JSON (EOF while parsing"),
            "{error}"
        );
        assert!(!error.contains(secret));
    }
}
