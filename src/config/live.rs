//! Context-aware mode: the cluster's config-autoscaler read live through Kubewarden's
//! `kubernetes/get_resource` host capability, with the static `autoscaler` settings as fallback.
//!
//! The fallback is fail-open to what the operator configured, never to a guess: when the
//! ConfigMap cannot be read or Knative would refuse its data, the policy resolves with the static
//! settings, logs why and says so in one admission warning, rather than rejecting every Service
//! or inventing values.

use serde::Serialize;
use serde_json::Value;

use crate::config::settings::{ConfigMapRef, Settings};
use crate::rules::cluster::ClusterConfig;

/// The request the SDK's `kubernetes::get_resource` sends, field for field.
#[derive(Serialize)]
struct GetResourceRequest<'a> {
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: Option<&'a str>,
    disable_cache: bool,
    field_masks: Option<[&'a str; 1]>,
}

pub fn get_resource_payload(reference: &ConfigMapRef) -> Vec<u8> {
    resource_request(
        "ConfigMap",
        &reference.name,
        Some(&reference.namespace),
        "data",
    )
}

/// A `get_resource` request for a core (`v1`) object, pruned to the field at `mask`. The host
/// caches answers for a few seconds; config-autoscaler and Namespaces change rarely.
pub(crate) fn resource_request(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    mask: &str,
) -> Vec<u8> {
    let request = GetResourceRequest {
        api_version: "v1",
        kind,
        name,
        namespace,
        disable_cache: false,
        field_masks: Some([mask]),
    };
    serde_json::to_vec(&request).unwrap_or_default()
}

/// The cluster config to resolve with, and the warning to give when it is the fallback.
pub struct Source {
    pub cluster: ClusterConfig,
    pub fallback_warning: Option<String>,
}

/// `get_resource` answers the host call: the ConfigMap's JSON, or the host's error.
pub fn cluster_config(
    settings: &Settings,
    get_resource: &mut impl FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Source {
    let Some(reference) = &settings.autoscaler_config_map else {
        return Source {
            cluster: settings.autoscaler,
            fallback_warning: None,
        };
    };
    match get_resource(&get_resource_payload(reference)).and_then(|answer| parse(&answer)) {
        Ok(cluster) => Source {
            cluster,
            fallback_warning: None,
        },
        Err(why) => {
            let name = format!("ConfigMap {}/{}", reference.namespace, reference.name);
            // The host's whole error (a 403 from the API server runs to some 600 characters,
            // the policy server adds a backtrace on the next lines) goes to the policy server's
            // log; the warning keeps the start of its first line: kube-apiserver drops a warning
            // that holds a newline.
            crate::log::warning(&format!("{name} could not be used: {why}"));
            Source {
                cluster: settings.autoscaler,
                fallback_warning: Some(format!(
                    "{name} could not be used ({}); scale bounds were resolved with the policy's static autoscaler settings",
                    crate::rules::message::cut(host_reason(&why), 100)
                )),
            }
        }
    }
}

/// What a host's error says, without the wrappers every host error carries (the SDK's
/// "Host error: ", the policy server's "Callback evaluation failure: ") and without the lines
/// after the first (a cause chain, a backtrace).
pub(crate) fn host_reason(error: &str) -> &str {
    let mut reason = crate::rules::message::first_line(error);
    while let Some(rest) = ["Host error: ", "Callback evaluation failure: "]
        .iter()
        .find_map(|wrapper| reason.strip_prefix(wrapper))
    {
        reason = rest;
    }
    reason
}

/// A ConfigMap's `data` as Knative reads it; absent keys take Knative's defaults.
fn parse(answer: &[u8]) -> Result<ClusterConfig, String> {
    let config_map: Value = serde_json::from_slice(answer)
        .map_err(|error| format!("the host's answer is not JSON: {error}"))?;
    if !config_map.is_object() {
        return Err("the host's answer is not a ConfigMap".to_string());
    }
    let data = match config_map.get("data") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(data)) => data.clone(),
        Some(_) => return Err("its data is not a map".to_string()),
    };
    ClusterConfig::from_data(|key| data.get(key).and_then(Value::as_str))
        .map_err(|error| format!("Knative would refuse its data: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context_aware(static_config: ClusterConfig) -> Settings {
        Settings {
            autoscaler: static_config,
            autoscaler_config_map: Some(ConfigMapRef::default()),
            ..Settings::default()
        }
    }

    fn answer(config_map: Value) -> impl FnMut(&[u8]) -> Result<Vec<u8>, String> {
        move |_| Ok(serde_json::to_vec(&config_map).unwrap())
    }

    #[test]
    fn a_host_error_on_several_lines_keeps_its_first_in_the_warning() {
        let error = "Host error: Callback evaluation failure: kube::Client was not initialized properly\n\nStack backtrace:\n   0: <unknown>".to_string();
        let source = cluster_config(&context_aware(ClusterConfig::default()), &mut |_| {
            Err(error.clone())
        });
        assert_eq!(
            source.fallback_warning.unwrap(),
            "ConfigMap knative-serving/config-autoscaler could not be used (kube::Client was not initialized properly); scale bounds were resolved with the policy's static autoscaler settings"
        );
    }

    #[test]
    fn a_long_host_error_is_cut_in_the_warning() {
        let error = format!("ApiError: forbidden: {}", "x".repeat(600));
        let source = cluster_config(&context_aware(ClusterConfig::default()), &mut |_| {
            Err(error.clone())
        });
        let warning = source.fallback_warning.unwrap();
        assert!(warning.len() < 250, "{} characters", warning.len());
        assert!(warning.contains("(ApiError: forbidden: xxx"));
        assert!(warning.contains("...); scale bounds were resolved"));
    }

    #[test]
    fn static_settings_are_used_without_a_host_call_when_the_mode_is_off() {
        let settings = Settings::default();
        let source = cluster_config(&settings, &mut |_| panic!("no host call expected"));
        assert_eq!(source.cluster, ClusterConfig::default());
        assert_eq!(source.fallback_warning, None);
    }

    #[test]
    fn the_request_is_the_sdks_get_resource_request() {
        let payload: Value =
            serde_json::from_slice(&get_resource_payload(&ConfigMapRef::default())).unwrap();
        assert_eq!(
            payload,
            json!({"api_version": "v1", "kind": "ConfigMap", "name": "config-autoscaler",
                   "namespace": "knative-serving", "disable_cache": false, "field_masks": ["data"]})
        );
    }

    #[test]
    fn live_values_win_over_static_ones() {
        let static_config = ClusterConfig {
            max_scale: 3,
            ..ClusterConfig::default()
        };
        let live = json!({"data": {"max-scale": "4", "max-scale-limit": "10", "_example": "..."}});
        let source = cluster_config(&context_aware(static_config), &mut answer(live));
        assert_eq!(source.cluster.max_scale_limit, 10);
        assert_eq!(source.cluster.max_scale, 4);
        assert_eq!(source.fallback_warning, None);
    }

    #[test]
    fn keys_the_configmap_lacks_take_knative_defaults() {
        let static_config = ClusterConfig {
            initial_scale: 5,
            ..ClusterConfig::default()
        };
        let source = cluster_config(
            &context_aware(static_config),
            &mut answer(json!({"metadata": {}})),
        );
        assert_eq!(source.cluster, ClusterConfig::default());
    }

    #[test]
    fn a_host_error_falls_back_to_static_settings_with_a_warning() {
        let static_config = ClusterConfig {
            initial_scale: 5,
            ..ClusterConfig::default()
        };
        let source = cluster_config(&context_aware(static_config), &mut |_| {
            Err("Policy has not been granted access to Kubernetes v1/ConfigMap resources".into())
        });
        assert_eq!(source.cluster, static_config);
        assert_eq!(
            source.fallback_warning.unwrap(),
            "ConfigMap knative-serving/config-autoscaler could not be used (Policy has not been granted access to Kubernetes v1/ConfigMap resources); scale bounds were resolved with the policy's static autoscaler settings"
        );
    }

    #[test]
    fn invalid_live_data_falls_back_to_static_settings_with_a_warning() {
        let static_config = ClusterConfig {
            max_scale: 2,
            ..ClusterConfig::default()
        };
        for bad in [
            json!({"data": {"initial-scale": "0"}}),
            json!({"data": {"max-scale": "ten"}}),
            json!({"data": ["x"]}),
            json!("not a configmap"),
        ] {
            let source = cluster_config(&context_aware(static_config), &mut answer(bad.clone()));
            assert_eq!(source.cluster, static_config, "{bad}");
            assert!(source.fallback_warning.is_some(), "{bad}");
        }
        let source = cluster_config(&context_aware(static_config), &mut |_| Ok(b"\xff".to_vec()));
        assert!(source.fallback_warning.unwrap().contains("not JSON"));
    }
}
