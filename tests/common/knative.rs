//! Knative's validation of a template's scale annotations, written from fact B.1 of the fact
//! sheet (knative/serving `ValidateAnnotations`), plus the policy's own promises on its output.

use serde_json::{Map, Value};

/// The cluster values Knative's validation reads.
#[derive(Clone, Copy, Debug)]
pub struct Cluster {
    pub allow_zero_initial_scale: bool,
    pub max_scale_limit: i64,
}

fn get<'a>(annotations: &'a Map<String, Value>, names: [&str; 2]) -> Option<(String, &'a str)> {
    names.iter().find_map(|name| {
        let key = format!("autoscaling.knative.dev/{name}");
        annotations
            .get(&key)
            .and_then(Value::as_str)
            .map(|v| (key, v))
    })
}

/// Go `strconv.ParseInt(v, 10, bits)`.
fn go_parse(text: &str, bits: u32) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i128 = text.trim_start_matches('+').parse().ok()?;
    let bound = 1i128 << (bits - 1);
    (value >= -bound && value < bound).then_some(value as i64)
}

/// Errors Knative's webhook would return for these template annotations.
pub fn knative_errors(annotations: &Map<String, Value>, cluster: Cluster) -> Vec<String> {
    let mut errors = Vec::new();
    let mut bound = |names: [&str; 2]| -> Option<i64> {
        let (key, text) = get(annotations, names)?;
        match go_parse(text, 32) {
            Some(v) if v >= 0 => Some(v),
            _ => {
                errors.push(format!("invalid value: {text}: {key}"));
                None
            }
        }
    };
    let min = bound(["min-scale", "minScale"]);
    let max = bound(["max-scale", "maxScale"]);
    if let (Some(min), Some(max)) = (min, max)
        && max != 0
        && min > max
    {
        errors.push(format!("max-scale={max} is less than min-scale={min}"));
    }
    if let Some(max) = max {
        let limit = cluster.max_scale_limit;
        if limit > 0 && max > limit {
            errors.push(format!("expected 1 <= {max} <= {limit}: max-scale"));
        }
        if limit > 0 && max == 0 {
            errors.push(format!(
                "max-scale=0 (unlimited), must be less than {limit}"
            ));
        }
    }
    // activation-scale against min and max as written, an absent or invalid one counting as 0
    // (fact B.1.5; `validateMinMaxScale`, one error of the chain).
    if let Some((key, text)) = get(annotations, ["activation-scale", "activation-scale"]) {
        let (min, max) = (min.unwrap_or(0), max.unwrap_or(0));
        match go_parse(text, 32) {
            None => errors.push(format!("invalid value: {text}: {key}")),
            Some(a) if min > a => errors.push(format!(
                "min-scale={min} is greater than activation-scale={a}"
            )),
            Some(a) if max != 0 && max < a => {
                errors.push(format!("max-scale={max} is less than activation-scale={a}"))
            }
            Some(a) if a < 2 => errors.push(format!("activation-scale={a} must be greater than 1")),
            Some(_) => {}
        }
    }
    if let Some((key, text)) = get(annotations, ["initial-scale", "initialScale"]) {
        match go_parse(text, 64) {
            None => errors.push(format!("invalid value: {text}: {key}")),
            Some(v) if v < 0 => errors.push(format!(
                "invalid value: {text}: {key} must be greater than 0"
            )),
            Some(0) if !cluster.allow_zero_initial_scale => {
                errors.push(format!("invalid value: 0: {key}=0 not allowed by cluster"))
            }
            Some(_) => {}
        }
    }
    errors
}

/// What the policy promises beyond Knative's rules: all three kebab keys (min-scale or max-scale
/// may be left absent beside an activation-scale they would conflict with, rule 3.2.4), canonical
/// int32 text, no aliases, and an initial scale within max.
pub fn policy_promise_errors(annotations: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut values = Vec::new();
    let activation = annotations.contains_key("autoscaling.knative.dev/activation-scale");
    for name in ["min-scale", "max-scale", "initial-scale"] {
        let key = format!("autoscaling.knative.dev/{name}");
        match annotations.get(&key).and_then(Value::as_str) {
            Some(text) => match go_parse(text, 32) {
                Some(v) if v >= 0 && v.to_string() == text => values.push(Some(v)),
                _ => errors.push(format!("{key}={text:?} is not canonical int32 text")),
            },
            None if activation && name != "initial-scale" => values.push(None),
            None => errors.push(format!("{key} is missing")),
        }
    }
    for alias in ["minScale", "maxScale", "initialScale"] {
        if annotations.contains_key(&format!("autoscaling.knative.dev/{alias}")) {
            errors.push(format!("alias {alias} is still present"));
        }
    }
    if let [_, Some(max), Some(initial)] = values[..]
        && max > 0
        && initial > max
    {
        errors.push(format!("initial-scale {initial} is above max-scale {max}"));
    }
    errors
}
