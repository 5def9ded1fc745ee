//! The `profiles` and `defaultProfile` settings (rules section 11): named sets of per-revision
//! autoscaling annotations, each checked as Knative would check a template holding them.

use serde_json::Value;

use crate::config::values::{
    Named, SettingsError, entry_text, invalid_value, named_entries, path_segment,
};
use crate::rules::cluster::ClusterConfig;
use crate::rules::profile::{KEYS, Profile};

/// Reads the map (or list with `name`s); each profile must pass Knative's validation of a
/// template's annotations with `cluster` (the `autoscaler` setting).
pub fn profiles(value: &Value, cluster: &ClusterConfig) -> Result<Vec<Profile>, SettingsError> {
    let expected = "a map from a profile's name to its autoscaling annotations";
    let mut profiles = Vec::new();
    for named in named_entries(value, "profiles", "profile", expected)? {
        let profile = profile(&named)?;
        let path = &named.path;
        profile
            .validate(cluster)
            .map_err(|error| SettingsError::new(format!("{path}.{}", error.key), error.message))?;
        profiles.push(profile);
    }
    Ok(profiles)
}

fn profile(named: &Named) -> Result<Profile, SettingsError> {
    let (name, path) = (named.name, &named.path);
    let mut pairs = Vec::new();
    for (key, value) in named.fields("a map of autoscaling annotations without their prefix")? {
        if !KEYS.contains(&key.as_str()) {
            let rule = format!("unknown key: a profile sets {}", KEYS.join(", "));
            return Err(SettingsError::new(
                format!("{path}.{}", path_segment(key)),
                rule,
            ));
        }
        if let Some(text) = entry_text(value, &format!("{path}.{key}"))? {
            pairs.push((key.as_str(), text));
        }
    }
    Ok(Profile::new(name, &pairs))
}

/// A profile's name as another setting gives it (`defaultProfile`, `namespaces.<ns>.profile`).
pub fn profile_name(
    value: &Value,
    path: &str,
    profiles: &[Profile],
) -> Result<String, SettingsError> {
    match value.as_str() {
        Some(name) if profiles.iter().any(|p| p.name == name) => Ok(name.to_string()),
        _ => {
            let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
            let expected = if names.is_empty() {
                "the name of a profile, and the settings have no profiles".to_string()
            } else {
                format!("the name of a profile ({})", names.join(", "))
            };
            Err(invalid_value(path, value, &expected))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cluster() -> ClusterConfig {
        ClusterConfig {
            max_scale_limit: 20,
            max_scale: 10,
            ..ClusterConfig::default()
        }
    }

    fn error(value: Value) -> String {
        profiles(&value, &cluster()).unwrap_err().to_string()
    }

    // 11
    #[test]
    fn profiles_are_read_as_a_map_or_as_a_list_with_names() {
        let map = json!({"gpu-llm": {"min-scale": "1", "window": "120s", "target": 1}, "web": {}});
        let list = json!([{"name": "gpu-llm", "min-scale": "1", "window": "120s", "target": 1}, {"name": "web"}]);
        let from_map = profiles(&map, &cluster()).unwrap();
        assert_eq!(from_map, profiles(&list, &cluster()).unwrap());
        assert_eq!(from_map[0].name, "gpu-llm");
        assert_eq!(
            from_map[0].values,
            [
                ("target", "1".to_string()),
                ("window", "120s".into()),
                ("min-scale", "1".into())
            ]
        );
        assert!(profiles(&Value::Null, &cluster()).unwrap().is_empty());
        // A field a form left empty (cleared after typing, or null) is a field not set.
        let cleared = json!([{"name": "web", "window": "", "target": null, "metric": "rps"}]);
        assert_eq!(
            profiles(&cleared, &cluster()).unwrap()[0].values,
            [("metric", "rps".to_string())]
        );
    }

    // 11
    #[test]
    fn a_bad_profile_is_refused_naming_profiles_name_key() {
        assert_eq!(
            error(json!({"gpu": {"stable-window": "60s"}})),
            format!(
                "profiles.gpu.stable-window: unknown key: a profile sets {}",
                KEYS.join(", ")
            )
        );
        assert_eq!(
            error(json!({"gpu": {"max-scale": "30"}})),
            "profiles.gpu.max-scale: Knative would reject it: expected 1 <= 30 <= 20: autoscaling.knative.dev/max-scale"
                .split(": autoscaling")
                .next()
                .unwrap()
        );
        assert!(
            error(json!({"gpu": {"window": "1s"}}))
                .starts_with("profiles.gpu.window: Knative would reject it:")
        );
        assert_eq!(
            error(json!({"gpu": {"target": true}})),
            "profiles.gpu.target: expected a string or a number, got a boolean"
        );
        assert!(error(json!({"GPU": {}})).starts_with("profiles.GPU: invalid profile name"));
        assert_eq!(
            error(json!([{"name": "a"}, {"name": "a"}])),
            "profiles.a: the name is given twice"
        );
        assert_eq!(
            error(json!([{"target": "1"}])),
            "profiles[0].name: expected the entry's name as a string, got nothing"
        );
        assert!(error(json!("gpu")).starts_with("profiles: expected a map"));
    }

    // 11
    #[test]
    fn a_profile_name_must_name_a_profile() {
        let all = profiles(&json!({"web": {}, "gpu": {}}), &cluster()).unwrap();
        assert_eq!(
            profile_name(&json!("web"), "defaultProfile", &all).unwrap(),
            "web"
        );
        assert_eq!(
            profile_name(&json!("gpu-xl"), "defaultProfile", &all)
                .unwrap_err()
                .to_string(),
            "defaultProfile: invalid value \"gpu-xl\": expected the name of a profile (gpu, web)"
        );
    }
}
