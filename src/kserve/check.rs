//! Rules section 9: an InferenceService or InferenceGraph, checked (never mutated) for what the
//! policy will do to the Knative Services KServe builds from it, so that the person who applies
//! it hears it at `kubectl apply` rather than from a reconcile error in the object's status.

use serde_json::Value;

use crate::kserve::projection::{self, Component, Dropped, Origin, Projection};
use crate::rules::cluster::ClusterConfig;
use crate::rules::defaults::cap_phrase;
use crate::rules::keys::{ACTIVATION_SCALE_KEY, Bound, PROFILE_KEY, lookup};
use crate::rules::plan::{PlanError, plan};
use crate::rules::refusal::{Refusal, left_above_cap};
use crate::rules::resolve::InitialStrategy;
use crate::rules::tenant::Scope;
use crate::rules::validation::{KnativeError, validate};
use crate::verdict::{Outcome, Verdict};
use crate::wire::request::Admission;

/// Section 9: an InferenceService or InferenceGraph is never mutated; what the policy will do to
/// its Services is said in warnings, or in a rejection where they would be refused. KServe's own
/// writes that leave its Services as they were, and deletions, are never refused.
pub fn answer(
    request: &Admission,
    object: &Value,
    old_object: &Value,
    scope: &Scope,
    strategy: InitialStrategy,
) -> Verdict {
    let cluster = scope.cluster;
    let (warnings, refusals) = match check(&request.kind, object, scope, strategy) {
        Ok(findings) => (findings.warnings, findings.refusals),
        Err(message) => (Vec::new(), vec![format!("{}: {message}", request.kind)]),
    };
    let deleting = object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|value| !value.is_null());
    // Projected from oldObject only when something would be refused.
    let housekeeping = || {
        request.operation == "UPDATE" && same_services(&request.kind, object, old_object, cluster)
    };
    if refusals.is_empty() || deleting || housekeeping() {
        let mut warnings = warnings;
        warnings.extend(
            refusals
                .iter()
                .map(|refusal| format!("{refusal} (KServe's Knative Service would be rejected)")),
        );
        return Verdict {
            outcome: Outcome::Accept,
            warnings,
        };
    }
    Verdict {
        outcome: Outcome::Reject(refusals.join("; ")),
        warnings,
    }
}

/// What the check found: warnings for the person applying, and why KServe's Services would be
/// refused.
#[derive(Debug, Default, PartialEq)]
pub struct Findings {
    pub warnings: Vec<String>,
    pub refusals: Vec<String>,
}

/// `kind` is `InferenceService` or `InferenceGraph`.
pub fn check(
    kind: &str,
    object: &Value,
    scope: &Scope,
    strategy: InitialStrategy,
) -> Result<Findings, String> {
    let cluster = scope.cluster;
    let components = match project(kind, object, cluster)? {
        Projection::NotServerless { .. } => return Ok(Findings::default()),
        Projection::Serverless(components) => components,
    };
    let mut findings = Findings::default();
    // A stopped component's Service is deleted or never built: like a RawDeployment one, nothing
    // it would carry is said, and nothing refused (the user must be able to stop any model).
    for component in components.iter().filter(|component| !component.stopped()) {
        for dropped in &component.dropped {
            findings.warnings.push(dropped_warning(component, dropped));
        }
        let refusals = match plan(&component.annotations, true, scope, strategy) {
            Ok(plan) => {
                let mut service = component.annotations.clone();
                // The Service's admission warns only when it is mutated; so does its check here.
                if plan.apply(&mut service) {
                    findings.warnings.extend(
                        plan.notes
                            .iter()
                            .filter(|note| note.warn())
                            .map(|note| format!("{}: {}", component.name, note.future_message())),
                    );
                    let profile = plan.profile.iter().flat_map(|fill| fill.messages());
                    findings
                        .warnings
                        .extend(profile.map(|message| format!("{}: {message}", component.name)));
                }
                // What Knative checks beyond the bounds, on the Service as the policy resolves it.
                validate(&service, cluster)
                    .iter()
                    .map(|error| knative_refusal(component, error))
                    .collect()
            }
            Err(error) => vec![refusal(component, &error)],
        };
        for refusal in refusals {
            if !findings.refusals.contains(&refusal) {
                findings.refusals.push(refusal);
            }
        }
    }
    Ok(findings)
}

/// Knative's reason to refuse the component's Service, naming the KServe field it comes from.
fn knative_refusal(component: &Component, error: &KnativeError) -> String {
    let origin = component.origin(error.key());
    let sentence = format!(
        "{}: {}; Knative would reject the {}'s Service",
        origin.text, error.message, component.name
    );
    named(component, &origin, sentence)
}

/// A refusal whose first field is not the component's own names the component first.
fn named(component: &Component, first: &Origin, sentence: String) -> String {
    if first.in_component {
        sentence
    } else {
        format!("{}: {sentence}", component.name)
    }
}

/// A scale annotation that KServe never copies to the Service, or overwrites there.
fn dropped_warning(component: &Component, dropped: &Dropped) -> String {
    let fate = match &dropped.overwritten_with {
        None => "dropped by KServe".to_string(),
        Some(value) => format!("overwritten by KServe with {value} from {}", dropped.field),
    };
    format!(
        "{}: {} is {fate}; set {} instead",
        component.name, dropped.origin, dropped.field
    )
}

/// True when KServe would build the same Services from `object` as from `old` (only labels,
/// finalizers, status or other fields changed; or the same field already malformed): KServe's own
/// housekeeping, never to be blocked.
pub fn same_services(kind: &str, object: &Value, old: &Value, cluster: &ClusterConfig) -> bool {
    !old.is_null() && project(kind, object, cluster) == project(kind, old, cluster)
}

fn project(kind: &str, object: &Value, cluster: &ClusterConfig) -> Result<Projection, String> {
    projection::project(kind, object, cluster.allow_zero_initial_scale)
}

/// The policy's reason to refuse the component's Service, naming the KServe field it comes from.
fn refusal(component: &Component, error: &PlanError) -> String {
    let origin = |bound: Bound| -> Origin {
        let key = lookup(&component.annotations, bound).map_or(bound.key(), |w| w.key);
        component.origin(key)
    };
    let activation_origin = || component.origin(ACTIVATION_SCALE_KEY);
    let (first, sentence) = match error {
        PlanError::UnknownProfile(reason) => {
            let origin = component.origin(PROFILE_KEY);
            let sentence = format!("{}: {reason}", origin.text);
            (origin, sentence)
        }
        PlanError::Invalid(invalid) => {
            let origin = component.origin(invalid.key);
            let sentence = invalid.message_for(&origin.text);
            (origin, sentence)
        }
        PlanError::Refused(Refusal::AboveLimit {
            bound,
            value,
            limit,
            namespace,
        }) => {
            let origin = origin(*bound);
            let cap = cap_phrase(*limit, namespace.as_deref());
            let sentence = format!(
                "{}={value} exceeds {cap}; set it to {limit} or less",
                origin.text
            );
            (origin, sentence)
        }
        PlanError::Refused(Refusal::UnlimitedBelowActivation {
            limit,
            activation,
            namespace,
        }) => {
            let (max_origin, activation_origin) = (origin(Bound::Max), activation_origin());
            let sentence = format!(
                "{}=0 (unlimited) becomes {}, below {}={activation}; lower the second to {limit} or less",
                max_origin.text,
                cap_phrase(*limit, namespace.as_deref()),
                activation_origin.text
            );
            (max_origin, sentence)
        }
        PlanError::Refused(Refusal::LeftAboveCap {
            bound,
            cluster_value,
            activation,
            limit,
            namespace,
        }) => {
            let origin = origin(*bound);
            let why = left_above_cap(*bound, *cluster_value, *activation, *limit, namespace);
            let sentence = format!("{}: {why}", origin.text);
            (origin, sentence)
        }
        PlanError::Refused(Refusal::MaxBelowMin { max, min }) => {
            let (max_origin, min_origin) = (origin(Bound::Max), origin(Bound::Min));
            let sentence = format!(
                "{}={max} is less than {}={min}; raise the first or lower the second",
                max_origin.text, min_origin.text
            );
            (max_origin, sentence)
        }
        PlanError::Refused(Refusal::MinAboveActivation { min, activation }) => {
            let (min_origin, activation_origin) = (origin(Bound::Min), activation_origin());
            let sentence = format!(
                "{}={min} is greater than {}={activation}; lower the first or raise the second",
                min_origin.text, activation_origin.text
            );
            (min_origin, sentence)
        }
        PlanError::Refused(Refusal::MaxBelowActivation { max, activation }) => {
            let (max_origin, activation_origin) = (origin(Bound::Max), activation_origin());
            let sentence = format!(
                "{}={max} is less than {}={activation}; raise the first or lower the second",
                max_origin.text, activation_origin.text
            );
            (max_origin, sentence)
        }
        PlanError::Refused(Refusal::ActivationBelowTwo { activation }) => {
            let activation_origin = activation_origin();
            let sentence = format!(
                "{}={activation} must be greater than 1",
                activation_origin.text
            );
            (activation_origin, sentence)
        }
    };
    named(component, &first, sentence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster(initial_scale: i32, max_scale_limit: i32) -> ClusterConfig {
        ClusterConfig {
            initial_scale,
            max_scale: if max_scale_limit > 0 { 1 } else { 0 },
            max_scale_limit,
            ..ClusterConfig::default()
        }
    }

    fn check_isvc(predictor: Value, cluster: &ClusterConfig) -> Findings {
        let isvc = json!({"spec": {"predictor": predictor}});
        check(
            "InferenceService",
            &isvc,
            &Scope::of(cluster),
            InitialStrategy::Min,
        )
        .unwrap()
    }

    fn refusals(kind: &str, object: Value) -> Vec<String> {
        check(
            kind,
            &object,
            &Scope::of(&cluster(1, 0)),
            InitialStrategy::Min,
        )
        .unwrap()
        .refusals
    }

    // 9: a change Knative alone would not make is warned, naming the component.
    #[test]
    fn a_changed_start_is_warned_naming_the_component() {
        let findings = check_isvc(json!({"minReplicas": 1, "maxReplicas": 3}), &cluster(5, 0));
        assert_eq!(
            findings.warnings,
            vec![
                "predictor: autoscaling.knative.dev/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
            ]
        );
        assert!(findings.refusals.is_empty());
    }

    // 9: a Service the policy would refuse means a refused InferenceService, naming the field.
    #[test]
    fn a_refused_service_names_the_kserve_field() {
        let findings = check_isvc(json!({"maxReplicas": 12}), &cluster(1, 10));
        assert_eq!(
            findings.refusals,
            vec![
                "spec.predictor.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
            ]
        );
        let findings = check_isvc(json!({"minReplicas": 12}), &cluster(1, 10));
        assert_eq!(
            findings.refusals,
            vec![
                "spec.predictor.minReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
            ]
        );
        let graph = json!({"spec": {"minReplicas": 5, "maxReplicas": 2}});
        assert_eq!(
            refusals("InferenceGraph", graph),
            vec![
                "inferencegraph: spec.maxReplicas=2 is less than spec.minReplicas=5; raise the first or lower the second"
            ]
        );
        let shared = json!({"metadata": {"annotations": {"autoscaling.knative.dev/initial-scale": "-1"}},
                            "spec": {"predictor": {}, "transformer": {}}});
        assert_eq!(
            refusals("InferenceService", shared),
            vec![
                "predictor: metadata.annotations[\"autoscaling.knative.dev/initial-scale\"]: invalid value \"-1\": expected an integer 0 <= n <= 2147483647",
                "transformer: metadata.annotations[\"autoscaling.knative.dev/initial-scale\"]: invalid value \"-1\": expected an integer 0 <= n <= 2147483647"
            ]
        );
    }

    // 9: otherwise silent.
    #[test]
    fn nothing_to_say_is_silence() {
        assert_eq!(
            check_isvc(json!({"minReplicas": 1, "maxReplicas": 3}), &cluster(1, 0)),
            Findings::default()
        );
        let raw = json!({"metadata": {"annotations": {"serving.kserve.io/deploymentMode": "RawDeployment"}},
                         "spec": {"predictor": {"maxReplicas": 12}}});
        assert_eq!(
            check(
                "InferenceService",
                &raw,
                &Scope::of(&cluster(5, 10)),
                InitialStrategy::Min
            )
            .unwrap(),
            Findings::default()
        );
    }

    // 9: KServe's writes that leave its Services as they were.
    #[test]
    fn same_services_ignores_labels_finalizers_and_status() {
        let old =
            json!({"metadata": {"labels": {"a": "1"}}, "spec": {"predictor": {"maxReplicas": 12}}});
        let mut new = old.clone();
        new["metadata"]["finalizers"] = json!(["inferenceservice.finalizers"]);
        new["metadata"]["labels"]["b"] = json!("2");
        new["status"] = json!({"url": "http://x"});
        let c = cluster(1, 10);
        assert!(same_services("InferenceService", &new, &old, &c));
        new["spec"]["predictor"]["maxReplicas"] = json!(11);
        assert!(!same_services("InferenceService", &new, &old, &c));
        assert!(!same_services("InferenceService", &new, &Value::Null, &c));
        let malformed = json!({"spec": {"predictor": {"minReplicas": "two"}}});
        let mut finalized = malformed.clone();
        finalized["metadata"] = json!({"finalizers": []});
        assert!(same_services(
            "InferenceService",
            &finalized,
            &malformed,
            &c
        ));
    }

    // 9: what Knative checks beyond the bounds is refused at apply, naming the field.
    #[test]
    fn what_knative_would_refuse_in_the_service_is_refused_naming_the_field() {
        let zero_target =
            json!({"spec": {"predictor": {"scaleTarget": 0, "scaleMetric": "concurrency"}}});
        assert_eq!(
            refusals("InferenceService", zero_target),
            [
                "spec.predictor.scaleTarget: target 0 should be at least 0.01; Knative would reject the predictor's Service"
            ]
        );
        let long_window = json!({"metadata": {"annotations": {"autoscaling.knative.dev/window": "2h"}},
            "spec": {"predictor": {}}});
        assert_eq!(
            refusals("InferenceService", long_window),
            [
                "predictor: metadata.annotations[\"autoscaling.knative.dev/window\"]: expected 6s <= 2h <= 1h0m0s; Knative would reject the predictor's Service"
            ]
        );
        let precise = json!({"spec": {"predictor": {"annotations": {"autoscaling.knative.dev/scale-down-delay": "1.5s"}}}});
        assert_eq!(
            refusals("InferenceService", precise),
            [
                "spec.predictor.annotations[\"autoscaling.knative.dev/scale-down-delay\"]: must be specified with at most second precision; Knative would reject the predictor's Service"
            ]
        );
        let cpu_on_kpa = json!({"spec": {"predictor": {"scaleMetric": "cpu"}}});
        assert_eq!(
            refusals("InferenceService", cpu_on_kpa),
            [
                "spec.predictor.scaleMetric: invalid value: cpu; Knative would reject the predictor's Service"
            ]
        );
        let graph = json!({"metadata": {"annotations": {"autoscaling.knative.dev/target-utilization-percentage": "0"}},
            "spec": {"nodes": {}}});
        assert_eq!(
            refusals("InferenceGraph", graph),
            [
                "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/target-utilization-percentage\"]: expected 1 <= 0 <= 100; Knative would reject the inferencegraph's Service"
            ]
        );
        let fine = json!({"metadata": {"annotations": {"autoscaling.knative.dev/window": "60s"}},
            "spec": {"predictor": {"scaleTarget": 10, "scaleMetric": "rps"}}});
        assert!(refusals("InferenceService", fine).is_empty());
    }

    // 9: the scale annotations KServe drops silently are warned about, naming the field to use.
    #[test]
    fn min_and_max_scale_on_the_inference_service_are_warned_as_dropped() {
        let isvc = json!({"metadata": {"annotations": {
                "autoscaling.knative.dev/min-scale": "2", "autoscaling.knative.dev/max-scale": "4"}},
            "spec": {"predictor": {"annotations": {"autoscaling.knative.dev/max-scale": "6"}}}});
        let findings = check(
            "InferenceService",
            &isvc,
            &Scope::of(&cluster(1, 0)),
            InitialStrategy::Min,
        )
        .unwrap();
        assert_eq!(
            findings.warnings,
            [
                "predictor: metadata.annotations[\"autoscaling.knative.dev/max-scale\"] is dropped by KServe; set spec.predictor.maxReplicas instead",
                "predictor: metadata.annotations[\"autoscaling.knative.dev/min-scale\"] is dropped by KServe; set spec.predictor.minReplicas instead",
                "predictor: spec.predictor.annotations[\"autoscaling.knative.dev/max-scale\"] is dropped by KServe; set spec.predictor.maxReplicas instead",
            ]
        );
        assert!(findings.refusals.is_empty());
    }

    fn findings(kind: &str, object: Value, cluster: &ClusterConfig) -> Findings {
        check(kind, &object, &Scope::of(cluster), InitialStrategy::Min).unwrap()
    }

    // 9, facts D.1: a stopped component's Service is deleted or never built; nothing it would
    // carry is refused or warned. A stop on the InferenceService stops every component, unless a
    // component's own value says otherwise.
    #[test]
    fn a_stopped_component_is_neither_refused_nor_warned() {
        let over = |metadata: Value, predictor: Value| {
            json!({"metadata": {"annotations": metadata},
                   "spec": {"predictor": {"maxReplicas": 12, "annotations": predictor},
                            "transformer": {"minReplicas": 11}}})
        };
        let c = cluster(5, 10);
        let stop = "serving.kserve.io/stop";
        let dropped = "autoscaling.knative.dev/min-scale";
        let stopped = over(json!({stop: "TRUE", dropped: "2"}), json!({}));
        assert_eq!(
            findings("InferenceService", stopped, &c),
            Findings::default()
        );
        let predictor_only = findings(
            "InferenceService",
            over(json!({}), json!({stop: "True"})),
            &c,
        );
        assert_eq!(
            predictor_only.refusals,
            [
                "spec.transformer.minReplicas=11 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
            ]
        );
        let predictor_kept = findings(
            "InferenceService",
            over(json!({stop: "true"}), json!({stop: "false"})),
            &c,
        );
        assert_eq!(
            predictor_kept.refusals,
            [
                "spec.predictor.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
            ]
        );
        let graph =
            json!({"metadata": {"annotations": {stop: "true"}}, "spec": {"maxReplicas": 12}});
        assert_eq!(findings("InferenceGraph", graph, &c), Findings::default());
    }

    // 9, facts D.1: a ModelMesh InferenceGraph gets a Knative Service, and is checked as one.
    #[test]
    fn a_model_mesh_inference_graph_is_checked_as_its_service() {
        let graph = json!({"metadata": {"annotations": {"serving.kserve.io/deploymentMode": "ModelMesh"}},
                           "spec": {"maxReplicas": 12}});
        assert_eq!(
            findings("InferenceGraph", graph, &cluster(1, 10)).refusals,
            [
                "inferencegraph: spec.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less"
            ]
        );
    }

    // 9, facts D.1: KServe overwrites a graph's own min-scale (always) and max-scale (when
    // maxReplicas is not 0) without a word; the person applying it hears which field to set.
    #[test]
    fn a_graphs_own_min_and_max_scale_are_warned_naming_the_replicas_field() {
        let graph = |max_replicas: i64| {
            json!({"metadata": {"annotations": {
                    "autoscaling.knative.dev/min-scale": "3", "autoscaling.knative.dev/max-scale": "6"}},
                   "spec": {"minReplicas": 2, "maxReplicas": max_replicas}})
        };
        assert_eq!(
            findings("InferenceGraph", graph(4), &cluster(1, 0)).warnings,
            [
                "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/min-scale\"] is overwritten by KServe with 2 from spec.minReplicas; set spec.minReplicas instead",
                "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/max-scale\"] is overwritten by KServe with 4 from spec.maxReplicas; set spec.maxReplicas instead",
            ]
        );
        // maxReplicas 0 writes no max-scale: the graph's own stays on the template, and counts.
        let kept = findings("InferenceGraph", graph(0), &cluster(1, 5));
        assert_eq!(
            kept.warnings,
            [
                "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/min-scale\"] is overwritten by KServe with 2 from spec.minReplicas; set spec.minReplicas instead"
            ]
        );
        assert_eq!(
            kept.refusals,
            [
                "inferencegraph: metadata.annotations[\"autoscaling.knative.dev/max-scale\"]=6 exceeds the cluster's max-scale-limit 5; set it to 5 or less"
            ]
        );
    }
}
