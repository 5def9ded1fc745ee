//! Section 11 of resolution-rules.md: named autoscaling profiles. A profile is a set of
//! per-revision autoscaling annotations; its bounds are defaults (they stand where a namespace's
//! entry does), its other keys are filled where the user wrote neither the key nor its alias and
//! Knative would admit the result.

use super::annotations::Annotations;
use super::cluster::{ClusterConfig, ConfigError};
use super::keys::{Bound, PROFILE_KEY, parse_go_int32};
use super::message::{cut, quote};
use super::validation::{KnativeError, has_key_or_alias, validate};

macro_rules! profile_keys {
    ($($key:literal),* $(,)?) => {
        /// The keys a profile may set, as Knative's annotations without
        /// `autoscaling.knative.dev/`.
        pub const KEYS: [&str; 14] = [$($key),*];
        /// The same keys as annotations.
        pub const ANNOTATION_KEYS: [&str; 14] = [$(concat!("autoscaling.knative.dev/", $key)),*];
    };
}

profile_keys!(
    "class",
    "metric",
    "target",
    "target-utilization-percentage",
    "target-burst-capacity",
    "window",
    "panic-window-percentage",
    "panic-threshold-percentage",
    "scale-down-delay",
    "scale-to-zero-pod-retention-period",
    "activation-scale",
    "min-scale",
    "max-scale",
    "initial-scale",
);

const PREFIX: &str = "autoscaling.knative.dev/";

/// A profile: its name and the values it sets, in `KEYS` order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub values: Vec<(&'static str, String)>,
}

impl Profile {
    /// From `(key, value)` pairs, in `KEYS` order. Only `KEYS` are a profile's: the settings
    /// refuse any other key, naming it (`config::profiles`).
    pub fn new(name: &str, pairs: &[(&str, String)]) -> Profile {
        let values = KEYS
            .into_iter()
            .filter_map(|key| {
                let (_, value) = pairs.iter().find(|(k, _)| *k == key)?;
                Some((key, value.clone()))
            })
            .collect();
        Profile {
            name: name.to_string(),
            values,
        }
    }

    /// The profile's value for a bound (validated at settings time: a non-negative int32).
    pub fn bound(&self, bound: Bound) -> Option<i32> {
        let value = self.values.iter().find(|(k, _)| *k == bound.name())?;
        parse_go_int32(&value.1).ok()
    }

    /// The keys that are not bounds, with their annotation keys.
    pub fn others(&self) -> impl Iterator<Item = (&'static str, &'static str, &str)> {
        self.values
            .iter()
            .filter(|(key, _)| Bound::from_name(key).is_none())
            .map(|(key, value)| (*key, annotation_key(key), value.as_str()))
    }

    /// Section 11: taken as a template's annotations, the profile passes Knative's validation
    /// with the cluster's config (its max-scale within the limit included). The error names the
    /// profile's key and gives Knative's reason.
    pub fn validate(&self, cluster: &ClusterConfig) -> Result<(), ConfigError> {
        let annotations: Annotations = self
            .values
            .iter()
            .map(|(key, value)| (format!("{PREFIX}{key}"), value.clone()))
            .collect();
        if let Some(error) = validate(&annotations, cluster).into_iter().next() {
            let key = error.key().trim_start_matches(PREFIX).to_string();
            // The longest of the keys the path starts with (`target-burst-capacity`, not `target`).
            let key = KEYS
                .into_iter()
                .filter(|k| key.starts_with(k))
                .max_by_key(|k| k.len())
                .unwrap_or("");
            return Err(ConfigError::new(key, knatives_reason(&error)));
        }
        for bound in Bound::ALL {
            let text = self.values.iter().find(|(k, _)| *k == bound.name());
            if let Some((key, text)) = text
                && parse_go_int32(text).is_err()
            {
                let rule = format!("invalid value {}: expected an integer", quote(text));
                return Err(ConfigError::new(key, rule));
            }
        }
        Ok(())
    }
}

/// The annotation of a profile's key (`window` -> `autoscaling.knative.dev/window`).
pub fn annotation_key(key: &str) -> &'static str {
    KEYS.iter()
        .position(|k| *k == key)
        .map_or("", |index| ANNOTATION_KEYS[index])
}

fn knatives_reason(error: &KnativeError) -> String {
    format!("Knative would reject it: {}", error.message)
}

/// A profile chosen by name, or why the name is refused.
/// The reason names the profile and lists the cluster's, cut so that the rejection under the
/// key (`knative-scale-policy.github.io/profile: <reason>`) stays within 256 characters.
pub fn chosen<'a>(profiles: &'a [Profile], name: &str) -> Result<&'a Profile, String> {
    profiles.iter().find(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
        let names = if names.is_empty() {
            "it has none".to_string()
        } else {
            names.join(", ")
        };
        let reason = format!("{} is not a profile of this cluster ({names})", quote(name));
        cut(&reason, 256 - PROFILE_KEY.len() - ": ".len())
    })
}

/// What a profile adds to a template: the keys filled (as `KEYS` name them), and those left out
/// because Knative would then reject the template, with its reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fill {
    pub profile: String,
    pub written: Vec<(&'static str, String)>,
    pub refused: Vec<(&'static str, String)>,
}

impl Fill {
    /// Section 11's warnings: one line for the keys filled, one for each key left out.
    pub fn messages(&self) -> Vec<String> {
        let mut messages = Vec::new();
        if !self.written.is_empty() {
            let keys: Vec<String> = self
                .written
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect();
            messages.push(format!("profile {}: {}", self.profile, keys.join(", ")));
        }
        for (key, why) in &self.refused {
            messages.push(format!(
                "profile {}: {} not written: {why}",
                self.profile,
                annotation_key(key)
            ));
        }
        messages
    }
}

/// Section 11: the profile's keys that are not bounds, over the template as the user wrote it
/// (`users`: the user's own annotations). A key the user wrote, or its alias, stays the user's;
/// a key that would make Knative reject the template is not written. `users` gains what is filled.
pub fn fill(profile: &Profile, users: &mut Annotations, cluster: &ClusterConfig) -> Fill {
    let mut fill = Fill {
        profile: profile.name.clone(),
        ..Fill::default()
    };
    let mut errors = validate(users, cluster);
    for (key, annotation, value) in profile.others() {
        if has_key_or_alias(users, annotation) {
            continue;
        }
        users.insert(annotation.to_string(), value.to_string());
        let after = validate(users, cluster);
        match after.iter().find(|error| !errors.contains(error)) {
            Some(new) => {
                fill.refused.push((key, knatives_reason(new)));
                users.remove(annotation);
            }
            None => {
                errors = after;
                fill.written.push((key, value.to_string()));
            }
        }
    }
    fill
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::keys::AutoscalerClass;

    fn profile(pairs: &[(&str, &str)]) -> Profile {
        let pairs: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        Profile::new("gpu-llm", &pairs)
    }

    fn annotations(pairs: &[(&str, &str)]) -> Annotations {
        pairs
            .iter()
            .map(|(k, v)| (format!("{PREFIX}{k}"), v.to_string()))
            .collect()
    }

    // 11
    #[test]
    fn a_profile_holds_only_per_revision_keys() {
        let cluster_only = Profile::new("p", &[("stable-window", "60s".into())]);
        assert!(cluster_only.values.is_empty());
        let p = profile(&[
            ("window", "120s"),
            ("min-scale", "1"),
            ("class", "kpa.autoscaling.knative.dev"),
        ]);
        // Kept in KEYS order.
        assert_eq!(p.values[0].0, "class");
        assert_eq!(p.bound(Bound::Min), Some(1));
        assert_eq!(p.bound(Bound::Max), None);
        assert_eq!(
            p.others().map(|(_, k, _)| k).collect::<Vec<_>>(),
            [
                "autoscaling.knative.dev/class",
                "autoscaling.knative.dev/window"
            ]
        );
    }

    // 11
    #[test]
    fn each_profile_is_validated_by_knatives_rules_with_the_clusters_config() {
        let cluster = ClusterConfig {
            max_scale_limit: 20,
            ..ClusterConfig::default()
        };
        assert!(
            profile(&[("target", "1"), ("max-scale", "4")])
                .validate(&cluster)
                .is_ok()
        );
        let error = profile(&[("max-scale", "30")])
            .validate(&cluster)
            .unwrap_err();
        assert_eq!(error.key, "max-scale");
        assert!(
            error
                .message
                .starts_with("Knative would reject it: expected 1 <= 30 <= 20"),
            "{error}"
        );
        let error = profile(&[("window", "2s")]).validate(&cluster).unwrap_err();
        assert_eq!(error.key, "window");
        let error = profile(&[("target-burst-capacity", "x")])
            .validate(&cluster)
            .unwrap_err();
        assert_eq!(error.key, "target-burst-capacity");
        let error = profile(&[("min-scale", "abc")])
            .validate(&cluster)
            .unwrap_err();
        assert_eq!(error.key, "min-scale");
    }

    // 11
    #[test]
    fn an_unknown_profile_is_rejected_with_the_list_of_names() {
        let profiles = [
            profile(&[]),
            Profile {
                name: "web".into(),
                values: Vec::new(),
            },
        ];
        assert_eq!(chosen(&profiles, "web").unwrap().name, "web");
        assert_eq!(
            chosen(&profiles, "gpu-xl").unwrap_err(),
            "\"gpu-xl\" is not a profile of this cluster (gpu-llm, web)"
        );
        assert!(chosen(&[], "web").unwrap_err().ends_with("(it has none)"));
    }

    // 11
    #[test]
    fn other_keys_are_filled_where_the_user_wrote_neither_the_key_nor_an_alias() {
        let cluster = ClusterConfig::default();
        let p = profile(&[
            ("target", "1"),
            ("scale-down-delay", "15m"),
            ("window", "120s"),
        ]);
        let mut users = annotations(&[("target", "5"), ("scaleDownDelay", "1m")]);
        let filled = fill(&p, &mut users, &cluster);
        assert_eq!(filled.written, [("window", "120s".to_string())]);
        assert_eq!(filled.messages(), ["profile gpu-llm: window=120s"]);
        assert!(filled.refused.is_empty());
        assert_eq!(users.get(&format!("{PREFIX}target")), Some("5"));
    }

    // 11
    #[test]
    fn a_profile_key_knative_would_reject_with_the_users_is_not_written() {
        let cluster = ClusterConfig::default();
        // Knative's KPA scales on concurrency or rps only; the user chose cpu, for the
        // cluster's HPA.
        let hpa_cluster = ClusterConfig {
            pod_autoscaler_class: AutoscalerClass::Hpa,
            ..ClusterConfig::default()
        };
        let kpa = profile(&[("class", "kpa.autoscaling.knative.dev")]);
        let mut users = annotations(&[("metric", "cpu")]);
        let filled = fill(&kpa, &mut users, &hpa_cluster);
        assert!(filled.written.is_empty());
        assert_eq!(filled.refused[0].0, "class");
        assert!(
            filled.refused[0].1.starts_with("Knative would reject it:"),
            "{:?}",
            filled.refused
        );
        let activation = profile(&[("activation-scale", "3")]);
        let mut users = annotations(&[("min-scale", "5")]);
        let filled = fill(&activation, &mut users, &cluster);
        assert_eq!(
            filled.refused,
            [(
                "activation-scale",
                "Knative would reject it: min-scale=5 is greater than activation-scale=3"
                    .to_string()
            )]
        );
        assert_eq!(
            filled.messages(),
            [
                "profile gpu-llm: autoscaling.knative.dev/activation-scale not written: Knative would reject it: min-scale=5 is greater than activation-scale=3"
            ]
        );
        // What the user wrote that Knative refuses already is not the profile's doing.
        let mut users = annotations(&[("window", "1s")]);
        let filled = fill(&profile(&[("target", "1")]), &mut users, &cluster);
        assert_eq!(filled.written.len(), 1);
    }
}
