//! The AdmissionRequest as kwctl and the policy server read it before the policy sees it: the
//! same required fields and types (a request without `userInfo` is refused, as kwctl 1.35
//! refuses it), and the same re-serialization (fields the host does not know are dropped, absent
//! optional fields are left out). Checked against the real kwctl by `tests/kwctl_parity.rs`.

use std::collections::BTreeMap;
use std::fmt;

use anyhow::{Result, anyhow};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// A bare AdmissionRequest, or an AdmissionReview holding one, as `kwctl run --request-path`
/// takes it; the answer is the request the policy receives.
pub fn admission_request(input: Value) -> Result<Value> {
    let Value::Object(mut fields) = input else {
        return Err(anyhow!("Invalid request object"));
    };
    let request = if fields.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
        fields
            .remove("request")
            .ok_or_else(|| anyhow!("invalid AdmissionReview object"))?
    } else {
        Value::Object(fields)
    };
    let request: AdmissionRequest = serde_json::from_value(request)
        .map_err(|e| anyhow!("cannot build AdmissionRequest object from given input: {e}"))?;
    Ok(serde_json::to_value(request)?)
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdmissionRequest {
    uid: String,
    kind: GroupVersionKind,
    resource: GroupVersionResource,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_kind: Option<GroupVersionKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_resource: Option<GroupVersionResource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_sub_resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    operation: String,
    user_info: UserInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_object: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dry_run: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<Value>,
}

#[derive(Serialize, Deserialize)]
struct GroupVersionKind {
    group: String,
    version: String,
    kind: String,
}

#[derive(Serialize, Deserialize)]
struct GroupVersionResource {
    group: String,
    version: String,
    resource: String,
}

/// Kubernetes' `authentication/v1` UserInfo: every field optional, read only from a map (the
/// host's reader says "expected UserInfo" for anything else).
#[derive(Default, Serialize)]
struct UserInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    extra: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<String>,
}

impl<'de> Deserialize<'de> for UserInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UserInfoVisitor;
        impl<'de> Visitor<'de> for UserInfoVisitor {
            type Value = UserInfo;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("UserInfo")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UserInfo, A::Error> {
                let mut info = UserInfo::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "extra" => info.extra = map.next_value()?,
                        "groups" => info.groups = map.next_value()?,
                        "uid" => info.uid = map.next_value()?,
                        "username" => info.username = map.next_value()?,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(info)
            }
        }
        deserializer.deserialize_map(UserInfoVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request() -> Value {
        json!({
            "uid": "u", "operation": "CREATE", "userInfo": {"username": "alice"},
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
            "resource": {"group": "serving.knative.dev", "version": "v1", "resource": "services"},
            "object": {"kind": "Service"}
        })
    }

    fn refusal(request: Value) -> String {
        admission_request(request).unwrap_err().to_string()
    }

    #[test]
    fn the_fields_kwctl_requires_are_required() {
        for field in ["uid", "kind", "resource", "operation", "userInfo"] {
            let mut incomplete = request();
            incomplete.as_object_mut().unwrap().remove(field);
            assert_eq!(
                refusal(incomplete),
                format!(
                    "cannot build AdmissionRequest object from given input: missing field `{field}`"
                )
            );
        }
        let mut no_user = request();
        no_user["userInfo"] = Value::Null;
        assert_eq!(
            refusal(no_user),
            "cannot build AdmissionRequest object from given input: invalid type: null, expected UserInfo"
        );
    }

    #[test]
    fn an_empty_user_is_the_audit_scanners_and_is_kept_empty() {
        let mut scan = request();
        scan["userInfo"] = json!({});
        assert_eq!(admission_request(scan).unwrap()["userInfo"], json!({}));
    }

    #[test]
    fn what_the_host_does_not_know_is_dropped_and_absent_fields_stay_absent() {
        let mut extended = request();
        extended["x-unknown"] = json!(1);
        extended["userInfo"]["x-unknown"] = json!(2);
        extended["name"] = Value::Null;
        let read = admission_request(extended).unwrap();
        assert_eq!(read.get("x-unknown"), None);
        assert_eq!(read.get("name"), None);
        assert_eq!(read["userInfo"], json!({"username": "alice"}));
        assert_eq!(read["object"], json!({"kind": "Service"}));
    }

    #[test]
    fn an_admission_review_gives_its_request() {
        let review = json!({"kind": "AdmissionReview", "request": request()});
        assert_eq!(admission_request(review).unwrap()["uid"], "u");
        assert_eq!(
            refusal(json!({"kind": "AdmissionReview"})),
            "invalid AdmissionReview object"
        );
        assert_eq!(refusal(json!([1])), "Invalid request object");
    }
}
