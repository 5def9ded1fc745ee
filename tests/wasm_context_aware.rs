//! Context-aware mode on the built policy.wasm: config-autoscaler answered by the host from
//! recorded sessions (kwctl's replay format), granted or not, as the policy server would.

mod common;

use common::*;
use policy_runner::{HostCapabilities, Policy};
use serde_json::Value;

fn session(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/sessions/{name}.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn granted(session_name: &str) -> Policy {
    let capabilities = HostCapabilities::default()
        .grant(vec![("v1".into(), "ConfigMap".into())])
        .replay(&session(session_name))
        .unwrap();
    policy().with_capabilities(capabilities)
}

fn run(policy: &Policy, request_name: &str) -> Evaluation {
    evaluate_with(policy, &request(request_name), &settings("context-aware"))
}

const FALLBACK: &str = "ConfigMap knative-serving/config-autoscaler could not be used";

#[test]
fn live_values_win_over_static_ones() {
    // Static settings say max-scale 3 and initial-scale 5; the live default cluster has
    // Knative's defaults (unlimited max, initial-scale 1).
    let evaluation = run(&granted("default-cluster"), "service-no-annotations");
    assert!(
        evaluation.scale_is("0", "0", "1"),
        "{:?}",
        evaluation.scale()
    );
    assert_eq!(evaluation.warnings(), Vec::<String>::new());
}

#[test]
fn a_limit_set_only_in_the_live_configmap_turns_an_unlimited_kserve_max_into_that_limit() {
    let evaluation = run(&granted("cluster-with-limit"), "kserve-predictor-min1");
    assert!(
        evaluation.scale_is("1", "10", "1"),
        "{:?}",
        evaluation.scale()
    );
    assert!(
        evaluation
            .warnings()
            .iter()
            .all(|w| !w.starts_with(FALLBACK))
    );
}

#[test]
fn each_failure_mode_falls_back_to_static_settings_with_one_warning() {
    let denied_by_kubewarden = policy().with_capabilities(
        HostCapabilities::default()
            .replay(&session("default-cluster"))
            .unwrap(),
    );
    let cases = [
        (
            "configmap-missing",
            granted("configmap-missing"),
            "Cannot find v1/ConfigMap named 'config-autoscaler' inside of namespace",
        ),
        ("access-denied", granted("access-denied"), "is forbidden"),
        (
            "invalid-data",
            granted("invalid-data"),
            "Knative would refuse its data: initial-scale: invalid value 0: must be at least 0",
        ),
        (
            "not granted",
            denied_by_kubewarden,
            "Policy has not been granted access to Kubernetes v1/ConfigMap resources",
        ),
    ];
    for (name, policy, reason) in cases {
        let evaluation = run(&policy, "service-no-annotations");
        assert!(
            evaluation.scale_is("0", "3", "1"),
            "{name}: {:?}",
            evaluation.scale()
        );
        let fallbacks: Vec<String> = evaluation
            .warnings()
            .into_iter()
            .filter(|w| w.starts_with(FALLBACK))
            .collect();
        assert_eq!(fallbacks.len(), 1, "{name}: {:?}", evaluation.warnings());
        assert!(fallbacks[0].contains(reason), "{name}: {}", fallbacks[0]);
        assert!(
            fallbacks[0].ends_with(
                "scale bounds were resolved with the policy's static autoscaler settings"
            )
        );
    }
}

#[test]
fn the_fixed_point_holds_with_live_values() {
    let policy = granted("cluster-with-limit");
    let first = run(&policy, "kserve-predictor-min1");
    let again = policy
        .validate(&first.as_update(), &settings("context-aware"))
        .expect("no trap");
    assert_eq!(again["accepted"], true);
    assert_eq!(again["mutated_object"], Value::Null);
}

// Section 4: kube-apiserver drops a warning that holds a newline; a host's error on several lines
// (the policy server adds its cause chain and backtrace) keeps its first line, on the .wasm.
#[test]
fn a_host_error_on_several_lines_gives_a_one_line_warning() {
    let request = session("configmap-missing")
        .lines()
        .find(|line| line.trim_start().starts_with("request:"))
        .expect("the session's request line")
        .to_string();
    let multi_line = format!(
        "- type: Exchange\n{request}\n  response:\n    type: Error\n    message: \"kube::Client was not initialized properly\\n\\nStack backtrace:\\n   0: <unknown>\"\n"
    );
    let capabilities = HostCapabilities::default()
        .grant(vec![("v1".into(), "ConfigMap".into())])
        .replay(&multi_line)
        .unwrap();
    let evaluation = run(
        &policy().with_capabilities(capabilities),
        "service-no-annotations",
    );
    let warnings = evaluation.warnings();
    assert_eq!(
        warnings[0],
        format!(
            "{FALLBACK} (kube::Client was not initialized properly); scale bounds were resolved with the policy's static autoscaler settings"
        )
    );
    for warning in &warnings {
        assert!(
            !warning.chars().any(char::is_control) && warning.len() <= 256,
            "{warning:?}"
        );
    }
}
