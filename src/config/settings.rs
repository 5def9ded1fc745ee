//! The policy settings (section 6 of resolution-rules.md): `autoscaler` holds the cluster's
//! config-autoscaler data, `defaultInitialScale` how an absent initial-scale is filled,
//! `autoscalerConfigMap` where to read config-autoscaler live, `auditChanges` whether the audit
//! scanner hears of objects the policy would change (section 8), `knativeController` whose
//! Service-owned Configurations are left alone (section 1), `namespaces` and
//! `namespaceAnnotations` the namespaces' own defaults and caps (section 10), `profiles` and
//! `defaultProfile` the named autoscaling profiles (section 11).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::namespaces::{NamespaceProfiles, Namespaces, namespaces};
use crate::config::profiles::{profile_name, profiles};
use crate::config::values::{
    SettingsError, invalid_value, is_dns1123_label, is_dns1123_subdomain, is_unset, map_or_null,
    path_segment,
};
use crate::rules::cluster::ClusterConfig;
use crate::rules::profile::Profile;
use crate::rules::resolve::InitialStrategy;
use crate::wire::json_values::json_type;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub autoscaler: ClusterConfig,
    pub default_initial_scale: InitialStrategy,
    /// Context-aware mode: read config-autoscaler live from the cluster, `autoscaler` as fallback.
    pub autoscaler_config_map: Option<ConfigMapRef>,
    /// Answer the audit scanner with a rejection for each object the policy would change.
    pub audit_changes: bool,
    /// The user Knative's controller writes as: only its Configurations owned by a Service are
    /// left as it copied them (rules section 1), never a user's claim of such an owner.
    pub knative_controller: String,
    /// Per-namespace defaults and caps (rules section 10).
    pub namespaces: Namespaces,
    /// Context-aware mode: a Namespace's own annotations lay over its entry (section 10).
    pub namespace_annotations: bool,
    /// Named autoscaling profiles (rules section 11), the profile of objects that choose none,
    /// and each namespace's profile.
    pub profiles: Vec<Profile>,
    pub default_profile: Option<String>,
    pub namespace_profiles: NamespaceProfiles,
}

/// The ServiceAccount of Knative Serving's controller in a default install.
pub const KNATIVE_CONTROLLER: &str = "system:serviceaccount:knative-serving:controller";

impl Default for Settings {
    fn default() -> Self {
        Settings {
            autoscaler: ClusterConfig::default(),
            default_initial_scale: InitialStrategy::default(),
            autoscaler_config_map: None,
            audit_changes: true,
            knative_controller: KNATIVE_CONTROLLER.to_string(),
            namespaces: Vec::new(),
            namespace_annotations: false,
            profiles: Vec::new(),
            default_profile: None,
            namespace_profiles: Vec::new(),
        }
    }
}

/// Where Knative keeps config-autoscaler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigMapRef {
    pub namespace: String,
    pub name: String,
}

impl Default for ConfigMapRef {
    fn default() -> Self {
        ConfigMapRef {
            namespace: "knative-serving".to_string(),
            name: "config-autoscaler".to_string(),
        }
    }
}

const SETTING_NAMES: &str = "autoscaler, defaultInitialScale, autoscalerConfigMap, auditChanges, knativeController, namespaces, namespaceAnnotations, profiles, defaultProfile";

impl Settings {
    /// Reads and validates settings; errors name the setting and the rule.
    pub fn from_json(value: &Value) -> Result<Settings, SettingsError> {
        let expected = format!("an object with {SETTING_NAMES}");
        let Some(fields) = map_or_null(value, "settings", &expected)? else {
            return Ok(Settings::default());
        };
        let mut settings = Settings::default();
        let (mut namespaces_value, mut profiles_value) = (&Value::Null, &Value::Null);
        let mut default_profile = &Value::Null;
        for (name, value) in fields {
            match name.as_str() {
                "autoscaler" => settings.autoscaler = autoscaler(value)?,
                // Read after the loop: checked against the cluster's values and the profiles.
                "namespaces" => namespaces_value = value,
                "profiles" => profiles_value = value,
                "defaultProfile" => default_profile = value,
                "namespaceAnnotations" => {
                    settings.namespace_annotations = boolean("namespaceAnnotations", value)?
                }
                "defaultInitialScale" => settings.default_initial_scale = strategy(value)?,
                "autoscalerConfigMap" => settings.autoscaler_config_map = config_map(value)?,
                "auditChanges" => settings.audit_changes = boolean("auditChanges", value)?,
                "knativeController" => settings.knative_controller = knative_controller(value)?,
                unknown => {
                    let rule = format!("unknown, not one of {SETTING_NAMES}");
                    return Err(SettingsError::new(path_segment(unknown), rule));
                }
            }
        }
        settings.profiles = profiles(profiles_value, &settings.autoscaler)?;
        (settings.namespaces, settings.namespace_profiles) =
            namespaces(namespaces_value, &settings.autoscaler, &settings.profiles)?;
        if !is_unset(default_profile) {
            let name = profile_name(default_profile, "defaultProfile", &settings.profiles)?;
            settings.default_profile = Some(name);
        }
        Ok(settings)
    }
}

/// config-autoscaler data as pasted from the ConfigMap: strings, or plain YAML numbers and
/// booleans. Keys this policy does not use are ignored whatever their type.
fn autoscaler(value: &Value) -> Result<ClusterConfig, SettingsError> {
    let expected = "the data of the config-autoscaler ConfigMap (a map)";
    let Some(data) = map_or_null(value, "autoscaler", expected)? else {
        return Ok(ClusterConfig::default());
    };
    let mut text = BTreeMap::new();
    for key in ClusterConfig::KEYS {
        let scalar = match data.get(key) {
            None => continue,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            Some(other) => {
                let found = json_type(other);
                let rule = format!("expected a string, number or boolean, got {found}");
                return Err(SettingsError::new(format!("autoscaler.{key}"), rule));
            }
        };
        text.insert(key, scalar);
    }
    ClusterConfig::from_data(|key| text.get(key).map(String::as_str))
        .map_err(|error| SettingsError::new(format!("autoscaler.{}", error.key), error.message))
}

fn strategy(value: &Value) -> Result<InitialStrategy, SettingsError> {
    match value.as_str() {
        Some("min") => Ok(InitialStrategy::Min),
        Some("cluster") => Ok(InitialStrategy::Cluster),
        Some("zero-or-cluster") => Ok(InitialStrategy::ZeroOrCluster),
        _ => Err(invalid_value(
            "defaultInitialScale",
            value,
            "\"min\", \"cluster\" or \"zero-or-cluster\"",
        )),
    }
}

fn knative_controller(value: &Value) -> Result<String, SettingsError> {
    match value.as_str() {
        Some(user) if !user.is_empty() => Ok(user.to_string()),
        _ => Err(invalid_value(
            "knativeController",
            value,
            "the user name of Knative's controller, e.g. \"system:serviceaccount:knative-serving:controller\"",
        )),
    }
}

fn boolean(path: &str, value: &Value) -> Result<bool, SettingsError> {
    value
        .as_bool()
        .ok_or_else(|| invalid_value(path, value, "true or false"))
}

/// `{}` selects Knative's own location; `null` turns the context-aware mode off.
fn config_map(value: &Value) -> Result<Option<ConfigMapRef>, SettingsError> {
    let expected = "a map with namespace and name";
    let Some(fields) = map_or_null(value, "autoscalerConfigMap", expected)? else {
        return Ok(None);
    };
    let mut reference = ConfigMapRef::default();
    for (key, value) in fields {
        let slot = match key.as_str() {
            "namespace" => &mut reference.namespace,
            "name" => &mut reference.name,
            unknown => {
                let path = format!("autoscalerConfigMap.{}", path_segment(unknown));
                return Err(SettingsError::new(
                    path,
                    "unknown key: the keys are namespace and name",
                ));
            }
        };
        let (valid, rule): (fn(&str) -> bool, &str) = if key == "namespace" {
            (
                is_dns1123_label,
                "a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)",
            )
        } else {
            (
                is_dns1123_subdomain,
                "a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)",
            )
        };
        match value.as_str() {
            Some(text) if valid(text) => *slot = text.to_string(),
            _ => {
                return Err(invalid_value(
                    &format!("autoscalerConfigMap.{key}"),
                    value,
                    rule,
                ));
            }
        }
    }
    Ok(Some(reference))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(value: Value) -> Result<Settings, String> {
        Settings::from_json(&value).map_err(|error| error.to_string())
    }

    #[test]
    fn empty_settings_take_knative_defaults_and_min_strategy() {
        let defaults = settings(json!({})).unwrap();
        assert_eq!(defaults.autoscaler, ClusterConfig::default());
        assert_eq!(defaults.default_initial_scale, InitialStrategy::Min);
        assert_eq!(settings(Value::Null).unwrap(), defaults);
    }

    #[test]
    fn autoscaler_accepts_configmap_strings_and_yaml_scalars() {
        let from_strings = settings(json!({"autoscaler": {
            "initial-scale": "0", "allow-zero-initial-scale": "true",
            "max-scale": "4", "max-scale-limit": "10"}}))
        .unwrap();
        let from_scalars = settings(json!({"autoscaler": {
            "initial-scale": 0, "allow-zero-initial-scale": true,
            "max-scale": 4, "max-scale-limit": 10}}))
        .unwrap();
        assert_eq!(from_strings, from_scalars);
        assert_eq!(from_strings.autoscaler.max_scale_limit, 10);
    }

    #[test]
    fn unknown_autoscaler_keys_are_ignored() {
        let s = settings(json!({"autoscaler": {
            "stable-window": "60s", "target": 100, "_example": {"x": 1}}}));
        assert_eq!(s.unwrap().autoscaler, ClusterConfig::default());
    }

    #[test]
    fn unknown_top_level_setting_is_rejected() {
        assert_eq!(
            settings(json!({"defaultInitalScale": "min"})).unwrap_err(),
            "defaultInitalScale: unknown, not one of autoscaler, defaultInitialScale, autoscalerConfigMap, auditChanges, knativeController, namespaces, namespaceAnnotations, profiles, defaultProfile"
        );
    }

    #[test]
    fn errors_carry_the_path_and_the_rule_apart() {
        let error = |value: Value| Settings::from_json(&value).unwrap_err();
        assert_eq!(
            error(json!({"autoscaler": {"min-scale": "5", "max-scale": "4"}})),
            SettingsError::new(
                "autoscaler.min-scale",
                "invalid value 5: must be less than max-scale (4)"
            )
        );
        assert_eq!(
            error(json!({"autoscalerConfigMap": {"name": "A"}})).path,
            "autoscalerConfigMap.name"
        );
        assert_eq!(error(json!({"auditChanges": 1})).path, "auditChanges");
        assert_eq!(error(json!(["autoscaler"])).path, "settings");
        assert_eq!(error(json!({"a b": 1})).path, "\"a b\"");
        assert_eq!(error(json!({"": 1})).path, "\"\"");
    }

    #[test]
    fn autoscaler_config_map_is_off_by_default_and_defaults_to_knatives_location() {
        assert_eq!(settings(json!({})).unwrap().autoscaler_config_map, None);
        assert_eq!(
            settings(json!({"autoscalerConfigMap": null}))
                .unwrap()
                .autoscaler_config_map,
            None
        );
        assert_eq!(
            settings(json!({"autoscalerConfigMap": {}}))
                .unwrap()
                .autoscaler_config_map,
            Some(ConfigMapRef {
                namespace: "knative-serving".into(),
                name: "config-autoscaler".into()
            })
        );
        let custom = json!({"autoscalerConfigMap": {"namespace": "serving", "name": "autoscaler"}});
        assert_eq!(
            settings(custom).unwrap().autoscaler_config_map,
            Some(ConfigMapRef {
                namespace: "serving".into(),
                name: "autoscaler".into()
            })
        );
    }

    #[test]
    fn bad_autoscaler_config_map_names_the_key() {
        for (input, expected) in [
            (
                json!({"autoscalerConfigMap": "config-autoscaler"}),
                "autoscalerConfigMap: expected a map with namespace and name, got a string",
            ),
            (
                json!({"autoscalerConfigMap": {"ns": "x"}}),
                "autoscalerConfigMap.ns: unknown key: the keys are namespace and name",
            ),
            (
                json!({"autoscalerConfigMap": {"name": ""}}),
                "autoscalerConfigMap.name: invalid value \"\": expected a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)",
            ),
            (
                json!({"autoscalerConfigMap": {"namespace": 3}}),
                "autoscalerConfigMap.namespace: invalid value 3: expected a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters)",
            ),
        ] {
            assert_eq!(settings(input).unwrap_err(), expected);
        }
    }

    // 6
    #[test]
    fn autoscaler_config_map_names_must_be_kubernetes_names() {
        for (namespace, name) in [
            ("knative-serving", "config-autoscaler"),
            ("a", "a.b-c.d"),
            ("x1", "1x"),
        ] {
            let value = json!({"autoscalerConfigMap": {"namespace": namespace, "name": name}});
            assert!(settings(value).is_ok(), "{namespace}/{name}");
        }
        let (long_label, long_subdomain) = ("a".repeat(64), "a".repeat(254));
        let refused = [
            (
                "namespace",
                ["a/b", "a.b", "Knative", "-a", "a-", "", &long_label],
            ),
            (
                "name",
                ["a/b", "a..b", ".a", "a.", "A", "a_b", &long_subdomain],
            ),
        ];
        for (key, values) in refused {
            for value in values {
                let error = settings(json!({"autoscalerConfigMap": {key: value}})).unwrap_err();
                let field = format!("autoscalerConfigMap.{key}: invalid value");
                assert!(error.starts_with(&field), "{value}: {error}");
            }
        }
    }

    // 8
    #[test]
    fn knatives_controller_defaults_to_its_service_account_and_must_be_a_name() {
        assert_eq!(
            settings(json!({})).unwrap().knative_controller,
            "system:serviceaccount:knative-serving:controller"
        );
        let renamed = json!({"knativeController": "system:serviceaccount:serving:ctl"});
        assert_eq!(
            settings(renamed).unwrap().knative_controller,
            "system:serviceaccount:serving:ctl"
        );
        for bad in [json!(""), json!(3), json!(null)] {
            let error = settings(json!({"knativeController": bad})).unwrap_err();
            assert!(
                error.starts_with("knativeController: invalid value"),
                "{error}"
            );
        }
    }

    #[test]
    fn audit_changes_is_on_by_default_and_a_boolean() {
        assert!(settings(json!({})).unwrap().audit_changes);
        assert!(
            !settings(json!({"auditChanges": false}))
                .unwrap()
                .audit_changes
        );
        assert_eq!(
            settings(json!({"auditChanges": "no"})).unwrap_err(),
            "auditChanges: invalid value \"no\": expected true or false"
        );
    }

    #[test]
    fn bad_settings_name_the_key_and_the_rule() {
        let cases = [
            (json!([]), "settings: expected an object"),
            (json!({"autoscaler": "x"}), "autoscaler: expected the data"),
            (
                json!({"autoscaler": {"max-scale": [1]}}),
                "autoscaler.max-scale: expected a string, number or boolean, got a list",
            ),
            (
                json!({"autoscaler": {"max-scale": 1.5}}),
                "autoscaler.max-scale: invalid value \"1.5\"",
            ),
            (
                json!({"autoscaler": {"initial-scale": 0}}),
                "autoscaler.initial-scale: invalid value 0: must be at least 0 (or at least 1 when allow-zero-initial-scale is false)",
            ),
            (
                json!({"autoscaler": {"max-scale-limit": "10"}}),
                "autoscaler.max-scale: invalid value 0: must be in [1, max-scale-limit(10)] range",
            ),
            (
                json!({"autoscaler": {"enable-scale-to-zero": "yes"}}),
                "autoscaler.enable-scale-to-zero: invalid value \"yes\"",
            ),
            (
                json!({"defaultInitialScale": "max"}),
                "defaultInitialScale: invalid value \"max\": expected \"min\", \"cluster\" or \"zero-or-cluster\"",
            ),
        ];
        for (input, expected) in cases {
            let error = settings(input.clone()).unwrap_err();
            assert!(error.starts_with(expected), "{input}: {error}");
        }
    }

    // 11
    #[test]
    fn profiles_default_profile_and_a_namespaces_profile_must_name_profiles() {
        let settings = Settings::from_json(&json!({
            "profiles": [{"name": "web", "target": "100"}],
            "defaultProfile": "web",
            "namespaces": {"models": {"profile": "web", "max-scale-limit": "8"}}}))
        .unwrap();
        assert_eq!(settings.profiles[0].name, "web");
        assert_eq!(settings.default_profile.as_deref(), Some("web"));
        assert_eq!(
            settings.namespace_profiles,
            [("models".to_string(), "web".to_string())]
        );
        assert_eq!(settings.namespaces[0].1.max_scale_limit, Some(8));
        for (value, expected) in [
            (
                json!({"defaultProfile": "gpu"}),
                "defaultProfile: invalid value \"gpu\": expected the name of a profile, and the settings have no profiles",
            ),
            (
                json!({"profiles": {"web": {}}, "namespaces": {"a": {"profile": "gpu"}}}),
                "namespaces.a.profile: invalid value \"gpu\": expected the name of a profile (web)",
            ),
            (
                json!({"autoscaler": {"max-scale-limit": "5", "max-scale": "5"}, "profiles": {"big": {"max-scale": "9"}}}),
                "profiles.big.max-scale: Knative would reject it: expected 1 <= 9 <= 5",
            ),
        ] {
            let error = Settings::from_json(&value).unwrap_err().to_string();
            assert_eq!(error, expected, "{value}");
        }
    }
}
