//! Kubewarden policy: explicit, admissible Knative scale bounds on every Service and Configuration.
//! This file only declares the floors and registers the waPC functions:
//!
//! - `rules/`: the pure rules of resolution-rules.md (no JSON, no SDK);
//! - `wire/`: the JSON text in and out (the request read in one pass, the splice, the response);
//! - `kserve/`: InferenceServices and InferenceGraphs, projected and checked;
//! - `config/`: the settings and the live config-autoscaler;
//! - `verdict`: what the policy answers (accept, mutate, reject, warnings);
//! - `admission`: the decision; `wapc`: the waPC functions on Kubewarden's SDK.

pub mod admission;
pub mod config;
pub mod kserve;
mod log;
pub mod rules;
pub mod verdict;
#[cfg(feature = "wapc")]
pub mod wapc;
pub mod wire;

#[cfg(feature = "wapc")]
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    use kubewarden_policy_sdk::protocol_version_guest;
    use kubewarden_policy_sdk::wapc_guest::register_function;

    register_function("validate", wapc::validate);
    register_function("validate_settings", wapc::validate_settings);
    register_function("protocol_version", protocol_version_guest);
}
