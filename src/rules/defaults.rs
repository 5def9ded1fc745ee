//! The defaults a template resolves with (`G'` and `L'` of resolution-rules.md), computed once per
//! request: each with the value and where it comes from (the cluster, a namespace's entry, a
//! profile), for the rules to use and for messages to name.

use super::cluster::ClusterConfig;

/// Where a default comes from, as messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner<'a> {
    Cluster,
    Namespace(&'a str),
    Profile(&'a str),
}

impl<'a> Owner<'a> {
    /// The setting `key` of this owner: "the cluster min-scale", "the min-scale of namespace a",
    /// "the min-scale of profile gpu".
    pub fn setting(self, key: &str) -> String {
        match self {
            Owner::Cluster => format!("the cluster {key}"),
            Owner::Namespace(name) => format!("the {key} of namespace {name}"),
            Owner::Profile(name) => format!("the {key} of profile {name}"),
        }
    }

    /// The setting with its value: "the cluster min-scale 2", "the min-scale 2 of namespace a".
    pub fn valued(self, key: &str, value: i32) -> String {
        match self {
            Owner::Cluster => format!("the cluster {key} {value}"),
            Owner::Namespace(name) => format!("the {key} {value} of namespace {name}"),
            Owner::Profile(name) => format!("the {key} {value} of profile {name}"),
        }
    }

    /// The namespace whose cap this is; only a namespace's entry sets a cap of its own.
    pub fn namespace(self) -> Option<&'a str> {
        match self {
            Owner::Namespace(name) => Some(name),
            _ => None,
        }
    }
}

/// A default and where it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting<'a> {
    pub value: i32,
    pub owner: Owner<'a>,
}

impl<'a> Setting<'a> {
    pub fn cluster(value: i32) -> Self {
        Setting {
            value,
            owner: Owner::Cluster,
        }
    }

    /// `own` from `owner` when set, else this setting.
    pub fn over(self, own: Option<i32>, owner: Owner<'a>) -> Self {
        match own {
            Some(value) => Setting { value, owner },
            None => self,
        }
    }
}

/// What section 3 resolves a template with: the three bounds' defaults, the cap `L'`, and the
/// cluster's config-autoscaler (what Knative applies at run time to a key left absent, and the
/// keys no namespace or profile sets).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Defaults<'a> {
    pub min_scale: Setting<'a>,
    pub max_scale: Setting<'a>,
    pub initial_scale: Setting<'a>,
    /// `L'`: a namespace's cap, else the cluster's `max-scale-limit` (0 = none).
    pub limit: Setting<'a>,
    pub cluster: &'a ClusterConfig,
}

impl<'a> Defaults<'a> {
    /// The cluster's defaults alone: what the rules give without a namespace or a profile.
    pub fn of(cluster: &'a ClusterConfig) -> Self {
        Defaults {
            min_scale: Setting::cluster(cluster.min_scale),
            max_scale: Setting::cluster(cluster.max_scale),
            initial_scale: Setting::cluster(cluster.initial_scale),
            limit: Setting::cluster(cluster.max_scale_limit),
            cluster,
        }
    }

    /// True when every default is the cluster's.
    pub fn are_the_clusters(&self) -> bool {
        [
            self.min_scale,
            self.max_scale,
            self.initial_scale,
            self.limit,
        ]
        .iter()
        .all(|setting| setting.owner == Owner::Cluster)
    }

    /// The cap as refusals name it: the cluster's, or the namespace's.
    pub fn cap_phrase(&self) -> String {
        cap_phrase(self.limit.value, self.limit.owner.namespace())
    }
}

/// A cap as refusals name it: the cluster's, or the namespace's.
pub fn cap_phrase(limit: i32, namespace: Option<&str>) -> String {
    match namespace {
        None => format!("the cluster's max-scale-limit {limit}"),
        Some(namespace) => format!("the max-scale-limit {limit} of namespace {namespace}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_name_their_settings() {
        assert_eq!(Owner::Cluster.setting("min-scale"), "the cluster min-scale");
        assert_eq!(
            Owner::Namespace("a").valued("max-scale-limit", 4),
            "the max-scale-limit 4 of namespace a"
        );
        assert_eq!(
            Owner::Profile("gpu").valued("max-scale", 4),
            "the max-scale 4 of profile gpu"
        );
        assert_eq!(Owner::Profile("gpu").namespace(), None);
    }

    #[test]
    fn a_setting_of_its_own_lies_over_the_clusters() {
        let cluster = Setting::cluster(3);
        assert_eq!(cluster.over(None, Owner::Namespace("a")), cluster);
        assert_eq!(
            cluster.over(Some(1), Owner::Profile("p")),
            Setting {
                value: 1,
                owner: Owner::Profile("p")
            }
        );
        let config = ClusterConfig::default();
        assert!(Defaults::of(&config).are_the_clusters());
    }
}
