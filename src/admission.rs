//! The admission edge: finds the template annotations in the admitted object (kept as JSON, so no
//! field is lost), applies the plan there and nowhere else, and answers through the SDK.

use std::sync::LazyLock;

use kubewarden_policy_sdk::logging::KubewardenDrain;
use kubewarden_policy_sdk::request::{KubernetesAdmissionRequest, ValidationRequest};
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::wapc_guest::CallResult;
use serde_json::{Map, Value};

use crate::keys::{Annotations, Bound, RECORD_KEY};
use crate::plan::{Plan, plan};
use crate::settings::{Settings, json_type};

static LOG: LazyLock<slog::Logger> = LazyLock::new(|| {
    slog::Logger::root(
        KubewardenDrain::new(),
        slog::o!("policy" => "knative-scale-policy"),
    )
});

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Accept,
    Mutate {
        object: Value,
        warnings: Vec<String>,
    },
    Reject(String),
}

/// The waPC `validate` function.
pub fn validate(payload: &[u8]) -> CallResult {
    let verdict = match ValidationRequest::<Settings>::new(payload) {
        Ok(validation) => evaluate(validation.request, &validation.settings),
        Err(error) => Verdict::Reject(format!("invalid admission request: {error}")),
    };
    respond(verdict)
}

pub fn evaluate(request: KubernetesAdmissionRequest, settings: &Settings) -> Verdict {
    let kind = &request.kind;
    let knative_kind = kind.group == "serving.knative.dev"
        && kind.version == "v1"
        && matches!(kind.kind.as_str(), "Service" | "Configuration");
    let writes = matches!(request.operation.as_str(), "CREATE" | "UPDATE");
    if !knative_kind || !writes {
        return Verdict::Accept;
    }
    let mut object = request.object;
    match mutate(&mut object, settings) {
        Ok(None) => Verdict::Accept,
        Ok(Some(warnings)) => Verdict::Mutate { object, warnings },
        Err(message) => Verdict::Reject(message),
    }
}

/// Rewrites the template annotations of `object` in place; `Ok(None)` when nothing changed.
fn mutate(object: &mut Value, settings: &Settings) -> Result<Option<Vec<String>>, String> {
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
    let plan = plan(
        &view,
        kserve_managed,
        &settings.autoscaler,
        settings.default_initial_scale,
    )?;
    let before = annotations.clone();
    apply(&plan, annotations);
    if *annotations == before {
        return Ok(None);
    }
    let mut warnings = Vec::new();
    for note in &plan.notes {
        if note.warn {
            warnings.push(note.message());
        } else {
            slog::info!(LOG, "{}", note.message());
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

fn respond(verdict: Verdict) -> CallResult {
    let (accepted, message, mutated_object, warnings) = match verdict {
        Verdict::Accept => (true, None, None, None),
        Verdict::Mutate { object, warnings } => (
            true,
            None,
            Some(object),
            (!warnings.is_empty()).then_some(warnings),
        ),
        Verdict::Reject(message) => (false, Some(message), None, None),
    };
    Ok(serde_json::to_vec(&ValidationResponse {
        accepted,
        message,
        code: None,
        mutated_object,
        audit_annotations: None,
        warnings,
    })?)
}
