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

/// A setting of named entries (`namespaces`, `profiles`): a map from a name (a DNS-1123 label)
/// to its entry, or the same as a list of maps with a `name` key, which Kubewarden's settings
/// forms can edit (rules section 11). The entries by name, each with its path for errors.
pub(crate) fn named_entries(
    value: &Value,
    setting: &str,
    noun: &str,
    expected: &str,
) -> Result<Vec<(String, String, Value)>, SettingsError> {
    let mut entries: Vec<(String, String, Value)> = Vec::new();
    let mut add = |name: &str, entry: Value| {
        let path = format!("{setting}.{}", path_segment(name));
        if !is_dns1123_label(name) {
            let rule = format!(
                "invalid {noun} name: expected a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"
            );
            return Err(SettingsError::new(path, rule));
        }
        if entries.iter().any(|(known, _, _)| known == name) {
            return Err(SettingsError::new(path, "the name is given twice"));
        }
        entries.push((name.to_string(), path, entry));
        Ok(())
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (name, entry) in map {
                add(name, entry.clone())?;
            }
        }
        Value::Array(list) => {
            for (index, item) in list.iter().enumerate() {
                let at = format!("{setting}[{index}]");
                let Value::Object(fields) = item else {
                    let rule = format!("expected a map with a name, got {}", json_type(item));
                    return Err(SettingsError::new(at, rule));
                };
                let mut fields = fields.clone();
                let name = match fields.remove("name") {
                    Some(Value::String(name)) => name,
                    other => {
                        let found = other.as_ref().map_or("nothing", json_type);
                        let rule = format!("expected the entry's name as a string, got {found}");
                        return Err(SettingsError::new(format!("{at}.name"), rule));
                    }
                };
                add(&name, Value::Object(fields))?;
            }
        }
        other => {
            let rule = format!("expected {expected}, got {}", json_type(other));
            return Err(SettingsError::new(setting, rule));
        }
    }
    Ok(entries)
}

/// A field a settings form left empty: `null`, or the empty text a form writes for a field
/// cleared after typing. In an entry of `namespaces` or `profiles`, and as `defaultProfile`, it
/// is a field not set.
pub(crate) fn is_unset(value: &Value) -> bool {
    value.is_null() || value.as_str() == Some("")
}

/// An entry's value as config-autoscaler data holds it (`"4"`, or a plain YAML number), `None`
/// for a field left empty; `path` names it in the error.
pub(crate) fn entry_text(value: &Value, path: &str) -> Result<Option<String>, SettingsError> {
    match value {
        _ if is_unset(value) => Ok(None),
        Value::String(text) => Ok(Some(text.clone())),
        Value::Number(number) => Ok(Some(number.to_string())),
        other => {
            let rule = format!("expected a string or a number, got {}", json_type(other));
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
