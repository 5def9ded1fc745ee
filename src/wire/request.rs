//! The request: the `validate` payload, `{"request": AdmissionRequest, "settings": {...}}`, read
//! here rather than by the SDK's typed request: the SDK's error repeats the whole payload (objects
//! can hold credentials, and rejections are logged) and refuses fields the policy never reads,
//! such as a `null` uid. Errors name the field and the cause only. It is read in one pass that
//! builds only the settings and the request fields the policy reads; the objects stay JSON text.

use std::borrow::Cow;

use serde_json::Value;

use crate::wire::fields::{Shape, json_fields};
use crate::wire::json_values::json_type;
use crate::wire::object_view::{ObjectFields, ObjectView};

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

/// What the edge needs of an admission request: a few fields and the view of the object, read
/// in one pass. The objects are parsed whole only for a KServe kind; a mutation is written into
/// the payload's text.
#[derive(Clone, Debug)]
pub struct Admission<'a> {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub operation: String,
    /// `userInfo.username`; empty when absent, as in the audit scanner's requests.
    pub username: String,
    /// The request's namespace, else the object's (a hand-written request may name only the
    /// latter; the API server refuses an object whose namespace differs from the request's).
    pub namespace: String,
    pub object: ObjectView,
    /// The JSON text the request was read from, `{"request": {...}, ...}`.
    pub(crate) payload: Cow<'a, [u8]>,
}

json_fields! {
    /// The fields of an AdmissionRequest the policy reads in its first pass; `oldObject` is
    /// skipped.
    pub struct RequestFields {
        "kind" => kind: Value,
        "operation" => operation: Value,
        "userInfo" => user_info: Value,
        "namespace" => namespace: Value,
        "object" => object: Shape<ObjectFields>,
    }
}

impl<'a> Admission<'a> {
    /// From an AdmissionRequest as JSON (as the API server and kwctl send it). Only the fields
    /// the policy reads are checked; an error names the field, never the request's contents.
    pub fn from_json(request: Value) -> Result<Admission<'static>, String> {
        let payload = serde_json::to_vec(&serde_json::json!({ "request": request }))
            .map_err(|error| error.to_string())?;
        let request = request_fields(&payload)
            .map_err(|error| format!("request: not valid JSON ({error})"))?
            .unwrap_or(Shape::Null);
        Admission::from_payload(request, Cow::Owned(payload))
    }

    /// From the request's fields, read in the first pass over `payload`.
    pub fn from_payload(
        request: Shape<RequestFields>,
        payload: Cow<'a, [u8]>,
    ) -> Result<Admission<'a>, String> {
        let request = request
            .map()
            .map_err(|found| format!("request: expected a map, got {found}"))?;
        let kind = request.kind.unwrap_or_default();
        if !(kind.is_object() || kind.is_null()) {
            return Err(format!(
                "request.kind: expected a map, got {}",
                json_type(&kind)
            ));
        }
        let user_info = request.user_info.unwrap_or_default();
        let object = ObjectView::of(request.object);
        let mut namespace = text(request.namespace.as_ref(), "request.namespace")?;
        if namespace.is_empty() {
            namespace.clone_from(&object.namespace);
        }
        Ok(Admission {
            group: text(kind.get("group"), "request.kind.group")?,
            version: text(kind.get("version"), "request.kind.version")?,
            kind: text(kind.get("kind"), "request.kind.kind")?,
            operation: text(request.operation.as_ref(), "request.operation")?,
            username: text(user_info.get("username"), "request.userInfo.username")?,
            namespace,
            object,
            payload,
        })
    }

    /// The whole `object` and `oldObject` (null when absent), from a second pass that builds the
    /// whole payload: for the KServe kinds only, whose objects are small. It fails only on what the
    /// first pass skipped: nesting deeper than serde_json's limit, text it cannot build.
    pub(crate) fn whole_objects(&self) -> Result<(Value, Value), String> {
        let mut payload: Value = serde_json::from_slice(&self.payload)
            .map_err(|error| format!("invalid admission request: not valid JSON ({error})"))?;
        let mut take = |field: &str| {
            let object = payload.pointer_mut(&format!("/request/{field}"));
            object.map(Value::take).unwrap_or_default()
        };
        Ok((take("object"), take("oldObject")))
    }

    /// Kubewarden's audit scanner: each stored object as a synthetic CREATE without a user
    /// (rules section 8). An API server always names the user, and a mutating webhook sees a
    /// new object before it has a uid and a creation time.
    pub(crate) fn is_audit_scan(&self) -> bool {
        self.operation == "CREATE" && self.username.is_empty() && self.object.stored
    }
}

/// A string field, empty when absent or null.
fn text(value: Option<&Value>, path: &str) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(format!(
            "{path}: expected a string, got {}",
            json_type(other)
        )),
    }
}

/// The `validate` payload's two parts: the settings as JSON (the caller reads them, since they
/// are refused before the request is), and the request.
pub fn read(payload: &[u8]) -> Result<(Value, Result<Admission<'_>, String>), String> {
    let envelope = serde_json::from_slice::<Shape<EnvelopeFields>>(payload)
        .map_err(|error| format!("invalid admission request: not valid JSON ({error})"))?
        .map()
        .map_err(|found| {
            format!(
                "invalid admission request: expected a map with request and settings, got {found}"
            )
        })?;
    let settings = envelope
        .settings
        .ok_or("invalid admission request: settings: missing")?;
    let admission = envelope
        .request
        .ok_or_else(|| "invalid admission request: request: missing".to_string())
        .and_then(|request| {
            Admission::from_payload(request, Cow::Borrowed(payload))
                .map_err(|error| format!("invalid admission request: {error}"))
        });
    Ok((settings, admission))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The operation and kind read, or the error.
    fn read_json(value: Value) -> Result<(String, String), String> {
        let payload = serde_json::to_vec(&value).unwrap();
        read(&payload)
            .and_then(|(_, admission)| admission)
            .map(|admission| (admission.operation, admission.kind))
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
                json!({"settings": {}, "request": {"namespace": 3, "object": object}}),
                "invalid admission request: request.namespace: expected a string, got a number",
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
