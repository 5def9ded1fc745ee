//! The playground's engine: the policy's own resolution core and JSON edge (the
//! `knative-scale-policy` crate without its waPC layer), compiled for the browser.
//! One function: a Service (or a KServe InferenceService or InferenceGraph), the cluster's
//! config-autoscaler and the policy settings in; what the policy does, and what a new revision
//! starts with, Knative alone and with the policy, out. For a KServe object the page shows the
//! answer at `kubectl apply` and, below it, the Knative Service KServe builds for its first
//! serverless component, as the policy will resolve it.

mod behaviour;
mod browser;

use knative_scale_policy::admission::evaluate;
use knative_scale_policy::config::live::cluster_config;
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::kserve::projection::{self, Projection};
use knative_scale_policy::verdict::Outcome;
use knative_scale_policy::wire::json_values::json_map;
use knative_scale_policy::wire::request::Admission;
use serde_json::{Map, Value, json};

/// The page's one question: JSON texts in (www/engine.js reads each editor's YAML or JSON with
/// js-yaml and hands the module JSON), the result as JSON text out.
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
        let object = json("Service", service)?;
        if !object.is_object() {
            return Err(
                "Service: expected a Knative Service or Configuration, or a KServe InferenceService or InferenceGraph"
                    .to_string(),
            );
        }
        let config = json("config-autoscaler", config_autoscaler)?;
        // The whole ConfigMap, or only its data.
        let config_data = match config.get("data") {
            Some(data) if config.get("kind").is_some() || config.get("apiVersion").is_some() => {
                data.clone()
            }
            _ => config,
        };
        let settings = json("settings", settings)?;
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
        request_for(&self.object, "playground-user")
    }

    pub fn explain(&self) -> Value {
        let settings = match Settings::from_json(&self.effective_settings()) {
            Ok(settings) => settings,
            Err(error) => {
                return json!({"verdict": "error", "error": format!("invalid settings: {error}")});
            }
        };
        let live = json!({"data": self.config_data});
        let get_resource = |_: &[u8]| Ok(serde_json::to_vec(&live).unwrap_or_default());
        let cluster = cluster_config(&settings, &mut { get_resource }).cluster;
        let request = self.request();
        let admission = match Admission::from_json(request.clone()) {
            Ok(admission) => admission,
            Err(error) => return json!({"verdict": "error", "error": error}),
        };
        let verdict = evaluate(admission, &settings, get_resource);
        let (name, message, after_object) = match verdict.outcome {
            Outcome::Accept => ("accepted", None, self.object.clone()),
            Outcome::Mutate(object) => match object.to_value() {
                Ok(after) => ("mutated", None, after),
                Err(error) => return json!({"verdict": "error", "error": error.to_string()}),
            },
            Outcome::Reject(message) => ("rejected", Some(message), self.object.clone()),
        };
        let mut result = json!({
            "verdict": name,
            "request": request,
            "settings": self.effective_settings(),
            "message": message,
            "warnings": verdict.warnings,
            "patch": patch(&self.object, &after_object),
        });
        let shown = match self.kserve_service(&cluster) {
            Some((component, service)) => {
                // The Service KServe builds, as the policy will resolve it when KServe creates it.
                let service_request = request_for(
                    &service,
                    "system:serviceaccount:kserve:kserve-controller-manager",
                );
                let Ok(admission) = Admission::from_json(service_request.clone()) else {
                    return json!({"verdict": "error", "error": "the KServe Service could not be built"});
                };
                let resolved = evaluate(admission, &settings, get_resource);
                let (after, admitted) = match resolved.outcome {
                    Outcome::Mutate(object) => match object.to_value() {
                        Ok(after) => (after, true),
                        Err(error) => {
                            return json!({"verdict": "error", "error": error.to_string()});
                        }
                    },
                    Outcome::Accept => (service.clone(), true),
                    Outcome::Reject(_) => (service.clone(), false),
                };
                result["component"] = json!(component);
                result["service_request"] = service_request;
                Some((service, after, admitted))
            }
            None if self.is_kserve() => None,
            None => Some((self.object.clone(), after_object, name != "rejected")),
        };
        if let Some((before_object, after_object, admitted)) = shown {
            let (before, after) = (annotations(&before_object), annotations(&after_object));
            result["knative"] = behaviour::of(&before, &cluster);
            result["policy"] = if admitted {
                behaviour::of(&after, &cluster)
            } else {
                Value::Null
            };
            result["before"] = Value::Object(before);
            result["after"] = Value::Object(after);
        }
        result
    }

    fn is_kserve(&self) -> bool {
        self.object["apiVersion"]
            .as_str()
            .is_some_and(|api_version| api_version.starts_with("serving.kserve.io/"))
    }

    /// The Knative Service KServe builds for the object's first serverless component that is not
    /// stopped (`serving.kserve.io/stop`), if the object is an InferenceService or InferenceGraph.
    fn kserve_service(
        &self,
        cluster: &knative_scale_policy::rules::cluster::ClusterConfig,
    ) -> Option<(&'static str, Value)> {
        if !self.is_kserve() {
            return None;
        }
        let kind = self.object["kind"].as_str().unwrap_or_default();
        let allow_zero = cluster.allow_zero_initial_scale;
        if !matches!(kind, "InferenceService" | "InferenceGraph") {
            return None;
        }
        let projection = projection::project(kind, &self.object, allow_zero);
        let Ok(Projection::Serverless(components)) = projection else {
            return None;
        };
        let component = components
            .into_iter()
            .find(|component| !component.stopped())?;
        let name = self.object["metadata"]["name"].as_str().unwrap_or("model");
        let service_name = match component.name {
            "inferencegraph" => name.to_string(),
            other => format!("{name}-{other}"),
        };
        let service = json!({
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {
                "name": service_name,
                "namespace": self.object["metadata"]["namespace"],
                "ownerReferences": [{
                    "apiVersion": self.object["apiVersion"], "kind": kind, "name": name,
                    "uid": "playground", "controller": true, "blockOwnerDeletion": true
                }]
            },
            "spec": {"template": {"metadata": {"annotations": json_map(&component.annotations)}}}
        });
        Some((component.name, service))
    }
}

/// The AdmissionRequest for a CREATE of `object` by `user`.
fn request_for(object: &Value, user: &str) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = object["kind"].as_str().unwrap_or_default();
    json!({
        "uid": "playground",
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_ascii_lowercase())},
        "operation": "CREATE",
        "userInfo": {"username": user},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"]["namespace"],
        "object": object,
    })
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

/// An editor's text as the page hands it over: JSON (www/engine.js has already read the YAML, and
/// answers `Service: not valid YAML or JSON: ...` itself). No YAML reader in the module: serde_yaml
/// and unsafe-libyaml were a third of it.
fn json(editor: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str::<Value>(text)
        .map_err(|error| format!("{editor}: not valid JSON: {error}"))
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
