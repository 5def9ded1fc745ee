//! KServe's side (facts D.1, for KServe v0.15.2 and later): the template annotations KServe
//! writes on the Knative Service of each serverless component of an InferenceService, and of an
//! InferenceGraph, projected from the KServe object so the policy can resolve them before KServe
//! builds the Service. Each key remembers where in the KServe object it came from, for messages.

use serde_json::{Map, Value};

use crate::keys::{AutoscalerClass, Bound, CLASS_KEY};
use crate::message::{json_type, quote};
use crate::template::only_strings;

/// One Knative Service KServe would build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// `predictor`, `transformer`, `explainer`, or `inferencegraph`.
    pub name: &'static str,
    /// Its template annotations (string values).
    pub annotations: Map<String, Value>,
    /// For each annotation, the field of the KServe object it comes from.
    origins: Map<String, Value>,
}

impl Component {
    fn new(name: &'static str) -> Component {
        Component {
            name,
            annotations: Map::new(),
            origins: Map::new(),
        }
    }

    fn set(&mut self, key: &str, value: &str, origin: String) {
        self.annotations.insert(key.to_string(), Value::from(value));
        self.origins.insert(key.to_string(), Value::from(origin));
    }

    /// Where `key` (as written on the Service) comes from in the KServe object.
    pub fn origin(&self, key: &str) -> String {
        match self.origins.get(key) {
            Some(origin) => origin.as_str().unwrap_or_default().to_string(),
            None => format!("the {} Service's {key}", self.name),
        }
    }
}

/// What KServe does with the object: no Knative Service (RawDeployment, ModelMesh), or these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Projection {
    NotServerless { mode: String },
    Serverless(Vec<Component>),
}

const DEPLOYMENT_MODE_KEY: &str = "serving.kserve.io/deploymentMode";

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
    let metadata = string_map(
        object.pointer("/metadata/annotations"),
        "metadata.annotations",
    )?;
    if let Some(mode) = not_serverless(object, metadata) {
        return Ok(Projection::NotServerless { mode });
    }
    let components = if kind == "InferenceGraph" {
        vec![inference_graph(object, metadata, allow_zero_initial_scale)?]
    } else {
        inference_service(object, metadata, allow_zero_initial_scale)?
    };
    Ok(Projection::Serverless(components))
}

/// Each serverless component of an InferenceService.
fn inference_service(
    object: &Value,
    metadata: &Map<String, Value>,
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
        let own = string_map(spec.get("annotations"), &format!("{path}.annotations"))?;
        let mut component = Component::new(name);
        let own_path = format!("{path}.annotations");
        let from_object = Copy {
            path: "metadata.annotations",
            filter_disallowed: true,
            initial_scale_check: Some(allow_zero_initial_scale),
        };
        copy(&mut component, metadata, from_object);
        let from_component = Copy {
            path: &own_path,
            filter_disallowed: true,
            initial_scale_check: None,
        };
        copy(&mut component, own, from_component);
        set_scaling(&mut component, &path, spec)?;
        components.push(component);
    }
    Ok(components)
}

/// An InferenceGraph's one Service: all of its annotations are copied, none refused.
fn inference_graph(
    object: &Value,
    metadata: &Map<String, Value>,
    allow_zero_initial_scale: bool,
) -> Result<Component, String> {
    let empty = Map::new();
    let spec = match object.get("spec") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(spec)) => spec,
        Some(other) => return Err(format!("spec: expected a map, got {}", json_type(other))),
    };
    let mut component = Component::new("inferencegraph");
    let from_object = Copy {
        path: "metadata.annotations",
        filter_disallowed: false,
        initial_scale_check: Some(allow_zero_initial_scale),
    };
    copy(&mut component, metadata, from_object);
    set_scaling(&mut component, "spec", spec)?;
    Ok(component)
}

/// How KServe copies a map of annotations onto a component's Service.
struct Copy<'a> {
    path: &'a str,
    /// An InferenceService's annotations lose `DISALLOWED`.
    filter_disallowed: bool,
    /// `Some(allow_zero_initial_scale)` for the object's own annotations, which KServe's
    /// `ValidateInitialScaleAnnotation` checks: an initial-scale that is not an integer, or a 0
    /// the cluster does not allow, is dropped (KServe logs it and goes on). A component's
    /// annotations are not checked.
    initial_scale_check: Option<bool>,
}

fn copy(component: &mut Component, from: &Map<String, Value>, how: Copy<'_>) {
    let path = how.path;
    for (key, value) in from {
        let text = value.as_str().unwrap_or_default();
        let disallowed = how.filter_disallowed && DISALLOWED.contains(&key.as_str());
        let dropped = key == Bound::Initial.key()
            && how
                .initial_scale_check
                .is_some_and(|allow_zero| match text.parse::<i64>() {
                    Err(_) => true,
                    Ok(value) => value == 0 && !allow_zero,
                });
        if !disallowed && !dropped {
            component.set(key, text, format!("{path}[{}]", quote(key)));
        }
    }
}

/// `SetAutoScalingAnnotations`: the class defaults to KPA, `scaleTarget` and `scaleMetric` become
/// target and metric, `minReplicas` (default 1) is always min-scale, and `maxReplicas` is
/// max-scale only when it is not 0 (unlimited).
fn set_scaling(
    component: &mut Component,
    path: &str,
    spec: &Map<String, Value>,
) -> Result<(), String> {
    if component.annotations.get(CLASS_KEY).is_none() {
        component.set(
            CLASS_KEY,
            AutoscalerClass::KPA,
            "KServe's default class".to_string(),
        );
    }
    if let Some(target) = integer(spec, "scaleTarget", path)? {
        let origin = format!("{path}.scaleTarget");
        component.set(
            "autoscaling.knative.dev/target",
            &target.to_string(),
            origin,
        );
    }
    match spec.get("scaleMetric") {
        None | Some(Value::Null) => {}
        Some(Value::String(metric)) => {
            let origin = format!("{path}.scaleMetric");
            component.set("autoscaling.knative.dev/metric", metric, origin);
        }
        Some(other) => {
            return Err(format!(
                "{path}.scaleMetric: expected a string, got {}",
                json_type(other)
            ));
        }
    }
    let min = integer(spec, "minReplicas", path)?.unwrap_or(1);
    component.set(
        Bound::Min.key(),
        &min.to_string(),
        format!("{path}.minReplicas"),
    );
    let max = integer(spec, "maxReplicas", path)?.unwrap_or(0);
    if max != 0 {
        component.set(
            Bound::Max.key(),
            &max.to_string(),
            format!("{path}.maxReplicas"),
        );
    }
    Ok(())
}

/// The deployment mode, when it is not serverless (KServe's `GetDeploymentMode`: the status
/// first, then the annotation; absent means the shipped default, Serverless).
fn not_serverless(object: &Value, metadata: &Map<String, Value>) -> Option<String> {
    let mode = object
        .pointer("/status/deploymentMode")
        .and_then(Value::as_str)
        .filter(|mode| !mode.is_empty())
        .or(metadata.get(DEPLOYMENT_MODE_KEY).and_then(Value::as_str))?;
    matches!(mode, "RawDeployment" | "Standard" | "ModelMesh").then(|| mode.to_string())
}

fn integer(spec: &Map<String, Value>, field: &str, path: &str) -> Result<Option<i64>, String> {
    match spec.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) if number.as_i64().is_some() => Ok(number.as_i64()),
        Some(other) => Err(format!(
            "{path}.{field}: expected an integer, got {}",
            crate::message::describe(other)
        )),
    }
}

/// A map of strings, empty when absent; an error naming the field otherwise.
fn string_map<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a Map<String, Value>, String> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match value {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(map)) => only_strings(map, path).map(|()| map),
        Some(other) => Err(format!("{path}: expected a map, got {}", json_type(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Annotations;
    use serde_json::json;

    fn components(projection: Projection) -> Vec<Component> {
        match projection {
            Projection::Serverless(components) => components,
            other => panic!("not serverless: {other:?}"),
        }
    }

    fn scale(component: &Component) -> [Option<&str>; 3] {
        Bound::ALL.map(|bound| Annotations::get(&component.annotations, bound.key()))
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
            predictor.origin(Bound::Max.key()),
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
        assert_eq!(predictor.annotations[CLASS_KEY], AutoscalerClass::KPA);
        assert_eq!(
            predictor.annotations["autoscaling.knative.dev/target"],
            "10"
        );
        assert_eq!(
            predictor.annotations["autoscaling.knative.dev/metric"],
            "rps"
        );
        let hpa = json!({"metadata": {"annotations": {CLASS_KEY: AutoscalerClass::HPA}},
                         "spec": {"predictor": {}}});
        let predictor = &components(project("InferenceService", &hpa, false).unwrap())[0];
        assert_eq!(predictor.annotations[CLASS_KEY], AutoscalerClass::HPA);
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
            predictor.origin(Bound::Initial.key()),
            "spec.predictor.annotations[\"autoscaling.knative.dev/initial-scale\"]"
        );
        assert_eq!(scale(transformer), [Some("0"), None, Some("3")]);
        for component in &projected {
            assert_eq!(
                component.annotations["autoscaling.knative.dev/maxScale"],
                "4"
            );
            assert_eq!(component.annotations["example.com/team"], "a");
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
            Annotations::get(&component.annotations, Bound::Initial.key()).map(str::to_string)
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

    // Section 9: RawDeployment and ModelMesh components have no Knative Service.
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
        assert_eq!(router.origin(Bound::Min.key()), "spec.minReplicas");
        assert_eq!(
            router.origin(Bound::Max.key()),
            "metadata.annotations[\"autoscaling.knative.dev/max-scale\"]"
        );
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
