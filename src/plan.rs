//! From a template's annotations to what the policy writes there: restore what it resolved before
//! (section 5), read the user's values (section 2), resolve (section 3), and record (section 5).

use crate::cluster::ClusterConfig;
use crate::keys::{Annotations, Bound, CLASS_KEY, HPA_CLASS, RECORD_KEY, Written, lookup};
use crate::record::{Entry, Record};
use crate::resolve::{InitialStrategy, Resolution, Template, UserBounds, resolve};

/// The template annotations the policy owns after resolution. The aliases of the three keys are
/// always removed; every other annotation is left as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Canonical text for `min-scale`, `max-scale`, `initial-scale`, in that order.
    pub values: [(Bound, String); 3],
    /// The stability record, `None` when nothing was resolved.
    pub record: Option<String>,
    pub notes: Vec<Note>,
}

/// A key the policy filled or corrected, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub bound: Bound,
    pub value: i32,
    pub reason: String,
    /// Worth an admission warning (section 4); otherwise only logged.
    pub warn: bool,
}

impl Note {
    pub fn message(&self) -> String {
        format!(
            "{} set to {}: {}",
            self.bound.key(),
            self.value,
            self.reason
        )
    }
}

pub fn plan(
    annotations: &impl Annotations,
    kserve_managed: bool,
    cluster: &ClusterConfig,
    strategy: InitialStrategy,
) -> Result<Plan, String> {
    let record = annotations.get(RECORD_KEY).and_then(Record::parse);
    let written = Bound::ALL.map(|bound| users_value(annotations, record.as_ref(), bound));
    let [min, max, initial] = written
        .clone()
        .map(|value| value.map(|w| crate::keys::parse_scale(&w)).transpose());
    let user = UserBounds {
        min: min?,
        max: max?,
        initial: initial?,
    };
    let template = Template {
        kserve_managed,
        hpa_class: annotations.get(CLASS_KEY) == Some(HPA_CLASS),
    };
    let resolution = resolve(user, template, cluster, strategy)?;
    Ok(Plan {
        values: Bound::ALL.map(|bound| (bound, resolution.get(bound).value.to_string())),
        record: record_of(&resolution, &written),
        notes: notes_of(&resolution),
    })
}

/// The user's value for `bound`: Knative's alias priority, except that a key the policy resolved
/// before, and that still holds what the policy wrote, goes back to what the user had.
fn users_value<'a>(
    annotations: &'a impl Annotations,
    record: Option<&'a Record>,
    bound: Bound,
) -> Option<Written<'a>> {
    let current = lookup(annotations, bound);
    let entry = record.and_then(|record| record.entry(bound));
    match (entry, &current) {
        (Some(entry), Some(now)) if now.key == bound.key() && now.text == entry.written => {
            entry.original.as_deref().map(|text| Written {
                key: bound.key(),
                text,
            })
        }
        _ => current,
    }
}

fn record_of(resolution: &Resolution, written: &[Option<Written<'_>>; 3]) -> Option<String> {
    let entries = Bound::ALL
        .into_iter()
        .zip(written)
        .filter(|(bound, _)| resolution.get(*bound).reason.is_some())
        .map(|(bound, original)| Entry {
            bound,
            original: original.as_ref().map(|w| w.text.to_string()),
            written: resolution.get(bound).value.to_string(),
        })
        .collect();
    let record = Record::new(entries);
    (!record.is_empty()).then(|| record.render())
}

fn notes_of(resolution: &Resolution) -> Vec<Note> {
    Bound::ALL
        .into_iter()
        .filter_map(|bound| {
            let resolved = resolution.get(bound);
            resolved.reason.as_ref().map(|reason| Note {
                bound,
                value: resolved.value,
                reason: reason.text.clone(),
                warn: reason.warn,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    type Map = BTreeMap<String, String>;

    fn map(pairs: &[(&str, &str)]) -> Map {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// Applies a plan the way the admission edge does.
    fn apply(annotations: &Map, plan: &Plan) -> Map {
        let mut out = annotations.clone();
        for bound in Bound::ALL {
            out.remove(bound.alias());
        }
        for (bound, value) in &plan.values {
            out.insert(bound.key().to_string(), value.clone());
        }
        match &plan.record {
            Some(record) => out.insert(RECORD_KEY.to_string(), record.clone()),
            None => out.remove(RECORD_KEY),
        };
        out
    }

    fn admit(annotations: &Map, cluster: &ClusterConfig) -> Map {
        let plan = plan(annotations, false, cluster, InitialStrategy::Min).unwrap();
        apply(annotations, &plan)
    }

    fn scale(map: &Map) -> [Option<&str>; 3] {
        Bound::ALL.map(|b| map.get(b.key()).map(String::as_str))
    }

    // 2
    #[test]
    fn a_value_that_does_not_parse_is_rejected_naming_the_key_as_written() {
        let error = plan(
            &map(&[("autoscaling.knative.dev/maxScale", "1.5")]),
            false,
            &ClusterConfig::default(),
            InitialStrategy::Min,
        )
        .unwrap_err();
        assert_eq!(
            error,
            "autoscaling.knative.dev/maxScale: invalid value \"1.5\": expected an integer 0 <= n <= 2147483647"
        );
    }

    // 2
    #[test]
    fn an_ignored_alias_is_dropped_not_validated() {
        let input = map(&[
            ("autoscaling.knative.dev/min-scale", "1"),
            ("autoscaling.knative.dev/minScale", "abc"),
        ]);
        let out = admit(&input, &ClusterConfig::default());
        assert_eq!(scale(&out), [Some("1"), Some("0"), Some("1")]);
        assert!(!out.contains_key("autoscaling.knative.dev/minScale"));
    }

    // 3.4
    #[test]
    fn canonical_text_is_written_and_aliases_removed_without_a_record() {
        let input = map(&[
            ("autoscaling.knative.dev/minScale", "+3"),
            ("autoscaling.knative.dev/max-scale", "007"),
            ("autoscaling.knative.dev/initial-scale", "-0"),
        ]);
        let cluster = ClusterConfig {
            allow_zero_initial_scale: true,
            ..ClusterConfig::default()
        };
        let plan = plan(&input, false, &cluster, InitialStrategy::Min).unwrap();
        assert_eq!(plan.record, None);
        assert!(plan.notes.is_empty());
        let out = apply(&input, &plan);
        assert_eq!(scale(&out), [Some("3"), Some("7"), Some("0")]);
        assert!(!out.contains_key("autoscaling.knative.dev/minScale"));
    }

    // 5
    #[test]
    fn resolved_keys_are_recorded_with_the_users_original() {
        let input = map(&[
            ("autoscaling.knative.dev/min-scale", "1"),
            ("autoscaling.knative.dev/max-scale", "3"),
            ("autoscaling.knative.dev/initialScale", "05"),
        ]);
        let out = admit(&input, &ClusterConfig::default());
        assert_eq!(
            out.get(RECORD_KEY).map(String::as_str),
            Some("initial-scale: 05 -> 3")
        );
    }

    // 5
    #[test]
    fn fixed_point_on_its_own_output() {
        let cluster = ClusterConfig {
            initial_scale: 5,
            max_scale: 4,
            ..ClusterConfig::default()
        };
        for input in [
            map(&[]),
            map(&[("autoscaling.knative.dev/min-scale", "6")]),
            map(&[
                ("autoscaling.knative.dev/maxScale", "3"),
                ("autoscaling.knative.dev/initial-scale", "9"),
            ]),
        ] {
            let once = admit(&input, &cluster);
            assert_eq!(admit(&once, &cluster), once, "input {input:?}");
        }
    }

    // 5
    #[test]
    fn resolved_keys_are_recomputed_on_update() {
        let cluster = ClusterConfig {
            allow_zero_initial_scale: true,
            ..ClusterConfig::default()
        };
        let created = admit(
            &map(&[("autoscaling.knative.dev/min-scale", "0")]),
            &cluster,
        );
        assert_eq!(scale(&created)[2], Some("0"));
        let mut edited = created.clone();
        edited.insert("autoscaling.knative.dev/min-scale".into(), "3".into());
        let updated = admit(&edited, &cluster);
        assert_eq!(scale(&updated), [Some("3"), Some("0"), Some("3")]);
    }

    // 5
    #[test]
    fn a_key_edited_since_is_explicit_from_then_on() {
        let cluster = ClusterConfig::default();
        let created = admit(
            &map(&[("autoscaling.knative.dev/min-scale", "2")]),
            &cluster,
        );
        assert_eq!(scale(&created)[2], Some("2"));
        let mut edited = created.clone();
        edited.insert("autoscaling.knative.dev/initial-scale".into(), "4".into());
        edited.insert("autoscaling.knative.dev/min-scale".into(), "1".into());
        let updated = admit(&edited, &cluster);
        assert_eq!(scale(&updated), [Some("1"), Some("0"), Some("4")]);
        assert_eq!(
            updated.get(RECORD_KEY).map(String::as_str),
            Some("max-scale: absent -> 0")
        );
    }

    // 5
    #[test]
    fn a_corrected_explicit_value_follows_its_inputs() {
        let cluster = ClusterConfig::default();
        let created = admit(
            &map(&[
                ("autoscaling.knative.dev/max-scale", "3"),
                ("autoscaling.knative.dev/initial-scale", "5"),
            ]),
            &cluster,
        );
        assert_eq!(scale(&created)[2], Some("3"));
        let mut raised = created.clone();
        raised.insert("autoscaling.knative.dev/max-scale".into(), "10".into());
        assert_eq!(scale(&admit(&raised, &cluster))[2], Some("5"));
    }

    // 5
    #[test]
    fn the_record_is_removed_when_nothing_is_resolved() {
        let cluster = ClusterConfig::default();
        let created = admit(&map(&[]), &cluster);
        assert!(created.contains_key(RECORD_KEY));
        let mut all_set = created.clone();
        for (key, value) in [
            ("autoscaling.knative.dev/min-scale", "1"),
            ("autoscaling.knative.dev/max-scale", "5"),
            ("autoscaling.knative.dev/initial-scale", "2"),
        ] {
            all_set.insert(key.into(), value.into());
        }
        assert!(!admit(&all_set, &cluster).contains_key(RECORD_KEY));
    }

    // 5
    #[test]
    fn changed_settings_apply_at_the_next_update() {
        let created = admit(&map(&[]), &ClusterConfig::default());
        let stricter = ClusterConfig {
            min_scale: 2,
            max_scale: 6,
            ..ClusterConfig::default()
        };
        assert_eq!(
            scale(&admit(&created, &stricter)),
            [Some("2"), Some("6"), Some("2")]
        );
    }

    #[test]
    fn notes_name_the_key_the_value_and_the_reason() {
        let cluster = ClusterConfig {
            initial_scale: 5,
            ..ClusterConfig::default()
        };
        let input = map(&[
            ("autoscaling.knative.dev/min-scale", "1"),
            ("autoscaling.knative.dev/max-scale", "3"),
        ]);
        let plan = plan(&input, true, &cluster, InitialStrategy::Min).unwrap();
        let warnings: Vec<String> = plan
            .notes
            .iter()
            .filter(|n| n.warn)
            .map(Note::message)
            .collect();
        assert_eq!(
            warnings,
            vec![
                "autoscaling.knative.dev/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
            ]
        );
    }
}
