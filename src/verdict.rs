//! What the policy answers a request: accept, mutate or reject, with warnings. Below both the
//! decision (`admission`) and the KServe check, which build it, and the wire's response, which
//! writes it.

use serde_json::Value;

#[derive(Debug, PartialEq)]
pub enum Outcome {
    Accept,
    Mutate(MutatedObject),
    Reject(String),
}

/// The mutated object as JSON text: the admitted object's text with the template's metadata
/// rewritten (see `splice`).
#[derive(Debug, PartialEq)]
pub struct MutatedObject(String);

impl MutatedObject {
    /// `text` must be JSON: the admitted object's text with its template's metadata spliced in.
    pub fn new(text: String) -> Self {
        MutatedObject(text)
    }

    pub fn json(&self) -> &str {
        &self.0
    }

    /// The object as JSON values. `splice` writes only JSON, so an error here is a bug in it.
    pub fn to_value(&self) -> Result<Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

#[derive(Debug, PartialEq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub warnings: Vec<String>,
}

impl Verdict {
    pub fn plain(outcome: Outcome) -> Verdict {
        Verdict {
            outcome,
            warnings: Vec::new(),
        }
    }
}
