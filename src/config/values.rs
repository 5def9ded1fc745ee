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

/// An entry of a setting of named entries: its name, its path for errors, and its fields as
/// written (borrowed: settings are read on every request).
pub(crate) struct Named<'a> {
    pub name: &'a str,
    pub path: String,
    entry: &'a Value,
    /// From the list form, whose `name` field is the entry's name, not one of its fields.
    listed: bool,
}

impl<'a> Named<'a> {
    /// The entry's fields (none for `null`); an error naming the entry when it is not a map.
    pub fn fields(
        &self,
        expected: &str,
    ) -> Result<impl Iterator<Item = (&'a String, &'a Value)> + use<'a>, SettingsError> {
        let listed = self.listed;
        let fields = map_or_null(self.entry, &self.path, expected)?;
        Ok(fields
            .into_iter()
            .flatten()
            .filter(move |(key, _)| !(listed && key.as_str() == "name")))
    }
}

/// A setting of named entries (`namespaces`, `profiles`): a map from a name (a DNS-1123 label)
/// to its entry, or the same as a list of maps with a `name` key, which Kubewarden's settings
/// forms can edit (rules section 11).
pub(crate) fn named_entries<'a>(
    value: &'a Value,
    setting: &str,
    noun: &str,
    expected: &str,
) -> Result<Vec<Named<'a>>, SettingsError> {
    let mut entries: Vec<Named<'a>> = Vec::new();
    let mut add = |name: &'a str, entry: &'a Value, listed: bool| {
        let path = format!("{setting}.{}", path_segment(name));
        if !is_dns1123_label(name) {
            let rule = format!(
                "invalid {noun} name: expected a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)"
            );
            return Err(SettingsError::new(path, rule));
        }
        if entries.iter().any(|known| known.name == name) {
            return Err(SettingsError::new(path, "the name is given twice"));
        }
        entries.push(Named {
            name,
            path,
            entry,
            listed,
        });
        Ok(())
    };
    match value {
        Value::Null => {}
        Value::Object(map) => {
            for (name, entry) in map {
                add(name, entry, false)?;
            }
        }
        Value::Array(list) => {
            for (index, item) in list.iter().enumerate() {
                let at = format!("{setting}[{index}]");
                let Value::Object(fields) = item else {
                    let rule = format!("expected a map with a name, got {}", json_type(item));
                    return Err(SettingsError::new(at, rule));
                };
                match fields.get("name") {
                    Some(Value::String(name)) => add(name, item, true)?,
                    other => {
                        let found = other.map_or("nothing", json_type);
                        let rule = format!("expected the entry's name as a string, got {found}");
                        return Err(SettingsError::new(format!("{at}.name"), rule));
                    }
                }
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
