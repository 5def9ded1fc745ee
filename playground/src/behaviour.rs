//! What Knative does with a template's scale annotations, as the page pictures it: the core's
//! `knative_alone` on the values Knative can read (at run time a value it cannot read falls back
//! to the cluster's default).

use knative_scale_policy::rules::annotations::Annotations;
use knative_scale_policy::rules::cluster::ClusterConfig;
use knative_scale_policy::rules::keys::{Bound, lookup, parse_go_int32};
use knative_scale_policy::rules::resolve::{UserBounds, knative_alone};
use serde_json::{Map, Value, json};

/// `{"start": pods a new revision starts with, "upper": its upper bound (0 = unlimited)}`.
pub fn of(annotations: &Map<String, Value>, cluster: &ClusterConfig) -> Value {
    // A value that is not a string is no annotation Knative can read.
    let annotations: Annotations = annotations
        .iter()
        .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
        .collect();
    let read = |bound: Bound| {
        lookup(&annotations, bound)
            .and_then(|w| parse_go_int32(w.text).ok())
            .filter(|v| *v >= 0)
    };
    let user = UserBounds {
        min: read(Bound::Min),
        max: read(Bound::Max),
        initial: read(Bound::Initial),
        activation: None,
    };
    let behaviour = knative_alone(user, cluster);
    json!({"start": behaviour.start, "upper": behaviour.upper})
}
