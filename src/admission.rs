//! The admission edge: finds the template annotations in the admitted object (kept as JSON, so no
//! field is lost), applies the plan there and nowhere else, and says what to answer (`wapc.rs`
//! turns that into the SDK's response).

use serde_json::{Map, Value};

use crate::cluster::ClusterConfig;
use crate::kserve_admission;
use crate::live_config;
use crate::log;
use crate::message::json_type;
use crate::plan::{Note, plan};
use crate::resolve::InitialStrategy;
use crate::settings::Settings;
use crate::template::only_strings;

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
    /// `userInfo.username`; empty when absent, as in the audit scanner's requests.
    pub username: String,
    pub object: Value,
    /// The stored object an UPDATE replaces; null otherwise.
    pub old_object: Value,
}

impl Admission {
    /// From an AdmissionRequest as JSON (as the API server and kwctl send it). Only the fields
    /// the policy reads are checked; an error names the field, never the request's contents.
    pub fn from_json(mut request: Value) -> Result<Admission, String> {
        if !request.is_object() {
            return Err(format!(
                "request: expected a map, got {}",
                json_type(&request)
            ));
        }
        let kind = request.get("kind").unwrap_or(&Value::Null);
        if !(kind.is_object() || kind.is_null()) {
            return Err(format!(
                "request.kind: expected a map, got {}",
                json_type(kind)
            ));
        }
        let user_info = request.get("userInfo").unwrap_or(&Value::Null);
        Ok(Admission {
            group: text(kind.get("group"), "request.kind.group")?,
            version: text(kind.get("version"), "request.kind.version")?,
            kind: text(kind.get("kind"), "request.kind.kind")?,
            operation: text(request.get("operation"), "request.operation")?,
            username: text(user_info.get("username"), "request.userInfo.username")?,
            object: request
                .get_mut("object")
                .map(Value::take)
                .unwrap_or_default(),
            old_object: request
                .get_mut("oldObject")
                .map(Value::take)
                .unwrap_or_default(),
        })
    }

    /// Kubewarden's audit scanner: each stored object as a synthetic CREATE without a user
    /// (rules section 8). An API server always names the user, and a mutating webhook sees a
    /// new object before it has a uid and a creation time.
    fn is_audit_scan(&self) -> bool {
        let stored = |field: &str| {
            self.object
                .pointer(&format!("/metadata/{field}"))
                .is_some_and(|value| !value.is_null())
        };
        self.operation == "CREATE"
            && self.username.is_empty()
            && stored("uid")
            && stored("creationTimestamp")
    }
}

/// A string field, empty when absent or null.
fn text(value: Option<&Value>, path: &str) -> Result<String, String> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(format!(
            "{path}: expected a string, got {}",
            json_type(other)
        )),
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
    let kserve_kind = request.group == "serving.kserve.io"
        && matches!(
            (request.version.as_str(), request.kind.as_str()),
            ("v1beta1", "InferenceService") | ("v1alpha1", "InferenceGraph")
        );
    let writes = matches!(request.operation.as_str(), "CREATE" | "UPDATE");
    if !(knative_kind || kserve_kind) || !writes {
        return Verdict::plain(Outcome::Accept);
    }
    // Knative's Service controller copies the Service's template, which was resolved when the
    // Service was admitted; resolving the copy again would fight that controller (section 1).
    if request.kind == "Configuration"
        && has_owner(&request.object, "serving.knative.dev", &["Service"])
    {
        return Verdict::plain(Outcome::Accept);
    }
    let audit = settings.audit_changes && request.is_audit_scan();
    let source = live_config::cluster_config(settings, get_resource);
    let mut warnings = Vec::new();
    warnings.extend(source.fallback_warning);
    if kserve_kind {
        let verdict = check_kserve(&request, &source.cluster, settings.default_initial_scale);
        warnings.extend(verdict.warnings);
        return Verdict {
            outcome: verdict.outcome,
            warnings,
        };
    }
    let mut object = request.object;
    let outcome = match mutate(&mut object, &source.cluster, settings.default_initial_scale) {
        Ok(None) => Outcome::Accept,
        Ok(Some(notes)) if audit => Outcome::Reject(audit_report(&notes)),
        Ok(Some(notes)) => {
            for note in notes {
                if note.warn {
                    warnings.push(note.message());
                } else {
                    log::info(&note.message());
                }
            }
            Outcome::Mutate(object)
        }
        Err(message) => Outcome::Reject(message),
    };
    Verdict { outcome, warnings }
}

/// Section 9: an InferenceService or InferenceGraph is never mutated; what the policy will do to
/// its Services is said in warnings, or in a rejection where they would be refused. KServe's own
/// writes that leave its Services as they were, and deletions, are never refused.
fn check_kserve(
    request: &Admission,
    cluster: &ClusterConfig,
    strategy: InitialStrategy,
) -> Verdict {
    let (warnings, refusals) =
        match kserve_admission::check(&request.kind, &request.object, cluster, strategy) {
            Ok(findings) => (findings.warnings, findings.refusals),
            Err(message) => (Vec::new(), vec![format!("{}: {message}", request.kind)]),
        };
    let deleting = request
        .object
        .pointer("/metadata/deletionTimestamp")
        .is_some_and(|value| !value.is_null());
    // Projected again from oldObject only when something would be refused.
    let housekeeping = || {
        request.operation == "UPDATE"
            && kserve_admission::same_services(
                &request.kind,
                &request.object,
                &request.old_object,
                cluster,
            )
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

/// The audit scanner reports a rejection as a failure: the object the policy would change at its
/// next update, and how.
fn audit_report(notes: &[Note]) -> String {
    let changes = if notes.is_empty() {
        "its scale annotations rewritten under their canonical keys".to_string()
    } else {
        notes
            .iter()
            .map(Note::message)
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!("not yet resolved by knative-scale-policy; its next update gets {changes}")
}

/// Rewrites the template annotations of `object` in place; `Ok(None)` when nothing changed.
/// The notes say what was filled or corrected, and why.
fn mutate(
    object: &mut Value,
    cluster: &ClusterConfig,
    strategy: InitialStrategy,
) -> Result<Option<Vec<Note>>, String> {
    let kserve_managed = has_owner(
        object,
        "serving.kserve.io",
        &["InferenceService", "InferenceGraph"],
    );
    let template = match object.pointer_mut("/spec/template") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(template)) => template,
        Some(other) => {
            return Err(format!(
                "spec.template: expected a map, got {}",
                json_type(other)
            ));
        }
    };
    let metadata = child_map(template, "metadata", "spec.template")?;
    let annotations = child_map(metadata, "annotations", "spec.template.metadata")?;
    only_strings(annotations, "spec.template.metadata.annotations")?;
    let plan = plan(annotations, kserve_managed, cluster, strategy)?;
    Ok(plan.apply(annotations).then_some(plan.notes))
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

/// `object` has an ownerReference of one of `kinds` in API group `group` (KServe's, fact D.2;
/// Knative's Service for the Configuration it owns).
fn has_owner(object: &Value, group: &str, kinds: &[&str]) -> bool {
    let Some(Value::Array(owners)) = object.pointer("/metadata/ownerReferences") else {
        return false;
    };
    owners.iter().any(|owner| {
        let owner_group = owner
            .get("apiVersion")
            .and_then(Value::as_str)
            .and_then(|api_version| api_version.split_once('/'))
            .map(|(owner_group, _)| owner_group);
        let kind = owner.get("kind").and_then(Value::as_str);
        owner_group == Some(group) && kind.is_some_and(|kind| kinds.contains(&kind))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(kind: &str, operation: &str, annotations: Value) -> Admission {
        Admission::from_json(json!({
            "userInfo": {"username": "alice"},
            "uid": "u",
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": kind},
            "operation": operation,
            "object": {"kind": kind, "spec": {"template": {"metadata": {"annotations": annotations}}}}
        }))
        .unwrap()
    }

    fn context_aware() -> Settings {
        Settings::from_json(&json!({
            "autoscaler": {"initial-scale": "5"},
            "autoscalerConfigMap": {}
        }))
        .unwrap()
    }

    fn no_call(_: &[u8]) -> Result<Vec<u8>, String> {
        panic!("unexpected host call")
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

    fn with_object(mut admission: Admission, change: impl FnOnce(&mut Value)) -> Admission {
        change(&mut admission.object);
        admission
    }

    // 1
    #[test]
    fn a_configuration_owned_by_a_knative_service_is_accepted_unchanged() {
        let owned = |api_version: &str| {
            with_object(request("Configuration", "CREATE", json!({})), |object| {
                object["metadata"] = json!({"ownerReferences": [
                    {"apiVersion": api_version, "kind": "Service", "name": "s", "uid": "u"}]});
            })
        };
        let verdict = evaluate(
            owned("serving.knative.dev/v1"),
            &Settings::default(),
            no_call,
        );
        assert_eq!(verdict, Verdict::plain(Outcome::Accept));
        let verdict = evaluate(owned("example.com/v1"), &Settings::default(), no_call);
        assert!(matches!(verdict.outcome, Outcome::Mutate(_)));
        let service = with_object(request("Service", "UPDATE", json!({})), |object| {
            object["metadata"] = json!({"ownerReferences": [
                {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "s", "uid": "u"}]});
        });
        let verdict = evaluate(service, &Settings::default(), no_call);
        assert!(matches!(verdict.outcome, Outcome::Mutate(_)));
    }

    // 1
    #[test]
    fn a_null_or_absent_template_is_accepted_unchanged() {
        for template in [Value::Null, json!("absent")] {
            let admission = with_object(request("Service", "CREATE", json!({})), |object| {
                if template.is_null() {
                    object["spec"]["template"] = Value::Null;
                } else {
                    object["spec"].as_object_mut().unwrap().remove("template");
                }
            });
            let verdict = evaluate(admission, &Settings::default(), no_call);
            assert_eq!(verdict, Verdict::plain(Outcome::Accept));
        }
    }

    fn audit_scan() -> Admission {
        let mut admission = request(
            "Service",
            "CREATE",
            json!({"autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": "3"}),
        );
        admission.username = String::new();
        admission.object["metadata"] =
            json!({"uid": "u-1", "creationTimestamp": "2026-10-01T08:00:00Z"});
        admission
    }

    // 8
    #[test]
    fn the_audit_scanners_request_is_answered_with_what_the_next_update_would_do() {
        let settings = Settings::from_json(&json!({"autoscaler": {"initial-scale": "5"}})).unwrap();
        let verdict = evaluate(audit_scan(), &settings, no_call);
        assert_eq!(
            verdict.outcome,
            Outcome::Reject(
                "not yet resolved by knative-scale-policy; its next update gets autoscaling.knative.dev/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3".into()
            )
        );
        assert!(verdict.warnings.is_empty());
        let Outcome::Mutate(resolved) = evaluate(
            with_object(audit_scan(), |_| {}),
            &Settings::from_json(
                &json!({"autoscaler": {"initial-scale": "5"}, "auditChanges": false}),
            )
            .unwrap(),
            no_call,
        )
        .outcome
        else {
            panic!("auditChanges: false answers like any CREATE");
        };
        let stored = with_object(audit_scan(), |object| *object = resolved);
        assert_eq!(
            evaluate(stored, &settings, no_call).outcome,
            Outcome::Accept
        );
    }

    // 8
    #[test]
    fn only_a_userless_create_of_a_stored_object_is_an_audit() {
        let settings = Settings::default();
        let mut with_user = audit_scan();
        with_user.username = "alice".into();
        let mut update = audit_scan();
        update.operation = "UPDATE".into();
        let not_stored = with_object(audit_scan(), |object| {
            object["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("creationTimestamp");
        });
        for admission in [with_user, update, not_stored] {
            let verdict = evaluate(admission, &settings, no_call);
            assert!(matches!(verdict.outcome, Outcome::Mutate(_)), "{verdict:?}");
        }
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
