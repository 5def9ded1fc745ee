//! The admission edge: finds the template annotations in the admitted object (kept as JSON, so no
//! field is lost), applies the plan there and nowhere else, and says what to answer (`wapc.rs`
//! turns that into the SDK's response).

use serde_json::{Map, Value};

use crate::cluster::ClusterConfig;
use crate::keys::{Annotations, Bound, RECORD_KEY};
use crate::live_config;
use crate::log;
use crate::plan::{Plan, plan};
use crate::resolve::InitialStrategy;
use crate::settings::{Settings, json_type};

#[derive(Debug, PartialEq)]
pub enum Outcome {
    Accept,
    Mutate(Value),
    Reject(String),
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

/// What the edge needs of an admission request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Admission {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub operation: String,
    pub object: Value,
}

impl Admission {
    /// From an AdmissionRequest as JSON (as the API server and kwctl send it).
    pub fn from_json(mut request: Value) -> Admission {
        let text = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let kind = request.get("kind");
        Admission {
            group: text(kind.and_then(|k| k.get("group"))),
            version: text(kind.and_then(|k| k.get("version"))),
            kind: text(kind.and_then(|k| k.get("kind"))),
            operation: text(request.get("operation")),
            object: request
                .get_mut("object")
                .map(Value::take)
                .unwrap_or_default(),
        }
    }
}

/// `get_resource` is the host capability, injected so that tests need no host.
pub fn evaluate(
    request: Admission,
    settings: &Settings,
    get_resource: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Verdict {
    let knative_kind = request.group == "serving.knative.dev"
        && request.version == "v1"
        && matches!(request.kind.as_str(), "Service" | "Configuration");
    let writes = matches!(request.operation.as_str(), "CREATE" | "UPDATE");
    if !knative_kind || !writes {
        return Verdict::plain(Outcome::Accept);
    }
    let source = live_config::cluster_config(settings, get_resource);
    let mut warnings = Vec::new();
    if let Some(warning) = source.fallback_warning {
        log::warning(&warning);
        warnings.push(warning);
    }
    let mut object = request.object;
    let outcome = match mutate(&mut object, &source.cluster, settings.default_initial_scale) {
        Ok(None) => Outcome::Accept,
        Ok(Some(resolution_warnings)) => {
            warnings.extend(resolution_warnings);
            Outcome::Mutate(object)
        }
        Err(message) => Outcome::Reject(message),
    };
    Verdict { outcome, warnings }
}

/// Rewrites the template annotations of `object` in place; `Ok(None)` when nothing changed.
fn mutate(
    object: &mut Value,
    cluster: &ClusterConfig,
    strategy: InitialStrategy,
) -> Result<Option<Vec<String>>, String> {
    let kserve_managed = is_kserve_managed(object);
    let Some(template) = object.pointer_mut("/spec/template") else {
        return Ok(None);
    };
    let Value::Object(template) = template else {
        return Err(format!(
            "spec.template: expected a map, got {}",
            json_type(template)
        ));
    };
    let metadata = child_map(template, "metadata", "spec.template")?;
    let annotations = child_map(metadata, "annotations", "spec.template.metadata")?;
    let view = StringAnnotations::new(annotations)?;
    let plan = plan(&view, kserve_managed, cluster, strategy)?;
    if already_applied(&plan, &view) {
        return Ok(None);
    }
    apply(&plan, annotations);
    let mut warnings = Vec::new();
    for note in &plan.notes {
        if note.warn {
            warnings.push(note.message());
        } else {
            log::info(&note.message());
        }
    }
    Ok(Some(warnings))
}

/// The map under `key`, created when absent (or null); an error naming the field otherwise.
fn child_map<'a>(
    parent: &'a mut Map<String, Value>,
    key: &str,
    parent_path: &str,
) -> Result<&'a mut Map<String, Value>, String> {
    let child = parent.entry(key).or_insert(Value::Null);
    if child.is_null() {
        *child = Value::Object(Map::new());
    }
    match child {
        Value::Object(map) => Ok(map),
        other => Err(format!(
            "{parent_path}.{key}: expected a map, got {}",
            json_type(other)
        )),
    }
}

/// True when the annotations hold exactly what `apply` would leave there.
fn already_applied(plan: &Plan, annotations: &impl Annotations) -> bool {
    let values_written = plan
        .values
        .iter()
        .all(|(bound, value)| annotations.get(bound.key()) == Some(value.as_str()));
    let no_alias = Bound::ALL
        .iter()
        .all(|bound| annotations.get(bound.alias()).is_none());
    values_written && no_alias && annotations.get(RECORD_KEY) == plan.record.as_deref()
}

fn apply(plan: &Plan, annotations: &mut Map<String, Value>) {
    for bound in Bound::ALL {
        annotations.remove(bound.alias());
    }
    for (bound, value) in &plan.values {
        annotations.insert(bound.key().to_string(), Value::String(value.clone()));
    }
    match &plan.record {
        Some(record) => annotations.insert(RECORD_KEY.to_string(), Value::String(record.clone())),
        None => annotations.remove(RECORD_KEY),
    };
}

/// Annotations are a map of strings in Kubernetes; anything else is a malformed request.
struct StringAnnotations<'a>(&'a Map<String, Value>);

impl<'a> StringAnnotations<'a> {
    fn new(annotations: &'a Map<String, Value>) -> Result<Self, String> {
        match annotations.iter().find(|(_, value)| !value.is_string()) {
            Some((key, value)) => Err(format!(
                "spec.template.metadata.annotations[\"{}\"]: expected a string, got {}",
                crate::keys::shorten(key),
                json_type(value)
            )),
            None => Ok(StringAnnotations(annotations)),
        }
    }
}

impl Annotations for StringAnnotations<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }
}

/// Owned by a KServe InferenceService or InferenceGraph (fact D.2).
fn is_kserve_managed(object: &Value) -> bool {
    let Some(Value::Array(owners)) = object.pointer("/metadata/ownerReferences") else {
        return false;
    };
    owners.iter().any(|owner| {
        let group = owner
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|api_version| api_version.split_once('/'))
            .map(|(group, _)| group);
        let kind = owner.get("kind").and_then(Value::as_str);
        group == Some("serving.kserve.io")
            && matches!(kind, Some("InferenceService" | "InferenceGraph"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(kind: &str, operation: &str, annotations: Value) -> Admission {
        Admission::from_json(json!({
            "uid": "u",
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": kind},
            "operation": operation,
            "object": {"kind": kind, "spec": {"template": {"metadata": {"annotations": annotations}}}}
        }))
    }

    fn context_aware() -> Settings {
        Settings::from_json(&json!({
            "autoscaler": {"initial-scale": "5"},
            "autoscalerConfigMap": {}
        }))
        .unwrap()
    }

    fn live(data: Value) -> impl FnOnce(&[u8]) -> Result<Vec<u8>, String> {
        move |_| Ok(serde_json::to_vec(&json!({"data": data})).unwrap())
    }

    fn annotation(verdict: &Verdict, name: &str) -> Option<String> {
        let Outcome::Mutate(object) = &verdict.outcome else {
            return None;
        };
        object["spec"]["template"]["metadata"]["annotations"]
            [format!("autoscaling.knative.dev/{name}")]
        .as_str()
        .map(str::to_string)
    }

    #[test]
    fn live_configmap_values_win_over_static_settings() {
        let verdict = evaluate(
            request(
                "Service",
                "CREATE",
                json!({"autoscaling.knative.dev/max-scale": "3"}),
            ),
            &context_aware(),
            live(json!({"initial-scale": "2", "min-scale": "1"})),
        );
        assert_eq!(annotation(&verdict, "min-scale").as_deref(), Some("1"));
        assert_eq!(
            verdict.warnings,
            vec![
                "autoscaling.knative.dev/initial-scale set to 1: a new revision starts at its min-scale 1, not at the cluster initial-scale 2"
            ]
        );
    }

    #[test]
    fn a_limit_only_in_the_live_configmap_bounds_an_unlimited_max() {
        let verdict = evaluate(
            request(
                "Service",
                "CREATE",
                json!({"autoscaling.knative.dev/max-scale": "0"}),
            ),
            &context_aware(),
            live(json!({"max-scale": "4", "max-scale-limit": "10"})),
        );
        assert_eq!(annotation(&verdict, "max-scale").as_deref(), Some("10"));
    }

    #[test]
    fn each_failure_falls_back_to_static_settings_with_one_warning() {
        type HostCall = Box<dyn FnOnce(&[u8]) -> Result<Vec<u8>, String>>;
        let failures: Vec<HostCall> = vec![
            Box::new(|_| {
                Err(
                    "Policy has not been granted access to Kubernetes v1/ConfigMap resources"
                        .into(),
                )
            }),
            Box::new(|_| Err("configmaps \"config-autoscaler\" not found".into())),
            Box::new(live(json!({"initial-scale": "0"}))),
        ];
        for get_resource in failures {
            let verdict = evaluate(
                request(
                    "Service",
                    "CREATE",
                    json!({
                    "autoscaling.knative.dev/min-scale": "1",
                    "autoscaling.knative.dev/max-scale": "3"}),
                ),
                &context_aware(),
                get_resource,
            );
            // The static initial-scale 5 is above max-scale 3: a new revision starts at min-scale.
            assert_eq!(annotation(&verdict, "initial-scale").as_deref(), Some("1"));
            assert_eq!(verdict.warnings.len(), 2, "{:?}", verdict.warnings);
            assert!(
                verdict.warnings[0]
                    .starts_with("ConfigMap knative-serving/config-autoscaler could not be used")
            );
            assert!(
                verdict.warnings[1]
                    .contains("the cluster initial-scale 5 would start more pods than max-scale 3")
            );
        }
    }

    #[test]
    fn the_fallback_warning_comes_with_rejections_and_unchanged_accepts_too() {
        let denied = |_: &[u8]| -> Result<Vec<u8>, String> { Err("denied".into()) };
        let rejected = evaluate(
            request(
                "Service",
                "CREATE",
                json!({"autoscaling.knative.dev/min-scale": "x"}),
            ),
            &context_aware(),
            denied,
        );
        assert!(matches!(rejected.outcome, Outcome::Reject(_)));
        assert_eq!(rejected.warnings.len(), 1);
        let unchanged = evaluate(
            request(
                "Service",
                "UPDATE",
                json!({
                "autoscaling.knative.dev/min-scale": "1",
                "autoscaling.knative.dev/max-scale": "2",
                "autoscaling.knative.dev/initial-scale": "1"}),
            ),
            &context_aware(),
            denied,
        );
        assert_eq!(unchanged.outcome, Outcome::Accept);
        assert_eq!(unchanged.warnings.len(), 1);
    }

    #[test]
    fn other_kinds_and_operations_make_no_host_call() {
        let no_call = |_: &[u8]| -> Result<Vec<u8>, String> { panic!("unexpected host call") };
        let mut deployment = request("Deployment", "CREATE", json!({}));
        deployment.group = "apps".into();
        assert_eq!(
            evaluate(deployment, &context_aware(), no_call),
            Verdict::plain(Outcome::Accept)
        );
        let delete = request("Service", "DELETE", json!({}));
        assert_eq!(
            evaluate(delete, &context_aware(), no_call),
            Verdict::plain(Outcome::Accept)
        );
    }
}
