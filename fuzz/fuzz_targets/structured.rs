//! Generated Knative objects (aliases, signs, zeros, huge numbers, non-strings, records, owners,
//! activation-scale, a profile's name), settings (static and live, the three starts, profiles
//! from tables of values Knative takes, a default profile, a namespace's profile) and operations.
//! On every input: no panic; an accepted output passes Knative's validation of the annotations;
//! f(f(x)) == f(x); nothing outside the template's scale annotations changes but the keys the
//! profile in force fills (rules section 11), with its values, where the user wrote none; a
//! write choosing a profile the cluster lacks is refused. Some inputs are KServe objects instead (rules section 9, facts D.1): a
//! stopped InferenceService is answered as the same one in RawDeployment mode (no Knative
//! Service either way), a ModelMesh InferenceGraph as the same graph in Serverless mode (both get
//! one); neither is ever mutated.
#![no_main]

#[path = "../../tests/common/knative.rs"]
mod knative;
#[path = "../../tests/common/owned.rs"]
mod owned;

use arbitrary::Arbitrary;
use knative_scale_policy::admission::evaluate;
use knative_scale_policy::verdict::Outcome;
use knative_scale_policy::wire::request::Admission;
use knative_scale_policy::config::live::cluster_config;
use knative_scale_policy::config::settings::Settings;
use knative_scale_policy::rules::profile::{ANNOTATION_KEYS, KEYS};
use libfuzzer_sys::fuzz_target;
use owned::{PREFIX, RECORD_KEY, SCALE_KEYS, without_owned_keys};
use serde_json::{Map, Value, json};

#[derive(Arbitrary, Debug)]
enum ScaleValue {
    Small(u8),
    Signed(i8),
    Plus(u8),
    LeadingZeros(u8),
    Huge(u64),
    Text(String),
    NotAString(i8),
}

impl ScaleValue {
    fn json(&self) -> Value {
        match self {
            ScaleValue::Small(n) => json!((n % 12).to_string()),
            ScaleValue::Signed(n) => json!(n.to_string()),
            ScaleValue::Plus(n) => json!(format!("+{}", n % 12)),
            ScaleValue::LeadingZeros(n) => json!(format!("00{}", n % 12)),
            ScaleValue::Huge(n) => json!(n.to_string()),
            ScaleValue::Text(text) => json!(text),
            ScaleValue::NotAString(n) => json!(n),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Record {
    Written { bound: u8, original: Option<u8>, written: u8 },
    Text(String),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Cluster {
    initial: u8,
    allow_zero: bool,
    min: u8,
    max: u8,
    limit: u8,
    scale_to_zero: bool,
}

impl Cluster {
    fn data(&self) -> Value {
        let limit = [0, 5, 10][usize::from(self.limit % 3)];
        json!({
            "initial-scale": (self.initial % 7).to_string(),
            "allow-zero-initial-scale": self.allow_zero.to_string(),
            "min-scale": (self.min % 6).to_string(),
            "max-scale": (self.max % 12).to_string(),
            "max-scale-limit": limit.to_string(),
            "enable-scale-to-zero": self.scale_to_zero.to_string(),
        })
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    scale: [Option<ScaleValue>; 6],
    activation: Option<ScaleValue>,
    hpa: Option<bool>,
    record: Option<Record>,
    other_annotation: Option<(String, String)>,
    owner: u8,
    configuration: bool,
    operation: u8,
    cluster: Cluster,
    strategy: u8,
    live: Option<Option<Cluster>>,
    unknown: Option<String>,
    /// The namespace's entry (rules section 10): min-scale, max-scale, initial-scale, cap.
    tenant: Option<[Option<u8>; 4]>,
    /// A KServe object, with the annotations above on its metadata.
    kserve: Option<KServe>,
    /// Up to three profiles (rules section 11), their default, the namespace entry's, and the
    /// object's choice (an index; one past the profiles names one the cluster lacks).
    profiles: Vec<Profile>,
    default_profile: Option<u8>,
    tenant_profile: Option<u8>,
    choice: Option<u8>,
}

/// For each key of `profile::KEYS`, an index into its `PROFILE_VALUES`.
#[derive(Arbitrary, Debug)]
struct Profile([Option<u8>; 14]);

const PROFILE_NAMES: [&str; 3] = ["gpu-llm", "web", "batch"];
const UNKNOWN_PROFILE: &str = "gpu-xl";
const PROFILE_KEY: &str = "knative-scale-policy.github.io/profile";

/// Values Knative takes for each key of `profile::KEYS`, in its order; together they may still
/// be refused (an HPA metric for KPA, a min above the max, a max above the limit).
const PROFILE_VALUES: [&[&str]; 14] = [
    &["kpa.autoscaling.knative.dev", "hpa.autoscaling.knative.dev"],
    &["concurrency", "rps", "cpu", "memory"],
    &["1", "5", "100", "0.5"],
    &["70", "100", "1"],
    &["-1", "0", "200"],
    &["6s", "60s", "120s", "1h"],
    &["10", "1", "100"],
    &["200", "110", "1000"],
    &["0s", "15m", "1h", "30s"],
    &["0s", "10m"],
    &["2", "3", "5"],
    &["0", "1", "2", "4"],
    &["0", "1", "4", "8", "12"],
    &["0", "1", "3"],
];

impl Profile {
    fn values(&self) -> Map<String, Value> {
        KEYS.iter()
            .zip(PROFILE_VALUES)
            .zip(&self.0)
            .filter_map(|((key, values), index)| {
                let index = usize::from((*index)?) % values.len();
                Some((key.to_string(), json!(values[index])))
            })
            .collect()
    }
}

/// The name an index gives among `count` profiles.
fn profile_name(index: u8, count: usize) -> &'static str {
    let index = usize::from(index);
    if index < count { PROFILE_NAMES[index] } else { UNKNOWN_PROFILE }
}

#[derive(Arbitrary, Debug)]
enum KServe {
    /// Stopped by `serving.kserve.io/stop: "true"` (its letters' case from `case`), on the
    /// object or on each component; the UPDATE stops a running one.
    StoppedService { case: u8, on_components: bool, transformer: bool, replicas: Replicas, update: bool },
    /// In ModelMesh mode, by its annotation or its status.
    ModelMeshGraph { by_status: bool, replicas: Replicas },
}

#[derive(Arbitrary, Debug)]
struct Replicas {
    min: Option<u8>,
    max: u8,
}

impl Replicas {
    fn json(&self) -> Value {
        let mut spec = json!({"maxReplicas": self.max % 14});
        if let Some(min) = self.min {
            spec["minReplicas"] = json!(min % 14);
        }
        spec
    }
}

const MODE_KEY: &str = "serving.kserve.io/deploymentMode";
const STOP_KEY: &str = "serving.kserve.io/stop";

/// The KServe request, and its twin that KServe treats alike as far as Knative Services go.
fn kserve_requests(kserve: &KServe, mut annotations: Map<String, Value>) -> (Value, Value) {
    annotations.remove(MODE_KEY);
    annotations.remove(STOP_KEY);
    let request = |kind: &str, version: &str, operation: &str, object: Value, old: Value| {
        json!({
            "uid": "fuzz",
            "kind": {"group": "serving.kserve.io", "version": version, "kind": kind},
            "operation": operation,
            "namespace": "ns",
            "object": object,
            "oldObject": old,
        })
    };
    let object = |kind: &str, version: &str, annotations: &Map<String, Value>, spec: Value| {
        json!({
            "apiVersion": format!("serving.kserve.io/{version}"),
            "kind": kind,
            "metadata": {"name": "m", "namespace": "ns", "annotations": annotations},
            "spec": spec
        })
    };
    match kserve {
        KServe::StoppedService { case, on_components, transformer, replicas, update } => {
            let stop: String = "true"
                .chars()
                .enumerate()
                .map(|(i, c)| if case >> i & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect();
            let component = |stopped: bool| {
                let mut spec = replicas.json();
                if stopped && *on_components {
                    spec["annotations"] = json!({STOP_KEY: stop});
                }
                spec
            };
            let spec = |stopped: bool| {
                let mut spec = json!({"predictor": component(stopped)});
                if *transformer {
                    spec["transformer"] = component(stopped);
                }
                spec
            };
            let mut stopped_annotations = annotations.clone();
            if !on_components {
                stopped_annotations.insert(STOP_KEY.into(), json!(stop));
            }
            let mut raw_annotations = annotations.clone();
            raw_annotations.insert(MODE_KEY.into(), json!("RawDeployment"));
            let running = object("InferenceService", "v1beta1", &annotations, spec(false));
            let (operation, old) = if *update { ("UPDATE", running) } else { ("CREATE", Value::Null) };
            let stopped = object("InferenceService", "v1beta1", &stopped_annotations, spec(true));
            let raw = object("InferenceService", "v1beta1", &raw_annotations, spec(false));
            (
                request("InferenceService", "v1beta1", operation, stopped, old.clone()),
                request("InferenceService", "v1beta1", operation, raw, old),
            )
        }
        KServe::ModelMeshGraph { by_status, replicas } => {
            let mut serverless_annotations = annotations.clone();
            let mut graph = if *by_status {
                let mut graph = object("InferenceGraph", "v1alpha1", &annotations, replicas.json());
                graph["status"] = json!({"deploymentMode": "ModelMesh"});
                graph
            } else {
                annotations.insert(MODE_KEY.into(), json!("ModelMesh"));
                serverless_annotations.insert(MODE_KEY.into(), json!("Serverless"));
                object("InferenceGraph", "v1alpha1", &annotations, replicas.json())
            };
            graph["spec"]["nodes"] = json!({});
            let mut serverless = graph.clone();
            serverless["metadata"]["annotations"] = json!(serverless_annotations);
            serverless.as_object_mut().map(|object| object.remove("status"));
            (
                request("InferenceGraph", "v1alpha1", "CREATE", graph, Value::Null),
                request("InferenceGraph", "v1alpha1", "CREATE", serverless, Value::Null),
            )
        }
    }
}

/// The template annotations of the generated Knative object (the metadata annotations of a
/// KServe one).
fn annotations(input: &Input) -> Map<String, Value> {
    let mut annotations = Map::new();
    for (name, value) in SCALE_KEYS.iter().zip(&input.scale) {
        if let Some(value) = value {
            annotations.insert(format!("{PREFIX}{name}"), value.json());
        }
    }
    if let Some(activation) = &input.activation {
        annotations.insert(format!("{PREFIX}activation-scale"), activation.json());
    }
    if let Some(hpa) = input.hpa {
        let class = if hpa { "hpa.autoscaling.knative.dev" } else { "kpa.autoscaling.knative.dev" };
        annotations.insert(format!("{PREFIX}class"), json!(class));
    }
    match &input.record {
        Some(Record::Written { bound, original, written }) => {
            let name = ["min-scale", "max-scale", "initial-scale"][usize::from(bound % 3)];
            let original = original.map_or("absent".to_string(), |o| (o % 12).to_string());
            annotations.insert(RECORD_KEY.into(), json!(format!("{name}: {original} -> {}", written % 12)));
        }
        Some(Record::Text(text)) => {
            annotations.insert(RECORD_KEY.into(), json!(text));
        }
        None => {}
    }
    if let Some((key, value)) = &input.other_annotation {
        annotations.insert(key.clone(), json!(value));
    }
    if let Some(choice) = input.choice {
        let count = input.profiles.len().min(PROFILE_NAMES.len());
        annotations.insert(PROFILE_KEY.into(), json!(profile_name(choice % 4, count)));
    }
    annotations
}

/// `output` without what the profile in force filled: a key of the profile's the input's
/// template lacks, holding the profile's value. A key the input's record names (a fill the
/// policy may take back, section 5) is taken out of both.
fn without_fills(input: &Value, output: &Value, profile: Option<&Map<String, Value>>) -> (Value, Value) {
    let (mut input, mut output) = (input.clone(), output.clone());
    let pointer = "/spec/template/metadata/annotations";
    let record = input.pointer(pointer).and_then(|a| a.get(RECORD_KEY)).and_then(Value::as_str).unwrap_or_default().to_string();
    let before = input.pointer(pointer).and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, key) in KEYS.iter().zip(ANNOTATION_KEYS) {
        if record.contains(&format!("{name}: ")) {
            for object in [&mut input, &mut output] {
                if let Some(Value::Object(annotations)) = object.pointer_mut(pointer) {
                    annotations.remove(key);
                }
            }
            continue;
        }
        let filled = !before.contains_key(key)
            && output.pointer(pointer).and_then(|a| a.get(key)).is_some_and(|value| profile.and_then(|p| p.get(*name)) == Some(value));
        if filled && let Some(Value::Object(annotations)) = output.pointer_mut(pointer) {
            annotations.remove(key);
        }
    }
    (input, output)
}

fn request(input: &Input) -> Value {
    let annotations = annotations(input);
    let owners = match input.owner % 3 {
        1 => json!([{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "name": "m", "uid": "u"}]),
        2 => json!([{"apiVersion": "serving.kserve.io/v1alpha1", "kind": "InferenceGraph", "name": "m", "uid": "u"}]),
        _ => json!([]),
    };
    let kind = if input.configuration { "Configuration" } else { "Service" };
    let operation = ["CREATE", "UPDATE", "DELETE", "CONNECT"][usize::from(input.operation % 4)];
    json!({
        "uid": "fuzz",
        "kind": {"group": "serving.knative.dev", "version": "v1", "kind": kind},
        "operation": operation,
        "namespace": "ns",
        "object": {
            "apiVersion": "serving.knative.dev/v1",
            "kind": kind,
            "metadata": {"name": "m", "namespace": "ns", "ownerReferences": owners},
            "spec": {"template": {"metadata": {"annotations": annotations}, "spec": {"x": input.unknown}}},
            "status": {"observedGeneration": 1}
        }
    })
}

fuzz_target!(|input: Input| {
    let mut settings_json = json!({
        "autoscaler": input.cluster.data(),
        "defaultInitialScale": (["min", "cluster", "zero-or-cluster"][usize::from(input.strategy % 3)]),
    });
    let keys = ["min-scale", "max-scale", "initial-scale", "max-scale-limit"];
    let entry: Map<String, Value> = input
        .tenant
        .iter()
        .flat_map(|values| keys.iter().zip(values))
        .filter_map(|(key, value)| value.map(|v| (key.to_string(), json!((v % 14).to_string()))))
        .collect();
    let cap = entry.get("max-scale-limit").and_then(Value::as_str).map(|cap| cap.parse::<i64>().unwrap());
    let mut entry = entry;
    let count = input.profiles.len().min(PROFILE_NAMES.len());
    let profiles: Map<String, Value> = PROFILE_NAMES
        .iter()
        .zip(&input.profiles)
        .map(|(name, profile)| (name.to_string(), Value::Object(profile.values())))
        .collect();
    if !profiles.is_empty() {
        settings_json["profiles"] = json!(profiles);
    }
    if let Some(index) = input.default_profile {
        settings_json["defaultProfile"] = json!(profile_name(index % 4, count));
    }
    if let Some(index) = input.tenant_profile {
        entry.insert("profile".into(), json!(profile_name(index % 4, count)));
    }
    if input.tenant.is_some() || input.tenant_profile.is_some() {
        settings_json["namespaces"] = json!({"ns": entry});
    }
    // The profile in force (section 11): the object's, else its namespace's, else the default.
    let chosen = input.choice.map(|index| profile_name(index % 4, count));
    let in_force = chosen
        .or(input.tenant_profile.map(|index| profile_name(index % 4, count)))
        .or(input.default_profile.map(|index| profile_name(index % 4, count)))
        .and_then(|name| profiles.get(name))
        .and_then(Value::as_object);
    if input.live.is_some() {
        settings_json["autoscalerConfigMap"] = json!({});
    }
    let Ok(settings) = Settings::from_json(&settings_json) else {
        return; // Knative would refuse these settings; so does validate_settings.
    };
    let live = input.live.flatten().map(|c| json!({"data": c.data()}));
    let get_resource = |_: &[u8]| -> Result<Vec<u8>, String> {
        live.as_ref().map(|v| serde_json::to_vec(v).unwrap()).ok_or_else(|| "not found".to_string())
    };
    let effective = cluster_config(&settings, &mut { get_resource }).cluster;

    if let Some(kserve) = &input.kserve {
        let (request, twin) = kserve_requests(kserve, annotations(&input));
        let answer = |request: Value| {
            evaluate(Admission::from_json(request).expect("a well-formed request"), &settings, get_resource)
        };
        let (verdict, twin) = (answer(request), answer(twin));
        assert!(!matches!(verdict.outcome, Outcome::Mutate(_)), "a KServe object was mutated");
        assert_eq!(verdict, twin, "{kserve:?}");
        return;
    }

    let request = request(&input);
    let writes = matches!(request["operation"].as_str(), Some("CREATE" | "UPDATE"));
    let first = evaluate(Admission::from_json(request.clone()).expect("a well-formed request"), &settings, get_resource);
    let output = match first.outcome {
        Outcome::Reject(message) => {
            assert!(!message.is_empty());
            return;
        }
        Outcome::Accept => request["object"].clone(),
        Outcome::Mutate(object) => object.to_value().expect("the splice writes JSON"),
    };
    assert!(!writes || chosen != Some(UNKNOWN_PROFILE), "a profile the cluster lacks was accepted");
    let (input_object, output_object) = without_fills(&request["object"], &output, in_force);
    assert_eq!(without_owned_keys(&input_object), without_owned_keys(&output_object));
    if !writes {
        assert_eq!(output, request["object"]);
        return;
    }
    let annotations = output
        .pointer("/spec/template/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let cluster = knative::Cluster {
        allow_zero_initial_scale: effective.allow_zero_initial_scale,
        max_scale_limit: i64::from(effective.max_scale_limit),
    };
    assert_eq!(knative::knative_errors(&annotations, cluster), Vec::<String>::new(), "{annotations:?}");
    assert_eq!(knative::policy_promise_errors(&annotations), Vec::<String>::new(), "{annotations:?}");
    // Section 10: nothing written escapes the namespace's cap (checked against the static
    // settings only: a live config-autoscaler may narrow the cluster below the entry).
    if let (Some(cap), None) = (cap, &input.live) {
        let written = |key: &str| annotations.get(&format!("{PREFIX}{key}")).and_then(Value::as_str).map(|v| v.parse::<i64>().unwrap());
        assert!(written("max-scale").is_none_or(|max| (1..=cap).contains(&max)), "{annotations:?} under cap {cap}");
        assert!(written("min-scale").is_none_or(|min| min <= cap), "{annotations:?} under cap {cap}");
    }

    let mut again = request.clone();
    again["operation"] = json!("UPDATE");
    again["object"] = output;
    assert_eq!(evaluate(Admission::from_json(again).expect("a well-formed request"), &settings, get_resource).outcome, Outcome::Accept, "not a fixed point");
});
