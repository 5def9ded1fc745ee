//! From a template's annotations to what the policy writes there: restore what it resolved before
//! (section 5), read the user's values (section 2), resolve (section 3), and record (section 5).

use std::borrow::Cow;

use super::annotations::Annotations;
use super::defaults::{Defaults, Owner};
use super::keys::{
    ACTIVATION_SCALE_KEY, AutoscalerClass, Bound, InvalidValue, PROFILE_KEY, RECORD_KEY, Written,
    lookup, parse_go_int32, parse_scale,
};
use super::profile::{ANNOTATION_KEYS, Fill, Profile, annotation_key, chosen, fill};
use super::record::{Entry, Record};
use super::refusal::Refusal;
use super::resolve::{InitialStrategy, Reason, Resolution, Traits, UserBounds, resolve};
use super::tenant::Scope;

/// The template annotations the policy owns after resolution. The aliases of the three keys are
/// always removed; every other annotation is left as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Canonical text for `min-scale`, `max-scale`, `initial-scale`, in that order; `None` for a
    /// bound left to the cluster (rule 3.2.4), whose key is left absent.
    pub values: [(Bound, Option<String>); 3],
    /// The keys a profile filled before (section 11) that it fills no more.
    pub cleared: Vec<&'static str>,
    /// The stability record, `None` when nothing was resolved.
    pub record: Option<String>,
    pub notes: Vec<Note>,
    /// What the profile in force filled and left out, with the profile's name.
    pub profile: Option<Fill>,
}

impl Plan {
    /// Every key a plan writes or removes: the three kebab keys, their aliases, the record, and
    /// the keys a profile may fill.
    pub fn keys() -> impl Iterator<Item = &'static str> {
        Self::bound_keys().chain(ANNOTATION_KEYS)
    }

    /// The keys this plan writes or removes: the three kebab keys, their aliases, the record,
    /// and the keys a profile fills or filled before.
    pub fn touched(&self) -> impl Iterator<Item = &'static str> + '_ {
        let profile = self.fills().iter().map(|(key, _)| *key);
        let profile = profile.chain(self.cleared.iter().copied());
        Self::bound_keys().chain(profile.map(annotation_key))
    }

    /// The three kebab keys, their aliases and the record.
    fn bound_keys() -> impl Iterator<Item = &'static str> {
        Bound::ALL
            .into_iter()
            .flat_map(|bound| [bound.key(), bound.alias()])
            .chain([RECORD_KEY])
    }

    /// The keys the profile fills, as `profile::KEYS` names them, with their values.
    pub fn fills(&self) -> &[(&'static str, String)] {
        self.profile.as_ref().map_or(&[], |fill| &fill.written)
    }

    /// Writes the plan into `annotations`: the three kebab keys, no aliases, the record (or
    /// none); every other annotation stays. True when anything changed.
    pub fn apply(&self, annotations: &mut Annotations) -> bool {
        let mut changed = false;
        for bound in Bound::ALL {
            changed |= annotations.remove(bound.alias()).is_some();
        }
        for (bound, value) in &self.values {
            match value {
                Some(value) if annotations.get(bound.key()) != Some(value.as_str()) => {
                    annotations.insert(bound.key().to_string(), value.clone());
                    changed = true;
                }
                None => changed |= annotations.remove(bound.key()).is_some(),
                Some(_) => {}
            }
        }
        for key in &self.cleared {
            changed |= annotations.remove(annotation_key(key)).is_some();
        }
        for (key, value) in self.fills() {
            let key = annotation_key(key);
            if annotations.get(key) != Some(value.as_str()) {
                annotations.insert(key.to_string(), value.clone());
                changed = true;
            }
        }
        if annotations.get(RECORD_KEY) != self.record.as_deref() {
            match &self.record {
                Some(record) => annotations.insert(RECORD_KEY.to_string(), record.clone()),
                None => annotations.remove(RECORD_KEY),
            };
            changed = true;
        }
        changed
    }
}

/// A key the policy filled or corrected: its value and why (the reason says whether it is worth
/// an admission warning, section 4, or only a log line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub bound: Bound,
    pub value: i32,
    pub reason: Reason,
    /// False for a bound left to the cluster's `value` (rule 3.2.4).
    pub written: bool,
}

impl Note {
    pub fn warn(&self) -> bool {
        self.reason.warn
    }

    pub fn message(&self) -> String {
        self.sentence("set to", "left to the cluster's")
    }

    /// The same sentence, for a Service not yet built (an InferenceService's check).
    pub fn future_message(&self) -> String {
        self.sentence("will be set to", "will be left to the cluster's")
    }

    fn sentence(&self, set: &str, left: &str) -> String {
        let verb = if self.written { set } else { left };
        let (key, value, why) = (self.bound.key(), self.value, &self.reason.text);
        format!("{key} {verb} {value}: {why}")
    }
}

/// Why a template's annotations cannot be admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// A value that is not a non-negative int32 (section 2), under the key as written.
    Invalid(InvalidValue),
    /// Values the rules refuse (section 3.2).
    Refused(Refusal),
    /// The template chooses a profile the cluster does not have (section 11), and why.
    UnknownProfile(String),
}

impl std::fmt::Display for PlanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanError::Invalid(invalid) => invalid.fmt(f),
            PlanError::Refused(refusal) => refusal.fmt(f),
            PlanError::UnknownProfile(reason) => write!(f, "{PROFILE_KEY}: {reason}"),
        }
    }
}

impl From<PlanError> for String {
    fn from(error: PlanError) -> String {
        error.to_string()
    }
}

pub fn plan(
    annotations: &Annotations,
    kserve_managed: bool,
    scope: &Scope,
    strategy: InitialStrategy,
) -> Result<Plan, PlanError> {
    let record = annotations.get(RECORD_KEY).and_then(Record::parse);
    let written = Bound::ALL.map(|bound| users_value(annotations, record.as_ref(), bound));
    let [min, max, initial] = written.clone().map(|value| {
        value
            .map(|w| parse_scale(&w).map_err(PlanError::Invalid))
            .transpose()
    });
    let profile = match annotations.get(PROFILE_KEY) {
        Some(name) => Some(chosen(scope.profiles, name).map_err(PlanError::UnknownProfile)?),
        None => scope.profile,
    };
    // The template as the user wrote it: what a profile fills is checked against it (section 11).
    let (mut users, restored) = users_template(annotations, record.as_ref(), &written, profile);
    let filled = profile.map(|profile| fill(profile, users.to_mut(), scope.cluster));
    let activation = users
        .get(ACTIVATION_SCALE_KEY)
        .map(|text| {
            parse_go_int32(text).map_err(|_| {
                PlanError::Invalid(InvalidValue {
                    key: ACTIVATION_SCALE_KEY,
                    text: text.to_string(),
                })
            })
        })
        .transpose()?;
    let user = UserBounds {
        min: min?,
        max: max?,
        initial: initial?,
        activation,
    };
    let traits = Traits {
        kserve_managed,
        class: AutoscalerClass::of_revision(&users, scope.cluster.pod_autoscaler_class),
    };
    let defaults = with_profile(scope.defaults(), profile);
    let resolution = resolve(user, traits, &defaults, strategy).map_err(PlanError::Refused)?;
    let fills = filled.as_ref().map_or(&[][..], |fill| &fill.written);
    Ok(Plan {
        values: Bound::ALL.map(|bound| {
            let resolved = resolution.get(bound);
            (bound, resolved.written.then(|| resolved.value.to_string()))
        }),
        cleared: restored
            .into_iter()
            .filter(|key| !fills.iter().any(|(filled, _)| filled == key))
            .collect(),
        record: record_of(&resolution, &written, fills),
        notes: notes_of(&resolution),
        profile: filled,
    })
}

/// A profile's bounds are defaults, over the namespace's and the cluster's (section 11).
fn with_profile<'a>(mut defaults: Defaults<'a>, profile: Option<&'a Profile>) -> Defaults<'a> {
    if let Some(profile) = profile {
        let owner = Owner::Profile(&profile.name);
        defaults.min_scale = defaults.min_scale.over(profile.bound(Bound::Min), owner);
        defaults.max_scale = defaults.max_scale.over(profile.bound(Bound::Max), owner);
        defaults.initial_scale = defaults
            .initial_scale
            .over(profile.bound(Bound::Initial), owner);
    }
    defaults
}

/// The template's annotations as the user wrote them: the bounds' values as the user had them
/// (section 5), and without the keys a profile filled that still hold what it wrote. Those keys
/// are returned too. Built only where a profile is or was at work; else the annotations as they
/// are, whose bounds the rules read through `written` alone.
fn users_template<'a>(
    annotations: &'a Annotations,
    record: Option<&Record>,
    written: &[Option<Written<'_>>; 3],
    profile: Option<&Profile>,
) -> (Cow<'a, Annotations>, Vec<&'static str>) {
    let filled_before: Vec<&'static str> = record
        .map(|record| {
            record
                .entries()
                .iter()
                .filter(|entry| Bound::from_name(entry.key).is_none())
                .filter(|entry| annotations.get(annotation_key(entry.key)) == Some(&entry.written))
                .map(|entry| entry.key)
                .collect()
        })
        .unwrap_or_default();
    if profile.is_none() && filled_before.is_empty() {
        return (Cow::Borrowed(annotations), filled_before);
    }
    let mut users = annotations.clone();
    for bound in Bound::ALL {
        users.remove(bound.key());
        users.remove(bound.alias());
    }
    for value in written.iter().flatten() {
        users.insert(value.key.to_string(), value.text.to_string());
    }
    for key in &filled_before {
        users.remove(annotation_key(key));
    }
    (Cow::Owned(users), filled_before)
}

/// The user's value for `bound`: Knative's alias priority, except that a key the policy resolved
/// before, and that still holds what the policy wrote, goes back to what the user had. A key that
/// goes back to absent leaves the alias as the user's value (an alias added since the fill).
fn users_value<'a>(
    annotations: &'a Annotations,
    record: Option<&'a Record>,
    bound: Bound,
) -> Option<Written<'a>> {
    let current = lookup(annotations, bound);
    let entry = record.and_then(|record| record.entry(bound));
    match (entry, &current) {
        (Some(entry), Some(now)) if now.key == bound.key() && now.text == entry.written => {
            match entry.original.as_deref() {
                Some(text) => Some(Written {
                    key: bound.key(),
                    text,
                }),
                None => annotations.get(bound.alias()).map(|text| Written {
                    key: bound.alias(),
                    text,
                }),
            }
        }
        _ => current,
    }
}

fn record_of(
    resolution: &Resolution,
    written: &[Option<Written<'_>>; 3],
    fills: &[(&'static str, String)],
) -> Option<String> {
    let filled = fills.iter().map(|(key, value)| Entry {
        key,
        original: None,
        written: value.clone(),
    });
    let entries = Bound::ALL
        .into_iter()
        .zip(written)
        .filter(|(bound, _)| {
            let resolved = resolution.get(*bound);
            resolved.reason.is_some() && resolved.written
        })
        .map(|(bound, original)| Entry {
            key: bound.name(),
            original: original.as_ref().map(|w| w.text.to_string()),
            written: resolution.get(bound).value.to_string(),
        })
        .chain(filled)
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
                reason: reason.clone(),
                written: resolved.written,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::cluster::ClusterConfig;

    type Map = Annotations;

    /// An annotation key: a bare name is one of Knative's autoscaling keys.
    fn key(name: &str) -> String {
        if name.contains('/') {
            name.to_string()
        } else {
            format!("autoscaling.knative.dev/{name}")
        }
    }

    /// Annotations written `key=value key=value`, keys as [`key`] reads them.
    fn map(pairs: &str) -> Map {
        pairs
            .split_whitespace()
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("key=value");
                (key(k), v.to_string())
            })
            .collect()
    }

    fn plan_of(annotations: &Map, kserve: bool, cluster: &ClusterConfig) -> Plan {
        plan(
            annotations,
            kserve,
            &Scope::of(cluster),
            InitialStrategy::Min,
        )
        .unwrap()
    }

    /// Applies a plan with the shipped `Plan::apply`, as the admission edge does.
    fn apply(annotations: &Map, plan: &Plan) -> Map {
        let mut out = annotations.clone();
        let changed = plan.apply(&mut out);
        assert_eq!(
            changed,
            out != *annotations,
            "apply says whether anything changed"
        );
        out
    }

    fn admit(annotations: &Map, cluster: &ClusterConfig) -> Map {
        apply(annotations, &plan_of(annotations, false, cluster))
    }

    /// The annotations admitted on a cluster with Knative's defaults.
    fn admitted(annotations: &Map) -> Map {
        admit(annotations, &ClusterConfig::default())
    }

    /// min-scale, max-scale and initial-scale, in that order, "-" where absent.
    fn scale(map: &Map) -> String {
        Bound::ALL
            .map(|b| map.get(b.key()).unwrap_or("-"))
            .join(" ")
    }

    /// `map` with the annotations `pairs` set, as a user's edit.
    fn edited(map: &Map, pairs: &str) -> Map {
        let mut out = map.clone();
        out.extend(self::map(pairs));
        out
    }

    fn record(map: &Map) -> Option<&str> {
        map.get(RECORD_KEY)
    }

    fn initial(map: &Map) -> Option<&str> {
        map.get(Bound::Initial.key())
    }

    // 2
    #[test]
    fn a_value_that_does_not_parse_is_rejected_naming_the_key_as_written() {
        let error = plan(
            &map("maxScale=1.5"),
            false,
            &Scope::of(&ClusterConfig::default()),
            InitialStrategy::Min,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "autoscaling.knative.dev/maxScale: invalid value \"1.5\": expected an integer 0 <= n <= 2147483647"
        );
    }

    // 2
    #[test]
    fn an_ignored_alias_is_dropped_not_validated() {
        let out = admitted(&map("min-scale=1 minScale=abc"));
        assert_eq!(scale(&out), "1 0 1");
        assert!(!out.contains_key(&key("minScale")));
    }

    // 3.4
    #[test]
    fn canonical_text_is_written_and_aliases_removed_without_a_record() {
        let input = map("minScale=+3 max-scale=007 initial-scale=-0");
        let cluster = ClusterConfig {
            allow_zero_initial_scale: true,
            ..ClusterConfig::default()
        };
        let plan = plan_of(&input, false, &cluster);
        assert_eq!(plan.record, None);
        assert!(plan.notes.is_empty());
        let out = apply(&input, &plan);
        assert_eq!(scale(&out), "3 7 0");
        assert!(!out.contains_key(&key("minScale")));
    }

    // 5
    #[test]
    fn resolved_keys_are_recorded_with_the_users_original() {
        let out = admitted(&map("min-scale=1 max-scale=3 initialScale=05"));
        assert_eq!(record(&out), Some("initial-scale: 05 -> 3"));
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
            map(""),
            map("min-scale=6"),
            map("maxScale=3 initial-scale=9"),
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
        let created = admit(&map("min-scale=0"), &cluster);
        assert_eq!(initial(&created), Some("0"));
        let updated = admit(&edited(&created, "min-scale=3"), &cluster);
        assert_eq!(scale(&updated), "3 0 3");
    }

    // 5
    #[test]
    fn a_key_edited_since_is_explicit_from_then_on() {
        let created = admitted(&map("min-scale=2"));
        assert_eq!(initial(&created), Some("2"));
        let updated = admitted(&edited(&created, "initial-scale=4 min-scale=1"));
        assert_eq!(scale(&updated), "1 0 4");
        assert_eq!(record(&updated), Some("max-scale: absent -> 0"));
    }

    // 5
    #[test]
    fn a_corrected_explicit_value_follows_its_inputs() {
        let created = admitted(&map("max-scale=3 initial-scale=5"));
        assert_eq!(initial(&created), Some("3"));
        let raised = edited(&created, "max-scale=10");
        assert_eq!(initial(&admitted(&raised)), Some("5"));
    }

    // 5, and the section 7 row "alias added to the policy's output"
    #[test]
    fn an_alias_added_after_a_fill_is_the_users_value() {
        let created = admitted(&map(""));
        assert_eq!(
            record(&created),
            Some("min-scale: absent -> 0, max-scale: absent -> 0, initial-scale: absent -> 1")
        );
        for (alias, kebab) in [
            ("minScale", "min-scale"),
            ("maxScale", "max-scale"),
            ("initialScale", "initial-scale"),
        ] {
            let updated = admitted(&edited(&created, &format!("{alias}=3")));
            assert_eq!(updated.get(&key(kebab)), Some("3"));
            assert!(!updated.contains_key(&key(alias)));
            assert_eq!(admitted(&updated), updated, "fixed point");
        }
        let min_alias = edited(&created, "minScale=3");
        let plan = plan_of(&min_alias, false, &ClusterConfig::default());
        assert!(
            plan.notes.iter().all(|note| !note.warn()),
            "{:?}",
            plan.notes
        );
        assert_eq!(scale(&apply(&min_alias, &plan)), "3 0 3");
    }

    // 3.3: the revision's class is the annotation, else the cluster's pod-autoscaler-class
    #[test]
    fn a_cluster_whose_default_class_is_hpa_never_starts_at_zero() {
        let hpa_cluster = ClusterConfig {
            allow_zero_initial_scale: true,
            pod_autoscaler_class: AutoscalerClass::Hpa,
            ..ClusterConfig::default()
        };
        let min_zero = map("min-scale=0");
        assert_eq!(initial(&admit(&min_zero, &hpa_cluster)), Some("1"));
        let kpa_revision = edited(&min_zero, "class=kpa.autoscaling.knative.dev");
        assert_eq!(initial(&admit(&kpa_revision, &hpa_cluster)), Some("0"));
        let kpa_cluster = ClusterConfig {
            pod_autoscaler_class: AutoscalerClass::Kpa,
            ..hpa_cluster
        };
        assert_eq!(initial(&admit(&min_zero, &kpa_cluster)), Some("0"));
        let hpa_revision = edited(&min_zero, "class=hpa.autoscaling.knative.dev");
        assert_eq!(initial(&admit(&hpa_revision, &kpa_cluster)), Some("1"));
    }

    // 5
    #[test]
    fn the_record_is_removed_when_nothing_is_resolved() {
        let created = admitted(&map(""));
        assert!(created.contains_key(RECORD_KEY));
        let all_set = edited(&created, "min-scale=1 max-scale=5 initial-scale=2");
        assert!(!admitted(&all_set).contains_key(RECORD_KEY));
    }

    // 5
    #[test]
    fn changed_settings_apply_at_the_next_update() {
        let created = admit(&map(""), &ClusterConfig::default());
        let stricter = ClusterConfig {
            min_scale: 2,
            max_scale: 6,
            ..ClusterConfig::default()
        };
        assert_eq!(scale(&admit(&created, &stricter)), "2 6 2");
    }

    #[test]
    fn notes_name_the_key_the_value_and_the_reason() {
        let cluster = ClusterConfig {
            initial_scale: 5,
            ..ClusterConfig::default()
        };
        let input = map("min-scale=1 max-scale=3");
        let plan = plan_of(&input, true, &cluster);
        let warnings: Vec<String> = plan
            .notes
            .iter()
            .filter(|n| n.warn())
            .map(Note::message)
            .collect();
        assert_eq!(
            warnings,
            vec![
                "autoscaling.knative.dev/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3"
            ]
        );
    }

    // 3.2.4 and 5
    #[test]
    fn a_bound_left_to_the_cluster_is_absent_unrecorded_and_stays_so() {
        let c = ClusterConfig {
            min_scale: 5,
            ..ClusterConfig::default()
        };
        let first = admit(&map("activation-scale=3"), &c);
        assert_eq!(scale(&first), "- 0 5");
        assert_eq!(
            record(&first),
            Some("max-scale: absent -> 0, initial-scale: absent -> 5")
        );
        assert_eq!(admit(&first, &c), first, "a fixed point");
        // A min-scale the policy wrote before activation-scale was added is taken back.
        let before = admit(&map(""), &c);
        assert_eq!(scale(&before), "5 0 5");
        assert_eq!(admit(&edited(&before, "activation-scale=3"), &c), first);
        let plan = plan_of(&first, false, &c);
        let messages: Vec<String> = plan.notes.iter().map(Note::message).collect();
        assert!(messages.contains(
            &"autoscaling.knative.dev/min-scale left to the cluster's 5: writing it would conflict with activation-scale 3".to_string()
        ), "{messages:?}");
    }

    // Section 11 ---------------------------------------------------------------------------

    fn gpu() -> Profile {
        let pairs = [
            ("min-scale", "1"),
            ("max-scale", "4"),
            ("scale-down-delay", "15m"),
            ("window", "120s"),
            ("target", "1"),
        ]
        .map(|(k, v)| (k, v.to_string()));
        Profile::new("gpu", &pairs)
    }

    fn profiled(annotations: &Map, profiles: &[Profile], fallback: Option<&Profile>) -> Map {
        let cluster = ClusterConfig::default();
        let scope = Scope::of(&cluster).with_profiles(profiles, fallback);
        apply(
            annotations,
            &plan(annotations, false, &scope, InitialStrategy::Min).unwrap(),
        )
    }

    // 11
    #[test]
    fn every_key_a_profile_fills_is_recorded_and_the_fixed_point_holds() {
        let profiles = [gpu()];
        let once = profiled(&map(""), &profiles, Some(&profiles[0]));
        assert_eq!(scale(&once), "1 4 1");
        assert_eq!(once.get(&key("window")), Some("120s"));
        assert_eq!(
            record(&once),
            Some(
                "min-scale: absent -> 1, max-scale: absent -> 4, initial-scale: absent -> 1, target: absent -> 1, window: absent -> 120s, scale-down-delay: absent -> 15m"
            )
        );
        assert_eq!(profiled(&once, &profiles, Some(&profiles[0])), once);
    }

    // 11
    #[test]
    fn a_profile_change_reaches_an_object_at_its_next_update_and_a_users_edit_wins() {
        let profiles = [gpu()];
        let once = profiled(&map(""), &profiles, Some(&profiles[0]));
        // The profile drops window and changes target: the next update follows it.
        let pairs = [("target", "2".to_string())];
        let changed = [Profile::new("gpu", &pairs)];
        let next = profiled(&once, &changed, Some(&changed[0]));
        assert_eq!(next.get(&key("target")), Some("2"));
        assert_eq!(next.get(&key("window")), None);
        assert_eq!(scale(&next), "0 0 1");
        // No profile at all any more: what it filled goes.
        let none = profiled(&once, &[], None);
        assert_eq!(none.get(&key("target")), None);
        assert_eq!(
            record(&none),
            Some("min-scale: absent -> 0, max-scale: absent -> 0, initial-scale: absent -> 1")
        );
        // A key the user edited since is the user's from then on.
        let edited = edited(&once, "window=60s");
        let kept = profiled(&edited, &profiles, Some(&profiles[0]));
        assert_eq!(kept.get(&key("window")), Some("60s"));
        assert!(!record(&kept).unwrap().contains("window"));
        assert_eq!(profiled(&kept, &profiles, Some(&profiles[0])), kept);
    }

    // 11
    #[test]
    fn the_templates_own_profile_annotation_wins_and_an_unknown_one_is_refused() {
        let profiles = [gpu()];
        let chose = profiled(
            &map("knative-scale-policy.github.io/profile=gpu"),
            &profiles,
            None,
        );
        assert_eq!(chose.get(&key("target")), Some("1"));
        let cluster = ClusterConfig::default();
        let scope = Scope::of(&cluster).with_profiles(&profiles, None);
        let unknown = map("knative-scale-policy.github.io/profile=gpu-xl");
        assert_eq!(
            plan(&unknown, false, &scope, InitialStrategy::Min)
                .unwrap_err()
                .to_string(),
            "knative-scale-policy.github.io/profile: \"gpu-xl\" is not a profile of this cluster (gpu)"
        );
    }

    // 11
    #[test]
    fn a_profiles_bounds_are_defaults_the_user_overrides() {
        let profiles = [gpu()];
        let own = profiled(&map("max-scale=9"), &profiles, Some(&profiles[0]));
        assert_eq!(scale(&own), "1 9 1");
        let notes = {
            let cluster = ClusterConfig::default();
            let scope = Scope::of(&cluster).with_profiles(&profiles, Some(&profiles[0]));
            plan(&map(""), false, &scope, InitialStrategy::Min)
                .unwrap()
                .notes
        };
        assert_eq!(notes[0].reason.text, "the min-scale of profile gpu is 1");
    }
}
