//! Shared by the integration tests: the built policy module in a waPC host, the request and
//! settings fixtures, and Knative's own validation of scale annotations (fact B.1).
#![allow(dead_code)]

pub mod generate;
pub mod knative;
pub mod native;
pub mod owned;
pub mod rules_table;

use std::path::PathBuf;
use std::sync::OnceLock;

use policy_runner::{AdmissionResponse, Policy};
use serde_json::{Map, Value};

#[allow(unused_imports)]
pub use owned::{PREFIX, RECORD_KEY};

/// A path in the repository, from the policy crate or from a crate of the workspace below it.
fn repo_path(relative: &str) -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = match manifest.join("policy.yaml").exists() {
        true => manifest.clone(),
        false => manifest.parent().map(PathBuf::from).unwrap_or(manifest),
    };
    root.join(relative)
}

/// The module that ships: `policy.wasm`, built by `make policy.wasm` (or `$POLICY_WASM`).
pub fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let path = std::env::var("POLICY_WASM")
            .map(PathBuf::from)
            .unwrap_or_else(|_| repo_path("policy.wasm"));
        let bytes = std::fs::read(&path).unwrap_or_else(|error| {
            panic!(
                "cannot read {}: {error}; build it first with `make policy.wasm`",
                path.display()
            )
        });
        Policy::from_bytes(&bytes).expect("the policy module compiles")
    })
}

pub fn request(name: &str) -> Value {
    let path = repo_path(&format!("tests/fixtures/requests/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

pub fn settings(name: &str) -> Value {
    let path = repo_path(&format!("tests/fixtures/settings/{name}.yaml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: Value = serde_yaml::from_str(&text).unwrap();
    if value.is_null() {
        Value::Object(Map::new())
    } else {
        value
    }
}

/// One evaluation through the .wasm, as the policy server does it, plus the AdmissionResponse
/// kwctl would print for it.
pub struct Evaluation {
    pub request: Value,
    pub validation: Value,
    pub admission: AdmissionResponse,
}

pub fn evaluate(request: &Value, settings: &Value) -> Evaluation {
    evaluate_with(policy(), request, settings)
}

/// `evaluate` with a policy of the caller's (other host capabilities).
pub fn evaluate_with(policy: &Policy, request: &Value, settings: &Value) -> Evaluation {
    let validation = policy
        .validate(request, settings)
        .unwrap_or_else(|error| panic!("the policy trapped or failed: {error:#}"));
    let admission = AdmissionResponse::from_validation(request, &validation);
    Evaluation {
        request: request.clone(),
        validation,
        admission,
    }
}

pub fn evaluate_fixture(request_name: &str, settings_name: &str) -> Evaluation {
    evaluate(&request(request_name), &settings(settings_name))
}

impl Evaluation {
    pub fn accepted(&self) -> bool {
        self.validation["accepted"] == true
    }

    pub fn mutated(&self) -> bool {
        self.admission.patch.is_some()
    }

    pub fn message(&self) -> String {
        self.validation["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn warnings(&self) -> Vec<String> {
        self.admission.warnings.clone().unwrap_or_default()
    }

    /// The object the API server stores: the mutated object, or the request's when unchanged.
    pub fn object(&self) -> Value {
        match &self.validation["mutated_object"] {
            Value::Null => self.request["object"].clone(),
            mutated => mutated.clone(),
        }
    }

    pub fn annotations(&self) -> Map<String, Value> {
        template_annotations(&self.object())
    }

    /// The three scale keys, without their prefix, as written on the template.
    pub fn scale(&self) -> [Option<String>; 3] {
        let annotations = self.annotations();
        ["min-scale", "max-scale", "initial-scale"].map(|k| {
            annotations
                .get(&format!("{PREFIX}{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
    }

    pub fn scale_is(&self, min: &str, max: &str, initial: &str) -> bool {
        self.scale() == [Some(min.into()), Some(max.into()), Some(initial.into())]
    }

    pub fn patch(&self) -> Value {
        self.admission.patch_operations().unwrap_or(Value::Null)
    }

    /// The same request, carrying this evaluation's output as an UPDATE.
    pub fn as_update(&self) -> Value {
        let mut next = self.request.clone();
        next["operation"] = "UPDATE".into();
        next["oldObject"] = self.object();
        next["object"] = self.object();
        next
    }
}

pub fn template_annotations(object: &Value) -> Map<String, Value> {
    object
        .pointer("/spec/template/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}
