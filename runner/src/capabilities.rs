//! The host side of the policy's waPC host calls: logging, and Kubernetes reads answered from a
//! recorded session (kwctl's `--replay-host-capabilities-interactions` format), gated by the
//! context-aware resources the policy was granted (kwctl's `--allow-context-aware`).

use std::error::Error;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use serde_json::Value;

type HostResult = Result<Vec<u8>, Box<dyn Error + Send + Sync>>;

#[derive(Debug, Default)]
pub struct HostCapabilities {
    /// `(apiVersion, kind)` the policy may read.
    granted: Vec<(String, String)>,
    replay: Option<Replay>,
}

#[derive(Debug)]
struct Replay {
    exchanges: Vec<Exchange>,
    next: Mutex<usize>,
}

#[derive(Debug)]
struct Exchange {
    operation: String,
    request: Value,
    response: Result<Vec<u8>, String>,
}

impl HostCapabilities {
    pub fn grant(mut self, resources: Vec<(String, String)>) -> Self {
        self.granted = resources;
        self
    }

    /// Answers Kubernetes reads from a session file, in order, as kwctl replays them.
    pub fn replay(mut self, session_yaml: &str) -> Result<Self> {
        self.replay = Some(Replay {
            exchanges: parse_session(session_yaml)?,
            next: Mutex::new(0),
        });
        Ok(self)
    }

    /// Starts a session from its beginning again (one evaluation replays it once).
    pub fn rewind(&self) {
        if let Some(replay) = &self.replay {
            *replay.next.lock().unwrap_or_else(|e| e.into_inner()) = 0;
        }
    }

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
            ("kubewarden", "kubernetes", "get_resource") => self.get_resource(payload),
            _ => Err(format!("unknown host capability {binding}/{namespace}/{operation}").into()),
        }
    }

    fn get_resource(&self, payload: &[u8]) -> HostResult {
        let request: Value = serde_json::from_slice(payload)?;
        let api_version = request["api_version"].as_str().unwrap_or_default();
        let kind = request["kind"].as_str().unwrap_or_default();
        let allowed = self
            .granted
            .iter()
            .any(|(v, k)| v == api_version && k == kind);
        if !allowed {
            return Err(format!(
                "Policy has not been granted access to Kubernetes {api_version}/{kind} resources. The violation has been reported."
            )
            .into());
        }
        let Some(replay) = &self.replay else {
            return Err("no Kubernetes cluster: give recorded answers with --replay-host-capabilities-interactions".into());
        };
        let mut next = replay.next.lock().unwrap_or_else(|e| e.into_inner());
        let exchange = replay
            .exchanges
            .get(*next)
            .ok_or("Replay error: no more recorded interactions")?;
        if exchange.operation != "KubernetesGetResource"
            || !same_request(&exchange.request, &request)
        {
            return Err(format!(
                "Replay error: unexpected request {request}, the session expects {} {}",
                exchange.operation, exchange.request
            )
            .into());
        }
        *next += 1;
        // The policy server's callback handler reports a failed Kubernetes read this way.
        exchange
            .response
            .clone()
            .map_err(|message| format!("Callback evaluation failure: {message}").into())
    }
}

/// Equal field by field, a missing field counting as null.
fn same_request(recorded: &Value, actual: &Value) -> bool {
    let (Some(recorded), Some(actual)) = (recorded.as_object(), actual.as_object()) else {
        return false;
    };
    let keys = recorded.keys().chain(actual.keys());
    keys.into_iter().all(|key| {
        recorded.get(key).unwrap_or(&Value::Null) == actual.get(key).unwrap_or(&Value::Null)
    })
}

/// A YAML list of `{type: Exchange, request: "!Operation\n<yaml>", response: {type: Success,
/// payload: <json text>} | {type: Error, message: <text>}}`.
fn parse_session(text: &str) -> Result<Vec<Exchange>> {
    let entries: Vec<Value> =
        serde_yaml::from_str(text).context("the session is not a YAML list")?;
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let at = || format!("session entry {index}");
            if entry["type"] != "Exchange" {
                bail!("{}: type must be Exchange", at());
            }
            let request_text = entry["request"]
                .as_str()
                .with_context(|| format!("{}: request must be a string", at()))?;
            let (tag, body) = request_text
                .strip_prefix('!')
                .and_then(|rest| rest.split_once('\n'))
                .with_context(|| format!("{}: request must start with a !Operation tag", at()))?;
            let request: Value = serde_yaml::from_str(body)
                .with_context(|| format!("{}: request is not YAML", at()))?;
            let response = match entry["response"]["type"].as_str() {
                Some("Success") => Ok(entry["response"]["payload"]
                    .as_str()
                    .with_context(|| format!("{}: a Success response needs a payload", at()))?
                    .as_bytes()
                    .to_vec()),
                Some("Error") => Err(entry["response"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()),
                _ => bail!("{}: response type must be Success or Error", at()),
            };
            Ok(Exchange {
                operation: tag.trim().to_string(),
                request,
                response,
            })
        })
        .collect()
}

/// Policy logs go to stderr, one JSON object a line, so that stdout holds only the response.
fn log(payload: &[u8]) {
    eprintln!("{}", String::from_utf8_lossy(payload));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SESSION: &str = r#"
- type: Exchange
  request: "!KubernetesGetResource\napi_version: v1\nkind: ConfigMap\nname: config-autoscaler\nnamespace: knative-serving\ndisable_cache: false\nfield_masks:\n- data\n"
  response:
    type: Success
    payload: '{"data":{"max-scale":"4"}}'
- type: Exchange
  request: "!KubernetesGetResource\napi_version: v1\nkind: ConfigMap\nname: config-autoscaler\nnamespace: knative-serving\ndisable_cache: false\n"
  response:
    type: Error
    message: configmaps "config-autoscaler" not found
"#;

    fn request(field_masks: Value) -> Vec<u8> {
        serde_json::to_vec(
            &json!({"api_version": "v1", "kind": "ConfigMap", "name": "config-autoscaler",
            "namespace": "knative-serving", "disable_cache": false, "field_masks": field_masks}),
        )
        .unwrap()
    }

    fn granted() -> HostCapabilities {
        HostCapabilities::default()
            .grant(vec![("v1".into(), "ConfigMap".into())])
            .replay(SESSION)
            .unwrap()
    }

    #[test]
    fn replays_exchanges_in_order_and_rewinds() {
        let host = granted();
        let call =
            |masks: Value| host.answer("kubewarden", "kubernetes", "get_resource", &request(masks));
        assert_eq!(
            call(json!(["data"])).unwrap(),
            br#"{"data":{"max-scale":"4"}}"#.to_vec()
        );
        assert_eq!(
            call(Value::Null).unwrap_err().to_string(),
            "Callback evaluation failure: configmaps \"config-autoscaler\" not found"
        );
        assert!(
            call(Value::Null)
                .unwrap_err()
                .to_string()
                .contains("no more recorded")
        );
        host.rewind();
        assert!(call(json!(["data"])).is_ok());
    }

    #[test]
    fn a_request_other_than_the_recorded_one_is_a_replay_error() {
        let host = granted();
        let error = host
            .answer(
                "kubewarden",
                "kubernetes",
                "get_resource",
                &request(Value::Null),
            )
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("Replay error: unexpected request")
        );
    }

    #[test]
    fn resources_not_granted_are_denied() {
        let host = HostCapabilities::default().replay(SESSION).unwrap();
        let error = host
            .answer(
                "kubewarden",
                "kubernetes",
                "get_resource",
                &request(json!(["data"])),
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Policy has not been granted access to Kubernetes v1/ConfigMap resources. The violation has been reported."
        );
    }

    #[test]
    fn malformed_sessions_are_errors() {
        assert!(HostCapabilities::default().replay("not: a list").is_err());
        assert!(
            HostCapabilities::default()
                .replay("- type: Exchange\n  request: no tag\n")
                .is_err()
        );
    }
}
