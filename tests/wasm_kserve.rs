//! Rules section 9 through the built policy.wasm: InferenceServices and InferenceGraphs are
//! checked, never mutated, for what the policy will do to the Knative Services KServe builds from
//! them (facts D.1), and the answer agrees with what the policy later does to those Services.

mod cluster;
mod common;

use cluster::{inference_service, kserve_desired_service};
use common::generate::valid_settings;
use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};

/// An InferenceService request with its predictor (and metadata annotations) replaced.
fn isvc(predictor: Value, annotations: Value) -> Value {
    let mut request = request("isvc-sklearn-min1-max3");
    request["object"]["spec"]["predictor"] = predictor;
    request["object"]["metadata"]["annotations"] = annotations;
    request
}

fn model() -> Value {
    request("isvc-sklearn-min1-max3")["object"]["spec"]["predictor"]["model"].clone()
}

/// The policy never mutates a KServe object: accepted unchanged, or rejected.
fn assert_not_mutated(evaluation: &Evaluation) {
    assert_eq!(evaluation.validation["mutated_object"], Value::Null);
    assert!(!evaluation.mutated());
}

/// A KServe object refused (and not mutated): why.
fn refusal(evaluation: &Evaluation) -> String {
    assert!(!evaluation.accepted(), "{:?}", evaluation.warnings());
    assert_not_mutated(evaluation);
    evaluation.message()
}

/// A KServe object accepted unchanged without a word; `what` names the case.
fn assert_silent_accept(evaluation: &Evaluation, what: &str) {
    assert!(evaluation.accepted(), "{what}: {}", evaluation.message());
    assert_not_mutated(evaluation);
    assert!(
        evaluation.warnings().is_empty(),
        "{what}: {:?}",
        evaluation.warnings()
    );
}

/// A KServe object accepted unchanged: what it was told.
fn warnings(evaluation: &Evaluation) -> Vec<String> {
    assert!(evaluation.accepted(), "{}", evaluation.message());
    assert_not_mutated(evaluation);
    evaluation.warnings()
}

/// Evaluated with max-scale 5 under a max-scale-limit of 10.
fn under_limit_10(request: &Value) -> Evaluation {
    evaluate(request, &settings("max-scale-5-limit-10"))
}

/// The refusal of `field=value` above that limit.
fn above_limit_10(field_value: &str) -> String {
    format!("{field_value} exceeds the cluster's max-scale-limit 10; set it to 10 or less")
}

// Section 9: the two examples.

#[test]
fn max_replicas_below_the_cluster_initial_scale_is_warned_naming_the_predictor() {
    let evaluation = evaluate_fixture("isvc-sklearn-min1-max3", "initial-scale-5");
    assert_eq!(
        warnings(&evaluation),
        vec![
            "predictor: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
        ]
    );
}

#[test]
fn max_replicas_above_the_limit_is_rejected_naming_the_field() {
    let evaluation = evaluate_fixture("isvc-sklearn-max12", "max-scale-5-limit-10");
    assert_eq!(
        refusal(&evaluation),
        above_limit_10("spec.predictor.maxReplicas=12")
    );
}

#[test]
fn nothing_to_say_is_a_silent_accept() {
    let evaluation = evaluate_fixture("isvc-sklearn-min1-max3", "knative-defaults");
    assert_silent_accept(&evaluation, "min 1, max 3");
}

// Facts D.1, one mapping a test, each seen through what the policy says.

#[test]
fn min_replicas_defaults_to_one() {
    let evaluation = evaluate(
        &isvc(json!({"maxReplicas": 3, "model": model()}), json!({})),
        &settings("initial-scale-5"),
    );
    assert_eq!(
        evaluation.warnings(),
        vec![
            "predictor: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
        ]
    );
}

#[test]
fn max_replicas_zero_writes_no_max_scale_so_it_is_unlimited() {
    let evaluation = evaluate(
        &isvc(json!({"maxReplicas": 0, "model": model()}), json!({})),
        &settings("max-scale-4"),
    );
    assert_eq!(
        evaluation.warnings(),
        vec![
            "predictor: autoscaling.knative.dev/max-scale will be set to 0: KServe's maxReplicas 0 means unlimited, not the cluster max-scale 4"
        ]
    );
}

#[test]
fn a_max_scale_annotation_on_the_inference_service_is_not_copied() {
    let annotations =
        json!({"autoscaling.knative.dev/max-scale": "2", "autoscaling.knative.dev/min-scale": "9"});
    let evaluation = evaluate(
        &isvc(json!({"maxReplicas": 0, "model": model()}), annotations),
        &settings("max-scale-4"),
    );
    // Issue 20: what KServe drops silently is said, naming the field to use instead.
    let warnings = evaluation.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert_eq!(
        warnings[..2],
        [
            "predictor: metadata.annotations[\"autoscaling.knative.dev/max-scale\"] is dropped by KServe; set spec.predictor.maxReplicas instead",
            "predictor: metadata.annotations[\"autoscaling.knative.dev/min-scale\"] is dropped by KServe; set spec.predictor.minReplicas instead",
        ]
    );
    assert!(
        warnings[2].starts_with("predictor: autoscaling.knative.dev/max-scale will be set to 0")
    );
}

#[test]
fn the_components_annotations_win_over_the_inference_services() {
    let annotations = json!({"autoscaling.knative.dev/initial-scale": "9"});
    let own = json!({"minReplicas": 1, "maxReplicas": 3, "model": model(),
                     "annotations": {"autoscaling.knative.dev/initial-scale": "2"}});
    let evaluation = evaluate(
        &isvc(own, annotations.clone()),
        &settings("knative-defaults"),
    );
    assert!(
        evaluation.warnings().is_empty(),
        "{:?}",
        evaluation.warnings()
    );
    let shared_only = evaluate(
        &isvc(
            json!({"minReplicas": 1, "maxReplicas": 3, "model": model()}),
            annotations,
        ),
        &settings("knative-defaults"),
    );
    assert_eq!(
        shared_only.warnings(),
        vec![
            "predictor: autoscaling.knative.dev/initial-scale will be set to 3: initial-scale 9 is above max-scale 3, and Knative would start that many pods anyway"
        ]
    );
}

#[test]
fn an_initial_scale_kserve_drops_is_not_reported() {
    // KServe drops a 0 the cluster refuses (and a non-integer) from the InferenceService's own
    // annotations before it builds the Service.
    for value in ["0", "abc"] {
        let annotations = json!({"autoscaling.knative.dev/initial-scale": value});
        let evaluation = evaluate(
            &isvc(json!({"minReplicas": 2, "model": model()}), annotations),
            &settings("knative-defaults"),
        );
        assert!(
            evaluation.accepted() && evaluation.warnings().is_empty(),
            "{value}: {:?}",
            evaluation.warnings()
        );
    }
    // A component's annotation is not checked by KServe, and reaches the Service.
    let own = json!({"minReplicas": 2, "model": model(), "annotations": {"autoscaling.knative.dev/initial-scale": "abc"}});
    let evaluation = evaluate(&isvc(own, json!({})), &settings("knative-defaults"));
    assert_eq!(
        evaluation.message(),
        "spec.predictor.annotations[\"autoscaling.knative.dev/initial-scale\"]: invalid value \"abc\": expected an integer 0 <= n <= 2147483647"
    );
}

#[test]
fn the_class_defaults_to_kpa_unless_the_user_set_one() {
    let min_zero = json!({"minReplicas": 0, "model": model()});
    let kpa = evaluate(
        &isvc(min_zero.clone(), json!({})),
        &settings("allow-zero-initial-scale"),
    );
    assert_eq!(
        kpa.warnings(),
        vec![
            "predictor: autoscaling.knative.dev/initial-scale will be set to 0: a new revision starts at its min-scale 0, not at the cluster initial-scale 1"
        ]
    );
    let hpa = json!({"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev"});
    let evaluation = evaluate(&isvc(min_zero, hpa), &settings("allow-zero-initial-scale"));
    assert!(
        evaluation.warnings().is_empty(),
        "{:?}",
        evaluation.warnings()
    );
}

#[test]
fn every_serverless_component_is_checked_by_name() {
    let mut request = request("isvc-sklearn-min1-max3");
    request["object"]["spec"]["transformer"] =
        json!({"maxReplicas": 2, "containers": [{"image": "example.com/t:1"}]});
    request["object"]["spec"]["explainer"] = json!({"maxReplicas": 12});
    let evaluation = evaluate(&request, &settings("max-scale-5-limit-10"));
    assert!(!evaluation.accepted());
    assert_eq!(
        evaluation.message(),
        "spec.explainer.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
    );
    request["object"]["spec"]["explainer"]["maxReplicas"] = json!(4);
    let evaluation = evaluate(&request, &settings("initial-scale-5"));
    assert_eq!(
        evaluation.warnings(),
        vec![
            "predictor: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 3",
            "transformer: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 2",
            "explainer: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 4",
        ]
    );
}

#[test]
fn an_inference_graph_is_checked_as_its_own_service() {
    let evaluation = evaluate_fixture("inferencegraph-model-chainer-max2", "initial-scale-5");
    assert!(evaluation.accepted());
    assert_not_mutated(&evaluation);
    assert_eq!(
        evaluation.warnings(),
        vec![
            "inferencegraph: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 2"
        ]
    );
    let mut over = request("inferencegraph-model-chainer-max2");
    over["object"]["spec"]["maxReplicas"] = json!(12);
    let evaluation = evaluate(&over, &settings("max-scale-5-limit-10"));
    assert_eq!(
        evaluation.message(),
        "inferencegraph: spec.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
    );
}

// Section 9: what is skipped, and what is never refused.

#[test]
fn raw_deployment_and_model_mesh_pass_untouched() {
    for mode in ["RawDeployment", "ModelMesh"] {
        let mut request = request("isvc-raw-deployment-max12");
        request["object"]["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] =
            json!(mode);
        assert_silent_accept(&under_limit_10(&request), mode);
    }
}

// Facts D.1: KServe takes the non-Knative path for a Standard (RawDeployment) graph only; a
// ModelMesh graph gets a Knative Service, so it is checked as one.
#[test]
fn a_model_mesh_inference_graph_is_refused_where_its_service_would_be() {
    let evaluation = evaluate_fixture("inferencegraph-modelmesh-max12", "max-scale-5-limit-10");
    assert_eq!(
        refusal(&evaluation),
        format!("inferencegraph: {}", above_limit_10("spec.maxReplicas=12"))
    );
    let mut raw = request("inferencegraph-modelmesh-max12");
    raw["object"]["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] =
        json!("RawDeployment");
    assert_silent_accept(&under_limit_10(&raw), "a RawDeployment graph");
}

// Facts D.1: a stopped model's Service is deleted or never built; its user must be able to stop
// it whatever it would carry (section 9).
#[test]
fn a_stopped_inference_service_over_the_limit_is_accepted_silently() {
    for fixture in ["isvc-sklearn-max12-stopped", "isvc-sklearn-max12-stopping"] {
        assert_silent_accept(&under_limit_10(&request(fixture)), fixture);
    }
    // Starting it again builds the Service: refused as it would be.
    let mut restart = request("isvc-sklearn-max12-stopping");
    let stopped = restart["object"].take();
    restart["object"] = restart["oldObject"].take();
    restart["oldObject"] = stopped;
    assert_eq!(
        refusal(&under_limit_10(&restart)),
        above_limit_10("spec.predictor.maxReplicas=12")
    );
}

// Facts D.1: the stop KServe reads is the one on each component's template, where the
// component's annotations win over the InferenceService's.
#[test]
fn a_stop_applies_to_the_components_whose_template_carries_it() {
    let mut request = request("isvc-sklearn-max12");
    request["object"]["spec"]["transformer"] =
        json!({"maxReplicas": 11, "containers": [{"image": "example.com/t:1"}]});
    let predictor_stop = ["spec", "predictor", "annotations"];
    let stop = |value: &str| json!({"serving.kserve.io/stop": value});
    let mut set = |path: &[&str], value: Value| {
        let target = path
            .iter()
            .fold(&mut request["object"], |at, key| &mut at[*key]);
        *target = value;
        under_limit_10(&request)
    };
    let predictor_stopped = set(&predictor_stop, stop("True"));
    assert_eq!(
        refusal(&predictor_stopped),
        above_limit_10("spec.transformer.maxReplicas=11")
    );
    set(&["metadata", "annotations"], stop("TRUE"));
    let predictor_kept = set(&predictor_stop, stop("false"));
    assert_eq!(
        refusal(&predictor_kept),
        above_limit_10("spec.predictor.maxReplicas=12")
    );
    let all_stopped = set(&predictor_stop, json!({}));
    assert_silent_accept(&all_stopped, "stopped on the InferenceService");
}

// Facts D.1: KServe overwrites a graph's own min-scale from spec.minReplicas, and its own
// max-scale from a spec.maxReplicas that is not 0, without a word; the policy says it.
#[test]
fn a_graphs_own_min_scale_annotation_is_warned_naming_min_replicas() {
    let overwritten = |bound: &str, value: &str, field: &str| {
        format!(
            "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/{bound}\"] is overwritten by KServe with {value} from {field}; set {field} instead"
        )
    };
    let evaluation = evaluate_fixture("inferencegraph-min-scale-annotation", "knative-defaults");
    assert_eq!(
        warnings(&evaluation),
        [overwritten("min-scale", "1", "spec.minReplicas")]
    );
    let mut unlimited = request("inferencegraph-min-scale-annotation");
    unlimited["object"]["metadata"]["annotations"] =
        json!({"autoscaling.knative.dev/max-scale": "12"});
    unlimited["object"]["spec"]["maxReplicas"] = json!(0);
    // maxReplicas 0 writes no max-scale: the graph's own reaches the Service.
    assert_eq!(
        refusal(&under_limit_10(&unlimited)),
        format!(
            "inferencegraph: {}",
            above_limit_10("metadata.annotations[\"autoscaling.knative.dev/max-scale\"]=12")
        )
    );
    unlimited["object"]["spec"]["maxReplicas"] = json!(4);
    assert_eq!(
        warnings(&under_limit_10(&unlimited)),
        [overwritten("max-scale", "4", "spec.maxReplicas")]
    );
}

#[test]
fn kserves_housekeeping_on_an_object_it_cannot_serve_is_warned_not_refused() {
    for fixture in [
        "isvc-sklearn-max12-finalizer-added",
        "isvc-sklearn-max12-being-deleted",
    ] {
        let evaluation = evaluate_fixture(fixture, "max-scale-5-limit-10");
        assert!(evaluation.accepted(), "{fixture}: {}", evaluation.message());
        assert_not_mutated(&evaluation);
        assert_eq!(evaluation.warnings().len(), 1, "{fixture}");
        assert!(evaluation.warnings()[0].contains("exceeds the cluster's max-scale-limit 10"));
    }
    let mut edited = request("isvc-sklearn-max12-finalizer-added");
    edited["object"]["spec"]["predictor"]["maxReplicas"] = json!(11);
    assert!(!evaluate(&edited, &settings("max-scale-5-limit-10")).accepted());
}

#[test]
fn other_versions_and_operations_of_kserve_objects_are_not_checked() {
    let mut request = request("isvc-sklearn-max12");
    request["operation"] = json!("DELETE");
    assert!(evaluate(&request, &settings("max-scale-5-limit-10")).accepted());
    request["operation"] = json!("CREATE");
    request["kind"]["version"] = json!("v1alpha2");
    assert!(evaluate(&request, &settings("max-scale-5-limit-10")).accepted());
}

#[test]
fn a_malformed_inference_service_is_rejected_naming_the_field() {
    let evaluation = evaluate(
        &isvc(json!({"minReplicas": "two", "model": model()}), json!({})),
        &json!({}),
    );
    assert_eq!(
        evaluation.message(),
        "InferenceService: spec.predictor.minReplicas: expected an integer, got \"two\""
    );
    // Even malformed, an object being deleted is never refused (its finalizer must come off).
    let mut deleting = isvc(json!({"minReplicas": "two", "model": model()}), json!({}));
    deleting["object"]["metadata"]["deletionTimestamp"] = json!("2026-11-27T10:00:00Z");
    let evaluation = evaluate(&deleting, &json!({}));
    assert!(evaluation.accepted(), "{}", evaluation.message());
    assert_eq!(evaluation.warnings().len(), 1);
}

/// The request KServe's controller sends when it creates the predictor's Service.
fn service_request(service: Value) -> Value {
    json!({
        "uid": "s", "operation": "CREATE",
        "kind": {"group": "serving.knative.dev", "version": "v1", "kind": "Service"},
        "resource": {"group": "serving.knative.dev", "version": "v1", "resource": "services"},
        "userInfo": {"username": "system:serviceaccount:kserve:kserve-controller-manager"},
        "object": service
    })
}

fn isvc_request(object: Value) -> Value {
    let mut request = request("isvc-sklearn-min1-max3");
    request["object"] = object;
    request
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    // Section 9: what the InferenceService hears is what its Service will get, component named.
    #[test]
    fn the_inference_service_answer_agrees_with_the_service_kserve_builds(
        isvc in inference_service(),
        (settings, cluster) in valid_settings(),
    ) {
        let checked = evaluate(&isvc_request(isvc.object()), &settings);
        prop_assert_eq!(&checked.validation["mutated_object"], &Value::Null);
        let service = kserve_desired_service(&isvc, cluster.allow_zero_initial_scale);
        let resolved = evaluate(&service_request(service), &settings);
        prop_assert_eq!(checked.accepted(), resolved.accepted(), "{} / {}", checked.message(), resolved.message());
        let expected: Vec<String> = resolved
            .warnings()
            .iter()
            .map(|warning| {
                let future = warning
                    .replacen(" set to ", " will be set to ", 1)
                    .replacen(" left to the cluster's ", " will be left to the cluster's ", 1);
                format!("predictor: {future}")
            })
            .collect();
        prop_assert_eq!(checked.warnings(), expected);
    }
}

// Section 9: what Knative would refuse in the Service KServe builds is refused at the
// InferenceService's apply, on the .wasm, naming the field; a long value is not repeated whole.
#[test]
fn what_knative_would_refuse_in_the_service_is_refused_naming_the_field() {
    let refused = evaluate_fixture("isvc-sklearn-window-2h", "knative-defaults");
    assert!(!refused.accepted());
    assert_eq!(
        refused.message(),
        "predictor: metadata.annotations[\"autoscaling.knative.dev/window\"]: expected 6s <= 2h <= 1h0m0s; Knative would reject the predictor's Service"
    );
    let mut long = request("isvc-sklearn-window-2h");
    long["object"]["metadata"]["annotations"]["autoscaling.knative.dev/window"] =
        json!(format!("{}s", "9".repeat(5000)));
    let refused = evaluate(&long, &settings("knative-defaults"));
    assert!(!refused.accepted());
    assert!(
        refused.message().contains("... (5001 characters)"),
        "{}",
        refused.message()
    );
    assert!(
        refused.message().len() < 300,
        "{} characters",
        refused.message().len()
    );
}

// Section 11: KServe copies the InferenceService's annotations to its Services' templates, so a
// profile chosen there is the Services' profile; the check says what it fills, and refuses a
// name the cluster does not have, naming the field.
#[test]
fn an_inference_service_chooses_its_services_profile_with_its_annotation() {
    let settings = settings("profiles");
    let predictor = json!({"minReplicas": 1, "maxReplicas": 3, "model": model()});
    let profile = "knative-scale-policy.github.io/profile";
    let chooses = evaluate(&isvc(predictor.clone(), json!({profile: "web"})), &settings);
    assert_not_mutated(&chooses);
    assert!(chooses.accepted());
    assert_eq!(
        warnings(&chooses),
        ["predictor: profile web: target=100, target-utilization-percentage=70"]
    );
    let unknown = evaluate(&isvc(predictor, json!({profile: "gpu-xl"})), &settings);
    assert_not_mutated(&unknown);
    assert_eq!(
        refusal(&unknown),
        "predictor: metadata.annotations[\"knative-scale-policy.github.io/profile\"]: \"gpu-xl\" is not a profile of this cluster (gpu-llm, web)"
    );
}
