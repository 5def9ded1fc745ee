//! Kubewarden policy: explicit, admissible Knative scale bounds on every Service and Configuration.
//! This file only registers the waPC functions; the rules live in the modules below.

pub mod admission;
pub mod cluster;
pub mod envelope;
mod fields;
pub mod keys;
pub mod kserve;
pub mod kserve_admission;
pub mod live_config;
mod log;
pub mod message;
mod object_view;
pub mod plan;
pub mod record;
pub mod resolve;
pub mod settings;
mod splice;
pub mod template;
#[cfg(feature = "wapc")]
pub mod wapc;

#[cfg(feature = "wapc")]
#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    use kubewarden_policy_sdk::protocol_version_guest;
    use kubewarden_policy_sdk::wapc_guest::register_function;

    register_function("validate", wapc::validate);
    register_function("validate_settings", wapc::validate_settings);
    register_function("protocol_version", protocol_version_guest);
}
