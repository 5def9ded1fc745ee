//! Where the cluster's values come from: the policy's settings (`settings`), and in context-aware
//! mode the live config-autoscaler ConfigMap read through the host (`live`).

pub mod live;
pub mod settings;
