//! Section 3 and 4 of resolution-rules.md over plain integers: the user's bounds and the cluster's
//! defaults in, the three bounds out, each with the reason it was filled or corrected and whether
//! that reason is worth a warning.

use super::cluster::ClusterConfig;
use super::defaults::Defaults;
use super::keys::{AutoscalerClass, Bound};
use super::refusal::Refusal;

/// How an absent initial-scale is filled (the `defaultInitialScale` setting).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitialStrategy {
    /// Start a new revision at its lower bound.
    #[default]
    Min,
    /// Start it at the cluster's `initial-scale`, as Knative does.
    Cluster,
    /// Start a revision whose min-scale is 0 at no pod, any other at the cluster's
    /// `initial-scale` (what KServe's maintainers asked for when they reverted the start at min).
    ZeroOrCluster,
}

/// The parsed values the user wrote; `None` where the key is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserBounds {
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub initial: Option<i32>,
    /// `activation-scale` (no alias), which Knative checks against min and max as written.
    pub activation: Option<i32>,
}

/// What the rules need to know about the object beyond its scale annotations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traits {
    /// Owned by a KServe InferenceService or InferenceGraph (section 1).
    pub kserve_managed: bool,
    /// The revision's autoscaler class (section 3.3).
    pub class: AutoscalerClass,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    pub text: String,
    /// True when the user's own value changed, or Knative alone would have started a different
    /// number of pods or bounded them differently; false for fills that change nothing.
    pub warn: bool,
}

/// A bound's final value; `reason` is `None` for an explicit value the policy kept. A bound not
/// `written` is left absent (rule 3.2.4): `value` is then the cluster's, which Knative applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub value: i32,
    pub reason: Option<Reason>,
    pub written: bool,
}

impl Resolved {
    fn explicit(value: i32) -> Self {
        Resolved {
            value,
            reason: None,
            written: true,
        }
    }

    fn filled(value: i32, why: String) -> Self {
        Resolved {
            value,
            reason: Some(Reason {
                text: why,
                warn: false,
            }),
            written: true,
        }
    }

    /// Not written: Knative applies the cluster's `value`, and the user hears why.
    fn leave_to_cluster(&mut self, value: i32, why: String) {
        self.value = value;
        self.written = false;
        self.reason = Some(Reason {
            text: why,
            warn: true,
        });
    }

    fn is_explicit(&self) -> bool {
        self.reason.is_none()
    }

    fn set(&mut self, value: i32, why: String) {
        self.value = value;
        self.reason = Some(Reason {
            text: why,
            warn: false,
        });
    }

    fn warn_if(&mut self, warn: bool) {
        if let Some(reason) = &mut self.reason {
            reason.warn = warn;
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub min: Resolved,
    pub max: Resolved,
    pub initial: Resolved,
}

impl Resolution {
    pub fn get(&self, bound: Bound) -> &Resolved {
        match bound {
            Bound::Min => &self.min,
            Bound::Max => &self.max,
            Bound::Initial => &self.initial,
        }
    }
}

/// Resolves the three bounds, or says why the object cannot be admitted. `defaults` are the
/// cluster's, or a namespace's entry or a profile over them (sections 10 and 11).
pub fn resolve(
    user: UserBounds,
    traits: Traits,
    defaults: &Defaults,
    strategy: InitialStrategy,
) -> Result<Resolution, Refusal> {
    let mut resolution = bounds(user, traits, defaults, strategy)?;
    let with_the_clusters = (!defaults.are_the_clusters())
        .then(|| bounds(user, traits, &Defaults::of(defaults.cluster), strategy));
    mark_warnings(&mut resolution, user, defaults.cluster, with_the_clusters);
    Ok(resolution)
}

/// Section 3, step by step.
fn bounds(
    user: UserBounds,
    traits: Traits,
    defaults: &Defaults,
    strategy: InitialStrategy,
) -> Result<Resolution, Refusal> {
    let mut min = min_is_explicit_else_the_default(user, defaults);
    let mut max = max_is_explicit_else_kserves_unlimited_else_the_default(user, traits, defaults);
    explicit_max_above_the_limit_is_rejected(&max, defaults)?;
    unlimited_max_becomes_the_limit(&mut max, traits, defaults);
    let raised_to_min = max_below_min(&mut min, &mut max, defaults)?;
    if let Some(activation) = user.activation {
        activation_scale(
            activation,
            user,
            defaults,
            raised_to_min,
            &mut min,
            &mut max,
        )?;
    }
    let initial = initial_scale(user, traits, defaults, strategy, &min, &max);
    Ok(Resolution { min, max, initial })
}

/// Rule 3.1.
fn min_is_explicit_else_the_default(user: UserBounds, defaults: &Defaults) -> Resolved {
    let default = defaults.min_scale;
    match user.min {
        Some(value) => Resolved::explicit(value),
        None => Resolved::filled(
            default.value,
            format!(
                "{} is {}",
                default.owner.setting("min-scale"),
                default.value
            ),
        ),
    }
}

/// Rule 3.2: a KServe-managed object's absent max is KServe's unlimited.
fn max_is_explicit_else_kserves_unlimited_else_the_default(
    user: UserBounds,
    traits: Traits,
    defaults: &Defaults,
) -> Resolved {
    let default = defaults.max_scale;
    match user.max {
        Some(value) => Resolved::explicit(value),
        None if traits.kserve_managed => Resolved::filled(0, kserve_unlimited(defaults)),
        None => Resolved::filled(
            default.value,
            format!(
                "{} is {}",
                default.owner.setting("max-scale"),
                default.value
            ),
        ),
    }
}

/// Rule 3.2.1: the policy never lowers an explicit positive bound.
fn explicit_max_above_the_limit_is_rejected(
    max: &Resolved,
    defaults: &Defaults,
) -> Result<(), Refusal> {
    let limit = defaults.limit.value;
    if max.is_explicit() && limit > 0 && max.value > limit {
        return Err(above_limit(Bound::Max, max.value, defaults));
    }
    Ok(())
}

fn above_limit(bound: Bound, value: i32, defaults: &Defaults) -> Refusal {
    Refusal::AboveLimit {
        bound,
        value,
        limit: defaults.limit.value,
        namespace: defaults.limit.owner.namespace().map(str::to_string),
    }
}

/// Rule 3.2.2: unlimited becomes the most the cluster (or the namespace) allows. A default above
/// the cap (only a namespace's cap lies below a cluster default, section 10) is brought under it.
fn unlimited_max_becomes_the_limit(max: &mut Resolved, traits: Traits, defaults: &Defaults) {
    let (limit, cap) = (defaults.limit.value, defaults.limit.owner);
    let default = defaults.max_scale;
    if limit <= 0 {
        return;
    }
    if max.value == 0 {
        let why = if max.is_explicit() {
            format!(
                "0 (unlimited) is not allowed under {}, so unlimited becomes the limit",
                cap.valued("max-scale-limit", limit)
            )
        } else if traits.kserve_managed {
            format!(
                "KServe's maxReplicas 0 means unlimited, and {} is {limit}",
                cap.setting("max-scale-limit")
            )
        } else {
            format!(
                "{} is 0 (unlimited), and {} is {limit}",
                default.owner.setting("max-scale"),
                cap.setting("max-scale-limit")
            )
        };
        max.set(limit, why);
    } else if !max.is_explicit() && max.value > limit {
        let why = format!(
            "{} is above {}",
            default.owner.valued("max-scale", max.value),
            cap.valued("max-scale-limit", limit)
        );
        max.set(limit, why);
    }
}

/// Rule 3.2.3: a max below min. True when a resolved max was raised to the user's own min.
fn max_below_min(
    min: &mut Resolved,
    max: &mut Resolved,
    defaults: &Defaults,
) -> Result<bool, Refusal> {
    if !(0 < max.value && max.value < min.value) {
        return Ok(false);
    }
    let limit = defaults.limit.value;
    match (max.is_explicit(), min.is_explicit()) {
        (true, true) => Err(Refusal::MaxBelowMin {
            max: max.value,
            min: min.value,
        }),
        (true, false) => {
            let default = defaults.min_scale;
            let why = format!(
                "{} is above max-scale {}",
                default.owner.valued("min-scale", default.value),
                max.value
            );
            min.set(max.value, why);
            Ok(false)
        }
        (false, _) if limit > 0 && min.value > limit => {
            Err(above_limit(Bound::Min, min.value, defaults))
        }
        (false, min_is_the_users) => {
            let why = format!(
                "{} is below min-scale {}, which Knative would run anyway",
                defaults.max_scale.owner.valued("max-scale", max.value),
                min.value
            );
            max.set(min.value, why);
            Ok(min_is_the_users)
        }
    }
}

/// Rule 3.2.4: Knative checks activation-scale against min-scale and max-scale as written (an
/// absent key counts as 0); the cluster's values are never compared with it. The user's own
/// conflicts are refused in Knative's words; a bound the policy would write in conflict is left
/// to the cluster, as it is without the policy, unless the cluster's value would escape a
/// namespace's cap (section 10). A max raised to the user's min is written as activation-scale
/// instead, when the cap allows: left to the cluster, it would be below min.
fn activation_scale(
    activation: i32,
    user: UserBounds,
    defaults: &Defaults,
    raised_to_min: bool,
    min: &mut Resolved,
    max: &mut Resolved,
) -> Result<(), Refusal> {
    let (written_min, written_max) = (user.min.unwrap_or(0), user.max.unwrap_or(0));
    if written_min > activation {
        return Err(Refusal::MinAboveActivation {
            min: written_min,
            activation,
        });
    }
    if written_max != 0 && written_max < activation {
        return Err(Refusal::MaxBelowActivation {
            max: written_max,
            activation,
        });
    }
    if activation < 2 {
        return Err(Refusal::ActivationBelowTwo { activation });
    }
    // An unlimited max the user wrote, turned into the limit: the key is the user's, and the
    // limit is below activation-scale, so no max-scale Knative accepts fits.
    let cap = defaults.limit;
    if user.max == Some(0) && max.value > 0 && max.value < activation {
        return Err(Refusal::UnlimitedBelowActivation {
            limit: max.value,
            activation,
            namespace: cap.owner.namespace().map(str::to_string),
        });
    }
    let cluster = defaults.cluster;
    let escapes = |bound, cluster_value: i32| match cap.owner.namespace() {
        Some(namespace) if cluster_value == 0 || cluster_value > cap.value => {
            Err(Refusal::LeftAboveCap {
                bound,
                cluster_value,
                activation,
                limit: cap.value,
                namespace: namespace.to_string(),
            })
        }
        _ => Ok(()),
    };
    let why = format!("writing it would conflict with activation-scale {activation}");
    if !min.is_explicit() && min.value > activation {
        if cluster.min_scale > 0 {
            escapes(Bound::Min, cluster.min_scale)?;
        }
        min.leave_to_cluster(cluster.min_scale, why.clone());
    }
    if !max.is_explicit() && max.value > 0 && max.value < activation {
        if raised_to_min && (cap.value == 0 || activation <= cap.value) {
            let default = defaults.max_scale;
            let why = format!(
                "{} is below min-scale {}, and activation-scale {activation} needs a max-scale of at least {activation}",
                default.owner.valued("max-scale", default.value),
                min.value
            );
            max.set(activation, why);
            return Ok(());
        }
        escapes(Bound::Max, cluster.max_scale)?;
        max.leave_to_cluster(cluster.max_scale, why);
    }
    Ok(())
}

/// Rule 3.3.
fn initial_scale(
    user: UserBounds,
    traits: Traits,
    defaults: &Defaults,
    strategy: InitialStrategy,
    min: &Resolved,
    max: &Resolved,
) -> Resolved {
    let start = defaults.initial_scale;
    let cluster = defaults.cluster;
    let cluster_start = || {
        Resolved::filled(
            start.value,
            format!(
                "{} is {}",
                start.owner.setting("initial-scale"),
                start.value
            ),
        )
    };
    let mut initial = match (user.initial, strategy) {
        (Some(value), _) => Resolved::explicit(value),
        (None, InitialStrategy::Min) => {
            Resolved::filled(min.value, start_at_min(min.value, max.value, defaults))
        }
        (None, InitialStrategy::Cluster) => cluster_start(),
        (None, InitialStrategy::ZeroOrCluster) if min.value == 0 => Resolved::filled(
            0,
            "min-scale is 0, so a new revision starts at no pod".to_string(),
        ),
        (None, InitialStrategy::ZeroOrCluster) => cluster_start(),
    };
    if initial.value == 0 && !cluster.allow_zero_initial_scale {
        let why = if initial.is_explicit() {
            "the cluster does not allow an initial-scale of 0 (allow-zero-initial-scale is false)"
        } else {
            "min-scale is 0 but the cluster does not allow an initial-scale of 0 (allow-zero-initial-scale is false)"
        };
        initial.set(1, why.to_string());
    }
    if !initial.is_explicit() && initial.value == 0 {
        let never_zero = if !cluster.enable_scale_to_zero {
            Some("enable-scale-to-zero is false")
        } else if traits.class == AutoscalerClass::Hpa {
            Some("its class is hpa.autoscaling.knative.dev")
        } else {
            None
        };
        if let Some(cause) = never_zero {
            initial.set(
                1,
                format!("the revision cannot stay at zero pods ({cause}), so starting at 0 would only delay the first pod"),
            );
        }
    }
    if max.value > 0 && initial.value > max.value {
        let why = if initial.is_explicit() {
            format!(
                "initial-scale {} is above max-scale {}, and Knative would start that many pods anyway",
                initial.value, max.value
            )
        } else {
            format!(
                "{} would start more pods than max-scale {}",
                start.owner.valued("initial-scale", initial.value),
                max.value
            )
        };
        initial.set(max.value, why);
    }
    initial
}

fn kserve_unlimited(defaults: &Defaults) -> String {
    let default = defaults.max_scale;
    if default.value == 0 {
        "KServe's maxReplicas 0 means unlimited".to_string()
    } else {
        format!(
            "KServe's maxReplicas 0 means unlimited, not {}",
            default.owner.valued("max-scale", default.value)
        )
    }
}

fn start_at_min(min: i32, max: i32, defaults: &Defaults) -> String {
    let start = defaults.initial_scale;
    let (global, name) = (
        start.value,
        start.owner.valued("initial-scale", start.value),
    );
    if global > min && max > 0 && global > max {
        format!("{name} would start more pods than max-scale {max}")
    } else if global > min {
        format!("a new revision starts at its min-scale {min}, not at {name}")
    } else {
        format!("a new revision starts at its min-scale {min}")
    }
}

/// What a new revision gets from Knative (fact C): the pods it starts with, `max(min, initial)`
/// never capped by max, and its upper bound (0 = unlimited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Behaviour {
    pub start: i32,
    pub upper: i32,
}

/// What Knative alone does with these values: absent ones take the cluster's defaults, and an
/// initial-scale of 0 the cluster does not allow falls back to the cluster's, as at run time.
pub fn knative_alone(user: UserBounds, cluster: &ClusterConfig) -> Behaviour {
    let min = user.min.unwrap_or(cluster.min_scale);
    let initial = user
        .initial
        .filter(|initial| *initial > 0 || cluster.allow_zero_initial_scale)
        .unwrap_or(cluster.initial_scale);
    Behaviour {
        start: min.max(initial),
        upper: user.max.unwrap_or(cluster.max_scale),
    }
}

/// Section 4: warn where the user's value changed, or where the result differs from what Knative
/// alone would do with the object as submitted (the pods a new revision starts with, its upper
/// bound), or, where a namespace's entry or a profile sets a default, from what the rules give
/// with the cluster's alone.
fn mark_warnings(
    resolution: &mut Resolution,
    user: UserBounds,
    cluster: &ClusterConfig,
    with_the_clusters: Option<Result<Resolution, Refusal>>,
) {
    let knative = knative_alone(user, cluster);
    let resolved = Behaviour {
        start: resolution.min.value.max(resolution.initial.value),
        upper: resolution.max.value,
    };
    let start_changed = resolved.start != knative.start;
    let min_moved = resolution.min.value != user.min.unwrap_or(cluster.min_scale);

    let user_changed = |value: Option<i32>, resolved: &Resolved| {
        value.is_some_and(|written| written != resolved.value)
    };
    let namespace_changed = |bound: Bound, resolved: &Resolved| match &with_the_clusters {
        None => false,
        Some(Ok(plain)) => {
            let plain = plain.get(bound);
            (plain.value, plain.written) != (resolved.value, resolved.written)
        }
        Some(Err(_)) => true,
    };
    // A changed start is told on min-scale when the policy moved min, else on initial-scale.
    let warn_min = user_changed(user.min, &resolution.min)
        || (start_changed && min_moved)
        || namespace_changed(Bound::Min, &resolution.min);
    let warn_max =
        resolved.upper != knative.upper || namespace_changed(Bound::Max, &resolution.max);
    let warn_initial = user_changed(user.initial, &resolution.initial)
        || (start_changed && !min_moved)
        || namespace_changed(Bound::Initial, &resolution.initial);

    resolution.min.warn_if(warn_min || !resolution.min.written);
    resolution.max.warn_if(warn_max || !resolution.max.written);
    resolution.initial.warn_if(warn_initial);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::tenant::NamespaceEntry;
    use crate::rules::tenant::Scope;

    fn cluster() -> ClusterConfig {
        ClusterConfig::default()
    }

    fn user(min: Option<i32>, max: Option<i32>, initial: Option<i32>) -> UserBounds {
        UserBounds {
            min,
            max,
            initial,
            activation: None,
        }
    }

    const PLAIN: Traits = Traits {
        kserve_managed: false,
        class: AutoscalerClass::Kpa,
    };
    const KSERVE: Traits = Traits {
        kserve_managed: true,
        class: AutoscalerClass::Kpa,
    };

    fn run(
        user: UserBounds,
        traits: Traits,
        cluster: &ClusterConfig,
    ) -> Result<Resolution, Refusal> {
        resolve(user, traits, &Defaults::of(cluster), InitialStrategy::Min)
    }

    fn values(resolution: &Resolution) -> (i32, i32, i32) {
        (
            resolution.min.value,
            resolution.max.value,
            resolution.initial.value,
        )
    }

    /// The resolved (min, max, initial) and the bounds a warning names.
    fn outcome(
        user: UserBounds,
        traits: Traits,
        cluster: &ClusterConfig,
    ) -> ((i32, i32, i32), Vec<Bound>) {
        let resolution = run(user, traits, cluster).unwrap();
        (values(&resolution), warned(&resolution))
    }

    fn refusal(user: UserBounds, traits: Traits, cluster: &ClusterConfig) -> String {
        run(user, traits, cluster).unwrap_err().to_string()
    }

    fn warned(resolution: &Resolution) -> Vec<Bound> {
        Bound::ALL
            .into_iter()
            .filter(|b| resolution.get(*b).reason.as_ref().is_some_and(|r| r.warn))
            .collect()
    }

    // 3.1
    #[test]
    fn min_is_explicit_value_else_cluster_min_scale() {
        let c = ClusterConfig {
            min_scale: 2,
            ..cluster()
        };
        let r = run(user(Some(4), None, None), PLAIN, &c).unwrap();
        assert_eq!(r.min, Resolved::explicit(4));
        let r = run(user(None, None, None), PLAIN, &c).unwrap();
        assert_eq!(r.min.value, 2);
        assert!(!r.min.is_explicit());
    }

    // 3.2
    #[test]
    fn max_is_explicit_value_else_zero_for_kserve_else_cluster_max_scale() {
        let c = ClusterConfig {
            max_scale: 4,
            ..cluster()
        };
        assert_eq!(
            run(user(None, Some(7), None), KSERVE, &c).unwrap().max,
            Resolved::explicit(7)
        );
        assert_eq!(
            run(user(None, None, None), KSERVE, &c).unwrap().max.value,
            0
        );
        assert_eq!(run(user(None, None, None), PLAIN, &c).unwrap().max.value, 4);
    }

    // 3.2.1
    #[test]
    fn explicit_max_above_limit_is_rejected() {
        let c = ClusterConfig {
            max_scale: 5,
            max_scale_limit: 10,
            ..cluster()
        };
        let error = refusal(user(None, Some(11), None), PLAIN, &c);
        assert!(
            error.contains("max-scale=11 exceeds max-scale-limit=10"),
            "{error}"
        );
        assert!(run(user(None, Some(10), None), PLAIN, &c).is_ok());
    }

    // 3.2.2
    #[test]
    fn unlimited_max_becomes_the_limit() {
        let c = ClusterConfig {
            max_scale: 4,
            max_scale_limit: 10,
            ..cluster()
        };
        let explicit = run(user(Some(1), Some(0), None), PLAIN, &c).unwrap();
        assert_eq!(explicit.max.value, 10);
        assert!(explicit.max.reason.as_ref().unwrap().warn);
        let kserve = run(user(Some(1), None, None), KSERVE, &c).unwrap();
        assert_eq!(kserve.max.value, 10);
        let unlimited_cluster = run(user(None, Some(0), None), PLAIN, &cluster()).unwrap();
        assert_eq!(unlimited_cluster.max, Resolved::explicit(0));
    }

    // 3.2.3, both explicit
    #[test]
    fn explicit_max_below_explicit_min_is_rejected() {
        let error = refusal(user(Some(5), Some(2), None), KSERVE, &cluster());
        assert!(error.contains("max-scale=2 is less than autoscaling.knative.dev/min-scale=5"));
    }

    // 3.2.3, max explicit, min resolved
    #[test]
    fn explicit_max_below_cluster_min_lowers_min_to_max() {
        let c = ClusterConfig {
            min_scale: 5,
            ..cluster()
        };
        assert_eq!(
            outcome(user(None, Some(3), None), PLAIN, &c),
            ((3, 3, 3), vec![Bound::Min])
        );
    }

    // 3.2.3, max resolved
    #[test]
    fn resolved_max_below_min_is_raised_to_min() {
        let c = ClusterConfig {
            max_scale: 4,
            ..cluster()
        };
        assert_eq!(
            outcome(user(Some(6), None, None), PLAIN, &c),
            ((6, 6, 6), vec![Bound::Max])
        );
    }

    // 3.2.3, max resolved, min above the limit
    #[test]
    fn min_above_limit_is_rejected_when_max_is_resolved() {
        let c = ClusterConfig {
            max_scale: 4,
            max_scale_limit: 10,
            ..cluster()
        };
        for traits in [PLAIN, KSERVE] {
            let error = refusal(user(Some(12), None, None), traits, &c);
            assert!(
                error.contains("min-scale=12 exceeds max-scale-limit=10"),
                "{error}"
            );
        }
    }

    // 3.3
    #[test]
    fn initial_defaults_to_min_or_to_cluster_initial_scale() {
        let c = ClusterConfig {
            initial_scale: 2,
            ..cluster()
        };
        let by_min = resolve(
            user(Some(3), None, None),
            PLAIN,
            &Defaults::of(&c),
            InitialStrategy::Min,
        )
        .unwrap();
        assert_eq!(by_min.initial.value, 3);
        let by_cluster = resolve(
            user(Some(3), None, None),
            PLAIN,
            &Defaults::of(&c),
            InitialStrategy::Cluster,
        )
        .unwrap();
        assert_eq!(by_cluster.initial.value, 2);
        assert!(warned(&by_cluster).is_empty());
        let explicit = resolve(
            user(Some(3), None, Some(4)),
            PLAIN,
            &Defaults::of(&c),
            InitialStrategy::Min,
        );
        assert_eq!(explicit.unwrap().initial, Resolved::explicit(4));
    }

    // 3.3, first bullet
    #[test]
    fn zero_initial_becomes_one_when_the_cluster_disallows_zero() {
        let r = run(user(Some(0), None, None), KSERVE, &cluster()).unwrap();
        assert_eq!(values(&r), (0, 0, 1));
        assert!(warned(&r).is_empty());
        assert_eq!(
            outcome(user(Some(2), None, Some(0)), PLAIN, &cluster()),
            ((2, 0, 1), vec![Bound::Initial])
        );
    }

    // 3.3, second bullet
    #[test]
    fn resolved_zero_initial_becomes_one_when_the_revision_cannot_stay_at_zero() {
        let allow_zero = ClusterConfig {
            allow_zero_initial_scale: true,
            ..cluster()
        };
        let no_scale_to_zero = ClusterConfig {
            enable_scale_to_zero: false,
            ..allow_zero
        };
        let r = run(user(Some(0), None, None), PLAIN, &no_scale_to_zero).unwrap();
        assert_eq!(r.initial.value, 1);
        assert!(!r.initial.reason.as_ref().unwrap().warn);
        let hpa = Traits {
            kserve_managed: false,
            class: AutoscalerClass::Hpa,
        };
        assert_eq!(
            run(user(Some(0), None, None), hpa, &allow_zero)
                .unwrap()
                .initial
                .value,
            1
        );
        let explicit_zero = run(user(Some(0), None, Some(0)), hpa, &allow_zero).unwrap();
        assert_eq!(explicit_zero.initial, Resolved::explicit(0));
    }

    // 3.3, third bullet
    #[test]
    fn initial_above_max_is_capped_to_max() {
        assert_eq!(
            outcome(user(Some(1), Some(3), Some(5)), PLAIN, &cluster()),
            ((1, 3, 3), vec![Bound::Initial])
        );
        let c = ClusterConfig {
            initial_scale: 5,
            ..cluster()
        };
        let r = resolve(
            user(Some(1), Some(3), None),
            PLAIN,
            &Defaults::of(&c),
            InitialStrategy::Cluster,
        )
        .unwrap();
        assert_eq!(r.initial.value, 3);
        let unlimited = run(user(Some(1), Some(0), Some(50)), PLAIN, &cluster()).unwrap();
        assert_eq!(unlimited.initial, Resolved::explicit(50));
    }

    // 4: what Knative alone would do, against which changes are warned (fact C)
    #[test]
    fn knative_alone_starts_max_of_min_and_initial_uncapped() {
        let c = ClusterConfig {
            initial_scale: 5,
            max_scale: 3,
            ..cluster()
        };
        assert_eq!(
            knative_alone(user(Some(1), None, None), &c),
            Behaviour { start: 5, upper: 3 }
        );
        assert_eq!(
            knative_alone(user(Some(4), Some(0), Some(2)), &c),
            Behaviour { start: 4, upper: 0 }
        );
        // An initial-scale of 0 the cluster does not allow falls back to the cluster's.
        assert_eq!(knative_alone(user(None, None, Some(0)), &c).start, 5);
    }

    // 4
    #[test]
    fn fills_that_change_nothing_are_not_warned() {
        let c = ClusterConfig {
            min_scale: 2,
            max_scale: 6,
            ..cluster()
        };
        let r = run(user(None, None, None), PLAIN, &c).unwrap();
        assert_eq!(values(&r), (2, 6, 2));
        assert!(warned(&r).is_empty());
        assert!(Bound::ALL.iter().all(|b| r.get(*b).reason.is_some()));
    }

    // 4
    #[test]
    fn a_changed_start_or_upper_bound_is_warned() {
        let c = ClusterConfig {
            initial_scale: 5,
            max_scale: 4,
            ..cluster()
        };
        let r = run(user(Some(1), None, None), KSERVE, &c).unwrap();
        assert_eq!(values(&r), (1, 0, 1));
        assert_eq!(warned(&r), vec![Bound::Max, Bound::Initial]);
        assert_eq!(
            r.initial.reason.unwrap().text,
            "a new revision starts at its min-scale 1, not at the cluster initial-scale 5"
        );
    }

    // The worked examples of section 7 are rows of tests/common/rules_table.rs, run natively
    // through the JSON edge and on the .wasm.

    fn with_activation(user: UserBounds, activation: i32) -> UserBounds {
        UserBounds {
            activation: Some(activation),
            ..user
        }
    }

    /// The bounds left to the cluster (not written).
    fn left(resolution: &Resolution) -> Vec<Bound> {
        Bound::ALL
            .into_iter()
            .filter(|b| !resolution.get(*b).written)
            .collect()
    }

    // 3.2.4
    #[test]
    fn a_resolved_min_above_activation_scale_is_left_to_the_cluster() {
        let c = ClusterConfig {
            min_scale: 5,
            ..cluster()
        };
        let resolution = run(with_activation(user(None, None, None), 3), PLAIN, &c).unwrap();
        assert_eq!(left(&resolution), [Bound::Min]);
        assert_eq!(
            values(&resolution),
            (5, 0, 5),
            "initial follows the effective min"
        );
        assert!(resolution.min.reason.as_ref().unwrap().warn);
        assert!(resolution.initial.written && resolution.max.written);
    }

    // 3.2.4
    #[test]
    fn a_resolved_max_below_activation_scale_is_left_to_the_cluster() {
        let c = ClusterConfig {
            max_scale: 2,
            ..cluster()
        };
        let resolution = run(with_activation(user(None, None, None), 3), PLAIN, &c).unwrap();
        assert_eq!(left(&resolution), [Bound::Max]);
        assert_eq!(values(&resolution), (0, 2, 1));
        // KServe's unlimited max turned into a limit below activation-scale.
        let limited = ClusterConfig {
            max_scale: 1,
            max_scale_limit: 2,
            ..cluster()
        };
        let resolution = run(
            with_activation(user(Some(1), None, None), 3),
            KSERVE,
            &limited,
        )
        .unwrap();
        assert_eq!(left(&resolution), [Bound::Max]);
        assert_eq!(values(&resolution), (1, 1, 1));
        // Bounds that fit activation-scale are written as without it.
        let fits = run(
            with_activation(user(Some(1), Some(4), None), 3),
            PLAIN,
            &cluster(),
        )
        .unwrap();
        assert!(left(&fits).is_empty());
    }

    // 3.2.4, the exception: a max raised to the user's min below activation-scale
    #[test]
    fn a_max_raised_to_min_below_activation_scale_is_written_as_activation_scale() {
        let c = ClusterConfig {
            max_scale: 3,
            ..cluster()
        };
        let r = run(with_activation(user(Some(4), None, None), 5), PLAIN, &c).unwrap();
        assert!(left(&r).is_empty());
        assert_eq!(values(&r), (4, 5, 4));
        assert_eq!(
            r.max.reason.as_ref().unwrap().text,
            "the cluster max-scale 3 is below min-scale 4, and activation-scale 5 needs a max-scale of at least 5"
        );
        assert!(
            r.max.reason.unwrap().warn,
            "Knative alone would bound it at 3"
        );
        // Within the limit only: above it, the max is left to the cluster as before.
        let limited = ClusterConfig {
            max_scale: 3,
            max_scale_limit: 4,
            ..cluster()
        };
        let r = run(
            with_activation(user(Some(4), None, None), 5),
            PLAIN,
            &limited,
        )
        .unwrap();
        assert_eq!(left(&r), [Bound::Max]);
        assert_eq!(values(&r), (4, 3, 3));
        // A namespace's cap counts as the limit.
        let six = team_a(&c, capped(6));
        let r = in_scope(with_activation(user(Some(4), None, None), 5), PLAIN, &six).unwrap();
        assert_eq!(values(&r), (4, 5, 4));
        let four = team_a(&c, capped(4));
        let r = in_scope(with_activation(user(Some(4), None, None), 5), PLAIN, &four).unwrap();
        assert_eq!(left(&r), [Bound::Max]);
    }

    // 3.2.4
    #[test]
    fn the_users_own_conflict_with_activation_scale_is_rejected_in_knatives_words() {
        assert_eq!(
            refusal(
                with_activation(user(Some(5), None, None), 3),
                PLAIN,
                &cluster()
            ),
            "autoscaling.knative.dev/min-scale=5 is greater than autoscaling.knative.dev/activation-scale=3; lower min-scale or raise activation-scale"
        );
        assert_eq!(
            refusal(
                with_activation(user(None, Some(2), None), 3),
                PLAIN,
                &cluster()
            ),
            "autoscaling.knative.dev/max-scale=2 is less than autoscaling.knative.dev/activation-scale=3; raise max-scale or lower activation-scale"
        );
        assert_eq!(
            refusal(
                with_activation(user(None, None, None), 1),
                PLAIN,
                &cluster()
            ),
            "autoscaling.knative.dev/activation-scale=1 must be greater than 1"
        );
        // An unlimited max of the user's becomes a limit below activation-scale: no max fits.
        let limited = ClusterConfig {
            max_scale: 2,
            max_scale_limit: 2,
            ..cluster()
        };
        assert_eq!(
            refusal(
                with_activation(user(None, Some(0), None), 3),
                PLAIN,
                &limited
            ),
            "autoscaling.knative.dev/max-scale=0 (unlimited) becomes the cluster's max-scale-limit 2, below autoscaling.knative.dev/activation-scale=3; lower activation-scale to 2 or less"
        );
    }

    // 3.3
    #[test]
    fn zero_or_cluster_starts_min_zero_at_no_pod_and_others_at_the_cluster_initial_scale() {
        let c = ClusterConfig {
            initial_scale: 3,
            allow_zero_initial_scale: true,
            ..cluster()
        };
        let run = |user, c: &ClusterConfig| {
            values(
                &resolve(
                    user,
                    PLAIN,
                    &Defaults::of(c),
                    InitialStrategy::ZeroOrCluster,
                )
                .unwrap(),
            )
        };
        assert_eq!(run(user(Some(0), None, None), &c), (0, 0, 0));
        let capped = ClusterConfig {
            initial_scale: 5,
            max_scale: 4,
            ..cluster()
        };
        assert_eq!(run(user(Some(2), None, None), &capped), (2, 4, 4));
        // Without zero initial scale allowed, min 0 starts at 1 pod, as under the other strategies.
        let no_zero = ClusterConfig {
            allow_zero_initial_scale: false,
            ..c
        };
        assert_eq!(run(user(Some(0), None, None), &no_zero), (0, 0, 1));
    }

    // Section 10: a namespace's entry over the cluster's defaults.

    fn team_a(cluster: &ClusterConfig, entry: NamespaceEntry) -> Defaults<'_> {
        Scope::in_namespace(cluster, "team-a", entry).defaults()
    }

    fn capped(cap: i32) -> NamespaceEntry {
        NamespaceEntry {
            max_scale_limit: Some(cap),
            ..NamespaceEntry::default()
        }
    }

    fn in_scope(
        user: UserBounds,
        traits: Traits,
        defaults: &Defaults,
    ) -> Result<Resolution, Refusal> {
        resolve(user, traits, defaults, InitialStrategy::Min)
    }

    // 10
    #[test]
    fn a_namespace_entry_lays_its_defaults_over_the_clusters() {
        let c = cluster();
        let entry = NamespaceEntry {
            min_scale: Some(1),
            max_scale: Some(3),
            ..NamespaceEntry::default()
        };
        let r = in_scope(user(None, None, None), PLAIN, &team_a(&c, entry)).unwrap();
        assert_eq!(values(&r), (1, 3, 1));
        assert_eq!(warned(&r), [Bound::Min, Bound::Max]);
        assert_eq!(
            r.min.reason.unwrap().text,
            "the min-scale of namespace team-a is 1"
        );
        // The same object elsewhere gets the cluster's.
        assert_eq!(
            values(&run(user(None, None, None), PLAIN, &c).unwrap()),
            (0, 0, 1)
        );
    }

    // 10
    #[test]
    fn a_max_above_the_namespace_cap_is_rejected_naming_it() {
        let c = cluster();
        let error = in_scope(user(None, Some(8), None), PLAIN, &team_a(&c, capped(6)))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "autoscaling.knative.dev/max-scale=8 exceeds the max-scale-limit 6 of namespace team-a; set it to 6 or less"
        );
        assert!(in_scope(user(None, Some(6), None), PLAIN, &team_a(&c, capped(6))).is_ok());
    }

    // 10
    #[test]
    fn an_unlimited_max_becomes_the_namespace_cap() {
        let c = ClusterConfig {
            max_scale: 4,
            max_scale_limit: 10,
            ..cluster()
        };
        let scope = team_a(&c, capped(6));
        let kserve = in_scope(user(Some(1), None, None), KSERVE, &scope).unwrap();
        assert_eq!(values(&kserve), (1, 6, 1));
        assert_eq!(warned(&kserve), [Bound::Max]);
        assert_eq!(
            kserve.max.reason.unwrap().text,
            "KServe's maxReplicas 0 means unlimited, and the max-scale-limit of namespace team-a is 6"
        );
        let explicit = in_scope(user(None, Some(0), None), PLAIN, &scope).unwrap();
        assert_eq!(explicit.max.value, 6);
        // A cluster default of unlimited, or above the cap, is the cap too.
        let open = cluster();
        let r = in_scope(user(None, None, None), PLAIN, &team_a(&open, capped(6))).unwrap();
        assert_eq!(values(&r), (0, 6, 1));
        let wide = ClusterConfig {
            max_scale: 9,
            ..cluster()
        };
        let r = in_scope(user(None, None, None), PLAIN, &team_a(&wide, capped(6))).unwrap();
        assert_eq!(r.max.value, 6);
        assert_eq!(
            r.max.reason.unwrap().text,
            "the cluster max-scale 9 is above the max-scale-limit 6 of namespace team-a"
        );
    }

    // 10
    #[test]
    fn a_min_above_the_namespace_cap_is_rejected() {
        let c = cluster();
        let error = in_scope(user(Some(7), None, None), PLAIN, &team_a(&c, capped(6)))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "autoscaling.knative.dev/min-scale=7 exceeds the max-scale-limit 6 of namespace team-a"
            ),
            "{error}"
        );
    }

    // 10: an entry without a cap keeps the cluster's, and its refusals name the cluster
    #[test]
    fn an_entry_without_a_cap_keeps_the_clusters_limit() {
        let c = ClusterConfig {
            max_scale: 4,
            max_scale_limit: 10,
            ..cluster()
        };
        let entry = NamespaceEntry {
            max_scale: Some(2),
            ..NamespaceEntry::default()
        };
        let error = in_scope(user(None, Some(11), None), PLAIN, &team_a(&c, entry))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("of the cluster's config-autoscaler"),
            "{error}"
        );
    }

    // 4: in a namespace, what differs from the rules without it is warned
    #[test]
    fn what_the_namespace_changes_is_warned_and_nothing_else() {
        let c = cluster();
        let quiet = in_scope(user(Some(2), Some(4), None), PLAIN, &team_a(&c, capped(6))).unwrap();
        assert_eq!(values(&quiet), (2, 4, 2));
        assert!(warned(&quiet).is_empty());
        let entry = NamespaceEntry {
            initial_scale: Some(3),
            ..NamespaceEntry::default()
        };
        let r = resolve(
            user(Some(1), Some(5), None),
            PLAIN,
            &team_a(&c, entry),
            InitialStrategy::Cluster,
        )
        .unwrap();
        assert_eq!(values(&r), (1, 5, 3));
        assert_eq!(warned(&r), [Bound::Initial]);
    }

    // 10 with 3.2.4: a bound left to the cluster must not escape the namespace's cap
    #[test]
    fn activation_scale_cannot_leave_a_bound_to_a_cluster_value_above_the_cap() {
        let open = cluster();
        let entry = NamespaceEntry {
            max_scale: Some(2),
            max_scale_limit: Some(6),
            ..NamespaceEntry::default()
        };
        let error = in_scope(
            with_activation(user(None, None, None), 3),
            PLAIN,
            &team_a(&open, entry),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "autoscaling.knative.dev/max-scale: its default is below activation-scale 3, and left out it would be the cluster's 0 (unlimited), above the max-scale-limit 6 of namespace team-a; write a value between 3 and 6"
        );
        // A cluster max within the cap may be left to the cluster, as without a namespace.
        let within = ClusterConfig {
            max_scale: 5,
            ..cluster()
        };
        let r = in_scope(
            with_activation(user(None, None, None), 3),
            PLAIN,
            &team_a(&within, entry),
        )
        .unwrap();
        assert_eq!(left(&r), [Bound::Max]);
        assert_eq!(r.max.value, 5);
        // A cluster min above the cap, left to the cluster, would run more pods than the cap.
        let busy = ClusterConfig {
            min_scale: 8,
            ..cluster()
        };
        let entry = NamespaceEntry {
            min_scale: Some(4),
            max_scale_limit: Some(6),
            ..NamespaceEntry::default()
        };
        let error = in_scope(
            with_activation(user(None, Some(5), None), 3),
            PLAIN,
            &team_a(&busy, entry),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("autoscaling.knative.dev/min-scale: its default is above activation-scale 3, and left out it would be the cluster's 8"),
            "{error}"
        );
    }
}
