//! Helpers for the sentences the policy answers with. A message names the field and the rule and
//! quotes at most the offending value, never the request: objects can hold credentials, and
//! rejections are logged.

/// The most characters of a user's value a message repeats.
const QUOTED_CHARS: usize = 64;

/// `text` as a JSON string literal (so `a"b` reads `"a\"b"`), cut to 64 characters.
pub fn quote(text: &str) -> String {
    match head(text, QUOTED_CHARS) {
        None => string_literal(text),
        Some(head) => format!(
            "{}... ({} characters)",
            string_literal(head),
            text.chars().count()
        ),
    }
}

/// A JSON string literal, escaped as serde_json writes one: quotes, backslashes and control
/// characters below U+0020; nothing else.
fn string_literal(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut literal = String::with_capacity(text.len() + 2);
    literal.push('"');
    for c in text.chars() {
        let short = match c {
            '"' | '\\' => Some(c),
            '\n' => Some('n'),
            '\r' => Some('r'),
            '\t' => Some('t'),
            '\u{8}' => Some('b'),
            '\u{c}' => Some('f'),
            _ => None,
        };
        match short {
            Some(escaped) => {
                literal.push('\\');
                literal.push(escaped);
            }
            None if (c as u32) < 0x20 => {
                literal.push_str("\\u00");
                literal.push(char::from(HEX[(c as usize) >> 4]));
                literal.push(char::from(HEX[(c as usize) & 0xf]));
            }
            None => literal.push(c),
        }
    }
    literal.push('"');
    literal
}

/// `text` cut to `max` characters, with `...` when cut.
pub fn cut(text: &str, max: usize) -> String {
    match head(text, max) {
        None => text.to_string(),
        Some(head) => format!("{head}..."),
    }
}

/// The most bytes of a warning kube-apiserver passes on whole (it may truncate longer ones).
pub const WARNING_BYTES: usize = 256;

/// A warning as kube-apiserver keeps it: one line of printable text (it drops a warning that
/// holds a control character, a newline included), at most 256 bytes (so 256 characters too).
pub fn warning_line(text: &str) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if line.len() <= WARNING_BYTES {
        return line;
    }
    let end = (0..=WARNING_BYTES - 3)
        .rev()
        .find(|&end| line.is_char_boundary(end))
        .unwrap_or(0);
    format!("{}...", &line[..end])
}

/// The first line of a host's error: the rest is its cause chain or a backtrace.
pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim_end()
}

/// The first `max` characters of `text`, when it has more.
fn head(text: &str, max: usize) -> Option<&str> {
    text.char_indices().nth(max).map(|(end, _)| &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_warning_is_one_printable_line_of_at_most_256_bytes() {
        assert_eq!(warning_line("a\nb\tc\u{7f}d"), "a b c d");
        let long = warning_line(&"é".repeat(300));
        assert!(long.len() <= WARNING_BYTES && long.ends_with("..."));
        assert!(long.starts_with(&"é".repeat(126)));
        assert_eq!(warning_line(&"x".repeat(256)), "x".repeat(256));
    }

    #[test]
    fn a_host_error_keeps_its_first_line() {
        assert_eq!(
            first_line("Host error: kube::Client was not initialized\n\nStack backtrace:\n 0: x"),
            "Host error: kube::Client was not initialized"
        );
        assert_eq!(first_line(""), "");
        assert_eq!(first_line("one line\r\n"), "one line");
    }

    #[test]
    fn quoted_text_is_escaped_as_json_writers_escape_it() {
        assert_eq!(quote("tab\there\u{1}"), r#""tab\there\u0001""#);
        assert_eq!(quote("back\\slash é /"), r#""back\\slash é /""#);
        assert_eq!(quote("\u{8}\u{c}\r"), r#""\b\f\r""#);
    }
}
