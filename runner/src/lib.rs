//! A small waPC host for Kubewarden policies: it loads a policy module with the same crates as
//! Kubewarden's policy evaluator (`wapc` and `wasmtime-provider`), calls it the way the policy server
//! does (a fresh instance per evaluation, WASI with default parameters), and renders the answer the
//! way `kwctl run` prints it.

pub mod bench;
pub mod capabilities;
pub mod metadata;
pub mod policy;
pub mod response;

pub use capabilities::HostCapabilities;
pub use policy::{Policy, SettingsVerdict};
pub use response::AdmissionResponse;
