//! Where the cluster's values come from: the policy's settings (`settings`), and in context-aware
//! mode the live config-autoscaler ConfigMap read through the host (`live`); a namespace's own
//! defaults and cap from the settings (`namespaces`) and its Namespace's annotations
//! (`tenancy`); the named autoscaling profiles (`profiles`).

pub mod live;
pub mod namespaces;
pub mod profiles;
pub mod settings;
pub mod tenancy;
pub mod values;
