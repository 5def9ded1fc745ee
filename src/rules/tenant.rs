//! Section 10 of resolution-rules.md: a namespace's own defaults and cap, laid over the
//! cluster's. An entry only narrows the cluster, so whatever is resolved with it Knative admits.

use super::cluster::{ClusterConfig, ConfigError, int_value};
use super::defaults::{Defaults, Owner};
use super::profile::Profile;

/// A namespace's entry: config-autoscaler's bound keys, each `None` where the cluster's applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NamespaceEntry {
    pub min_scale: Option<i32>,
    pub max_scale: Option<i32>,
    pub initial_scale: Option<i32>,
    /// The namespace's cap, `L'`.
    pub max_scale_limit: Option<i32>,
}

impl NamespaceEntry {
    /// The keys an entry may hold, in the order they are laid over one another.
    pub const KEYS: [&'static str; 4] =
        ["max-scale-limit", "max-scale", "min-scale", "initial-scale"];

    /// An entry from config-autoscaler-like data (`key` -> text); the edge refuses other keys.
    pub fn from_data<'a>(lookup: impl Fn(&str) -> Option<&'a str>) -> Result<Self, ConfigError> {
        let mut entry = NamespaceEntry::default();
        for key in Self::KEYS {
            if let Some(text) = lookup(key) {
                *entry.slot(key) = Some(int_value(key, text)?);
            }
        }
        Ok(entry)
    }

    fn slot(&mut self, key: &'static str) -> &mut Option<i32> {
        match key {
            "min-scale" => &mut self.min_scale,
            "max-scale" => &mut self.max_scale,
            "initial-scale" => &mut self.initial_scale,
            _ => &mut self.max_scale_limit,
        }
    }

    /// The keys this entry sets, in `KEYS` order.
    pub fn values(&self) -> Vec<(&'static str, i32)> {
        let mut entry = *self;
        Self::KEYS
            .into_iter()
            .filter_map(|key| entry.slot(key).map(|value| (key, value)))
            .collect()
    }

    /// `values` laid over this entry: all of them when the result only narrows `cluster`,
    /// else one at a time in their order. A value that would widen the cluster or raise the cap
    /// that applies is left out, and said why.
    pub fn overlaid(
        self,
        values: &[(&'static str, i32)],
        cluster: &ClusterConfig,
    ) -> (Self, Vec<ConfigError>) {
        let mut whole = self;
        let mut refused = Vec::new();
        for &(key, value) in values {
            match self.raises_cap(key, value, cluster) {
                Some(error) => refused.push(error),
                None => *whole.slot(key) = Some(value),
            }
        }
        if whole.validate(cluster).is_ok() {
            return (whole, refused);
        }
        refused.clear();
        let mut entry = self;
        for &(key, value) in values {
            match entry.narrowed_by(key, value, cluster) {
                Ok(narrower) => entry = narrower,
                Err(error) => refused.push(error),
            }
        }
        (entry, refused)
    }

    fn raises_cap(
        &self,
        key: &'static str,
        value: i32,
        cluster: &ClusterConfig,
    ) -> Option<ConfigError> {
        let limit = self.limit(cluster);
        (key == "max-scale-limit" && limit > 0 && value > limit).then(|| {
            let rule =
                format!("may lower the max-scale-limit {limit} that applies, never raise it");
            ConfigError::new(key, format!("invalid value {value}: {rule}"))
        })
    }

    /// `key` set to `value` over this entry, if the result still only narrows `cluster` and
    /// does not raise the cap.
    fn narrowed_by(
        mut self,
        key: &'static str,
        value: i32,
        cluster: &ClusterConfig,
    ) -> Result<Self, ConfigError> {
        if let Some(error) = self.raises_cap(key, value, cluster) {
            return Err(error);
        }
        *self.slot(key) = Some(value);
        self.validate(cluster)?;
        Ok(self)
    }

    /// The cap objects in the namespace resolve under: the entry's, else the cluster's.
    pub fn limit(&self, cluster: &ClusterConfig) -> i32 {
        self.max_scale_limit.unwrap_or(cluster.max_scale_limit)
    }

    /// The max-scale an object without one gets (0 = unlimited): the entry's, else the cluster's
    /// brought under the cap (rule 3.2.2).
    fn default_max(&self, cluster: &ClusterConfig) -> i32 {
        let max = self.max_scale.unwrap_or(cluster.max_scale);
        let limit = self.limit(cluster);
        if limit > 0 && (max == 0 || max > limit) {
            limit
        } else {
            max
        }
    }

    /// Section 10: an entry only narrows the cluster. The error names the key at fault.
    pub fn validate(&self, cluster: &ClusterConfig) -> Result<(), ConfigError> {
        let refuse = |key, value: i32, rule: String| {
            Err(ConfigError::new(
                key,
                format!("invalid value {value}: {rule}"),
            ))
        };
        let cluster_limit = cluster.max_scale_limit;
        if let Some(cap) = self.max_scale_limit {
            if cap < 1 {
                let rule = "a namespace's cap must be at least 1 (leave it out for the cluster's)";
                return refuse("max-scale-limit", cap, rule.into());
            }
            if cluster_limit > 0 && cap > cluster_limit {
                let rule = format!("must not exceed the cluster max-scale-limit {cluster_limit}");
                return refuse("max-scale-limit", cap, rule);
            }
        }
        let limit = self.limit(cluster);
        if let Some(max) = self.max_scale
            && (max < 0 || (limit > 0 && !(1..=limit).contains(&max)))
        {
            let rule = if limit > 0 {
                format!("must be in [1, max-scale-limit({limit})] range")
            } else {
                "must be at least 0".to_string()
            };
            return refuse("max-scale", max, rule);
        }
        let min = self.min_scale.unwrap_or(cluster.min_scale);
        let max = self.default_max(cluster);
        if self.min_scale.is_some_and(|min| min < 0) {
            return refuse("min-scale", min, "must be at least 0".into());
        }
        if max > 0 && min > max {
            return match (self.min_scale, self.max_scale) {
                (Some(_), _) => {
                    refuse("min-scale", min, format!("must not exceed max-scale {max}"))
                }
                (None, Some(_)) => refuse(
                    "max-scale",
                    max,
                    format!("must be at least the cluster min-scale {min}"),
                ),
                (None, None) => refuse(
                    "max-scale-limit",
                    max,
                    format!("must be at least the cluster min-scale {min}"),
                ),
            };
        }
        if let Some(initial) = self.initial_scale {
            let least = if cluster.allow_zero_initial_scale {
                0
            } else {
                1
            };
            if initial < least {
                let rule = "must be at least 0 (or at least 1 when the cluster's allow-zero-initial-scale is false)";
                return refuse("initial-scale", initial, rule.into());
            }
        }
        Ok(())
    }
}

/// The defaults an object resolves with: the cluster's (what Knative applies at run time to a
/// key left absent) and, in a namespace with an entry, the entry over them (`G'` and `L'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope<'a> {
    pub cluster: &'a ClusterConfig,
    pub namespace: Option<(&'a str, NamespaceEntry)>,
    /// The cluster's autoscaling profiles (section 11).
    pub profiles: &'a [Profile],
    /// The profile of an object that chooses none: its Namespace's, its namespace entry's, or
    /// the settings' default.
    pub profile: Option<&'a Profile>,
}

impl<'a> Scope<'a> {
    /// The cluster's defaults alone.
    pub fn of(cluster: &'a ClusterConfig) -> Self {
        Scope {
            cluster,
            namespace: None,
            profiles: &[],
            profile: None,
        }
    }

    pub fn in_namespace(cluster: &'a ClusterConfig, name: &'a str, entry: NamespaceEntry) -> Self {
        Scope {
            namespace: Some((name, entry)),
            ..Scope::of(cluster)
        }
    }

    /// With the cluster's profiles, and the one an object that chooses none gets.
    pub fn with_profiles(self, profiles: &'a [Profile], profile: Option<&'a Profile>) -> Self {
        Scope {
            profiles,
            profile,
            ..self
        }
    }

    /// The defaults a template in this scope resolves with: the entry's over the cluster's.
    pub fn defaults(&self) -> Defaults<'a> {
        let mut defaults = Defaults::of(self.cluster);
        if let Some((name, entry)) = self.namespace {
            let owner = Owner::Namespace(name);
            defaults.min_scale = defaults.min_scale.over(entry.min_scale, owner);
            defaults.max_scale = defaults.max_scale.over(entry.max_scale, owner);
            defaults.initial_scale = defaults.initial_scale.over(entry.initial_scale, owner);
            defaults.limit = defaults.limit.over(entry.max_scale_limit, owner);
        }
        defaults
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::defaults::Setting;

    fn cluster(pairs: &[(&str, &str)]) -> ClusterConfig {
        let pairs = pairs.to_vec();
        ClusterConfig::from_data(move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .unwrap()
    }

    fn entry(pairs: &[(&str, &str)]) -> Result<NamespaceEntry, String> {
        let pairs = pairs.to_vec();
        NamespaceEntry::from_data(move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .map_err(|error| error.to_string())
    }

    fn checked(pairs: &[(&str, &str)], cluster: &ClusterConfig) -> Result<(), String> {
        entry(pairs)?
            .validate(cluster)
            .map_err(|error| error.to_string())
    }

    // 10: spelled and parsed as config-autoscaler data
    #[test]
    fn entries_parse_like_config_autoscaler_data() {
        assert_eq!(
            entry(&[("min-scale", "+1"), ("max-scale-limit", "08")]),
            Ok(NamespaceEntry {
                min_scale: Some(1),
                max_scale_limit: Some(8),
                ..NamespaceEntry::default()
            })
        );
        assert_eq!(
            entry(&[("max-scale", "four")]),
            Err("max-scale: invalid value \"four\": expected a base-10 integer".to_string())
        );
    }

    // 10: an entry only narrows the cluster
    #[test]
    fn an_entry_that_widens_the_cluster_is_refused_naming_the_key() {
        let limited = cluster(&[("max-scale", "5"), ("max-scale-limit", "10")]);
        let open = ClusterConfig::default();
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a ClusterConfig, &'a str);
        let refused: &[Case] = &[
            (
                &[("max-scale-limit", "11")],
                &limited,
                "max-scale-limit: invalid value 11: must not exceed the cluster max-scale-limit 10",
            ),
            (
                &[("max-scale-limit", "0")],
                &open,
                "max-scale-limit: invalid value 0: a namespace's cap must be at least 1",
            ),
            (
                &[("max-scale", "9"), ("max-scale-limit", "8")],
                &open,
                "max-scale: invalid value 9: must be in [1, max-scale-limit(8)] range",
            ),
            (
                &[("max-scale", "0")],
                &limited,
                "max-scale: invalid value 0: must be in [1, max-scale-limit(10)] range",
            ),
            (
                &[("max-scale", "-1")],
                &open,
                "max-scale: invalid value -1: must be at least 0",
            ),
            (
                &[("min-scale", "4"), ("max-scale", "3")],
                &open,
                "min-scale: invalid value 4: must not exceed max-scale 3",
            ),
            (
                &[("min-scale", "7"), ("max-scale-limit", "6")],
                &open,
                "min-scale: invalid value 7: must not exceed max-scale 6",
            ),
            (
                &[("min-scale", "-2")],
                &open,
                "min-scale: invalid value -2: must be at least 0",
            ),
            (
                &[("initial-scale", "0")],
                &open,
                "initial-scale: invalid value 0: must be at least 0 (or at least 1",
            ),
        ];
        for (pairs, cluster, message) in refused {
            let error = checked(pairs, cluster).unwrap_err();
            assert!(error.starts_with(message), "{pairs:?}: {error}");
        }
        let zero_allowed = cluster(&[("allow-zero-initial-scale", "true")]);
        assert_eq!(checked(&[("initial-scale", "0")], &zero_allowed), Ok(()));
        assert_eq!(checked(&[("max-scale-limit", "10")], &limited), Ok(()));
        assert_eq!(checked(&[("max-scale-limit", "6")], &open), Ok(()));
        assert_eq!(checked(&[("max-scale", "0")], &open), Ok(()));
    }

    // 10: the cluster's values the entry lacks must fit its cap
    #[test]
    fn a_cap_below_the_cluster_min_scale_names_the_key_the_entry_set() {
        let busy = cluster(&[("min-scale", "5")]);
        assert!(
            checked(&[("max-scale-limit", "4")], &busy)
                .unwrap_err()
                .starts_with(
                    "max-scale-limit: invalid value 4: must be at least the cluster min-scale 5"
                )
        );
        assert!(
            checked(&[("max-scale", "4")], &busy)
                .unwrap_err()
                .starts_with(
                    "max-scale: invalid value 4: must be at least the cluster min-scale 5"
                )
        );
        assert_eq!(
            checked(&[("max-scale-limit", "4"), ("min-scale", "1")], &busy),
            Ok(())
        );
    }

    #[test]
    fn keys_the_entry_lacks_take_the_clusters_values() {
        let c = cluster(&[
            ("min-scale", "1"),
            ("max-scale", "5"),
            ("max-scale-limit", "10"),
        ]);
        let e = entry(&[("max-scale", "3")]).unwrap();
        let defaults = Scope::in_namespace(&c, "team-a", e).defaults();
        assert_eq!(
            defaults.max_scale,
            Setting {
                value: 3,
                owner: Owner::Namespace("team-a")
            }
        );
        assert_eq!(
            defaults.min_scale,
            Setting {
                value: 1,
                owner: Owner::Cluster
            }
        );
        assert_eq!(defaults.limit.value, 10);
        assert_eq!(Scope::of(&c).defaults().max_scale.value, 5);
        assert_eq!(
            Owner::Namespace("a").setting("max-scale-limit"),
            "the max-scale-limit of namespace a"
        );
        assert_eq!(Owner::Cluster.setting("min-scale"), "the cluster min-scale");
    }

    #[test]
    fn an_overlay_may_lower_the_cap_never_raise_it() {
        let open = ClusterConfig::default();
        let capped = entry(&[("max-scale-limit", "6")]).unwrap();
        let messages = |(_, refused): (NamespaceEntry, Vec<ConfigError>)| {
            refused.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        let (lowered, refused) = capped.overlaid(&[("max-scale-limit", 4)], &open);
        assert_eq!((lowered.max_scale_limit, refused), (Some(4), Vec::new()));
        assert_eq!(
            messages(capped.overlaid(&[("max-scale-limit", 7), ("max-scale", 5)], &open)),
            [
                "max-scale-limit: invalid value 7: may lower the max-scale-limit 6 that applies, never raise it"
            ]
        );
        assert_eq!(
            capped
                .overlaid(&[("max-scale-limit", 7), ("max-scale", 5)], &open)
                .0
                .max_scale,
            Some(5)
        );
        // One value that widens is left out, the others kept.
        let (kept, refused) = capped.overlaid(&[("max-scale", 7), ("min-scale", 3)], &open);
        assert_eq!((kept.max_scale, kept.min_scale), (None, Some(3)));
        assert_eq!(refused.len(), 1);
        // Values valid together are taken together, whatever their order alone would say.
        let busy = cluster(&[("min-scale", "5")]);
        let (together, refused) =
            NamespaceEntry::default().overlaid(&[("max-scale-limit", 4), ("min-scale", 1)], &busy);
        assert!(refused.is_empty());
        assert_eq!(together.limit(&busy), 4);
        // Without a cap anywhere, any cap lowers "unlimited".
        let (free, refused) =
            NamespaceEntry::default().overlaid(&[("max-scale-limit", 100)], &open);
        assert_eq!((free.max_scale_limit, refused), (Some(100), Vec::new()));
        assert_eq!(capped.values(), [("max-scale-limit", 6)]);
    }
}
