//! The decision: what to answer an admission request. A Knative Service or Configuration gets
//! the rules' plan applied to its template annotations and nowhere else, written into the
//! object's own JSON text (`wire::splice`, so no field is lost); a KServe object gets
//! `kserve::check`'s answer; the audit scanner gets what the object's next update would bring.

use serde_json::{Map, Value};

use crate::config::live;
use crate::config::settings::Settings;
use crate::config::tenancy::tenancy;
use crate::kserve;
use crate::log;
use crate::rules::cluster::ClusterConfig;
use crate::rules::message::warning_line;
use crate::rules::plan::{Note, plan};
use crate::rules::resolve::InitialStrategy;
use crate::rules::tenant::{NamespaceEntry, Scope};
use crate::verdict::{MutatedObject, Outcome, Verdict};
use crate::wire::json_values::{json_type, string_map, write_keys};
use crate::wire::object_view::{ObjectView, Template};
use crate::wire::request::{self, Admission};
use crate::wire::splice;

/// The `validate` payload: the request, and the settings it is evaluated with. Settings the
/// policy refuses are named before anything in the request is.
pub fn read(payload: &[u8]) -> Result<(Admission<'_>, Settings), String> {
    let (settings, admission) = request::read(payload)?;
    let settings =
        Settings::from_json(&settings).map_err(|error| format!("invalid settings: {error}"))?;
    Ok((admission?, settings))
}

/// `get_resource` is the host capability, injected so that tests need no host. Every warning
/// is one line the API server keeps (rules section 4).
pub fn evaluate(
    request: Admission,
    settings: &Settings,
    mut get_resource: impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Verdict {
    let verdict = decide(request, settings, &mut get_resource);
    Verdict {
        outcome: verdict.outcome,
        warnings: verdict.warnings.iter().map(|w| warning_line(w)).collect(),
    }
}

fn decide(
    request: Admission,
    settings: &Settings,
    get_resource: &mut impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
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
    if kserve_kind {
        let namespace = request.namespace.clone();
        let defaults = defaults(settings, &namespace, get_resource);
        let scope = scope(&defaults, &namespace, settings);
        let strategy = settings.default_initial_scale;
        let verdict = match request.whole_objects() {
            Ok((object, old)) => kserve::check::answer(&request, &object, &old, &scope, strategy),
            Err(message) => Verdict::plain(Outcome::Reject(message)),
        };
        let mut warnings = defaults.warnings;
        warnings.extend(verdict.warnings);
        return Verdict {
            outcome: verdict.outcome,
            warnings,
        };
    }
    // Knative's Service controller copies the Service's template, which was resolved when the
    // Service was admitted; resolving the copy again would fight that controller (section 1).
    // Anyone can write an ownerReference: only the controller's writes (and the audit scanner's
    // reading of them) are left alone.
    let from_the_controller =
        request.username == settings.knative_controller || request.is_audit_scan();
    if request.kind == "Configuration"
        && from_the_controller
        && has_owner(
            &request.object.owner_references,
            "serving.knative.dev",
            &["Service"],
        )
    {
        return Verdict::plain(Outcome::Accept);
    }
    let audit = settings.audit_changes && request.is_audit_scan();
    let namespace = request.namespace.clone();
    let defaults = defaults(settings, &namespace, get_resource);
    let resolved = resolve_template(
        request.object,
        &scope(&defaults, &namespace, settings),
        settings.default_initial_scale,
    );
    let mut warnings = defaults.warnings;
    let outcome = match resolved {
        Ok(None) => Outcome::Accept,
        Ok(Some(resolved)) if audit => Outcome::Reject(audit_report(&resolved)),
        Ok(Some(Resolved {
            metadata,
            notes,
            profile,
        })) => match splice::with_template_metadata(&request.payload, &metadata) {
            Ok(object) => {
                for note in notes {
                    if note.warn() {
                        warnings.push(note.message());
                    } else {
                        log::info(&note.message());
                    }
                }
                warnings.extend(profile);
                Outcome::Mutate(MutatedObject::new(object))
            }
            Err(message) => Outcome::Reject(message),
        },
        Err(message) => Outcome::Reject(message),
    };
    Verdict { outcome, warnings }
}

/// What a request resolves with: the cluster's config-autoscaler (static, or live in
/// context-aware mode), its namespace's entry, the profile of objects that choose none (the
/// Namespace's, else the namespace entry's, else the settings' default), and a warning for each
/// of them that could not be read as configured.
struct Defaults {
    cluster: ClusterConfig,
    entry: Option<NamespaceEntry>,
    profile: Option<String>,
    warnings: Vec<String>,
}

fn defaults(
    settings: &Settings,
    namespace: &str,
    get_resource: &mut impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Defaults {
    let source = live::cluster_config(settings, get_resource);
    let tenancy = tenancy(settings, namespace, &source.cluster, get_resource);
    let mut warnings: Vec<String> = source.fallback_warning.into_iter().collect();
    warnings.extend(tenancy.warnings);
    let entry_profile = settings
        .namespace_profiles
        .iter()
        .find(|(name, _)| name == namespace)
        .map(|(_, profile)| profile.clone());
    Defaults {
        cluster: source.cluster,
        entry: tenancy.entry,
        profile: tenancy
            .profile
            .or(entry_profile)
            .or_else(|| settings.default_profile.clone()),
        warnings,
    }
}

/// The cluster's defaults, with the namespace's entry over them when it has one (section 10),
/// and the profiles (section 11).
fn scope<'a>(defaults: &'a Defaults, namespace: &'a str, settings: &'a Settings) -> Scope<'a> {
    let scope = match defaults.entry {
        Some(entry) => Scope::in_namespace(&defaults.cluster, namespace, entry),
        None => Scope::of(&defaults.cluster),
    };
    let profile = defaults
        .profile
        .as_deref()
        .and_then(|name| settings.profiles.iter().find(|p| p.name == name));
    scope.with_profiles(&settings.profiles, profile)
}

/// The audit scanner reports a rejection as a failure: the object the policy would change at its
/// next update, and how.
fn audit_report(resolved: &Resolved) -> String {
    let changes: Vec<String> = (resolved.notes.iter().map(Note::message))
        .chain(resolved.profile.iter().cloned())
        .collect();
    let changes = if changes.is_empty() {
        "its scale annotations rewritten under their canonical keys".to_string()
    } else {
        changes.join("; ")
    };
    format!("not yet resolved by knative-scale-policy; its next update gets {changes}")
}

/// A template the plan changes: its metadata with the plan applied to its annotations, the notes
/// that say what was filled or corrected and why, and what a profile filled or left out.
struct Resolved {
    metadata: Value,
    notes: Vec<Note>,
    profile: Vec<String>,
}

/// The template as the rules resolve it; `Ok(None)` when nothing changes.
fn resolve_template(
    object: ObjectView,
    scope: &Scope,
    strategy: InitialStrategy,
) -> Result<Option<Resolved>, String> {
    let kserve_managed = has_owner(
        &object.owner_references,
        "serving.kserve.io",
        &["InferenceService", "InferenceGraph"],
    );
    let mut template = match object.template {
        Template::Absent => return Ok(None),
        Template::NotAMap(found) => {
            return Err(format!("spec.template: expected a map, got {found}"));
        }
        Template::Map { metadata } => {
            let mut template = Map::new();
            if let Some(metadata) = metadata {
                template.insert("metadata".into(), metadata);
            }
            template
        }
    };
    let metadata = child_map(&mut template, "metadata", "spec.template")?;
    let json_annotations = child_map(metadata, "annotations", "spec.template.metadata")?;
    let mut annotations = string_map(json_annotations, "spec.template.metadata.annotations")?;
    let plan = plan(&annotations, kserve_managed, scope, strategy)?;
    if !plan.apply(&mut annotations) {
        return Ok(None);
    }
    write_keys(&annotations, plan.touched(), json_annotations);
    Ok(template.remove("metadata").map(|metadata| Resolved {
        metadata,
        notes: plan.notes,
        profile: plan.profile.map(|fill| fill.messages()).unwrap_or_default(),
    }))
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

/// An ownerReference is one of `kinds` in API group `group` (KServe's, fact D.2;
/// Knative's Service for the Configuration it owns).
fn has_owner(owner_references: &Value, group: &str, kinds: &[&str]) -> bool {
    let Value::Array(owners) = owner_references else {
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

    fn request(kind: &str, operation: &str, annotations: Value) -> Admission<'static> {
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

    fn live(data: Value) -> impl FnMut(&[u8]) -> Result<Vec<u8>, String> {
        move |_| Ok(serde_json::to_vec(&json!({"data": data})).unwrap())
    }

    fn annotation(verdict: &Verdict, name: &str) -> Option<String> {
        let Outcome::Mutate(object) = &verdict.outcome else {
            return None;
        };
        object.to_value().unwrap()["spec"]["template"]["metadata"]["annotations"]
            [format!("autoscaling.knative.dev/{name}")]
        .as_str()
        .map(str::to_string)
    }

    fn with_object(admission: Admission, change: impl FnOnce(&mut Value)) -> Admission<'static> {
        let payload: Value = serde_json::from_slice(&admission.payload).unwrap();
        let mut request = payload["request"].clone();
        request["userInfo"]["username"] = admission.username.into();
        change(&mut request["object"]);
        Admission::from_json(request).unwrap()
    }

    #[test]
    fn settings_are_refused_before_the_request_is_read() {
        let payload = json!({"settings": {"defaultInitialScale": 7}, "request": {"operation": 3}});
        assert_eq!(
            read(&serde_json::to_vec(&payload).unwrap()).unwrap_err(),
            "invalid settings: defaultInitialScale: invalid value 7: expected \"min\", \"cluster\" or \"zero-or-cluster\""
        );
    }

    // 1
    #[test]
    fn a_configuration_owned_by_a_knative_service_is_accepted_unchanged() {
        let owned = |api_version: &str, user: &str| {
            let mut configuration = request("Configuration", "CREATE", json!({}));
            configuration.username = user.to_string();
            with_object(configuration, |object| {
                object["metadata"] = json!({"ownerReferences": [
                    {"apiVersion": api_version, "kind": "Service", "name": "s", "uid": "u"}]});
            })
        };
        let controller = "system:serviceaccount:knative-serving:controller";
        let verdict = evaluate(
            owned("serving.knative.dev/v1", controller),
            &Settings::default(),
            no_call,
        );
        assert_eq!(verdict, Verdict::plain(Outcome::Accept));
        let verdict = evaluate(
            owned("example.com/v1", controller),
            &Settings::default(),
            no_call,
        );
        assert!(matches!(verdict.outcome, Outcome::Mutate(_)));
        // A user's claim of a Service owner is no escape: the Configuration is resolved.
        let forged = owned("serving.knative.dev/v1", "alice");
        assert!(matches!(
            evaluate(forged, &Settings::default(), no_call).outcome,
            Outcome::Mutate(_)
        ));
        // The controller may run under another name.
        let renamed =
            Settings::from_json(&json!({"knativeController": "system:serviceaccount:serving:ctl"}))
                .unwrap();
        let verdict = evaluate(
            owned(
                "serving.knative.dev/v1",
                "system:serviceaccount:serving:ctl",
            ),
            &renamed,
            no_call,
        );
        assert_eq!(verdict, Verdict::plain(Outcome::Accept));
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

    fn audit_scan() -> Admission<'static> {
        let mut admission = request(
            "Service",
            "CREATE",
            json!({"autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": "3"}),
        );
        admission.username = String::new();
        with_object(admission, |object| {
            object["metadata"] = json!({"uid": "u-1", "creationTimestamp": "2026-10-01T08:00:00Z"});
        })
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
        let stored = with_object(audit_scan(), |object| {
            *object = resolved.to_value().unwrap()
        });
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

    /// A Service with `max-scale` evaluated in context-aware mode against the live ConfigMap
    /// `data` (the static settings' initial-scale is 5).
    fn live_service(max_scale: &str, data: Value) -> Verdict {
        let annotations = json!({"autoscaling.knative.dev/max-scale": max_scale});
        evaluate(
            request("Service", "CREATE", annotations),
            &context_aware(),
            live(data),
        )
    }

    #[test]
    fn live_configmap_values_win_over_static_settings() {
        let verdict = live_service("3", json!({"initial-scale": "2", "min-scale": "1"}));
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
        let verdict = live_service("0", json!({"max-scale": "4", "max-scale-limit": "10"}));
        assert_eq!(annotation(&verdict, "max-scale").as_deref(), Some("10"));
    }

    #[test]
    fn each_failure_falls_back_to_static_settings_with_one_warning() {
        type HostCall = Box<dyn FnMut(&[u8]) -> Result<Vec<u8>, String>>;
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

    // 11: the object's profile, else its Namespace's, else its namespace entry's, else the default.
    #[test]
    fn the_profile_of_an_object_that_chooses_none_comes_from_its_namespace_then_the_default() {
        let settings = Settings::from_json(&json!({
            "profiles": {"gpu": {"target": "1"}, "web": {"target": "100"}, "batch": {"target": "7"}},
            "defaultProfile": "web",
            "namespaces": [{"name": "models", "profile": "gpu"}],
            "namespaceAnnotations": true, "autoscalerConfigMap": {}}))
        .unwrap();
        let target = |namespace: &str, annotations: Value, namespace_profile: Option<&str>| {
            let admission = with_object(request("Service", "CREATE", annotations), |object| {
                object["metadata"] = json!({"namespace": namespace});
            });
            let host = move |payload: &[u8]| -> Result<Vec<u8>, String> {
                let asked: Value = serde_json::from_slice(payload).unwrap();
                let annotations = match (asked["kind"].as_str(), namespace_profile) {
                    (Some("Namespace"), Some(profile)) => {
                        json!({"knative-scale-policy.github.io/profile": profile})
                    }
                    _ => json!({}),
                };
                Ok(serde_json::to_vec(
                    &json!({"metadata": {"annotations": annotations}, "data": {}}),
                )
                .unwrap())
            };
            annotation(&evaluate(admission, &settings, host), "target")
        };
        assert_eq!(target("default", json!({}), None).as_deref(), Some("100"));
        assert_eq!(target("models", json!({}), None).as_deref(), Some("1"));
        assert_eq!(
            target("models", json!({}), Some("batch")).as_deref(),
            Some("7")
        );
        let chooses = json!({"knative-scale-policy.github.io/profile": "web"});
        assert_eq!(
            target("models", chooses, Some("batch")).as_deref(),
            Some("100")
        );
    }
}
