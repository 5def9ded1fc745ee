//! Rules section 10 over generated cluster settings, namespace entries and templates: nothing
//! written escapes the namespace's cap, no rejection happens that the rules do not ask for, the
//! policy's answer on its own output is its output, and settings that widen the cluster are
//! refused; natively, and (fewer cases) on the built policy.wasm through the waPC host.

mod common;

use common::native::{own_output_as_update, run, stored};

use common::generate::{
    check_accepted_output, cluster_int, effective_bounds, knative_request, valid_settings,
};
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::verdict::Outcome;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The namespace of every generated request.
const NAMESPACE: &str = "ns";

/// An entry of any of the four keys, each absent or a value near the cluster's (some widen it).
fn entry() -> impl Strategy<Value = Map<String, Value>> {
    (
        proptest::option::weighted(0.4, 0i64..7),
        proptest::option::weighted(0.4, 0i64..12),
        proptest::option::weighted(0.3, 0i64..7),
        proptest::option::weighted(0.6, 0i64..14),
    )
        .prop_map(|(min, max, initial, cap)| {
            [
                ("min-scale", min),
                ("max-scale", max),
                ("initial-scale", initial),
                ("max-scale-limit", cap),
            ]
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key.to_string(), json!(v.to_string()))))
            .collect()
        })
}

/// Whether the entry only narrows the cluster (section 10), restated from the rules: the cap in
/// `[1, L]` (at least 1 without `L`), the entry's max within `[1, L']` under a cap (else not
/// negative), the min (the entry's or the cluster's) not above the max objects get, and a zero
/// initial scale only where the cluster allows it.
fn narrows(settings: &Value, entry: &Map<String, Value>) -> bool {
    let own = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .map(|v| v.parse::<i64>().unwrap())
    };
    let limit = cluster_int(settings, "max-scale-limit");
    let cap = own("max-scale-limit").unwrap_or(limit);
    if own("max-scale-limit").is_some_and(|cap| cap < 1 || (limit > 0 && cap > limit)) {
        return false;
    }
    if own("max-scale").is_some_and(|max| cap > 0 && !(1..=cap).contains(&max)) {
        return false;
    }
    let mut max = own("max-scale").unwrap_or_else(|| cluster_int(settings, "max-scale"));
    if cap > 0 && (max == 0 || max > cap) {
        max = cap;
    }
    let min = own("min-scale").unwrap_or_else(|| cluster_int(settings, "min-scale"));
    if max > 0 && min > max {
        return false;
    }
    let zero_allowed = settings["autoscaler"]["allow-zero-initial-scale"]
        .as_bool()
        .unwrap_or_else(|| settings["autoscaler"]["allow-zero-initial-scale"] == "true");
    own("initial-scale") != Some(0) || zero_allowed
}

/// The settings with the entry for the requests' namespace, and `L'`.
fn with_entry(settings: &Value, entry: &Map<String, Value>) -> Value {
    let mut settings = settings.clone();
    settings["namespaces"] = json!({ NAMESPACE: entry });
    settings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    // 10: an entry only narrows the cluster
    #[test]
    fn settings_that_widen_the_cluster_are_refused_naming_the_entry(
        (settings, _) in valid_settings(), entry in entry()
    ) {
        let tenant = with_entry(&settings, &entry);
        match Settings::from_json(&tenant) {
            Ok(_) => prop_assert!(narrows(&settings, &entry), "{} accepted", tenant),
            Err(error) => {
                prop_assert!(!narrows(&settings, &entry), "{} refused: {}", tenant, error);
                prop_assert!(error.path.starts_with("namespaces.ns."), "{}", error);
            }
        }
    }

    // 10: nothing escapes the cap, and a rejection is the rules' own
    #[test]
    fn no_written_max_exceeds_the_namespaces_cap(
        request in knative_request(), (settings, cluster) in valid_settings(), entry in entry()
    ) {
        let tenant = with_entry(&settings, &entry);
        let Ok(policy) = Settings::from_json(&tenant) else { return Ok(()) };
        let cap = entry
            .get("max-scale-limit")
            .and_then(Value::as_str)
            .map_or(cluster.max_scale_limit, |cap| cap.parse().unwrap());
        let verdict = run(&request, &policy);
        let Outcome::Reject(message) = &verdict.outcome else {
            let output = stored(&request, &verdict);
            check_accepted_output(&request["object"], &output, cluster).map_err(TestCaseError::fail)?;
            if cap > 0 {
                let (max, min) = effective_bounds(&output, &settings);
                prop_assert!((1..=cap).contains(&max) && min <= cap, "min {} max {} cap {}", min, max, cap);
            }
            return Ok(());
        };
        // Refused in the namespace but not elsewhere: only for the namespace's cap.
        let elsewhere = run(&request, &Settings::from_json(&settings).unwrap());
        if !matches!(elsewhere.outcome, Outcome::Reject(_)) {
            prop_assert!(message.contains("of namespace ns"), "{}", message);
        }
    }

    // 5 and 10: the fixed point holds per namespace
    #[test]
    fn fixed_point_in_a_namespace(
        request in knative_request(), (settings, _) in valid_settings(), entry in entry()
    ) {
        let Ok(policy) = Settings::from_json(&with_entry(&settings, &entry)) else { return Ok(()) };
        let Some(update) = own_output_as_update(&request, &run(&request, &policy)) else {
            return Ok(());
        };
        prop_assert_eq!(run(&update, &policy).outcome, Outcome::Accept);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn on_the_wasm_nothing_escapes_the_cap_and_the_answer_is_stable(
        request in knative_request(), (settings, cluster) in valid_settings(), entry in entry()
    ) {
        let tenant = with_entry(&settings, &entry);
        let Ok(policy) = Settings::from_json(&tenant) else {
            prop_assert!(!common::policy().validate_settings(&tenant).expect("no trap").valid);
            return Ok(());
        };
        let first = common::evaluate(&request, &tenant);
        let native = run(&request, &policy);
        prop_assert_eq!(first.accepted(), !matches!(native.outcome, Outcome::Reject(_)));
        if !first.accepted() {
            return Ok(());
        }
        check_accepted_output(&request["object"], &first.object(), cluster).map_err(TestCaseError::fail)?;
        let cap = entry
            .get("max-scale-limit")
            .and_then(Value::as_str)
            .map_or(cluster.max_scale_limit, |cap| cap.parse().unwrap());
        if cap > 0 {
            let (max, min) = effective_bounds(&first.object(), &settings);
            prop_assert!((1..=cap).contains(&max) && min <= cap, "min {} max {} cap {}", min, max, cap);
        }
        let again = common::evaluate(&first.as_update(), &tenant);
        prop_assert!(again.accepted() && !again.mutated(), "not a fixed point: {:?}", again.patch());
    }
}
