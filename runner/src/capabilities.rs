//! The host side of the policy's waPC host calls.

use std::error::Error;

type HostResult = Result<Vec<u8>, Box<dyn Error + Send + Sync>>;

#[derive(Debug, Default)]
pub struct HostCapabilities {}

impl HostCapabilities {
    pub fn answer(
        &self,
        binding: &str,
        namespace: &str,
        operation: &str,
        payload: &[u8],
    ) -> HostResult {
        match (binding, namespace, operation) {
            ("kubewarden", "tracing", "log") => {
                log(payload);
                Ok(Vec::new())
            }
            _ => Err(format!("unknown host capability {binding}/{namespace}/{operation}").into()),
        }
    }
}

/// Policy logs go to stderr, one JSON object a line, so that stdout holds only the response.
fn log(payload: &[u8]) {
    eprintln!("{}", String::from_utf8_lossy(payload));
}
