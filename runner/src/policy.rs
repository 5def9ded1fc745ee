use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::capabilities::HostCapabilities;
use crate::wasmi_host::WasmiModule;

/// A compiled policy module. Compiling happens once; every call gets a fresh instance, as in
/// Kubewarden's policy server, so no state survives from one evaluation to the next.
pub struct Policy {
    module: WasmiModule,
    capabilities: Arc<HostCapabilities>,
    metadata: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct SettingsVerdict {
    pub valid: bool,
    pub message: Option<String>,
}

impl Policy {
    /// Loads a module from a path or a `file://` URI.
    pub fn load(module: &str) -> Result<Policy> {
        let path = module.strip_prefix("file://").unwrap_or(module);
        let bytes = std::fs::read(Path::new(path))
            .with_context(|| format!("cannot read the policy module {path}"))?;
        Policy::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Policy> {
        let metadata = crate::metadata::read(bytes)?;
        Ok(Policy {
            module: WasmiModule::compile(bytes)?,
            capabilities: Arc::new(HostCapabilities::default()),
            metadata,
        })
    }

    /// The Kubewarden metadata embedded by `kwctl annotate`, if any.
    pub fn metadata(&self) -> Option<&Value> {
        self.metadata.as_ref()
    }

    /// The same compiled module with other host capabilities (context-aware access, recorded
    /// answers); compiling is not repeated.
    pub fn with_capabilities(&self, capabilities: HostCapabilities) -> Policy {
        Policy {
            module: self.module.clone(),
            capabilities: Arc::new(capabilities),
            metadata: self.metadata.clone(),
        }
    }

    /// Calls `operation` on a fresh instance (`wapc_init` run first); a recorded session starts
    /// again from its top. A guest error or a trap both come back as `Err`.
    fn call(&self, operation: &str, payload: &[u8]) -> Result<Vec<u8>> {
        self.capabilities.rewind();
        self.module
            .instantiate(Arc::clone(&self.capabilities))?
            .call(operation, payload)
            .map_err(|error| anyhow!("Guest call failure: {error}"))
    }

    pub fn protocol_version(&self) -> Result<String> {
        let answer = self.call("protocol_version", b"")?;
        Ok(serde_json::from_slice(&answer)?)
    }

    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsVerdict> {
        self.validate_settings_raw(&serde_json::to_vec(settings)?)
    }

    /// `validate_settings` with a payload of the caller's making, malformed ones included.
    pub fn validate_settings_raw(&self, payload: &[u8]) -> Result<SettingsVerdict> {
        let answer = self.call("validate_settings", payload)?;
        serde_json::from_slice(&answer).context("the policy's settings verdict is not valid JSON")
    }

    /// The policy's ValidationResponse (`accepted`, `message`, `mutated_object`, `warnings`, ...)
    /// to the request as the host reads it: a request kwctl refuses is refused here too.
    pub fn validate(&self, request: &Value, settings: &Value) -> Result<Value> {
        let request = crate::admission_request(request.clone())?;
        let payload = serde_json::to_vec(&json!({"request": request, "settings": settings}))?;
        self.validate_raw(&payload)
    }

    /// `validate` with a payload of the caller's making, malformed ones included.
    pub fn validate_raw(&self, payload: &[u8]) -> Result<Value> {
        let answer = self.call("validate", payload)?;
        serde_json::from_slice(&answer).context("the policy's answer is not valid JSON")
    }
}
