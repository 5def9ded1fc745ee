//! The playground's engine: the policy's own resolution core and JSON edge (the
//! `knative-scale-policy` crate without its waPC layer), compiled for the browser.
//! One function: a Service, the cluster's config-autoscaler and the policy settings in; what the
//! policy does, and what a new revision starts with, Knative alone and with the policy, out.

mod behaviour;

use knative_scale_policy::admission::{Admission, Outcome, evaluate};
use knative_scale_policy::live_config::cluster_config;
use knative_scale_policy::settings::Settings;
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::wasm_bindgen;

/// The browser entry point: YAML or JSON texts in, the result as JSON text out.
#[wasm_bindgen]
pub fn explain(service: &str, config_autoscaler: &str, settings: &str) -> String {
    let result = match Inputs::parse(service, config_autoscaler, settings) {
        Ok(inputs) => inputs.explain(),
        Err(error) => json!({"verdict": "error", "error": error}),
    };
    result.to_string()
}

/// The three editors' contents, parsed.
pub struct Inputs {
    pub object: Value,
    pub config_data: Value,
    pub settings: Value,
}

impl Inputs {
    pub fn parse(service: &str, config_autoscaler: &str, settings: &str) -> Result<Inputs, String> {
        let object = yaml("Service", service)?;
        if !object.is_object() {
            return Err("Service: expected a Knative Service or Configuration".to_string());
        }
        let config = yaml("config-autoscaler", config_autoscaler)?;
        // The whole ConfigMap, or only its data.
        let config_data = match config.get("data") {
            Some(data) if config.get("kind").is_some() || config.get("apiVersion").is_some() => {
                data.clone()
            }
            _ => config,
        };
        let settings = yaml("settings", settings)?;
        Ok(Inputs {
            object,
            config_data: or_empty(config_data),
            settings: or_empty(settings),
        })
    }

    /// The policy settings it will evaluate with: the config-autoscaler data is the static
    /// `autoscaler` setting, or, in context-aware mode, the ConfigMap the host answers with.
    pub fn effective_settings(&self) -> Value {
        let mut settings = self.settings.clone();
        if settings
            .get("autoscalerConfigMap")
            .is_none_or(Value::is_null)
        {
            settings["autoscaler"] = self.config_data.clone();
        }
        settings
    }

    /// The AdmissionRequest the policy server would send for `kubectl apply` of the object.
    pub fn request(&self) -> Value {
        let api_version = self.object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let kind = self.object["kind"].as_str().unwrap_or_default();
        json!({
            "uid": "playground",
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "operation": "CREATE",
            "userInfo": {"username": "playground-user"},
            "name": self.object["metadata"]["name"],
            "namespace": self.object["metadata"]["namespace"],
            "object": self.object,
        })
    }

    pub fn explain(&self) -> Value {
        let settings = match Settings::from_json(&self.effective_settings()) {
            Ok(settings) => settings,
            Err(error) => return json!({"verdict": "error", "error": format!("settings: {error}")}),
        };
        let live = json!({"data": self.config_data});
        let get_resource = |_: &[u8]| Ok(serde_json::to_vec(&live).unwrap_or_default());
        let cluster = cluster_config(&settings, get_resource).cluster;
        let admission = match Admission::from_json(self.request()) {
            Ok(admission) => admission,
            Err(error) => return json!({"verdict": "error", "error": error}),
        };
        let verdict = evaluate(admission, &settings, get_resource);
        let before = annotations(&self.object);
        let knative = behaviour::of(&before, &cluster);
        let (name, message, after_object) = match verdict.outcome {
            Outcome::Accept => ("accepted", None, self.object.clone()),
            Outcome::Mutate(object) => ("mutated", None, object),
            Outcome::Reject(message) => ("rejected", Some(message), self.object.clone()),
        };
        let after = annotations(&after_object);
        let with_policy = (name != "rejected").then(|| behaviour::of(&after, &cluster).json());
        json!({
            "verdict": name,
            "request": self.request(),
            "settings": self.effective_settings(),
            "message": message,
            "warnings": verdict.warnings,
            "before": before,
            "after": after,
            "patch": patch(&self.object, &after_object),
            "knative": knative.json(),
            "policy": with_policy,
        })
    }
}

/// The JSON patch from `before` to `after`, which differ in the template annotations only (the
/// policy changes nothing else), with the operations Kubewarden's host would compute.
fn patch(before: &Value, after: &Value) -> Vec<Value> {
    const PATH: &str = "/spec/template/metadata/annotations";
    let (old, new) = (before.pointer(PATH), after.pointer(PATH));
    let (Some(Value::Object(old)), Some(Value::Object(new))) = (old, new) else {
        return match new {
            Some(new) if old != Some(new) => vec![json!({"op": "add", "path": PATH, "value": new})],
            _ => Vec::new(),
        };
    };
    let path = |key: &str| format!("{PATH}/{}", key.replace('~', "~0").replace('/', "~1"));
    let removed = old
        .keys()
        .filter(|key| !new.contains_key(*key))
        .map(|key| json!({"op": "remove", "path": path(key)}));
    let written = new.iter().filter_map(|(key, value)| match old.get(key) {
        None => Some(json!({"op": "add", "path": path(key), "value": value})),
        Some(previous) if previous != value => {
            Some(json!({"op": "replace", "path": path(key), "value": value}))
        }
        Some(_) => None,
    });
    written.chain(removed).collect()
}

fn yaml(editor: &str, text: &str) -> Result<Value, String> {
    serde_yaml::from_str::<Value>(text)
        .map_err(|error| format!("{editor}: not valid YAML or JSON: {error}"))
}

fn or_empty(value: Value) -> Value {
    if value.is_null() {
        Value::Object(Map::new())
    } else {
        value
    }
}

fn annotations(object: &Value) -> Map<String, Value> {
    object
        .pointer("/spec/template/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}
