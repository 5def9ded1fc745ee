//! The entry an object's namespace resolves with (rules section 10): the settings' entry over the
//! cluster's values and, with `namespaceAnnotations`, the Namespace's own annotations over it,
//! read through `kubernetes/get_resource`. Whatever the cluster holds, the entry only narrows the
//! cluster and a Namespace's annotation never raises the settings' cap; what cannot be used
//! falls back with a warning, as the live ConfigMap does.

use serde_json::Value;

use crate::config::live::{host_reason, resource_request};
use crate::config::namespaces::entry_of;
use crate::config::settings::Settings;
use crate::rules::cluster::{ClusterConfig, ConfigError, int_value};
use crate::rules::keys::{PROFILE_KEY, PROJECT_PREFIX};
use crate::rules::message::cut;
use crate::rules::profile::chosen;
use crate::rules::tenant::NamespaceEntry;
use crate::wire::json_values::json_type;

/// The entry to resolve with (`None`: the cluster's values alone), the profile the Namespace
/// chooses with its annotation (section 11), and what could not be used.
#[derive(Debug, Default, PartialEq)]
pub struct Tenancy {
    pub entry: Option<NamespaceEntry>,
    pub profile: Option<String>,
    pub warnings: Vec<String>,
}

/// The entry of `namespace` over `cluster` (the static or live config-autoscaler).
pub fn tenancy(
    settings: &Settings,
    namespace: &str,
    cluster: &ClusterConfig,
    get_resource: &mut impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Tenancy {
    let mut tenancy = Tenancy::default();
    if namespace.is_empty() {
        return tenancy;
    }
    let mut entry = NamespaceEntry::default();
    if let Some(own) = entry_of(&settings.namespaces, namespace) {
        // Checked against the static settings; the live config-autoscaler may be narrower.
        let (narrowed, refused) = entry.overlaid(&own.values(), cluster);
        entry = narrowed;
        for error in refused {
            tenancy.warnings.push(format!(
                "namespaces.{namespace}.{} ignored ({}): it would widen the cluster's config-autoscaler",
                error.key, error.message
            ));
        }
    }
    if settings.namespace_annotations {
        match namespace_values(namespace, get_resource) {
            Ok(((values, invalid), profile)) => {
                match profile.map(|name| chosen(&settings.profiles, &name).map(|_| name)) {
                    Some(Ok(name)) => tenancy.profile = Some(name),
                    Some(Err(why)) => tenancy.warnings.push(format!(
                        "Namespace {namespace}: annotation {PROFILE_KEY} ignored: {why}"
                    )),
                    None => {}
                }
                let (narrowed, refused) = entry.overlaid(&values, cluster);
                entry = narrowed;
                let ignored = |key: &str, message: &str| {
                    format!(
                        "Namespace {namespace}: annotation {PROJECT_PREFIX}{key} ignored ({message})"
                    )
                };
                tenancy.warnings.extend(
                    invalid
                        .iter()
                        .chain(refused.iter())
                        .map(|error| ignored(error.key, &error.message)),
                );
            }
            Err(why) => {
                crate::log::warning(&format!("Namespace {namespace} could not be read: {why}"));
                tenancy.warnings.push(format!(
                    "Namespace {namespace} could not be read ({}); scale bounds were resolved with the policy's namespaces settings",
                    cut(host_reason(&why), 100)
                ));
            }
        }
    }
    tenancy.entry = (entry != NamespaceEntry::default()).then_some(entry);
    tenancy
}

/// A Namespace's values by key, in `NamespaceEntry::KEYS` order, and those that are not integers.
type NamespaceValues = (Vec<(&'static str, i32)>, Vec<ConfigError>);

/// The Namespace's values and the profile it names; `Err` when the Namespace cannot be read.
fn namespace_values(
    namespace: &str,
    get_resource: &mut impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<(NamespaceValues, Option<String>), String> {
    let request = resource_request("Namespace", namespace, None, "metadata.annotations");
    let answer = get_resource(&request)?;
    let object: Value = serde_json::from_slice(&answer)
        .map_err(|error| format!("the host's answer is not JSON: {error}"))?;
    let annotations = match object.pointer("/metadata/annotations") {
        _ if !object.is_object() => return Err("the host's answer is not a Namespace".into()),
        None | Some(Value::Null) => return Ok(((Vec::new(), Vec::new()), None)),
        Some(Value::Object(annotations)) => annotations,
        Some(_) => return Err("its annotations are not a map".into()),
    };
    let (mut values, mut invalid) = (Vec::new(), Vec::new());
    for key in NamespaceEntry::KEYS {
        let text = match annotations.get(&format!("{PROJECT_PREFIX}{key}")) {
            None => continue,
            Some(Value::String(text)) => text.as_str(),
            Some(other) => {
                invalid.push(ConfigError {
                    key,
                    message: format!("expected a string, got {}", json_type(other)),
                });
                continue;
            }
        };
        match int_value(key, text) {
            Ok(value) => values.push((key, value)),
            Err(error) => invalid.push(error),
        }
    }
    let profile = match annotations.get(PROFILE_KEY) {
        Some(Value::String(name)) => Some(name.clone()),
        None => None,
        Some(other) => {
            invalid.push(ConfigError {
                key: "profile",
                message: format!("expected a string, got {}", json_type(other)),
            });
            None
        }
    };
    Ok(((values, invalid), profile))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: Value) -> Settings {
        Settings::from_json(&value).unwrap()
    }

    fn namespace(annotations: Value) -> impl FnMut(&[u8]) -> Result<Vec<u8>, String> {
        move |_| {
            Ok(serde_json::to_vec(
                &json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "annotations": annotations}}),
            )
            .unwrap())
        }
    }

    fn no_call(_: &[u8]) -> Result<Vec<u8>, String> {
        panic!("unexpected host call")
    }

    fn annotated(pairs: &[(&str, &str)]) -> Value {
        pairs
            .iter()
            .map(|(key, value)| (format!("{PROJECT_PREFIX}{key}"), Value::from(*value)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    #[test]
    fn the_settings_entry_applies_in_its_namespace_only() {
        let s = settings(json!({"namespaces": {"team-a": {"max-scale-limit": "6"}}}));
        let cluster = s.autoscaler;
        let found = tenancy(&s, "team-a", &cluster, &mut no_call);
        assert_eq!(found.entry.unwrap().max_scale_limit, Some(6));
        assert!(found.warnings.is_empty());
        assert_eq!(
            tenancy(&s, "team-b", &cluster, &mut no_call),
            Tenancy::default()
        );
        assert_eq!(tenancy(&s, "", &cluster, &mut no_call), Tenancy::default());
    }

    #[test]
    fn the_namespace_is_read_as_the_sdk_asks_for_it() {
        let s = settings(json!({"namespaceAnnotations": true}));
        let mut asked = Vec::new();
        tenancy(&s, "team-a", &s.autoscaler, &mut |request: &[u8]| {
            asked.push(serde_json::from_slice::<Value>(request).unwrap());
            Err("no host".into())
        });
        assert_eq!(
            asked,
            [
                json!({"api_version": "v1", "kind": "Namespace", "name": "team-a", "namespace": null,
                    "disable_cache": false, "field_masks": ["metadata.annotations"]})
            ]
        );
    }

    // 10: a Namespace's annotations apply over the settings' entry, key by key
    #[test]
    fn annotations_lay_over_the_entry_and_may_lower_the_cap() {
        let s = settings(json!({"namespaceAnnotations": true,
                                "namespaces": {"team-a": {"max-scale-limit": "6", "min-scale": "1"}}}));
        let found = tenancy(
            &s,
            "team-a",
            &s.autoscaler,
            &mut namespace(annotated(&[
                ("max-scale-limit", "4"),
                ("max-scale", "3"),
                ("other", "x"),
            ])),
        );
        assert_eq!(
            found.entry,
            Some(NamespaceEntry {
                min_scale: Some(1),
                max_scale: Some(3),
                initial_scale: None,
                max_scale_limit: Some(4),
            })
        );
        assert!(found.warnings.is_empty());
    }

    // 10: never raise it above the settings'
    #[test]
    fn an_annotation_raising_the_cap_or_invalid_is_ignored_with_a_warning() {
        let s = settings(json!({"namespaceAnnotations": true,
                                "namespaces": {"team-a": {"max-scale-limit": "6"}}}));
        let found = tenancy(
            &s,
            "team-a",
            &s.autoscaler,
            &mut namespace(annotated(&[
                ("max-scale-limit", "60"),
                ("min-scale", "two"),
                ("initial-scale", "2"),
            ])),
        );
        assert_eq!(
            found.entry,
            Some(NamespaceEntry {
                initial_scale: Some(2),
                max_scale_limit: Some(6),
                ..NamespaceEntry::default()
            })
        );
        assert_eq!(
            found.warnings,
            [
                "Namespace team-a: annotation knative-scale-policy.github.io/min-scale ignored (invalid value \"two\": expected a base-10 integer)",
                "Namespace team-a: annotation knative-scale-policy.github.io/max-scale-limit ignored (invalid value 60: may lower the max-scale-limit 6 that applies, never raise it)",
            ]
        );
    }

    #[test]
    fn an_unreadable_namespace_falls_back_to_the_settings_with_one_warning() {
        let s = settings(json!({"namespaceAnnotations": true,
                                "namespaces": {"team-a": {"max-scale-limit": "6"}}}));
        let found = tenancy(&s, "team-a", &s.autoscaler, &mut |_: &[u8]| {
            Err("Host error: Cannot find v1/Namespace named 'team-a'\nmore".into())
        });
        assert_eq!(found.entry.unwrap().max_scale_limit, Some(6));
        assert_eq!(
            found.warnings,
            [
                "Namespace team-a could not be read (Cannot find v1/Namespace named 'team-a'); scale bounds were resolved with the policy's namespaces settings"
            ]
        );
        for answer in [json!("x"), json!({"metadata": {"annotations": []}})] {
            let found = tenancy(&s, "team-a", &s.autoscaler, &mut namespace_answer(answer));
            assert_eq!(found.warnings.len(), 1);
        }
        let found = tenancy(
            &s,
            "team-a",
            &s.autoscaler,
            &mut namespace_answer(json!({"metadata": {}})),
        );
        assert!(found.warnings.is_empty());
    }

    fn namespace_answer(answer: Value) -> impl FnMut(&[u8]) -> Result<Vec<u8>, String> {
        move |_| Ok(serde_json::to_vec(&answer).unwrap())
    }

    #[test]
    fn an_entry_wider_than_the_live_cluster_is_narrowed_with_a_warning() {
        let s =
            settings(json!({"namespaces": {"team-a": {"max-scale-limit": "8", "min-scale": "1"}}}));
        let live = ClusterConfig {
            max_scale: 4,
            max_scale_limit: 5,
            ..ClusterConfig::default()
        };
        let found = tenancy(&s, "team-a", &live, &mut no_call);
        assert_eq!(
            found.entry,
            Some(NamespaceEntry {
                min_scale: Some(1),
                ..NamespaceEntry::default()
            })
        );
        assert_eq!(
            found.warnings,
            [
                "namespaces.team-a.max-scale-limit ignored (invalid value 8: may lower the max-scale-limit 5 that applies, never raise it): it would widen the cluster's config-autoscaler"
            ]
        );
    }

    // 11
    #[test]
    fn a_namespaces_profile_annotation_chooses_a_known_profile_only() {
        let with_profiles = settings(json!({
            "namespaceAnnotations": true, "autoscalerConfigMap": {},
            "profiles": {"gpu": {"target": "1"}, "web": {"target": "100"}}}));
        let cluster = ClusterConfig::default();
        let chosen = tenancy(
            &with_profiles,
            "team-a",
            &cluster,
            &mut namespace(annotated(&[("profile", "gpu")])),
        );
        assert_eq!(chosen.profile.as_deref(), Some("gpu"));
        assert!(chosen.warnings.is_empty());
        let unknown = tenancy(
            &with_profiles,
            "team-a",
            &cluster,
            &mut namespace(annotated(&[("profile", "gpu-xl")])),
        );
        assert_eq!(unknown.profile, None);
        assert_eq!(
            unknown.warnings,
            [
                "Namespace team-a: annotation knative-scale-policy.github.io/profile ignored: \"gpu-xl\" is not a profile of this cluster (gpu, web)"
            ]
        );
        let mut not_text = namespace(json!({"knative-scale-policy.github.io/profile": 7}));
        let not_text = tenancy(&with_profiles, "team-a", &cluster, &mut not_text);
        assert_eq!(not_text.profile, None);
        assert_eq!(
            not_text.warnings,
            [
                "Namespace team-a: annotation knative-scale-policy.github.io/profile ignored (expected a string, got a number)"
            ]
        );
    }
}
