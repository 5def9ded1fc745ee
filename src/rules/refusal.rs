//! Why the bounds cannot be admitted (section 3.2), in sentences that say what the user can do.

use super::defaults::cap_phrase;
use super::keys::{ACTIVATION_SCALE_KEY, Bound};

/// Why the bounds cannot be admitted (section 3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A bound above the cluster's `max-scale-limit`, or the cap of the namespace named.
    AboveLimit {
        bound: Bound,
        value: i32,
        limit: i32,
        namespace: Option<String>,
    },
    /// Both bounds written by the user, max below min.
    MaxBelowMin {
        max: i32,
        min: i32,
    },
    /// Knative's activation-scale checks (rule 3.2.4), on the values as written.
    MinAboveActivation {
        min: i32,
        activation: i32,
    },
    MaxBelowActivation {
        max: i32,
        activation: i32,
    },
    ActivationBelowTwo {
        activation: i32,
    },
    /// The user's unlimited max becomes a cap (the cluster's, or the namespace named) below
    /// activation-scale: no max-scale fits both.
    UnlimitedBelowActivation {
        limit: i32,
        activation: i32,
        namespace: Option<String>,
    },
    /// A bound the policy cannot write next to activation-scale, whose cluster value (what
    /// Knative applies to an absent key) lies above the namespace's cap (section 10).
    LeftAboveCap {
        bound: Bound,
        cluster_value: i32,
        activation: i32,
        limit: i32,
        namespace: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::AboveLimit {
                bound,
                value,
                limit,
                namespace: None,
            } => write!(
                f,
                "{}={value} exceeds max-scale-limit={limit} of the cluster's config-autoscaler; set it to {limit} or less",
                bound.key()
            ),
            Refusal::AboveLimit {
                bound,
                value,
                limit,
                namespace: Some(namespace),
            } => write!(
                f,
                "{}={value} exceeds {}; set it to {limit} or less",
                bound.key(),
                cap_phrase(*limit, Some(namespace))
            ),
            Refusal::MaxBelowMin { max, min } => write!(
                f,
                "{}={max} is less than {}={min}; raise max-scale or lower min-scale",
                Bound::Max.key(),
                Bound::Min.key()
            ),
            Refusal::MinAboveActivation { min, activation } => write!(
                f,
                "{}={min} is greater than {ACTIVATION_SCALE_KEY}={activation}; lower min-scale or raise activation-scale",
                Bound::Min.key()
            ),
            Refusal::MaxBelowActivation { max, activation } => write!(
                f,
                "{}={max} is less than {ACTIVATION_SCALE_KEY}={activation}; raise max-scale or lower activation-scale",
                Bound::Max.key()
            ),
            Refusal::ActivationBelowTwo { activation } => write!(
                f,
                "{ACTIVATION_SCALE_KEY}={activation} must be greater than 1"
            ),
            Refusal::UnlimitedBelowActivation {
                limit,
                activation,
                namespace,
            } => write!(
                f,
                "{}=0 (unlimited) becomes {}, below {ACTIVATION_SCALE_KEY}={activation}; lower activation-scale to {limit} or less",
                Bound::Max.key(),
                cap_phrase(*limit, namespace.as_deref())
            ),
            Refusal::LeftAboveCap {
                bound,
                cluster_value,
                activation,
                limit,
                namespace,
            } => write!(
                f,
                "{}: {}",
                bound.key(),
                left_above_cap(*bound, *cluster_value, *activation, *limit, namespace)
            ),
        }
    }
}

/// Why a bound left to the cluster next to activation-scale would escape a namespace's cap, and
/// what the user may write instead.
pub fn left_above_cap(
    bound: Bound,
    cluster_value: i32,
    activation: i32,
    limit: i32,
    namespace: &str,
) -> String {
    let (conflict, range) = match bound {
        Bound::Max => ("below", format!("between {activation} and {limit}")),
        _ => ("above", format!("of {activation} or less")),
    };
    let cluster = if cluster_value == 0 {
        "0 (unlimited)".to_string()
    } else {
        cluster_value.to_string()
    };
    format!(
        "its default is {conflict} activation-scale {activation}, and left out it would be the cluster's {cluster}, above {}; write a value {range}",
        cap_phrase(limit, Some(namespace))
    )
}
