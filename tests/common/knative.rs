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

/// What the policy promises beyond Knative's rules: all three kebab keys, canonical int32 text,
/// no aliases, and an initial scale within max.
pub fn policy_promise_errors(annotations: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut values = Vec::new();
    for name in ["min-scale", "max-scale", "initial-scale"] {
        let key = format!("autoscaling.knative.dev/{name}");
        match annotations.get(&key).and_then(Value::as_str) {
            Some(text) => match go_parse(text, 32) {
                Some(v) if v >= 0 && v.to_string() == text => values.push(v),
                _ => errors.push(format!("{key}={text:?} is not canonical int32 text")),
            },
            None => errors.push(format!("{key} is missing")),
        }
    }
    for alias in ["minScale", "maxScale", "initialScale"] {
        if annotations.contains_key(&format!("autoscaling.knative.dev/{alias}")) {
            errors.push(format!("alias {alias} is still present"));
        }
    }
    if let [_, max, initial] = values[..]
        && max > 0
        && initial > max
    {
        errors.push(format!("initial-scale {initial} is above max-scale {max}"));
    }
    errors
}
