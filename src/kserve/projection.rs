//! KServe's side (facts D.1, for KServe v0.15.2 and later): the template annotations KServe
//! writes on the Knative Service of each serverless component of an InferenceService, and of an
//! InferenceGraph, projected from the KServe object so the policy can resolve them before KServe
//! builds the Service. Each key remembers where in the KServe object it came from, for messages.

use serde_json::{Map, Value};

use crate::rules::annotations::Annotations;
use crate::rules::keys::{AutoscalerClass, Bound, CLASS_KEY};
use crate::rules::message::quote;
use crate::wire::json_values::{describe, json_type, string_map};

/// One Knative Service KServe would build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// `predictor`, `transformer`, `explainer`, or `inferencegraph`.
    pub name: &'static str,
    /// Its template annotations.
    pub annotations: Annotations,
    /// For each annotation, where in the KServe object it comes from.
    origins: Vec<(String, Origin)>,
    /// Scale annotations of the KServe object that never reach the Service as written.
    pub dropped: Vec<Dropped>,
}

/// A scale annotation KServe drops silently (an InferenceService's, `ServiceAnnotationDisallowedList`)
/// or overwrites (an InferenceGraph's), and the field that sets the same bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    pub origin: String,
    /// `spec.predictor.minReplicas`, `spec.maxReplicas`.
    pub field: String,
    /// What KServe writes over it from `field`; `None` when it is dropped.
    pub overwritten_with: Option<String>,
}

/// Where a Service's annotation comes from in the KServe object, as messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// A field path (`spec.predictor.maxReplicas`, `metadata.annotations.get("...").unwrap()`), or what KServe
    /// does by itself (`KServe's default class`).
    pub text: String,
    /// A field of the component's own spec, whose path names the component already.
    pub in_component: bool,
}

impl Component {
    fn new(name: &'static str) -> Component {
        Component {
            name,
            annotations: Annotations::new(),
            origins: Vec::new(),
            dropped: Vec::new(),
        }
    }

    fn set(&mut self, key: &str, value: &str, origin: Origin) {
        self.annotations.insert(key.to_string(), value.to_string());
        match self.origins.iter_mut().find(|(k, _)| k == key) {
            Some((_, existing)) => *existing = origin,
            None => self.origins.push((key.to_string(), origin)),
        }
    }

    /// KServe deletes this Service, or never creates it: `serving.kserve.io/stop` is `true` (any
    /// letter case) on its template, where a component's value wins over the object's (facts D.1).
    pub fn stopped(&self) -> bool {
        self.annotations
            .get(STOP_KEY)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    /// Where `key` (as written on the Service) comes from in the KServe object.
    pub fn origin(&self, key: &str) -> Origin {
        let found = self.origins.iter().find(|(k, _)| k == key);
        found
            .map(|(_, origin)| origin.clone())
            .unwrap_or_else(|| Origin {
                text: format!("the {} Service's {key}", self.name),
                in_component: false,
            })
    }
}

/// What KServe does with the object: no Knative Service (Standard or RawDeployment; ModelMesh for
/// an InferenceService), or these (each maybe `stopped`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Projection {
    NotServerless { mode: String },
    Serverless(Vec<Component>),
}

const DEPLOYMENT_MODE_KEY: &str = "serving.kserve.io/deploymentMode";
const STOP_KEY: &str = "serving.kserve.io/stop";

/// Never copied from an InferenceService or its components (`ServiceAnnotationDisallowedList`).
const DISALLOWED: [&str; 4] = [
    "autoscaling.knative.dev/min-scale",
    "autoscaling.knative.dev/max-scale",
    "internal.serving.kserve.io/storage-initializer-sourceuri",
    "kubectl.kubernetes.io/last-applied-configuration",
];

pub const INFERENCE_SERVICE_COMPONENTS: [&str; 3] = ["predictor", "transformer", "explainer"];

/// An `InferenceService` (`serving.kserve.io/v1beta1`) or `InferenceGraph` (`v1alpha1`), as
/// `kind` says. `allow_zero_initial_scale` is what KServe reads from config-autoscaler.
pub fn project(
    kind: &str,
    object: &Value,
    allow_zero_initial_scale: bool,
) -> Result<Projection, String> {
    let metadata = annotations_at(
        object.pointer("/metadata/annotations"),
        "metadata.annotations",
    )?;
    if let Some(mode) = not_serverless(kind, object, &metadata) {
        return Ok(Projection::NotServerless { mode });
    }
    let components = if kind == "InferenceGraph" {
        vec![inference_graph(
            object,
            &metadata,
            allow_zero_initial_scale,
        )?]
    } else {
        inference_service(object, &metadata, allow_zero_initial_scale)?
    };
    Ok(Projection::Serverless(components))
}

/// Each serverless component of an InferenceService.
fn inference_service(
    object: &Value,
    metadata: &Annotations,
    allow_zero_initial_scale: bool,
) -> Result<Vec<Component>, String> {
    let mut components = Vec::new();
    for name in INFERENCE_SERVICE_COMPONENTS {
        let spec = match object.pointer(&format!("/spec/{name}")) {
            None | Some(Value::Null) => continue,
            Some(Value::Object(spec)) => spec,
            Some(other) => {
                return Err(format!(
                    "spec.{name}: expected a map, got {}",
                    json_type(other)
                ));
            }
        };
        let path = format!("spec.{name}");
        let own_path = format!("{path}.annotations");
        let own = annotations_at(spec.get("annotations"), &own_path)?;
        let mut component = Component::new(name);
        let from_object = Passthrough {
            path: "metadata.annotations",
            in_component: false,
            filter_disallowed: true,
            initial_scale_check: Some(allow_zero_initial_scale),
        };
        from_object.copy(metadata, &mut component);
        let from_component = Passthrough {
            path: &own_path,
            in_component: true,
            filter_disallowed: true,
            initial_scale_check: None,
        };
        from_component.copy(&own, &mut component);
        set_scaling(&mut component, &path, true, spec)?;
        components.push(component);
    }
    Ok(components)
}

/// An InferenceGraph's one Service: all of its annotations are copied, none refused.
fn inference_graph(
    object: &Value,
    metadata: &Annotations,
    allow_zero_initial_scale: bool,
) -> Result<Component, String> {
    let empty = Map::new();
    let spec = match object.get("spec") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(spec)) => spec,
        Some(other) => return Err(format!("spec: expected a map, got {}", json_type(other))),
    };
    let mut component = Component::new("inferencegraph");
    let from_object = Passthrough {
        path: "metadata.annotations",
        in_component: false,
        filter_disallowed: false,
        initial_scale_check: Some(allow_zero_initial_scale),
    };
    from_object.copy(metadata, &mut component);
    // The graph's fields are the object's own: messages name the graph first.
    set_scaling(&mut component, "spec", false, spec)?;
    Ok(component)
}

/// How KServe passes a map of annotations through to a component's Service.
struct Passthrough<'a> {
    path: &'a str,
    /// The map is the component's own (`spec.predictor.annotations`).
    in_component: bool,
    /// An InferenceService's annotations lose `DISALLOWED`.
    filter_disallowed: bool,
    /// `Some(allow_zero_initial_scale)` for the object's own annotations, which KServe's
    /// `ValidateInitialScaleAnnotation` checks: an initial-scale that is not an integer, or a 0
    /// the cluster does not allow, is dropped (KServe logs it and goes on). A component's
    /// annotations are not checked.
    initial_scale_check: Option<bool>,
}

impl Passthrough<'_> {
    fn copy(&self, from: &Annotations, component: &mut Component) {
        for (key, text) in from.iter() {
            let disallowed = self.filter_disallowed && DISALLOWED.contains(&key);
            let dropped = key == Bound::Initial.key()
                && self
                    .initial_scale_check
                    .is_some_and(|allow_zero| match text.parse::<i64>() {
                        Err(_) => true,
                        Ok(value) => value == 0 && !allow_zero,
                    });
            let origin = format!("{}[{}]", self.path, quote(key));
            if !disallowed && !dropped {
                let in_component = self.in_component;
                component.set(
                    key,
                    text,
                    Origin {
                        text: origin,
                        in_component,
                    },
                );
            } else if disallowed && let Some(field) = replica_field(key) {
                component.dropped.push(Dropped {
                    origin,
                    field: format!("spec.{}.{field}", component.name),
                    overwritten_with: None,
                });
            }
        }
    }
}

/// The component's field for a scale key KServe drops from annotations.
fn replica_field(key: &str) -> Option<&'static str> {
    match key {
        k if k == Bound::Min.key() => Some("minReplicas"),
        k if k == Bound::Max.key() => Some("maxReplicas"),
        _ => None,
    }
}

/// `SetAutoScalingAnnotations`: the class defaults to KPA, `scaleTarget` and `scaleMetric` become
/// target and metric, `minReplicas` (default 1) is always min-scale, and `maxReplicas` is
/// max-scale only when it is not 0 (unlimited). A min-scale or max-scale already there (only an
/// InferenceGraph's own annotations pass through with them) is overwritten, and remembered.
fn set_scaling(
    component: &mut Component,
    path: &str,
    in_component: bool,
    spec: &Map<String, Value>,
) -> Result<(), String> {
    let field = |name: &str| Origin {
        text: format!("{path}.{name}"),
        in_component,
    };
    if component.annotations.get(CLASS_KEY).is_none() {
        component.set(
            CLASS_KEY,
            AutoscalerClass::KPA,
            Origin {
                text: "KServe's default class".to_string(),
                in_component: false,
            },
        );
    }
    if let Some(target) = integer(spec, "scaleTarget", path)? {
        component.set(
            "autoscaling.knative.dev/target",
            &target.to_string(),
            field("scaleTarget"),
        );
    }
    match spec.get("scaleMetric") {
        None | Some(Value::Null) => {}
        Some(Value::String(metric)) => {
            component.set(
                "autoscaling.knative.dev/metric",
                metric,
                field("scaleMetric"),
            );
        }
        Some(other) => {
            return Err(format!(
                "{path}.scaleMetric: expected a string, got {}",
                json_type(other)
            ));
        }
    }
    let min = integer(spec, "minReplicas", path)?.unwrap_or(1);
    write_bound(component, Bound::Min, min, field("minReplicas"));
    let max = integer(spec, "maxReplicas", path)?.unwrap_or(0);
    if max != 0 {
        write_bound(component, Bound::Max, max, field("maxReplicas"));
    }
    Ok(())
}

/// KServe writes the bound from `field`, over the annotation's value if there was one.
fn write_bound(component: &mut Component, bound: Bound, value: i64, field: Origin) {
    let value = value.to_string();
    if component.annotations.contains_key(bound.key()) {
        let origin = component.origin(bound.key()).text;
        component.dropped.push(Dropped {
            origin,
            field: field.text.clone(),
            overwritten_with: Some(value.clone()),
        });
    }
    component.set(bound.key(), &value, field);
}

/// The deployment mode, when KServe builds no Knative Service in it (KServe's `GetDeploymentMode`:
/// the status first, then the annotation; absent means the shipped default, Serverless). An
/// InferenceGraph's controller takes the non-Knative path for `Standard` (`RawDeployment`) only:
/// a ModelMesh graph gets a Knative Service.
fn not_serverless(kind: &str, object: &Value, metadata: &Annotations) -> Option<String> {
    let mode = object
        .pointer("/status/deploymentMode")
        .and_then(Value::as_str)
        .filter(|mode| !mode.is_empty())
        .or(metadata.get(DEPLOYMENT_MODE_KEY))?;
    let model_mesh = mode == "ModelMesh" && kind != "InferenceGraph";
    (model_mesh || matches!(mode, "RawDeployment" | "Standard")).then(|| mode.to_string())
}

fn integer(spec: &Map<String, Value>, field: &str, path: &str) -> Result<Option<i64>, String> {
    match spec.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) if number.as_i64().is_some() => Ok(number.as_i64()),
        Some(other) => Err(format!(
            "{path}.{field}: expected an integer, got {}",
            describe(other)
        )),
    }
}

/// The annotations at `path`, empty when absent; an error naming the field otherwise.
fn annotations_at(value: Option<&Value>, path: &str) -> Result<Annotations, String> {
    match value {
        None | Some(Value::Null) => Ok(Annotations::new()),
        Some(Value::Object(map)) => string_map(map, path),
        Some(other) => Err(format!("{path}: expected a map, got {}", json_type(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn components(projection: Projection) -> Vec<Component> {
        match projection {
            Projection::Serverless(components) => components,
            other => panic!("not serverless: {other:?}"),
        }
    }

    fn scale(component: &Component) -> [Option<&str>; 3] {
        Bound::ALL.map(|bound| component.annotations.get(bound.key()))
    }

    // D.1: minReplicas (default 1) is always min-scale; maxReplicas only when not 0.
    #[test]
    fn replicas_become_min_scale_and_max_scale_unless_unlimited() {
        let isvc = json!({"spec": {"predictor": {"minReplicas": 2, "maxReplicas": 5}}});
        let [predictor] = &components(project("InferenceService", &isvc, false).unwrap())[..]
        else {
            panic!()
        };
        assert_eq!(scale(predictor), [Some("2"), Some("5"), None]);
        assert_eq!(
            predictor.origin(Bound::Max.key()).text,
            "spec.predictor.maxReplicas"
        );
        let defaults = json!({"spec": {"predictor": {"maxReplicas": 0}}});
        let [predictor] = &components(project("InferenceService", &defaults, false).unwrap())[..]
        else {
            panic!()
        };
        assert_eq!(scale(predictor), [Some("1"), None, None]);
    }

    // D.1: the class defaults to KPA; scaleTarget and scaleMetric become target and metric.
    #[test]
    fn class_defaults_to_kpa_and_scale_target_and_metric_are_written() {
        let isvc = json!({"spec": {"predictor": {"scaleTarget": 10, "scaleMetric": "rps"}}});
        let predictor = &components(project("InferenceService", &isvc, false).unwrap())[0];
        assert_eq!(
            predictor.annotations.get(CLASS_KEY).unwrap(),
            AutoscalerClass::KPA
        );
        assert_eq!(
            predictor
                .annotations
                .get("autoscaling.knative.dev/target")
                .unwrap(),
            "10"
        );
        assert_eq!(
            predictor
                .annotations
                .get("autoscaling.knative.dev/metric")
                .unwrap(),
            "rps"
        );
        let hpa = json!({"metadata": {"annotations": {CLASS_KEY: AutoscalerClass::HPA}},
                         "spec": {"predictor": {}}});
        let predictor = &components(project("InferenceService", &hpa, false).unwrap())[0];
        assert_eq!(
            predictor.annotations.get(CLASS_KEY).unwrap(),
            AutoscalerClass::HPA
        );
    }

    // D.1: annotations pass through, except the disallow list; the component's win.
    #[test]
    fn annotations_pass_through_except_the_disallowed_and_the_component_wins() {
        let isvc = json!({
            "metadata": {"annotations": {
                "autoscaling.knative.dev/min-scale": "7",
                "autoscaling.knative.dev/max-scale": "9",
                "autoscaling.knative.dev/maxScale": "4",
                "autoscaling.knative.dev/initial-scale": "3",
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "example.com/team": "a"}},
            "spec": {
                "predictor": {"annotations": {"autoscaling.knative.dev/initial-scale": "2"}},
                "transformer": {"minReplicas": 0}
            }
        });
        let projected = components(project("InferenceService", &isvc, false).unwrap());
        let [predictor, transformer] = &projected[..] else {
            panic!("{projected:?}")
        };
        assert_eq!(
            (predictor.name, transformer.name),
            ("predictor", "transformer")
        );
        assert_eq!(scale(predictor), [Some("1"), None, Some("2")]);
        assert_eq!(
            predictor.origin(Bound::Initial.key()).text,
            "spec.predictor.annotations[\"autoscaling.knative.dev/initial-scale\"]"
        );
        assert_eq!(scale(transformer), [Some("0"), None, Some("3")]);
        for component in &projected {
            assert_eq!(
                component
                    .annotations
                    .get("autoscaling.knative.dev/maxScale")
                    .unwrap(),
                "4"
            );
            assert_eq!(component.annotations.get("example.com/team").unwrap(), "a");
            assert!(
                !component
                    .annotations
                    .contains_key("kubectl.kubernetes.io/last-applied-configuration")
            );
        }
    }

    // D.1 (v0.15.2 and later): a non-integer initial-scale, or a 0 the cluster refuses, is dropped
    // from the InferenceService's own annotations; a component's is passed through unchecked.
    #[test]
    fn initial_scale_is_dropped_when_kserve_would_drop_it() {
        let with = |value: &str| {
            json!({"metadata": {"annotations": {"autoscaling.knative.dev/initial-scale": value}},
                   "spec": {"predictor": {"annotations": {}}}})
        };
        let initial = |isvc: &Value, allow_zero: bool| {
            let component = &components(project("InferenceService", isvc, allow_zero).unwrap())[0];
            component
                .annotations
                .get(Bound::Initial.key())
                .map(str::to_string)
        };
        assert_eq!(initial(&with("abc"), false), None);
        assert_eq!(initial(&with("0"), false), None);
        assert_eq!(initial(&with("0"), true), Some("0".into()));
        assert_eq!(initial(&with("-2"), false), Some("-2".into()));
        let component_zero = json!({"spec": {"predictor": {"annotations": {
            "autoscaling.knative.dev/initial-scale": "0"}}}});
        assert_eq!(initial(&component_zero, false), Some("0".into()));
        let component_text = json!({"spec": {"predictor": {"annotations": {
            "autoscaling.knative.dev/initial-scale": "abc"}}}});
        assert_eq!(initial(&component_text, false), Some("abc".into()));
    }

    // Section 9, facts D.1: RawDeployment (Standard) and ModelMesh InferenceServices have no
    // Knative Service; a ModelMesh InferenceGraph has one, a Standard one does not.
    #[test]
    fn raw_deployment_and_model_mesh_are_not_serverless() {
        for mode in ["RawDeployment", "Standard", "ModelMesh"] {
            let isvc = json!({"metadata": {"annotations": {DEPLOYMENT_MODE_KEY: mode}},
                              "spec": {"predictor": {"maxReplicas": 3}}});
            assert_eq!(
                project("InferenceService", &isvc, false).unwrap(),
                Projection::NotServerless { mode: mode.into() }
            );
        }
        let by_status =
            json!({"spec": {"predictor": {}}, "status": {"deploymentMode": "RawDeployment"}});
        assert!(matches!(
            project("InferenceService", &by_status, false).unwrap(),
            Projection::NotServerless { .. }
        ));
        let serverless = json!({"metadata": {"annotations": {DEPLOYMENT_MODE_KEY: "Serverless"}},
                                "spec": {"predictor": {}}});
        assert_eq!(
            components(project("InferenceService", &serverless, false).unwrap()).len(),
            1
        );
    }

    #[test]
    fn a_model_mesh_inference_graph_gets_a_knative_service() {
        let graph = |mode: &str| {
            json!({"metadata": {"annotations": {DEPLOYMENT_MODE_KEY: mode}},
                   "spec": {"maxReplicas": 3, "nodes": {}}})
        };
        let [router] =
            &components(project("InferenceGraph", &graph("ModelMesh"), false).unwrap())[..]
        else {
            panic!()
        };
        assert_eq!(scale(router), [Some("1"), Some("3"), None]);
        let by_status = json!({"spec": {}, "status": {"deploymentMode": "ModelMesh"}});
        assert_eq!(
            components(project("InferenceGraph", &by_status, false).unwrap()).len(),
            1
        );
        for mode in ["RawDeployment", "Standard"] {
            assert_eq!(
                project("InferenceGraph", &graph(mode), false).unwrap(),
                Projection::NotServerless { mode: mode.into() }
            );
        }
    }

    // Facts D.1: KServe deletes (or never creates) a Service whose template carries
    // serving.kserve.io/stop "true" in any letter case; a component's value wins over the
    // InferenceService's, as it does on the template.
    #[test]
    fn a_stop_annotation_true_in_any_case_on_the_template_stops_its_service() {
        let isvc = |metadata: Value, predictor: Value| {
            json!({"metadata": {"annotations": metadata},
                   "spec": {"predictor": {"annotations": predictor}, "transformer": {}}})
        };
        let stopped = |object: &Value| -> Vec<bool> {
            components(project("InferenceService", object, false).unwrap())
                .iter()
                .map(Component::stopped)
                .collect()
        };
        for value in ["true", "TRUE", "True", "tRuE"] {
            let on_object = isvc(json!({STOP_KEY: value}), json!({}));
            assert_eq!(stopped(&on_object), [true, true], "{value}");
            let on_predictor = isvc(json!({}), json!({STOP_KEY: value}));
            assert_eq!(stopped(&on_predictor), [true, false], "{value}");
        }
        let restarted = isvc(json!({STOP_KEY: "true"}), json!({STOP_KEY: "false"}));
        assert_eq!(stopped(&restarted), [false, true]);
        for value in ["false", "yes", "1", " true", ""] {
            assert_eq!(
                stopped(&isvc(json!({STOP_KEY: value}), json!({}))),
                [false, false],
                "{value:?}"
            );
        }
        let graph = json!({"metadata": {"annotations": {STOP_KEY: "True"}}, "spec": {}});
        let [router] = &components(project("InferenceGraph", &graph, false).unwrap())[..] else {
            panic!()
        };
        assert!(router.stopped());
    }

    // D.1: an InferenceGraph copies all of its annotations and maps its own replicas.
    #[test]
    fn an_inference_graph_copies_every_annotation() {
        let graph = json!({
            "metadata": {"annotations": {"autoscaling.knative.dev/max-scale": "6"}},
            "spec": {"minReplicas": 2, "maxReplicas": 0, "nodes": {}}
        });
        let [router] = &components(project("InferenceGraph", &graph, false).unwrap())[..] else {
            panic!()
        };
        assert_eq!(router.name, "inferencegraph");
        assert_eq!(scale(router), [Some("2"), Some("6"), None]);
        assert_eq!(router.origin(Bound::Min.key()).text, "spec.minReplicas");
        assert_eq!(
            router.origin(Bound::Max.key()).text,
            "metadata.annotations[\"autoscaling.knative.dev/max-scale\"]"
        );
        // Kept on the template (maxReplicas 0 writes nothing): not overwritten.
        assert_eq!(router.dropped, []);
    }

    // Facts D.1: a graph's own min-scale is always overwritten (minReplicas, default 1), its
    // max-scale only by a maxReplicas that is not 0.
    #[test]
    fn a_graphs_own_min_and_max_scale_are_overwritten_by_its_replicas() {
        let graph = json!({
            "metadata": {"annotations": {
                "autoscaling.knative.dev/min-scale": "3", "autoscaling.knative.dev/max-scale": "6"}},
            "spec": {"maxReplicas": 4}
        });
        let [router] = &components(project("InferenceGraph", &graph, false).unwrap())[..] else {
            panic!()
        };
        assert_eq!(scale(router), [Some("1"), Some("4"), None]);
        let overwritten = |key: &str, field: &str, value: &str| Dropped {
            origin: format!("metadata.annotations[\"autoscaling.knative.dev/{key}\"]"),
            field: field.to_string(),
            overwritten_with: Some(value.to_string()),
        };
        assert_eq!(
            router.dropped,
            [
                overwritten("min-scale", "spec.minReplicas", "1"),
                overwritten("max-scale", "spec.maxReplicas", "4"),
            ]
        );
        assert_eq!(router.origin(Bound::Max.key()).text, "spec.maxReplicas");
    }

    #[test]
    fn malformed_kserve_objects_name_the_field() {
        for (isvc, expected) in [
            (
                json!({"spec": {"predictor": {"minReplicas": "2"}}}),
                "spec.predictor.minReplicas: expected an integer, got \"2\"",
            ),
            (
                json!({"spec": {"predictor": {"maxReplicas": 1.5}}}),
                "spec.predictor.maxReplicas: expected an integer, got 1.5",
            ),
            (
                json!({"spec": {"predictor": []}}),
                "spec.predictor: expected a map, got a list",
            ),
            (
                json!({"metadata": {"annotations": {"a": 1}}}),
                "metadata.annotations[\"a\"]: expected a string, got a number",
            ),
            (
                json!({"spec": {"predictor": {"annotations": "x"}}}),
                "spec.predictor.annotations: expected a map, got a string",
            ),
        ] {
            assert_eq!(
                project("InferenceService", &isvc, false).unwrap_err(),
                expected
            );
        }
    }
}
