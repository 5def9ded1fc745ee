//! A template's annotations as the admitted JSON holds them: the one implementation of the
//! core's `Annotations` view, and the check, done once at the edge, that every value is a string
//! (Kubernetes annotations are a map of strings; anything else is a malformed request).

use serde_json::{Map, Value};

use crate::keys::{Annotations, AnnotationsMut};
use crate::message::{json_type, quote};

impl Annotations for Map<String, Value> {
    /// After `only_strings`, every value is a string; anything else reads as absent.
    fn get(&self, key: &str) -> Option<&str> {
        Map::get(self, key).and_then(Value::as_str)
    }
}

impl AnnotationsMut for Map<String, Value> {
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_string(), Value::String(value));
    }

    fn remove(&mut self, key: &str) {
        Map::remove(self, key);
    }
}

/// An error naming the first annotation whose value is not a string; `path` locates the map.
pub fn only_strings(annotations: &Map<String, Value>, path: &str) -> Result<(), String> {
    match annotations.iter().find(|(_, value)| !value.is_string()) {
        Some((key, value)) => Err(format!(
            "{path}[{}]: expected a string, got {}",
            quote(key),
            json_type(value)
        )),
        None => Ok(()),
    }
}
