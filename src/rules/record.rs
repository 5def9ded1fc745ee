//! The stability record (section 5): which keys the policy resolved, what the user had written
//! there, and what the policy wrote. Kept in one template annotation as readable text, e.g.
//! `min-scale: absent -> 2, initial-scale: 5 -> 3, window: absent -> 120s` (a bound, or a key a
//! profile filled, section 11).

use super::keys::Bound;
use super::profile::KEYS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key without `autoscaling.knative.dev/`: a bound's name or a profile's key.
    pub key: &'static str,
    /// The user's text, `None` where the key was absent.
    pub original: Option<String>,
    pub written: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    entries: Vec<Entry>,
}

const ABSENT: &str = "absent";

impl Record {
    pub fn new(entries: Vec<Entry>) -> Self {
        Record { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entry(&self, bound: Bound) -> Option<&Entry> {
        self.named(bound.name())
    }

    pub fn named(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.key == key)
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// `None` for text this policy did not write (edited by hand): the keys it named are then
    /// treated as the user's own.
    pub fn parse(text: &str) -> Option<Record> {
        let mut entries: Vec<Entry> = Vec::new();
        for item in text.split(',') {
            let (name, change) = item.split_once(':')?;
            let (original, written) = change.split_once("->")?;
            let key = KEYS.into_iter().find(|key| *key == name.trim())?;
            let (original, written) = (original.trim(), written.trim());
            if written.is_empty() || original.is_empty() || entries.iter().any(|e| e.key == key) {
                return None;
            }
            entries.push(Entry {
                key,
                original: (original != ABSENT).then(|| original.to_string()),
                written: written.to_string(),
            });
        }
        Some(Record { entries })
    }

    pub fn render(&self) -> String {
        self.entries
            .iter()
            .map(|entry| {
                format!(
                    "{}: {} -> {}",
                    entry.key,
                    entry.original.as_deref().unwrap_or(ABSENT),
                    entry.written
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record::new(vec![
            Entry {
                key: "min-scale",
                original: None,
                written: "2".into(),
            },
            Entry {
                key: "initial-scale",
                original: Some("5".into()),
                written: "3".into(),
            },
        ])
    }

    #[test]
    fn record_renders_as_readable_text() {
        assert_eq!(
            sample().render(),
            "min-scale: absent -> 2, initial-scale: 5 -> 3"
        );
    }

    #[test]
    fn record_parses_what_it_renders() {
        assert_eq!(Record::parse(&sample().render()), Some(sample()));
        assert_eq!(
            Record::parse("max-scale:0->10").unwrap().entry(Bound::Max),
            Some(&Entry {
                key: "max-scale",
                original: Some("0".into()),
                written: "10".into()
            })
        );
    }

    #[test]
    fn record_edited_by_hand_is_not_trusted() {
        for text in [
            "",
            "garbage",
            "min-scale: absent",
            "minScale: absent -> 2",
            "stable-window: absent -> 60s",
            "min-scale: absent -> ",
            "min-scale: absent -> 2, min-scale: absent -> 3",
        ] {
            assert_eq!(Record::parse(text), None, "{text:?}");
        }
    }
}
