//! The `namespaces` setting (rules section 10): a map from a namespace's name to its own
//! defaults and cap, spelled as config-autoscaler data.

use serde_json::Value;

use crate::config::profiles::profile_name;
use crate::config::values::{SettingsError, entry_text, is_unset, named_entries, path_segment};
use crate::rules::cluster::ClusterConfig;
use crate::rules::profile::Profile;
use crate::rules::tenant::NamespaceEntry;

/// The entries by namespace name (a few; a list costs the module less than a map).
pub type Namespaces = Vec<(String, NamespaceEntry)>;

/// The profile of each namespace that names one (rules section 11).
pub type NamespaceProfiles = Vec<(String, String)>;

const ENTRY_KEYS: &str = "min-scale, max-scale, initial-scale, max-scale-limit and profile";

/// Reads the map (or list with `name`s); each entry must only narrow `cluster` (the
/// `autoscaler` setting), and a profile it names must be one of `profiles`.
pub fn namespaces(
    value: &Value,
    cluster: &ClusterConfig,
    profiles: &[Profile],
) -> Result<(Namespaces, NamespaceProfiles), SettingsError> {
    let expected = "a map from a namespace's name to its min-scale, max-scale, initial-scale, max-scale-limit and profile";
    let (mut entries, mut chosen) = (Vec::new(), Vec::new());
    for named in named_entries(value, "namespaces", "namespace", expected)? {
        let path = &named.path;
        let fields = || named.fields(&format!("a map with {ENTRY_KEYS}"));
        let profile = fields()?.find(|(key, _)| key.as_str() == "profile");
        if let Some((_, profile)) = profile.filter(|(_, profile)| !is_unset(profile)) {
            let profile = profile_name(profile, &format!("{path}.profile"), profiles)?;
            chosen.push((named.name.to_string(), profile));
        }
        let entry = entry(fields()?, path)?;
        entry
            .validate(cluster)
            .map_err(|error| SettingsError::new(format!("{path}.{}", error.key), error.message))?;
        entries.push((named.name.to_string(), entry));
    }
    Ok((entries, chosen))
}

/// An entry's fields other than `profile`, as config-autoscaler data.
fn entry<'a>(
    fields: impl Iterator<Item = (&'a String, &'a Value)>,
    path: &str,
) -> Result<NamespaceEntry, SettingsError> {
    let mut text = Vec::new();
    for (key, value) in fields.filter(|(key, _)| key.as_str() != "profile") {
        let Some(key) = NamespaceEntry::KEYS.into_iter().find(|k| k == key) else {
            let rule = format!("unknown key: the keys are {ENTRY_KEYS}");
            return Err(SettingsError::new(
                format!("{path}.{}", path_segment(key)),
                rule,
            ));
        };
        if let Some(scalar) = entry_text(value, &format!("{path}.{key}"))? {
            text.push((key, scalar));
        }
    }
    NamespaceEntry::from_data(|key| {
        text.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    })
    .map_err(|error| SettingsError::new(format!("{path}.{}", error.key), error.message))
}

/// The entry for `namespace`, if the settings have one.
pub fn entry_of(namespaces: &Namespaces, namespace: &str) -> Option<NamespaceEntry> {
    namespaces
        .iter()
        .find(|(name, _)| name == namespace)
        .map(|(_, entry)| *entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(value: Value, cluster: &ClusterConfig) -> Result<Namespaces, String> {
        namespaces(&value, cluster, &[])
            .map(|(entries, _)| entries)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn entries_are_read_by_name_as_config_autoscaler_data() {
        let open = ClusterConfig::default();
        let entries = read(
            json!({"team-b": {"max-scale": 3}, "team-a": {"max-scale-limit": "6", "min-scale": "1"}}),
            &open,
        )
        .unwrap();
        assert_eq!(
            entry_of(&entries, "team-a"),
            Some(NamespaceEntry {
                min_scale: Some(1),
                max_scale_limit: Some(6),
                ..NamespaceEntry::default()
            })
        );
        assert_eq!(entry_of(&entries, "team-b").unwrap().max_scale, Some(3));
        assert_eq!(entry_of(&entries, "team-c"), None);
        assert_eq!(read(Value::Null, &open), Ok(Vec::new()));
        // The same as a list of maps with a name, which Kubewarden's forms edit (section 11).
        let listed = read(
            json!([{"name": "team-b", "max-scale": 3}, {"name": "team-a", "max-scale-limit": "6", "min-scale": "1"}]),
            &open,
        )
        .unwrap();
        assert_eq!(entry_of(&listed, "team-a"), entry_of(&entries, "team-a"));
        assert_eq!(entry_of(&listed, "team-b"), entry_of(&entries, "team-b"));
        assert_eq!(
            read(json!([{"name": "a"}, {"name": "a"}]), &open).unwrap_err(),
            "namespaces.a: the name is given twice"
        );
        assert_eq!(
            read(json!({"team-a": null}), &open).unwrap(),
            vec![("team-a".to_string(), NamespaceEntry::default())]
        );
    }

    // 10: settings errors name namespaces.<name>.<key>
    #[test]
    fn a_bad_entry_names_the_namespace_and_the_key() {
        let limited = ClusterConfig {
            max_scale: 5,
            max_scale_limit: 10,
            ..ClusterConfig::default()
        };
        for (value, expected) in [
            (
                json!({"team-a": {"max-scale-limt": "6"}}),
                "namespaces.team-a.max-scale-limt: unknown key: the keys are min-scale, max-scale, initial-scale, max-scale-limit and profile",
            ),
            (
                json!({"team-a": {"stable-window": "60s"}}),
                "namespaces.team-a.stable-window: unknown key",
            ),
            (
                json!({"team-a": {"max-scale-limit": "12"}}),
                "namespaces.team-a.max-scale-limit: invalid value 12: must not exceed the cluster max-scale-limit 10",
            ),
            (
                json!({"team-a": {"max-scale": "7", "max-scale-limit": "6"}}),
                "namespaces.team-a.max-scale: invalid value 7: must be in [1, max-scale-limit(6)] range",
            ),
            (
                json!({"team-a": {"min-scale": "4", "max-scale": "3"}}),
                "namespaces.team-a.min-scale: invalid value 4: must not exceed max-scale 3",
            ),
            (
                json!({"team-a": {"initial-scale": "0"}}),
                "namespaces.team-a.initial-scale: invalid value 0",
            ),
            (
                json!({"team-a": {"min-scale": "x"}}),
                "namespaces.team-a.min-scale: invalid value \"x\": expected a base-10 integer",
            ),
            (
                json!({"team-a": {"min-scale": true}}),
                "namespaces.team-a.min-scale: expected a string or a number, got a boolean",
            ),
            (
                json!({"team-a": "6"}),
                "namespaces.team-a: expected a map with min-scale",
            ),
            (
                json!({"Team-A": {}}),
                "namespaces.Team-A: invalid namespace name: expected a DNS-1123 label",
            ),
            (
                json!({"a.b": {}}),
                "namespaces.\"a.b\": invalid namespace name",
            ),
            (
                json!(["team-a"]),
                "namespaces[0]: expected a map with a name, got a string",
            ),
            (
                json!(7),
                "namespaces: expected a map from a namespace's name",
            ),
            (
                json!({"team-a": {"profile": "gpu"}}),
                "namespaces.team-a.profile: invalid value \"gpu\": expected the name of a profile, and the settings have no profiles",
            ),
        ] {
            let error = read(value.clone(), &limited).unwrap_err();
            assert!(error.starts_with(expected), "{value}: {error}");
        }
    }
}
