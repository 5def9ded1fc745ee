//! The annotation register: every key this policy reads or writes, Knative's alias priority, and
//! the integer syntax Knative accepts (Go's `strconv.ParseInt(v, 10, 32)`).

use super::annotations::Annotations;
use super::message::quote;

/// The scale bounds of a revision, in the order the rules resolve them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bound {
    Min,
    Max,
    Initial,
}

impl Bound {
    pub const ALL: [Bound; 3] = [Bound::Min, Bound::Max, Bound::Initial];

    /// The canonical (kebab-case) key, which wins when both spellings are present.
    pub const fn key(self) -> &'static str {
        match self {
            Bound::Min => "autoscaling.knative.dev/min-scale",
            Bound::Max => "autoscaling.knative.dev/max-scale",
            Bound::Initial => "autoscaling.knative.dev/initial-scale",
        }
    }

    /// The legacy camelCase key, read only when the canonical key is absent.
    pub const fn alias(self) -> &'static str {
        match self {
            Bound::Min => "autoscaling.knative.dev/minScale",
            Bound::Max => "autoscaling.knative.dev/maxScale",
            Bound::Initial => "autoscaling.knative.dev/initialScale",
        }
    }

    /// The key without its group, as config-autoscaler and messages name it.
    pub fn name(self) -> &'static str {
        &self.key()["autoscaling.knative.dev/".len()..]
    }

    pub fn from_name(name: &str) -> Option<Bound> {
        Bound::ALL.into_iter().find(|bound| bound.name() == name)
    }
}

pub const CLASS_KEY: &str = "autoscaling.knative.dev/class";

/// The pods a revision scaling from zero starts with at least (no alias; rule 3.2.4).
pub const ACTIVATION_SCALE_KEY: &str = "autoscaling.knative.dev/activation-scale";

/// A revision's autoscaler class: the `class` annotation, else the cluster's
/// `pod-autoscaler-class` (Knative's `MakePA`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoscalerClass {
    Kpa,
    /// Never scales to zero.
    Hpa,
    /// A class of another autoscaler.
    Other,
}

impl AutoscalerClass {
    pub const KPA: &'static str = "kpa.autoscaling.knative.dev";
    pub const HPA: &'static str = "hpa.autoscaling.knative.dev";

    pub fn from_name(name: &str) -> AutoscalerClass {
        match name {
            AutoscalerClass::KPA => AutoscalerClass::Kpa,
            AutoscalerClass::HPA => AutoscalerClass::Hpa,
            _ => AutoscalerClass::Other,
        }
    }

    pub fn of_revision(annotations: &Annotations, cluster_default: AutoscalerClass) -> Self {
        annotations
            .get(CLASS_KEY)
            .map_or(cluster_default, AutoscalerClass::from_name)
    }
}

/// The prefix of this project's own annotations: the record on a template, and a Namespace's
/// defaults and cap (`<prefix>min-scale`, ..., rules section 10).
pub const PROJECT_PREFIX: &str = "knative-scale-policy.github.io/";

/// The template annotation (and a Namespace's) that chooses an autoscaling profile (section 11).
pub const PROFILE_KEY: &str = "knative-scale-policy.github.io/profile";

/// The policy's own annotation on the template: which keys it resolved, from what, to what.
pub const RECORD_KEY: &str = "knative-scale-policy.github.io/resolved";

/// A value as the user wrote it, and under which key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written<'a> {
    pub key: &'static str,
    pub text: &'a str,
}

/// Knative's `kmap.KeyPriority.Get`: the canonical key if present, else the alias.
pub fn lookup(annotations: &Annotations, bound: Bound) -> Option<Written<'_>> {
    [bound.key(), bound.alias()]
        .into_iter()
        .find_map(|key| annotations.get(key).map(|text| Written { key, text }))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntError {
    /// Not an optionally signed string of decimal digits.
    Syntax,
    /// Outside the int32 range.
    Range,
}

/// Go's `strconv.ParseInt(text, 10, 32)`: an optional sign, at least one decimal digit, leading
/// zeros allowed, nothing else (no spaces, no underscores, no base prefix).
pub fn parse_go_int32(text: &str) -> Result<i32, IntError> {
    match super::go::parse_int(text, 32) {
        Ok(value) => i32::try_from(value).map_err(|_| IntError::Range),
        Err(true) => Err(IntError::Range),
        Err(false) => Err(IntError::Syntax),
    }
}

/// A scale value Knative (or, for initial-scale, the policy) would refuse, under the key as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidValue {
    pub key: &'static str,
    pub text: String,
}

impl InvalidValue {
    /// The message, naming `field` (the key, or the field it came from).
    pub fn message_for(&self, field: &str) -> String {
        format!(
            "{field}: invalid value {}: expected an integer 0 <= n <= {}",
            quote(&self.text),
            i32::MAX
        )
    }
}

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_for(self.key))
    }
}

/// A scale annotation value: an int32 that is not negative, as Knative validates min-scale and
/// max-scale (and, stricter than Knative, initial-scale).
pub fn parse_scale(written: &Written<'_>) -> Result<i32, InvalidValue> {
    match parse_go_int32(written.text) {
        Ok(value) if value >= 0 => Ok(value),
        _ => Err(InvalidValue {
            key: written.key,
            text: written.text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_key_is_under_the_projects_prefix() {
        assert_eq!(RECORD_KEY.strip_prefix(PROJECT_PREFIX), Some("resolved"));
    }

    fn annotations(pairs: &[(&str, &str)]) -> Annotations {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kebab_key_wins_over_alias() {
        let a = annotations(&[
            ("autoscaling.knative.dev/minScale", "abc"),
            ("autoscaling.knative.dev/min-scale", "1"),
        ]);
        assert_eq!(
            lookup(&a, Bound::Min),
            Some(Written {
                key: "autoscaling.knative.dev/min-scale",
                text: "1"
            })
        );
    }

    #[test]
    fn alias_is_read_when_kebab_key_is_absent() {
        let a = annotations(&[("autoscaling.knative.dev/initialScale", "4")]);
        let found = lookup(&a, Bound::Initial).unwrap();
        assert_eq!((found.key, found.text), (Bound::Initial.alias(), "4"));
        assert_eq!(lookup(&a, Bound::Max), None);
    }

    #[test]
    fn go_int32_syntax_accepts_sign_and_leading_zeros() {
        assert_eq!(parse_go_int32("+3"), Ok(3));
        assert_eq!(parse_go_int32("007"), Ok(7));
        assert_eq!(parse_go_int32("-0"), Ok(0));
        assert_eq!(parse_go_int32("-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_go_int32("2147483647"), Ok(i32::MAX));
    }

    #[test]
    fn go_int32_syntax_rejects_what_go_rejects() {
        for text in ["", "+", "-", " 1", "1 ", "1.5", "0x10", "1_000", "abc", "١"] {
            assert_eq!(parse_go_int32(text), Err(IntError::Syntax), "{text:?}");
        }
        assert_eq!(parse_go_int32("2147483648"), Err(IntError::Range));
        assert_eq!(parse_go_int32(&"9".repeat(400)), Err(IntError::Range));
    }

    #[test]
    fn scale_value_must_be_a_non_negative_int32() {
        let written = |text| Written {
            key: Bound::Min.key(),
            text,
        };
        assert_eq!(parse_scale(&written("5")), Ok(5));
        assert_eq!(
            parse_scale(&written("abc")).unwrap_err().to_string(),
            "autoscaling.knative.dev/min-scale: invalid value \"abc\": expected an integer 0 <= n <= 2147483647"
        );
        assert!(parse_scale(&written("-1")).is_err());
        assert!(parse_scale(&written("3000000000")).is_err());
    }

    #[test]
    fn long_values_are_shortened_in_messages() {
        let message = parse_scale(&Written {
            key: Bound::Max.key(),
            text: &"9".repeat(400),
        })
        .unwrap_err()
        .to_string();
        assert!(message.contains("(400 characters)"), "{message}");
        assert!(message.len() < 200);
    }

    #[test]
    fn names_round_trip() {
        for bound in Bound::ALL {
            assert_eq!(Bound::from_name(bound.name()), Some(bound));
        }
        assert_eq!(Bound::Initial.name(), "initial-scale");
    }
}
