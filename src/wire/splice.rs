//! Writes the template's new metadata into the admitted object's JSON text, leaving every other
//! byte as the host sent it (the policy server and kwctl write the request with serde_json, not
//! the API server's bytes), so that a mutation never builds the whole object as JSON values nor
//! writes it out again. The payload was read by serde_json first, so its syntax is
//! sound; what serde_json checks only when it builds values (UTF-8, `\u` surrogate pairs, nesting
//! deeper than its limit) is checked here, so that the host can read the object it gets back.

use serde_json::Value;

/// serde_json's nesting limit, counted from the payload's root as its parser counts it.
const MAX_DEPTH: usize = 128;

/// From the payload's root to the template's metadata.
const PATH: [&str; 5] = ["request", "object", "spec", "template", "metadata"];
const OBJECT: usize = 1;
const TEMPLATE: usize = 3;
const METADATA: usize = 4;

/// `request.object` of `payload` with `metadata` as its `spec.template.metadata`; a repeated key
/// is the last one, as serde_json and Go's encoding/json read it. The template is written with one
/// `metadata`: earlier copies of the key (which last-wins readers ignore, and strict readers
/// refuse) are left out.
pub fn with_template_metadata(payload: &[u8], metadata: &Value) -> Result<String, String> {
    let text = std::str::from_utf8(payload).map_err(|error| {
        let at = error.valid_up_to();
        format!("invalid admission request: not valid JSON (invalid UTF-8 at byte {at})")
    })?;
    let mut scan = Scan {
        bytes: payload,
        at: 0,
        found: [None; PATH.len()],
        metadata_entries: Vec::new(),
    };
    scan.value(0, Some(0))
        .map_err(|error| format!("invalid admission request: not valid JSON ({error})"))?;
    let (Some((start, end)), Some((template, _))) = (scan.found[OBJECT], scan.found[TEMPLATE])
    else {
        return Err("invalid admission request: request.object.spec.template not found".into());
    };
    let metadata = metadata.to_string();
    let mut object = String::with_capacity(end - start + metadata.len() + 12);
    let mut at = start;
    match scan.found[METADATA] {
        Some((from, to)) => {
            let earlier = &scan.metadata_entries[..scan.metadata_entries.len().saturating_sub(1)];
            for &(key, value_end) in earlier {
                object.push_str(&text[at..key]);
                // A later entry follows, so a comma ends this one.
                at = text[value_end..]
                    .find(',')
                    .map_or(value_end, |c| value_end + c + 1);
            }
            object.push_str(&text[at..from]);
            object.push_str(&metadata);
            at = to;
        }
        None => {
            let inside = template + 1;
            object.push_str(&text[at..inside]);
            object.push_str("\"metadata\":");
            object.push_str(&metadata);
            if !text[inside..].trim_start().starts_with('}') {
                object.push(',');
            }
            at = inside;
        }
    }
    object.push_str(&text[at..end]);
    Ok(object)
}

struct Scan<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Where the value of each step of `PATH` starts and ends, for the last key on the path.
    found: [Option<(usize, usize)>; PATH.len()],
    /// Each `metadata` entry of the last template on the path: where its key starts and its
    /// value ends. The last is `found[METADATA]`'s.
    metadata_entries: Vec<(usize, usize)>,
}

impl<'a> Scan<'a> {
    /// Passes one value; `step` is its place on `PATH`, when it is on it.
    fn value(&mut self, depth: usize, step: Option<usize>) -> Result<(), String> {
        self.whitespace();
        match self.peek() {
            b'{' => self.map(depth + 1, step),
            b'[' => self.list(depth + 1),
            b'"' => self.string().map(drop),
            0 => Err(format!("EOF while parsing a value at byte {}", self.at)),
            _ => {
                let start = self.at;
                while !matches!(
                    self.peek(),
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | 0
                ) {
                    self.at += 1;
                }
                match self.at > start {
                    true => Ok(()),
                    false => Err(format!("expected a value at byte {start}")),
                }
            }
        }
    }

    fn map(&mut self, depth: usize, step: Option<usize>) -> Result<(), String> {
        self.container(depth, b'}', |scan| {
            let key_start = scan.at;
            let key = scan.string()?;
            scan.whitespace();
            scan.at += 1; // ':'
            let next = step.filter(|&step| step < PATH.len() && key_is(key, PATH[step]));
            if let Some(step) = next {
                scan.found[step..].fill(None);
                if step < METADATA {
                    scan.metadata_entries.clear();
                }
            }
            scan.whitespace();
            let start = scan.at;
            scan.value(depth, next.map(|step| step + 1))?;
            if let Some(step) = next {
                scan.found[step] = Some((start, scan.at));
                if step == METADATA {
                    scan.metadata_entries.push((key_start, scan.at));
                }
            }
            Ok(())
        })
    }

    fn list(&mut self, depth: usize) -> Result<(), String> {
        self.container(depth, b']', |scan| scan.value(depth, None))
    }

    /// Passes a map or a list, `item` passing each of its entries or elements.
    fn container(
        &mut self,
        depth: usize,
        close: u8,
        mut item: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        self.enter(depth)?;
        loop {
            self.whitespace();
            if self.peek() == close {
                self.at += 1;
                return Ok(());
            }
            item(self)?;
            self.whitespace();
            if self.peek() == b',' {
                self.at += 1;
            }
        }
    }

    fn enter(&mut self, depth: usize) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(format!("recursion limit exceeded at byte {}", self.at));
        }
        self.at += 1;
        Ok(())
    }

    /// Passes a string and returns its text between the quotes, escapes as written.
    fn string(&mut self) -> Result<&'a [u8], String> {
        self.at += 1;
        let start = self.at;
        loop {
            let rest = &self.bytes[self.at.min(self.bytes.len())..];
            let Some(offset) = rest.iter().position(|&b| b == b'"' || b == b'\\') else {
                return Err("EOF while parsing a string".into());
            };
            self.at += offset;
            if self.peek() == b'"' {
                self.at += 1;
                let bytes = self.bytes;
                return Ok(&bytes[start..self.at - 1]);
            }
            self.at += 1;
            if self.peek() == b'u' {
                self.unicode_escape()?;
            } else {
                self.at += 1;
            }
        }
    }

    /// `\uXXXX` (the `\` passed): a surrogate must be a leading one followed by a trailing one.
    fn unicode_escape(&mut self) -> Result<(), String> {
        let unit = self.hex()?;
        match unit {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(format!(
                        "lone leading surrogate in hex escape at byte {}",
                        self.at
                    ));
                }
                self.at += 1;
                match self.hex()? {
                    0xDC00..=0xDFFF => Ok(()),
                    _ => Err(format!(
                        "lone leading surrogate in hex escape at byte {}",
                        self.at
                    )),
                }
            }
            0xDC00..=0xDFFF => Err(format!(
                "lone trailing surrogate in hex escape at byte {}",
                self.at
            )),
            _ => Ok(()),
        }
    }

    /// `uXXXX`, the digits already checked by serde_json.
    fn hex(&mut self) -> Result<u16, String> {
        let digits = self.bytes.get(self.at + 1..self.at + 5).unwrap_or_default();
        self.at += 1 + digits.len();
        std::str::from_utf8(digits)
            .ok()
            .and_then(|digits| u16::from_str_radix(digits, 16).ok())
            .ok_or_else(|| format!("invalid escape at byte {}", self.at))
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    /// The next byte; 0 at the end (never part of JSON outside strings).
    fn peek(&self) -> u8 {
        self.bytes.get(self.at).copied().unwrap_or(0)
    }
}

/// A map key, escapes as written, is `name`.
fn key_is(key: &[u8], name: &str) -> bool {
    if !key.contains(&b'\\') {
        return key == name.as_bytes();
    }
    let quoted = [b"\"", key, b"\""].concat();
    serde_json::from_slice::<Value>(&quoted).is_ok_and(|key| key == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(payload: &str, metadata: Value) -> Result<Value, String> {
        with_template_metadata(payload.as_bytes(), &metadata)
            .map(|text| serde_json::from_str(&text).expect("the object is JSON"))
    }

    #[test]
    fn the_metadata_is_replaced_and_nothing_else_changes() {
        let payload = r#"{"settings": {}, "request": {"oldObject": {"spec": {"template": {}}},
            "object": {"kind": "Service", "spec": {"template": {"metadata": {"labels": {"a": "b"}},
            "spec": {"containers": [{"env": [{"name": "X", "value": "}\"{"}]}]}}, "x": [1, 2.5e3]}}}}"#;
        let new = json!({"labels": {"a": "b"}, "annotations": {"k": "v"}});
        let expected = json!({"kind": "Service", "spec": {"template": {"metadata": new,
            "spec": {"containers": [{"env": [{"name": "X", "value": "}\"{"}]}]}}, "x": [1, 2.5e3]}});
        assert_eq!(object(payload, new.clone()), Ok(expected));
    }

    #[test]
    fn an_absent_metadata_is_inserted_first_in_the_template() {
        let new = json!({"annotations": {"k": "v"}});
        let payload = r#"{"request": {"object": {"spec": {"template": { "spec": {}}}}}}"#;
        let expected = json!({"spec": {"template": {"metadata": new, "spec": {}}}});
        assert_eq!(object(payload, new.clone()), Ok(expected));
        let payload = r#"{"request": {"object": {"spec": {"template": { }}}}}"#;
        let expected = json!({"spec": {"template": {"metadata": new}}});
        assert_eq!(object(payload, new.clone()), Ok(expected));
    }

    #[test]
    fn the_last_of_repeated_keys_is_the_one_written() {
        let new = json!({"annotations": {}});
        let payload = r#"{"request": {"object": {"spec": {"template": {"metadata": 1}},
            "spec": {"template": {"metadata": {"a": 1}}, "template": {"x": 2}}}}}"#;
        let written = with_template_metadata(payload.as_bytes(), &new).unwrap();
        assert!(written.starts_with(r#"{"spec": {"template": {"metadata": 1}}"#));
        assert!(
            written.ends_with(r#"{"metadata":{"annotations":{}},"x": 2}}}"#),
            "{written}"
        );
    }

    #[test]
    fn one_metadata_is_written_where_the_template_repeated_it() {
        let new = json!({"annotations": {"k": "v"}});
        let payload = r#"{"request": {"object": {"spec": {"template": {"metadata": {"annotations":
            {"autoscaling.knative.dev/min-scale": "9"}}, "spec": {}, "m\u0065tadata" : [1] ,
            "metadata": {"labels": {}}, "x": 1}}}}}"#;
        let written = with_template_metadata(payload.as_bytes(), &new).unwrap();
        assert_eq!(written.matches("metadata").count(), 1, "{written}");
        assert!(!written.contains("m\\u0065tadata"), "{written}");
        assert_eq!(
            serde_json::from_str::<Value>(&written).unwrap(),
            json!({"spec": {"template": {"spec": {}, "metadata": new, "x": 1}}})
        );
        // A later template starts afresh: the earlier template, and its copies, stay as written.
        let payload = r#"{"request": {"object": {"spec": {"template": {"metadata": 1, "metadata": 2},
            "template": {"a": 0, "metadata": 3}}}}}"#;
        let written = with_template_metadata(payload.as_bytes(), &new).unwrap();
        let (earlier, last) = written.split_once("\"template\": {\"a\"").unwrap();
        assert!(
            earlier.contains(r#"{"metadata": 1, "metadata": 2}"#),
            "{written}"
        );
        assert_eq!(last, r#": 0, "metadata": {"annotations":{"k":"v"}}}}}"#);
    }

    #[test]
    fn escaped_keys_are_matched_as_serde_json_reads_them() {
        let payload =
            r#"{"request": {"object": {"sp\u0065c": {"template": {"m\u0065tadata": null}}}}}"#;
        let new = json!({"annotations": {}});
        assert_eq!(
            object(payload, new.clone()),
            Ok(json!({"spec": {"template": {"metadata": new}}}))
        );
    }

    #[test]
    fn what_serde_json_would_refuse_to_build_is_refused() {
        let new = json!({});
        let deep = format!("{}{}", "[".repeat(124), "]".repeat(124));
        let within = format!(
            r#"{{"request": {{"object": {{"spec": {{"template": {{}}}}, "x": {deep}}}}}}}"#
        );
        let payload = within.replace(&deep, &format!("[{deep}]"));
        assert!(with_template_metadata(within.as_bytes(), &new).is_ok());
        let error = with_template_metadata(payload.as_bytes(), &new).unwrap_err();
        assert!(error.contains("recursion limit exceeded"), "{error}");
        assert!(serde_json::from_str::<Value>(&payload).is_err());
        assert!(serde_json::from_str::<Value>(&within).is_ok());
        for text in [r#""\ud800""#, r#""\udc00""#, r#""\ud800\u0041""#] {
            let payload = format!(
                r#"{{"request": {{"object": {{"spec": {{"template": {{}}}}, "x": {text}}}}}}}"#
            );
            let error = with_template_metadata(payload.as_bytes(), &new).unwrap_err();
            assert!(error.contains("surrogate"), "{error}");
            assert!(serde_json::from_str::<Value>(&payload).is_err());
        }
        // Text serde_json refused never gets here; cut text still ends the scan.
        for cut in [
            r#"{"request": {"object": {"spec": {"template": {}}, "x": [1, "#,
            r#"{"a": :"#,
        ] {
            assert!(
                with_template_metadata(cut.as_bytes(), &new).is_err(),
                "{cut}"
            );
        }
        let payload =
            b"{\"request\": {\"object\": {\"spec\": {\"template\": {}}, \"x\": \"\xff\"}}}";
        let error = with_template_metadata(payload, &new).unwrap_err();
        assert!(error.contains("invalid UTF-8 at byte"), "{error}");
        let paired = r#"{"request": {"object": {"spec": {"template": {}}, "x": "\ud83d\ude00"}}}"#;
        assert!(with_template_metadata(paired.as_bytes(), &new).is_ok());
    }
}
