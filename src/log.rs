//! Policy logs through Kubewarden's `tracing/log` host capability, in the record format of the
//! SDK's `KubewardenDrain` (level, message, file, line, column, and the policy's name). Written
//! without slog, which would cost about 30 KB of the module for a few lines per evaluation, and
//! without its `Fuse`, which panics (a trap) when the host refuses a log line.

use serde_json::json;

#[track_caller]
pub fn info(message: &str) {
    send("info", message, std::panic::Location::caller());
}

#[track_caller]
pub fn warning(message: &str) {
    send("warning", message, std::panic::Location::caller());
}

fn send(level: &str, message: &str, location: &std::panic::Location<'_>) {
    let record = json!({
        "level": level,
        "message": message,
        "file": location.file(),
        "line": location.line(),
        "column": location.column(),
        "policy": "knative-scale-policy",
    });
    // Natively (unit tests) and in the browser playground there is no host to log to.
    #[cfg(all(feature = "wapc", target_arch = "wasm32"))]
    {
        let bytes = serde_json::to_vec(&record).unwrap_or_default();
        let _ =
            kubewarden_policy_sdk::wapc_guest::host_call("kubewarden", "tracing", "log", &bytes);
    }
    #[cfg(not(all(feature = "wapc", target_arch = "wasm32")))]
    drop(record);
}
