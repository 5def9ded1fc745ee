//! The response: a verdict as the SDK's `ValidationResponse` JSON, written here so that a mutated
//! object, which is JSON text already, is copied into it rather than built as values and written
//! out again.

use crate::verdict::{Outcome, Verdict};

pub fn validation_response(verdict: &Verdict) -> Result<Vec<u8>, serde_json::Error> {
    let (accepted, message, mutated_object) = match &verdict.outcome {
        Outcome::Accept => (true, None, None),
        Outcome::Mutate(object) => (true, None, Some(object.json())),
        Outcome::Reject(message) => (false, Some(message.as_str()), None),
    };
    let warnings = (!verdict.warnings.is_empty()).then_some(&verdict.warnings);
    let mut response = String::with_capacity(mutated_object.map_or(0, str::len) + 256);
    response.push_str(r#"{"accepted":"#);
    response.push_str(if accepted { "true" } else { "false" });
    response.push_str(r#","message":"#);
    response.push_str(&serde_json::to_string(&message)?);
    response.push_str(r#","code":null,"mutated_object":"#);
    response.push_str(mutated_object.unwrap_or("null"));
    response.push_str(r#","audit_annotations":null,"warnings":"#);
    response.push_str(&serde_json::to_string(&warnings)?);
    response.push('}');
    Ok(response.into_bytes())
}

#[cfg(all(test, feature = "wapc"))]
mod tests {
    use super::*;
    use kubewarden_policy_sdk::response::ValidationResponse;

    #[test]
    fn every_outcome_is_the_sdks_validation_response() {
        let read = |outcome: Outcome, warnings: Vec<String>| -> ValidationResponse {
            let verdict = Verdict { outcome, warnings };
            serde_json::from_slice(&validation_response(&verdict).unwrap()).unwrap()
        };
        let accepted = read(Outcome::Accept, vec![]);
        assert!(accepted.accepted && accepted.message.is_none() && accepted.warnings.is_none());
        let rejected = read(Outcome::Reject("no \"way\"".into()), vec!["w".into()]);
        assert!(!rejected.accepted);
        assert_eq!(rejected.message.as_deref(), Some("no \"way\""));
        assert_eq!(rejected.warnings, Some(vec!["w".to_string()]));
    }
}
