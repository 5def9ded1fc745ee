//! JSON values as messages name them, and the one conversion of a JSON map of annotations into
//! the rules' string map (Kubernetes annotations are strings; anything else is a malformed
//! request, refused naming the key).

use serde_json::{Map, Value};

use crate::rules::annotations::Annotations;
use crate::rules::message::quote;

/// A JSON value's type as a message names it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A JSON value as a message shows it: strings quoted and cut like `quote`, other scalars as
/// written, lists and maps by their type only.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(text) => quote(text),
        Value::Null | Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(_) | Value::Object(_) => json_type(value).to_string(),
    }
}

/// The annotations of a JSON map; an error names the first key (at `path`) whose value is not a
/// string.
pub fn string_map(annotations: &Map<String, Value>, path: &str) -> Result<Annotations, String> {
    let mut strings = Annotations::new();
    for (key, value) in annotations {
        let Value::String(text) = value else {
            return Err(format!(
                "{path}[{}]: expected a string, got {}",
                quote(key),
                json_type(value)
            ));
        };
        strings.insert(key.clone(), text.clone());
    }
    Ok(strings)
}

/// The annotations as a JSON map (for a Service the policy did not admit, such as the one KServe
/// will build).
pub fn json_map(annotations: &Annotations) -> Map<String, Value> {
    let mut json = Map::new();
    for (key, value) in annotations.iter() {
        json.insert(key.to_string(), Value::String(value.to_string()));
    }
    json
}

/// Writes `keys` of `annotations` into the JSON map (absent keys removed); other keys stay.
pub fn write_keys<'a>(
    annotations: &Annotations,
    keys: impl IntoIterator<Item = &'a str>,
    json: &mut Map<String, Value>,
) {
    for key in keys {
        match annotations.get(key) {
            Some(value) => json.insert(key.to_string(), Value::String(value.to_string())),
            None => json.remove(key),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_described_without_their_contents_when_large() {
        assert_eq!(describe(&json!("min")), r#""min""#);
        assert_eq!(describe(&json!(3)), "3");
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!({"secret": "x"})), "a map");
        assert_eq!(describe(&json!(["x"])), "a list");
    }

    #[test]
    fn annotations_are_strings_or_refused_naming_the_key() {
        let map = json!({"a": "1", "b": "x"});
        let annotations = string_map(map.as_object().unwrap(), "p").unwrap();
        assert_eq!(annotations.get("b"), Some("x"));
        assert_eq!(Value::Object(json_map(&annotations)), map);
        let mut json = json!({"a": "0", "c": "kept"});
        write_keys(&annotations, ["a", "b", "z"], json.as_object_mut().unwrap());
        assert_eq!(json, json!({"a": "1", "b": "x", "c": "kept"}));
        let bad = json!({"a": "1", "k\"ey": 3});
        assert_eq!(
            string_map(bad.as_object().unwrap(), "p").unwrap_err(),
            r#"p["k\"ey"]: expected a string, got a number"#
        );
    }
}
