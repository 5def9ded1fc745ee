//! What Knative does with a template's scale annotations (fact C of the fact sheet): the pods a
//! new revision starts with, `max(min, initial)` with the cluster's defaults, never capped by max,
//! and its upper bound (0 = unlimited).

use knative_scale_policy::cluster::ClusterConfig;
use knative_scale_policy::keys::{Bound, lookup, parse_go_int32};
use serde_json::{Map, Value, json};

pub struct Behaviour {
    pub start: i64,
    pub upper: i64,
}

impl Behaviour {
    pub fn json(&self) -> Value {
        json!({"start": self.start, "upper": self.upper})
    }
}

/// At run time a value Knative cannot read falls back to the cluster default.
pub fn of(annotations: &Map<String, Value>, cluster: &ClusterConfig) -> Behaviour {
    let read = |bound: Bound| {
        lookup(annotations, bound)
            .and_then(|w| parse_go_int32(w.text).ok())
            .filter(|v| *v >= 0)
    };
    let min = read(Bound::Min).unwrap_or(cluster.min_scale);
    let max = read(Bound::Max).unwrap_or(cluster.max_scale);
    let initial = read(Bound::Initial)
        .filter(|v| *v > 0 || cluster.allow_zero_initial_scale)
        .unwrap_or(cluster.initial_scale);
    Behaviour {
        start: i64::from(min.max(initial)),
        upper: i64::from(max),
    }
}
