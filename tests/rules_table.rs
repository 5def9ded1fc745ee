//! The rules table (tests/common/rules_table.rs) run natively, through the policy's JSON edge
//! without the waPC layer; `tests/wasm_rules.rs` runs the same rows on the built .wasm.

mod common;

use common::rules_table::ROWS;
use knative_scale_policy::admission::evaluate;
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::verdict::Outcome;
use knative_scale_policy::wire::request::Admission;

#[test]
fn every_rule_row_natively() {
    let mut failures = Vec::new();
    for row in ROWS {
        let request = row.request();
        let settings = Settings::from_json(&row.settings()).expect("a row's settings are valid");
        let admission = Admission::from_json(request.clone()).expect("a row's request is valid");
        let verdict = evaluate(admission, &settings, |_| Err("no host".into()));
        let (accepted, message, object) = match verdict.outcome {
            Outcome::Accept => (true, String::new(), request["object"].clone()),
            Outcome::Mutate(object) => (
                true,
                String::new(),
                object.to_value().expect("the splice writes JSON"),
            ),
            Outcome::Reject(message) => (false, message, request["object"].clone()),
        };
        let annotations = common::template_annotations(&object);
        if let Err(failure) = row.check(accepted, &message, &annotations, &verdict.warnings) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(ROWS.len() >= 25);
}
