//! The keys the policy owns on a template, shared by the tests and the fuzz targets (which build
//! without proptest, so this file depends on serde_json only).

use serde_json::Value;

pub const PREFIX: &str = "autoscaling.knative.dev/";
pub const RECORD_KEY: &str = "knative-scale-policy.github.io/resolved";

/// The scale keys and their aliases, without their prefix.
pub const SCALE_KEYS: [&str; 6] = [
    "min-scale",
    "max-scale",
    "initial-scale",
    "minScale",
    "maxScale",
    "initialScale",
];

/// The object with the keys the policy owns removed from its template annotations.
pub fn without_owned_keys(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(Value::Object(annotations)) =
        object.pointer_mut("/spec/template/metadata/annotations")
    {
        for name in SCALE_KEYS {
            annotations.remove(&format!("{PREFIX}{name}"));
        }
        annotations.remove(RECORD_KEY);
    }
    object
}
