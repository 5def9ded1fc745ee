//! The benchmarks' floor: with settings `{"mode": "accept"}` it accepts everything; with
//! `{"mode": "mutate"}` it returns the object with one template annotation added, the least work
//! a mutation can be. Used only to measure what the real policy costs on top.

use kubewarden_policy_sdk::request::ValidationRequest;
use kubewarden_policy_sdk::settings::Validatable;
use kubewarden_policy_sdk::wapc_guest::{CallResult, register_function};
use kubewarden_policy_sdk::{
    accept_request, mutate_request, protocol_version_guest, validate_settings,
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize, Default)]
#[serde(rename_all = "lowercase")]
enum Mode {
    #[default]
    Accept,
    Mutate,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct Settings {
    mode: Mode,
}

impl Validatable for Settings {
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wapc_init() {
    register_function("validate", validate);
    register_function("validate_settings", validate_settings::<Settings>);
    register_function("protocol_version", protocol_version_guest);
}

fn validate(payload: &[u8]) -> CallResult {
    let request = ValidationRequest::<Settings>::new(payload)?;
    match request.settings.mode {
        Mode::Accept => accept_request(),
        Mode::Mutate => {
            let mut object = request.request.object;
            if let Some(Value::Object(metadata)) = object.pointer_mut("/spec/template/metadata") {
                let annotations = metadata.entry("annotations").or_insert_with(|| json!({}));
                if let Value::Object(annotations) = annotations {
                    annotations.insert("floor.example.com/touched".into(), "true".into());
                }
            }
            mutate_request(object)
        }
    }
}
