//! How the settings' values are read: the error that names the setting at fault, and the shapes
//! and names every setting checks.

use std::fmt;

use serde_json::Value;

use crate::rules::message::quote;
use crate::wire::json_values::{describe, json_type};

/// Why settings are refused: the setting at fault, as a dotted path (`settings` for the whole),
/// and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsError {
    pub path: String,
    pub message: String,
}

impl SettingsError {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        SettingsError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A setting that is a map: `None` for null (its default), an error naming `path` for anything
/// but a map.
pub(crate) fn map_or_null<'a>(
    value: &'a Value,
    path: &str,
    expected: &str,
) -> Result<Option<&'a serde_json::Map<String, Value>>, SettingsError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(fields) => Ok(Some(fields)),
        other => {
            let rule = format!("expected {expected}, got {}", json_type(other));
            Err(SettingsError::new(path, rule))
        }
    }
}

pub(crate) fn invalid_value(path: &str, value: &Value, expected: &str) -> SettingsError {
    let rule = format!("invalid value {}: expected {expected}", describe(value));
    SettingsError::new(path, rule)
}

/// A key as written in the settings, quoted when it is not a plain name (or is a long one).
pub(crate) fn path_segment(key: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !key.is_empty() && key.len() <= 64 && key.chars().all(plain) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// Kubernetes' `IsDNS1123Label`: what a namespace's name must be.
pub(crate) fn is_dns1123_label(text: &str) -> bool {
    let bytes = text.as_bytes();
    let alphanumeric = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (1..=63).contains(&bytes.len())
        && bytes.first().is_some_and(alphanumeric)
        && bytes.last().is_some_and(alphanumeric)
        && bytes.iter().all(|b| alphanumeric(b) || *b == b'-')
}

/// Kubernetes' `IsDNS1123Subdomain`: what a ConfigMap's name must be.
pub(crate) fn is_dns1123_subdomain(text: &str) -> bool {
    text.len() <= 253 && text.split('.').all(is_dns1123_label)
}
