//! The cluster-wide defaults of Knative's `config-autoscaler` ConfigMap that bear on scale bounds,
//! with Knative's own defaults and validation (`NewConfigFromMap`).

use super::keys::{AutoscalerClass, IntError, parse_go_int32};
use super::message::quote;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    pub initial_scale: i32,
    pub allow_zero_initial_scale: bool,
    pub min_scale: i32,
    pub max_scale: i32,
    /// 0 means no limit.
    pub max_scale_limit: i32,
    pub enable_scale_to_zero: bool,
    /// The class of a revision without an `autoscaling.knative.dev/class` annotation.
    pub pod_autoscaler_class: AutoscalerClass,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            initial_scale: 1,
            allow_zero_initial_scale: false,
            min_scale: 0,
            max_scale: 0,
            max_scale_limit: 0,
            enable_scale_to_zero: true,
            pod_autoscaler_class: AutoscalerClass::Kpa,
        }
    }
}

impl ClusterConfig {
    /// The config-autoscaler keys this policy reads; the ConfigMap holds many more.
    pub const KEYS: [&'static str; 7] = [
        "initial-scale",
        "allow-zero-initial-scale",
        "min-scale",
        "max-scale",
        "max-scale-limit",
        "enable-scale-to-zero",
        "pod-autoscaler-class",
    ];

    /// Builds the config from ConfigMap data (`key` -> text); keys it does not use are ignored.
    pub fn from_data<'a>(lookup: impl Fn(&str) -> Option<&'a str>) -> Result<Self, ConfigError> {
        let defaults = ClusterConfig::default();
        let int = |key: &'static str, default: i32| match lookup(key) {
            None => Ok(default),
            Some(text) => int_value(key, text),
        };
        let boolean = |key: &'static str, default: bool| match lookup(key) {
            None => Ok(default),
            Some(text) => parse_go_bool(text).ok_or_else(|| {
                let why = "expected a boolean (true or false)";
                ConfigError::new(key, format!("invalid value {}: {why}", quote(text)))
            }),
        };
        let config = ClusterConfig {
            initial_scale: int("initial-scale", defaults.initial_scale)?,
            allow_zero_initial_scale: boolean(
                "allow-zero-initial-scale",
                defaults.allow_zero_initial_scale,
            )?,
            min_scale: int("min-scale", defaults.min_scale)?,
            max_scale: int("max-scale", defaults.max_scale)?,
            max_scale_limit: int("max-scale-limit", defaults.max_scale_limit)?,
            enable_scale_to_zero: boolean("enable-scale-to-zero", defaults.enable_scale_to_zero)?,
            // Knative reads the class as any string (`cm.AsString`) and does not validate it.
            pod_autoscaler_class: lookup("pod-autoscaler-class")
                .map_or(defaults.pod_autoscaler_class, AutoscalerClass::from_name),
        };
        config.validate()?;
        Ok(config)
    }

    /// Knative's checks of the values together; the rules are in Knative's words.
    fn validate(&self) -> Result<(), ConfigError> {
        let refuse = |key, value: i32, rule: String| {
            Err(ConfigError::new(
                key,
                format!("invalid value {value}: {rule}"),
            ))
        };
        let least_initial = if self.allow_zero_initial_scale { 0 } else { 1 };
        if self.initial_scale < least_initial {
            let rule = "must be at least 0 (or at least 1 when allow-zero-initial-scale is false)";
            return refuse("initial-scale", self.initial_scale, rule.into());
        }
        if self.min_scale < 0 {
            return refuse("min-scale", self.min_scale, "must be at least 0".into());
        }
        if self.max_scale_limit < 0 {
            return refuse(
                "max-scale-limit",
                self.max_scale_limit,
                "must be at least 0".into(),
            );
        }
        let limit = self.max_scale_limit;
        if self.max_scale < 0 || (limit > 0 && !(1..=limit).contains(&self.max_scale)) {
            let (lowest, highest) = if limit > 0 {
                (1, limit.to_string())
            } else {
                (0, "infinity".to_string())
            };
            let rule = format!("must be in [{lowest}, max-scale-limit({highest})] range");
            return refuse("max-scale", self.max_scale, rule);
        }
        if self.max_scale > 0 && self.min_scale > self.max_scale {
            let rule = format!("must be less than max-scale ({})", self.max_scale);
            return refuse("min-scale", self.min_scale, rule);
        }
        Ok(())
    }
}

/// An integer of config-autoscaler data, as Knative's `cm.AsInt32` reads it.
pub fn int_value(key: &'static str, text: &str) -> Result<i32, ConfigError> {
    parse_go_int32(text).map_err(|error| {
        let why = match error {
            IntError::Syntax => "expected a base-10 integer",
            IntError::Range => "out of the int32 range",
        };
        ConfigError::new(key, format!("invalid value {}: {why}", quote(text)))
    })
}

/// Why Knative would refuse config-autoscaler data: the key at fault and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: &'static str,
    pub message: String,
}

impl ConfigError {
    pub(super) fn new(key: &'static str, message: String) -> Self {
        ConfigError { key, message }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The config from `pairs`, or Knative's refusal as the policy words it.
    fn from(pairs: &[(&str, &str)]) -> Result<ClusterConfig, String> {
        let pairs = pairs.to_vec();
        ClusterConfig::from_data(move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
            .map_err(|error| error.to_string())
    }

    #[test]
    fn absent_keys_take_knative_defaults() {
        assert_eq!(from(&[]), Ok(ClusterConfig::default()));
        let defaults = ClusterConfig::default();
        assert_eq!(defaults.initial_scale, 1);
        assert!(!defaults.allow_zero_initial_scale);
        assert_eq!((defaults.min_scale, defaults.max_scale), (0, 0));
        assert_eq!(defaults.max_scale_limit, 0);
        assert!(defaults.enable_scale_to_zero);
    }

    #[test]
    fn unknown_keys_are_ignored() {
        assert_eq!(
            from(&[("stable-window", "60s"), ("target", "x")]),
            Ok(ClusterConfig::default())
        );
    }

    #[test]
    fn values_parse_like_knative() {
        let config = from(&[
            ("initial-scale", "0"),
            ("allow-zero-initial-scale", "True"),
            ("min-scale", "+2"),
            ("max-scale", "007"),
            ("max-scale-limit", "10"),
            ("enable-scale-to-zero", "f"),
        ])
        .unwrap();
        assert_eq!(
            config,
            ClusterConfig {
                initial_scale: 0,
                allow_zero_initial_scale: true,
                min_scale: 2,
                max_scale: 7,
                max_scale_limit: 10,
                enable_scale_to_zero: false,
                pod_autoscaler_class: AutoscalerClass::Kpa,
            }
        );
    }

    #[test]
    fn pod_autoscaler_class_is_read_as_knative_reads_it() {
        assert_eq!(
            from(&[("pod-autoscaler-class", "hpa.autoscaling.knative.dev")])
                .unwrap()
                .pod_autoscaler_class,
            AutoscalerClass::Hpa
        );
        assert_eq!(
            from(&[("pod-autoscaler-class", "example.com/custom")])
                .unwrap()
                .pod_autoscaler_class,
            AutoscalerClass::Other
        );
        assert_eq!(
            ClusterConfig::default().pod_autoscaler_class,
            AutoscalerClass::Kpa
        );
    }

    /// Each refusal in Knative's words, and the neighbouring value that passes.
    #[test]
    fn values_knative_refuses_are_refused_in_its_words() {
        let refused: &[(&[(&str, &str)], &str)] = &[
            (
                &[("max-scale", "ten")],
                "max-scale: invalid value \"ten\": expected a base-10 integer",
            ),
            (
                &[("min-scale", "99999999999")],
                "min-scale: invalid value \"99999999999\": out of the int32 range",
            ),
            (
                &[("enable-scale-to-zero", "yes")],
                "enable-scale-to-zero: invalid value \"yes\": expected a boolean (true or false)",
            ),
            (
                &[("initial-scale", "0")],
                "initial-scale: invalid value 0: must be at least 0 (or at least 1 when allow-zero-initial-scale is false)",
            ),
            (
                &[
                    ("initial-scale", "-1"),
                    ("allow-zero-initial-scale", "true"),
                ],
                "initial-scale: invalid value -1: must be at least 0 (or at least 1 when allow-zero-initial-scale is false)",
            ),
            (
                &[("min-scale", "-1")],
                "min-scale: invalid value -1: must be at least 0",
            ),
            (
                &[("max-scale-limit", "-1")],
                "max-scale-limit: invalid value -1: must be at least 0",
            ),
        ];
        for (data, message) in refused {
            assert_eq!(from(data), Err(message.to_string()), "{data:?}");
        }
        assert!(from(&[("initial-scale", "0"), ("allow-zero-initial-scale", "true")]).is_ok());
        assert!(from(&[("min-scale", "0"), ("max-scale-limit", "0")]).is_ok());
    }

    #[test]
    fn max_scale_must_lie_within_the_limit() {
        assert_eq!(
            from(&[("max-scale-limit", "10")]),
            Err(
                "max-scale: invalid value 0: must be in [1, max-scale-limit(10)] range".to_string()
            )
        );
        assert!(from(&[("max-scale-limit", "10"), ("max-scale", "11")]).is_err());
        assert!(from(&[("max-scale-limit", "10"), ("max-scale", "10")]).is_ok());
        assert!(from(&[("max-scale", "-1")]).is_err());
    }

    #[test]
    fn global_min_must_not_exceed_global_max() {
        assert_eq!(
            from(&[("min-scale", "5"), ("max-scale", "4")]),
            Err("min-scale: invalid value 5: must be less than max-scale (4)".to_string())
        );
        assert!(from(&[("min-scale", "4"), ("max-scale", "4")]).is_ok());
        assert!(from(&[("min-scale", "5"), ("max-scale", "0")]).is_ok());
    }
}
