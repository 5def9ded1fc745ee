//! Knative's validation of a revision template's autoscaling annotations, as knative/serving
//! v1.23.0 writes it (`pkg/apis/autoscaling/annotation_validation.go`, `ValidateAnnotations`):
//! every key, its alias, its bounds and Knative's own texts. The policy uses it where Knative
//! itself is not asked until later: on the Services KServe will build from an InferenceService.

use std::fmt;

use super::annotations::Annotations;
use super::cluster::ClusterConfig;
use super::go::{Float, SECOND, parse_duration, parse_float, parse_int};
use super::keys::{ACTIVATION_SCALE_KEY, AutoscalerClass, Bound, CLASS_KEY};
use super::message::quote;

/// A key and its legacy alias, as Knative's `kmap.KeyPriority`: the first present wins.
struct Key(&'static str, Option<&'static str>);

macro_rules! key {
    ($name:literal) => {
        Key(concat!("autoscaling.knative.dev/", $name), None)
    };
    ($name:literal, $alias:literal) => {
        Key(
            concat!("autoscaling.knative.dev/", $name),
            Some(concat!("autoscaling.knative.dev/", $alias)),
        )
    };
}

// The keys the policy itself reads come from its register (`keys.rs`); the others are Knative's.
const CLASS: Key = Key(CLASS_KEY, None);
const MIN_SCALE: Key = Key(Bound::Min.key(), Some(Bound::Min.alias()));
const MAX_SCALE: Key = Key(Bound::Max.key(), Some(Bound::Max.alias()));
const INITIAL_SCALE: Key = Key(Bound::Initial.key(), Some(Bound::Initial.alias()));
const ACTIVATION_SCALE: Key = Key(ACTIVATION_SCALE_KEY, None);
const METRIC: Key = key!("metric");
const ALGORITHM: Key = key!("metric-aggregation-algorithm", "metricAggregationAlgorithm");
const TARGET: Key = key!("target");
const TARGET_UTILIZATION: Key = key!(
    "target-utilization-percentage",
    "targetUtilizationPercentage"
);
const TARGET_BURST_CAPACITY: Key = key!("target-burst-capacity", "targetBurstCapacity");
const PANIC_WINDOW: Key = key!("panic-window-percentage", "panicWindowPercentage");
const PANIC_THRESHOLD: Key = key!("panic-threshold-percentage", "panicThresholdPercentage");
const WINDOW: Key = key!("window");
const SCALE_DOWN_DELAY: Key = key!("scale-down-delay", "scaleDownDelay");
const RETENTION: Key = key!(
    "scale-to-zero-pod-retention-period",
    "scaleToZeroPodRetentionPeriod"
);

/// Every per-revision key Knative validates, with its alias.
const KEYS: [&Key; 15] = [
    &CLASS,
    &MIN_SCALE,
    &MAX_SCALE,
    &INITIAL_SCALE,
    &ACTIVATION_SCALE,
    &METRIC,
    &ALGORITHM,
    &TARGET,
    &TARGET_UTILIZATION,
    &TARGET_BURST_CAPACITY,
    &PANIC_WINDOW,
    &PANIC_THRESHOLD,
    &WINDOW,
    &SCALE_DOWN_DELAY,
    &RETENTION,
];

/// True when `key` or its legacy alias is among `annotations` (Knative reads either).
pub fn has_key_or_alias(annotations: &Annotations, key: &str) -> bool {
    match KEYS.iter().find(|known| known.0 == key) {
        Some(known) => get(annotations, known).is_some(),
        None => annotations.contains_key(key),
    }
}

/// `TargetMin`: the smallest target a revision may set, as Go prints it.
const TARGET_MIN: &str = "0.01";
/// `WindowMin` and `WindowMax`, and how Go prints them.
const WINDOW_MIN: (i64, &str) = (6 * SECOND, "6s");
const WINDOW_MAX: (i64, &str) = (3600 * SECOND, "1h0m0s");

/// One of Knative's errors: its message and the annotation key it names (as present, and as
/// Knative writes the path: `<key> must be greater than 0`, two keys joined by `, `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnativeError {
    pub message: String,
    pub path: String,
}

impl KnativeError {
    /// The annotation the error is about.
    pub fn key(&self) -> &str {
        self.path.split([' ', '=', ',']).next().unwrap_or_default()
    }
}

impl fmt::Display for KnativeError {
    /// Knative's `FieldError` text, paths relative to the template's annotations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.message, self.path)
    }
}

fn error(message: String, path: &str) -> KnativeError {
    KnativeError {
        message,
        path: path.to_string(),
    }
}

/// A user's value as Knative's text repeats it, within the policy's rule for messages (section 4:
/// at most the value, never the object): as written when it is short printable text, else quoted
/// with JSON escapes and cut to 64 characters.
fn shown(value: &str) -> String {
    let plain = value.chars().count() <= 64 && !value.chars().any(|c| c.is_control() || c == '"');
    if plain {
        value.to_string()
    } else {
        quote(value)
    }
}

fn invalid(value: &str, key: &str) -> KnativeError {
    error(format!("invalid value: {}", shown(value)), key)
}

fn out_of_bounds(value: &str, low: &str, high: &str, key: &str) -> KnativeError {
    error(format!("expected {low} <= {} <= {high}", shown(value)), key)
}

fn get<'a>(annotations: &'a Annotations, key: &Key) -> Option<(&'static str, &'a str)> {
    [Some(key.0), key.1]
        .into_iter()
        .flatten()
        .find_map(|k| annotations.get(k).map(|v| (k, v)))
}

/// What Knative would refuse in these annotations, in the order `ValidateAnnotations` checks.
pub fn validate(annotations: &Annotations, cluster: &ClusterConfig) -> Vec<KnativeError> {
    let mut errors = Vec::new();
    class(annotations, &mut errors);
    min_max_scale(annotations, cluster, &mut errors);
    floats(annotations, &mut errors);
    window(annotations, &mut errors);
    delay(annotations, &RETENTION, false, &mut errors);
    delay(annotations, &SCALE_DOWN_DELAY, true, &mut errors);
    metric(annotations, cluster, &mut errors);
    algorithm(annotations, &mut errors);
    initial_scale(annotations, cluster, &mut errors);
    errors
}

fn class(annotations: &Annotations, errors: &mut Vec<KnativeError>) {
    if let Some((k, v)) = get(annotations, &CLASS)
        && v.ends_with(".knative.dev")
        && v != AutoscalerClass::KPA
        && v != AutoscalerClass::HPA
    {
        errors.push(invalid(v, k));
    }
}

/// `getIntGE0`: an int32 that is not negative; absent or invalid counts as 0.
fn int_ge0(annotations: &Annotations, key: &Key, errors: &mut Vec<KnativeError>) -> i64 {
    let Some((k, v)) = get(annotations, key) else {
        return 0;
    };
    match parse_int(v, 32) {
        Ok(value) if value >= 0 => value,
        Err(false) => {
            errors.push(invalid(v, k));
            0
        }
        _ => {
            errors.push(out_of_bounds(v, "0", "2147483647", k));
            0
        }
    }
}

fn min_max_scale(
    annotations: &Annotations,
    cluster: &ClusterConfig,
    errors: &mut Vec<KnativeError>,
) {
    let min = int_ge0(annotations, &MIN_SCALE, errors);
    let max = int_ge0(annotations, &MAX_SCALE, errors);
    if max != 0 && max < min {
        errors.push(error(
            format!("max-scale={max} is less than min-scale={min}"),
            &format!("{}, {}", MAX_SCALE.0, MIN_SCALE.0),
        ));
    }
    if let Some((k, _)) = get(annotations, &MAX_SCALE) {
        let limit = i64::from(cluster.max_scale_limit);
        if limit > 0 && max > limit {
            errors.push(out_of_bounds(&max.to_string(), "1", &limit.to_string(), k));
        }
        if limit > 0 && max == 0 {
            errors.push(error(
                format!("max-scale=0 (unlimited), must be less than {limit}"),
                k,
            ));
        }
    }
    if let Some((k, v)) = get(annotations, &ACTIVATION_SCALE) {
        let message = match parse_int(v, 32) {
            Err(_) => Some(format!("invalid value: {}", shown(v))),
            Ok(a) if min > a => Some(format!(
                "min-scale={min} is greater than activation-scale={a}"
            )),
            Ok(a) if max != 0 && max < a => {
                Some(format!("max-scale={max} is less than activation-scale={a}"))
            }
            Ok(a) if a < 2 => Some(format!("activation-scale={a} must be greater than 1")),
            Ok(_) => None,
        };
        errors.extend(message.map(|message| error(message, k)));
    }
}

fn floats(annotations: &Annotations, errors: &mut Vec<KnativeError>) {
    use std::cmp::Ordering::{Greater, Less};
    // Each bound as Go's `%v` prints it, which is also the decimal it is compared with.
    let bounded = |key: &Key, low: &str, high: &str, errors: &mut Vec<KnativeError>| {
        let (k, v) = get(annotations, key)?;
        match parse_float(v) {
            None => errors.push(invalid(v, k)),
            Some(value)
                if value.cmp_to(low) == Some(Less) || value.cmp_to(high) == Some(Greater) =>
            {
                errors.push(out_of_bounds(v, low, high, k))
            }
            Some(_) => {}
        }
        Some(())
    };
    bounded(&PANIC_WINDOW, "1", "100", errors);
    bounded(&PANIC_THRESHOLD, "110", "1000", errors);
    if let Some((k, v)) = get(annotations, &TARGET) {
        match parse_float(v) {
            None => errors.push(invalid(v, k)),
            Some(value) if value.cmp_to(TARGET_MIN) == Some(Less) => errors.push(error(
                format!("target {} should be at least {TARGET_MIN}", shown(v)),
                k,
            )),
            Some(_) => {}
        }
    }
    bounded(&TARGET_UTILIZATION, "1", "100", errors);
    if let Some((k, v)) = get(annotations, &TARGET_BURST_CAPACITY) {
        let below_zero = |value: &Float| value.cmp_to("0") == Some(Less);
        let minus_one = |value: &Float| value.cmp_to("-1") == Some(std::cmp::Ordering::Equal);
        match parse_float(v) {
            Some(value) if !below_zero(&value) || minus_one(&value) => {}
            _ => errors.push(invalid(v, k)),
        }
    }
}

fn window(annotations: &Annotations, errors: &mut Vec<KnativeError>) {
    let Some((_, v)) = get(annotations, &WINDOW) else {
        return;
    };
    let key = WINDOW.0;
    match parse_duration(v) {
        None => errors.push(invalid(v, key)),
        Some(d) if d < WINDOW_MIN.0 || d > WINDOW_MAX.0 => {
            errors.push(out_of_bounds(v, WINDOW_MIN.1, WINDOW_MAX.1, key))
        }
        Some(d) if d % SECOND != 0 => errors.push(precision(key)),
        Some(_) => {}
    }
}

fn precision(key: &str) -> KnativeError {
    error(
        "must be specified with at most second precision".to_string(),
        key,
    )
}

/// `scale-to-zero-pod-retention-period` and `scale-down-delay`: from 0 to `WindowMax`; the delay
/// in whole seconds too (Go's `Round(time.Second) != d`).
fn delay(
    annotations: &Annotations,
    key: &Key,
    whole_seconds: bool,
    errors: &mut Vec<KnativeError>,
) {
    if let Some((k, v)) = get(annotations, key) {
        match parse_duration(v) {
            None => errors.push(invalid(v, k)),
            Some(d) if !(0..=WINDOW_MAX.0).contains(&d) => {
                errors.push(out_of_bounds(v, "0s", WINDOW_MAX.1, k))
            }
            Some(d) if whole_seconds && d % SECOND != 0 => errors.push(precision(k)),
            Some(_) => {}
        }
    }
}

/// The metric must suit the class (the annotation, else the cluster's `pod-autoscaler-class`).
fn metric(annotations: &Annotations, cluster: &ClusterConfig, errors: &mut Vec<KnativeError>) {
    let Some((_, metric)) = get(annotations, &METRIC) else {
        return;
    };
    let class = get(annotations, &CLASS).map_or(cluster.pod_autoscaler_class, |(_, class)| {
        AutoscalerClass::from_name(class)
    });
    let valid = match class {
        AutoscalerClass::Kpa => matches!(metric, "concurrency" | "rps"),
        AutoscalerClass::Hpa => !metric.is_empty(),
        AutoscalerClass::Other => true,
    };
    if !valid {
        errors.push(invalid(metric, METRIC.0));
    }
}

/// Checked only when the class annotation itself is KPA (custom autoscalers have their own).
fn algorithm(annotations: &Annotations, errors: &mut Vec<KnativeError>) {
    if get(annotations, &CLASS).map(|(_, class)| class) != Some(AutoscalerClass::KPA) {
        return;
    }
    if let Some((k, v)) = get(annotations, &ALGORITHM)
        && !v.is_empty()
        && !matches!(v, "linear" | "weighted-exponential" | "weightedExponential")
    {
        errors.push(invalid(v, k));
    }
}

/// `strconv.Atoi`: an int64 here, so Knative admits values above int32 (the policy's own rule 2
/// is stricter).
fn initial_scale(
    annotations: &Annotations,
    cluster: &ClusterConfig,
    errors: &mut Vec<KnativeError>,
) {
    if let Some((k, v)) = get(annotations, &INITIAL_SCALE) {
        match parse_int(v, 64) {
            Err(_) => errors.push(invalid(v, k)),
            Ok(value) if value < 0 => {
                errors.push(invalid(v, &format!("{k} must be greater than 0")))
            }
            Ok(0) if !cluster.allow_zero_initial_scale => {
                errors.push(invalid(v, &format!("{k}=0 not allowed by cluster")))
            }
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Knative's own table (`annotation_validation_test.go`, v1.23.0), one row a case: the
    /// annotations as `name=value;...` (names under `autoscaling.knative.dev/`), and Knative's
    /// errors, one a line, paths relative to the annotations.
    const ROWS: &[(&str, &str, &str)] = &[
        ("empty annotations", "", ""),
        (
            "invalid class",
            "class=unsupported.knative.dev",
            "invalid value: unsupported.knative.dev: autoscaling.knative.dev/class",
        ),
        (
            "non-knative.dev domain class",
            "class=some.other.domain",
            "",
        ),
        ("minScale is 0", "min-scale=0", ""),
        ("maxScale is 0", "max-scale=0", ""),
        (
            "minScale is -1",
            "min-scale=-1",
            "expected 0 <= -1 <= 2147483647: autoscaling.knative.dev/min-scale",
        ),
        (
            "maxScale is huuuuuuuge",
            "max-scale=2147483648",
            "expected 0 <= 2147483648 <= 2147483647: autoscaling.knative.dev/max-scale",
        ),
        (
            "minScale is foo",
            "min-scale=foo",
            "invalid value: foo: autoscaling.knative.dev/min-scale",
        ),
        (
            "the alias is read",
            "minScale=foo",
            "invalid value: foo: autoscaling.knative.dev/minScale",
        ),
        (
            "minScale is 2, maxScale is 5",
            "min-scale=2;max-scale=5",
            "",
        ),
        (
            "minScale is 5, maxScale is 2",
            "min-scale=5;max-scale=2",
            "max-scale=2 is less than min-scale=5: autoscaling.knative.dev/max-scale, autoscaling.knative.dev/min-scale",
        ),
        (
            "min-scale, activation-scale, max-scale all set appropriately",
            "min-scale=1;activation-scale=2;max-scale=3",
            "",
        ),
        (
            "min-scale is greater than activation-scale",
            "min-scale=3;activation-scale=2",
            "min-scale=3 is greater than activation-scale=2: autoscaling.knative.dev/activation-scale",
        ),
        (
            "max-scale is less than activation-scale",
            "max-scale=1;activation-scale=2",
            "max-scale=1 is less than activation-scale=2: autoscaling.knative.dev/activation-scale",
        ),
        (
            "activation-scale is 1",
            "activation-scale=1",
            "activation-scale=1 must be greater than 1: autoscaling.knative.dev/activation-scale",
        ),
        (
            "valid algorithm on KPA",
            "metric-aggregation-algorithm=linear;class=kpa.autoscaling.knative.dev",
            "",
        ),
        (
            "empty algorithm",
            "metric-aggregation-algorithm=;class=kpa.autoscaling.knative.dev",
            "",
        ),
        (
            "random algorithm on KPA",
            "metric-aggregation-algorithm=random-selection;class=kpa.autoscaling.knative.dev",
            "invalid value: random-selection: autoscaling.knative.dev/metric-aggregation-algorithm",
        ),
        (
            "random algorithm on non KPA",
            "metric-aggregation-algorithm=random-selection;class=of-keys",
            "",
        ),
        (
            "panic window percentage bad",
            "panic-window-percentage=-1",
            "expected 1 <= -1 <= 100: autoscaling.knative.dev/panic-window-percentage",
        ),
        (
            "panic window percentage bad2",
            "panic-window-percentage=202",
            "expected 1 <= 202 <= 100: autoscaling.knative.dev/panic-window-percentage",
        ),
        (
            "panic window percentage bad3",
            "panic-window-percentage=fifty",
            "invalid value: fifty: autoscaling.knative.dev/panic-window-percentage",
        ),
        (
            "panic threshold percentage good",
            "panic-threshold-percentage=210",
            "",
        ),
        (
            "panic threshold percentage bad2",
            "panic-threshold-percentage=109",
            "expected 110 <= 109 <= 1000: autoscaling.knative.dev/panic-threshold-percentage",
        ),
        (
            "panic threshold percentage bad2.5",
            "panic-threshold-percentage=10009",
            "expected 110 <= 10009 <= 1000: autoscaling.knative.dev/panic-threshold-percentage",
        ),
        (
            "target negative",
            "target=-11",
            "target -11 should be at least 0.01: autoscaling.knative.dev/target",
        ),
        (
            "target 0",
            "target=0",
            "target 0 should be at least 0.01: autoscaling.knative.dev/target",
        ),
        (
            "invalid target",
            "target=100}",
            "invalid value: 100}: autoscaling.knative.dev/target",
        ),
        ("target okay", "target=11", ""),
        (
            "TBC negative",
            "target-burst-capacity=-11",
            "invalid value: -11: autoscaling.knative.dev/target-burst-capacity",
        ),
        ("TBC 0", "target-burst-capacity=0", ""),
        ("TBC -1", "target-burst-capacity=-1", ""),
        (
            "TBC invalid",
            "target-burst-capacity=qarashen",
            "invalid value: qarashen: autoscaling.knative.dev/target-burst-capacity",
        ),
        (
            "TU too small",
            "target-utilization-percentage=0",
            "expected 1 <= 0 <= 100: autoscaling.knative.dev/target-utilization-percentage",
        ),
        (
            "TU too big",
            "target-utilization-percentage=101",
            "expected 1 <= 101 <= 100: autoscaling.knative.dev/target-utilization-percentage",
        ),
        (
            "TU invalid",
            "target-utilization-percentage=dghyak",
            "invalid value: dghyak: autoscaling.knative.dev/target-utilization-percentage",
        ),
        (
            "window invalid",
            "window=jerry-was-a-racecar-driver",
            "invalid value: jerry-was-a-racecar-driver: autoscaling.knative.dev/window",
        ),
        (
            "window too short",
            "window=1s",
            "expected 6s <= 1s <= 1h0m0s: autoscaling.knative.dev/window",
        ),
        (
            "window too long",
            "window=365h",
            "expected 6s <= 365h <= 1h0m0s: autoscaling.knative.dev/window",
        ),
        (
            "window too precise",
            "window=1m9s82ms",
            "must be specified with at most second precision: autoscaling.knative.dev/window",
        ),
        (
            "window valid for class KPA",
            "window=7s;class=kpa.autoscaling.knative.dev",
            "",
        ),
        ("window valid for another class", "window=7s;class=test", ""),
        (
            "valid 0 last pod scaledown timeout",
            "scale-to-zero-pod-retention-period=0",
            "",
        ),
        (
            "valid positive last pod scaledown timeout",
            "scale-to-zero-pod-retention-period=21m31s",
            "",
        ),
        (
            "invalid positive last pod scaledown timeout",
            "scale-to-zero-pod-retention-period=311m",
            "expected 0s <= 311m <= 1h0m0s: autoscaling.knative.dev/scale-to-zero-pod-retention-period",
        ),
        (
            "invalid negative last pod scaledown timeout",
            "scale-to-zero-pod-retention-period=-42s",
            "expected 0s <= -42s <= 1h0m0s: autoscaling.knative.dev/scale-to-zero-pod-retention-period",
        ),
        (
            "invalid last pod scaledown timeout",
            "scale-to-zero-pod-retention-period=twenty-two-minutes",
            "invalid value: twenty-two-minutes: autoscaling.knative.dev/scale-to-zero-pod-retention-period",
        ),
        ("valid 0 scale down delay", "scale-down-delay=0", ""),
        (
            "valid positive scale down delay",
            "scale-down-delay=21m31s",
            "",
        ),
        (
            "invalid positive scale down delay",
            "scale-down-delay=311m",
            "expected 0s <= 311m <= 1h0m0s: autoscaling.knative.dev/scale-down-delay",
        ),
        (
            "scale down delay too precise",
            "scale-down-delay=42.5s",
            "must be specified with at most second precision: autoscaling.knative.dev/scale-down-delay",
        ),
        (
            "invalid negative scale down delay",
            "scale-down-delay=-42s",
            "expected 0s <= -42s <= 1h0m0s: autoscaling.knative.dev/scale-down-delay",
        ),
        (
            "all together now, succeed",
            "panic-threshold-percentage=125;panic-window-percentage=75;min-scale=5;max-scale=8;window=1984s",
            "",
        ),
        (
            "all together now fail",
            "panic-threshold-percentage=fifty;panic-window-percentage=-11;min-scale=-4;max-scale=never",
            "expected 0 <= -4 <= 2147483647: autoscaling.knative.dev/min-scale\ninvalid value: never: autoscaling.knative.dev/max-scale\nexpected 1 <= -11 <= 100: autoscaling.knative.dev/panic-window-percentage\ninvalid value: fifty: autoscaling.knative.dev/panic-threshold-percentage",
        ),
        (
            "invalid metric for default class (KPA)",
            "metric=cpu",
            "invalid value: cpu: autoscaling.knative.dev/metric",
        ),
        (
            "invalid metric for HPA class",
            "metric=;class=hpa.autoscaling.knative.dev",
            "invalid value: : autoscaling.knative.dev/metric",
        ),
        ("valid class KPA with metric RPS", "metric=rps", ""),
        (
            "valid class KPA with metric Concurrency",
            "metric=concurrency",
            "",
        ),
        (
            "valid class HPA with metric CPU",
            "class=hpa.autoscaling.knative.dev;metric=cpu",
            "",
        ),
        ("other than HPA and KPA class", "class=other;metric=rps", ""),
        (
            "initial scale is zero but cluster doesn't allow",
            "initial-scale=0",
            "invalid value: 0: autoscaling.knative.dev/initial-scale=0 not allowed by cluster",
        ),
        (
            "initial scale is negative",
            "initial-scale=-1",
            "invalid value: -1: autoscaling.knative.dev/initial-scale must be greater than 0",
        ),
        (
            "initial scale above int32 (Knative admits it)",
            "initial-scale=3000000000",
            "",
        ),
    ];

    fn annotations(pairs: &str) -> Annotations {
        pairs
            .split(';')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("name=value");
                (format!("autoscaling.knative.dev/{k}"), v.to_string())
            })
            .collect()
    }

    fn errors(pairs: &str, cluster: &ClusterConfig) -> String {
        let found: Vec<String> = validate(&annotations(pairs), cluster)
            .iter()
            .map(KnativeError::to_string)
            .collect();
        found.join("\n")
    }

    #[test]
    fn knatives_own_table() {
        let failures: Vec<String> = ROWS
            .iter()
            .filter_map(|(name, pairs, expected)| {
                let got = errors(pairs, &ClusterConfig::default());
                (got != *expected).then(|| format!("{name}: got {got:?}, expected {expected:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    // Section 4: a message repeats at most the value, quoted and cut, never a long or
    // multi-line text as it came.
    #[test]
    fn long_or_odd_values_are_quoted_and_cut() {
        let long = format!("window={}", "9".repeat(500));
        let text = errors(&long, &ClusterConfig::default());
        assert!(
            text.starts_with(&format!(
                "invalid value: \"{}\"... (500 characters)",
                "9".repeat(64)
            )),
            "{text}"
        );
        let odd = errors("target=1\n2", &ClusterConfig::default());
        assert_eq!(
            odd,
            "invalid value: \"1\\n2\": autoscaling.knative.dev/target"
        );
    }

    #[test]
    fn the_cluster_settings_knative_reads() {
        let limited = ClusterConfig {
            max_scale: 5,
            max_scale_limit: 10,
            ..ClusterConfig::default()
        };
        assert_eq!(
            errors("max-scale=11", &limited),
            "expected 1 <= 11 <= 10: autoscaling.knative.dev/max-scale"
        );
        assert_eq!(
            errors("max-scale=0", &limited),
            "max-scale=0 (unlimited), must be less than 10: autoscaling.knative.dev/max-scale"
        );
        assert_eq!(errors("max-scale=10", &limited), "");
        let hpa = ClusterConfig {
            pod_autoscaler_class: AutoscalerClass::Hpa,
            ..ClusterConfig::default()
        };
        assert_eq!(
            errors("metric=cpu", &hpa),
            "",
            "valid global class HPA with metric CPU"
        );
        let zero = ClusterConfig {
            allow_zero_initial_scale: true,
            ..ClusterConfig::default()
        };
        assert_eq!(errors("initial-scale=0", &zero), "");
    }
}
