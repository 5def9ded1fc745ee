//! A small waPC host for Kubewarden policies: it loads a policy module, calls it the way the
//! policy server does (a fresh instance per evaluation, WASI with default parameters), and renders
//! the answer the way `kwctl run` prints it. It runs modules on `wasmi`, an interpreter that builds
//! quickly; `bench` (feature `wasmtime`) measures them on wasmtime through `wapc` and
//! `wasmtime-provider`, as Kubewarden's policy evaluator runs them.

#[cfg(feature = "wasmtime")]
pub mod bench;
pub mod capabilities;
pub mod metadata;
pub mod policy;
pub mod request;
pub mod response;
mod wasmi_host;

pub use capabilities::HostCapabilities;
pub use policy::{Policy, SettingsVerdict};
pub use request::admission_request;
pub use response::AdmissionResponse;
