//! Helpers for the sentences the policy answers with. A message names the field and the rule and
//! quotes at most the offending value, never the request: objects can hold credentials, and
//! rejections are logged.

use serde_json::Value;

/// The most characters of a user's value a message repeats.
const QUOTED_CHARS: usize = 64;

/// `text` as a JSON string literal (so `a"b` reads `"a\"b"`), cut to 64 characters.
pub fn quote(text: &str) -> String {
    match head(text, QUOTED_CHARS) {
        None => Value::from(text).to_string(),
        Some(head) => format!(
            "{}... ({} characters)",
            Value::from(head),
            text.chars().count()
        ),
    }
}

/// `text` cut to `max` characters, with `...` when cut.
pub fn cut(text: &str, max: usize) -> String {
    match head(text, max) {
        None => text.to_string(),
        Some(head) => format!("{head}..."),
    }
}

/// The first `max` characters of `text`, when it has more.
fn head(text: &str, max: usize) -> Option<&str> {
    text.char_indices().nth(max).map(|(end, _)| &text[..end])
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quoted_values_are_unambiguous() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote("line\nbreak"), r#""line\nbreak""#);
        assert_eq!(quote("abc"), r#""abc""#);
    }

    #[test]
    fn long_values_are_cut_to_64_characters() {
        let quoted = quote(&"9".repeat(400));
        assert_eq!(
            quoted,
            format!("\"{}\"... (400 characters)", "9".repeat(64))
        );
        assert_eq!(quote(&"é".repeat(64)), format!("\"{}\"", "é".repeat(64)));
    }

    #[test]
    fn values_are_described_without_their_contents_when_large() {
        assert_eq!(describe(&json!("min")), r#""min""#);
        assert_eq!(describe(&json!(3)), "3");
        assert_eq!(describe(&json!(null)), "null");
        assert_eq!(describe(&json!({"secret": "x"})), "a map");
        assert_eq!(describe(&json!(["x"])), "a list");
    }
}
