//! The policy's Rust code evaluated without the waPC layer (no host: a context-aware read fails).

use knative_scale_policy::admission::evaluate;
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::verdict::{Outcome, Verdict};
use knative_scale_policy::wire::request::Admission;
use serde_json::Value;

pub fn run(request: &Value, settings: &Settings) -> Verdict {
    evaluate(
        Admission::from_json(request.clone()).expect("a well-formed request"),
        settings,
        |_| Err("no host in native tests".to_string()),
    )
}

/// The object the API server stores: the mutation, else the request's object.
pub fn stored(request: &Value, verdict: &Verdict) -> Value {
    match &verdict.outcome {
        Outcome::Mutate(object) => object.to_value().expect("the splice writes JSON"),
        _ => request["object"].clone(),
    }
}

/// The same request as an UPDATE carrying what the policy answered (section 5's second pass);
/// `None` when it was refused.
pub fn own_output_as_update(request: &Value, verdict: &Verdict) -> Option<Value> {
    if let Outcome::Reject(_) = verdict.outcome {
        return None;
    }
    let mut update = request.clone();
    update["operation"] = "UPDATE".into();
    update["object"] = stored(request, verdict);
    Some(update)
}
