//! The cluster around the policy, played from the fact sheet: an API server that sends every write
//! through the built policy.wasm and Knative's validation (facts A.3, B.1), KServe's reconciler
//! with its dry-run update (facts D.1, D.3; a stopped component's Service deleted or never
//! created), and Knative's Service and Configuration controllers (fact A: Service ->
//! Configuration -> Revision).

#![allow(dead_code)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::common::knative::{Cluster, knative_errors};
use crate::common::{PREFIX, evaluate, template_annotations};

/// Why a write was refused.
#[derive(Clone, Debug, PartialEq)]
pub enum Denied {
    /// By the policy (a rejection with its message).
    Policy(String),
    /// By Knative's validation webhook, after the policy: the policy wrote something Knative
    /// refuses, which must never happen.
    Knative(Vec<String>),
}

/// A Revision as Knative's Configuration controller stamps it out of a Configuration's template.
#[derive(Clone, Debug)]
pub struct Revision {
    pub configuration: String,
    pub annotations: Map<String, Value>,
    /// The policy settings (config-autoscaler) in force when it was made.
    pub settings: Value,
}

/// An API server stand-in: each write passes the mutating webhook (the policy, through the .wasm;
/// its JSON patch applied with `json-patch` as the API server does) and then Knative's validation;
/// what passes is stored. Dry-run writes are answered and not stored.
pub struct ApiServer {
    settings: Value,
    cluster: Cluster,
    objects: BTreeMap<(String, String), Value>,
    pub revisions: Vec<Revision>,
    /// Writes that reached storage (creates and real updates).
    pub stored_writes: usize,
    next_uid: u64,
}

const KNATIVE_GROUP: &str = "serving.knative.dev";
const STOP_KEY: &str = "serving.kserve.io/stop";

impl ApiServer {
    pub fn new(settings: Value, cluster: Cluster) -> ApiServer {
        ApiServer {
            settings,
            cluster,
            objects: BTreeMap::new(),
            revisions: Vec::new(),
            stored_writes: 0,
            next_uid: 1,
        }
    }

    /// The operator changes the policy settings and config-autoscaler together.
    pub fn reconfigure(&mut self, settings: Value, cluster: Cluster) {
        self.settings = settings;
        self.cluster = cluster;
    }

    pub fn get(&self, kind: &str, name: &str) -> Option<Value> {
        self.objects
            .get(&(kind.to_string(), name.to_string()))
            .cloned()
    }

    pub fn revisions_of(&self, configuration: &str) -> Vec<&Revision> {
        self.revisions
            .iter()
            .filter(|revision| revision.configuration == configuration)
            .collect()
    }

    pub fn create(&mut self, user: &str, mut object: Value) -> Result<Value, Denied> {
        let admitted = self.admit("CREATE", user, &object, None, false)?;
        object = admitted;
        object["metadata"]["uid"] = json!(format!("uid-{}", self.next_uid));
        object["metadata"]["creationTimestamp"] = json!("2026-11-27T12:00:00Z");
        object["metadata"]["generation"] = json!(1);
        self.next_uid += 1;
        self.store(object.clone());
        Ok(object)
    }

    pub fn update(&mut self, user: &str, object: Value, dry_run: bool) -> Result<Value, Denied> {
        let (kind, name) = identity(&object);
        let old = self
            .get(&kind, &name)
            .unwrap_or_else(|| panic!("update of {kind}/{name}, which does not exist"));
        let mut admitted = self.admit("UPDATE", user, &object, Some(&old), dry_run)?;
        for field in ["uid", "creationTimestamp", "generation"] {
            admitted["metadata"][field] = old["metadata"][field].clone();
        }
        if !dry_run {
            self.store(admitted.clone());
        }
        Ok(admitted)
    }

    /// Deletes an object; the Configuration a Service owns goes with it (Kubernetes' garbage
    /// collector). Revisions made stay counted.
    pub fn delete(&mut self, kind: &str, name: &str) {
        let removed = self.objects.remove(&(kind.to_string(), name.to_string()));
        assert!(
            removed.is_some(),
            "delete of {kind}/{name}, which does not exist"
        );
        if kind == "Service" {
            self.objects
                .remove(&("Configuration".to_string(), name.to_string()));
        }
        self.stored_writes += 1;
    }

    /// A Knative object goes through the policy and then Knative's validation; a KServe one
    /// (`serving.kserve.io`) through the policy, which never mutates it.
    fn admit(
        &self,
        operation: &str,
        user: &str,
        object: &Value,
        old: Option<&Value>,
        dry_run: bool,
    ) -> Result<Value, Denied> {
        let (kind, name) = identity(object);
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let request = json!({
            "uid": format!("{operation}-{kind}-{name}"),
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
            "name": name,
            "namespace": "models",
            "operation": operation,
            "userInfo": {"username": user},
            "object": object,
            "oldObject": old,
            "dryRun": dry_run,
        });
        let evaluation = evaluate(&request, &self.settings);
        if !evaluation.accepted() {
            return Err(Denied::Policy(evaluation.message()));
        }
        if group != KNATIVE_GROUP {
            assert!(!evaluation.mutated(), "the policy mutated {kind}/{name}");
            return Ok(object.clone());
        }
        let mut admitted = object.clone();
        if let Some(operations) = evaluation.admission.patch_operations() {
            let patch: json_patch::Patch =
                serde_json::from_value(operations).expect("the host's patch is RFC 6902");
            json_patch::patch(&mut admitted, &patch).expect("the patch applies to the object");
        }
        let errors = knative_errors(&template_annotations(&admitted), self.cluster);
        if errors.is_empty() {
            Ok(admitted)
        } else {
            Err(Denied::Knative(errors))
        }
    }

    /// Stores an object; a Configuration whose template changed (or a new one) makes one new
    /// Revision, which Knative's webhook validates too (fact A.3).
    fn store(&mut self, object: Value) {
        let (kind, name) = identity(&object);
        let key = (kind.clone(), name.clone());
        let template_changed = self
            .objects
            .get(&key)
            .is_none_or(|old| old["spec"]["template"] != object["spec"]["template"]);
        self.objects.insert(key, object.clone());
        self.stored_writes += 1;
        if kind == "Configuration" && template_changed {
            let annotations = template_annotations(&object);
            let errors = knative_errors(&annotations, self.cluster);
            assert!(
                errors.is_empty(),
                "Knative refuses the Revision: {errors:?}"
            );
            self.revisions.push(Revision {
                configuration: name,
                annotations,
                settings: self.settings.clone(),
            });
        }
    }
}

fn identity(object: &Value) -> (String, String) {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    (text(&object["kind"]), text(&object["metadata"]["name"]))
}

/// Knative's Service controller: the Service's template goes into the Configuration it owns,
/// created or updated when they differ.
pub fn knative_service_controller(api: &mut ApiServer, service: &str) -> Result<(), Denied> {
    const USER: &str = "system:serviceaccount:knative-serving:controller";
    let Some(service_object) = api.get("Service", service) else {
        return Ok(());
    };
    let template = service_object["spec"]["template"].clone();
    match api.get("Configuration", service) {
        None => {
            let configuration = json!({
                "apiVersion": "serving.knative.dev/v1",
                "kind": "Configuration",
                "metadata": {
                    "name": service,
                    "namespace": "models",
                    "labels": {"serving.knative.dev/service": service},
                    "ownerReferences": [{
                        "apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": service,
                        "uid": service_object["metadata"]["uid"], "controller": true,
                        "blockOwnerDeletion": true
                    }]
                },
                "spec": {"template": template}
            });
            api.create(USER, configuration).map(drop)
        }
        Some(mut configuration) if configuration["spec"]["template"] != template => {
            configuration["spec"]["template"] = template;
            api.update(USER, configuration, false).map(drop)
        }
        Some(_) => Ok(()),
    }
}

/// An InferenceService's serverless predictor, as far as its Knative Service's scale goes.
#[derive(Clone, Debug)]
pub struct InferenceService {
    pub name: String,
    pub min_replicas: Option<i32>,
    pub max_replicas: i32,
    /// The InferenceService's `metadata.annotations`.
    pub annotations: BTreeMap<String, String>,
    /// `spec.predictor.annotations`, which win over the InferenceService's.
    pub predictor_annotations: BTreeMap<String, String>,
}

impl InferenceService {
    pub fn service_name(&self) -> String {
        format!("{}-predictor", self.name)
    }

    /// The object as the user applies it (`serving.kserve.io/v1beta1`).
    pub fn object(&self) -> Value {
        let mut predictor = json!({
            "maxReplicas": self.max_replicas,
            "annotations": self.predictor_annotations,
            "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}
        });
        if let Some(min) = self.min_replicas {
            predictor["minReplicas"] = json!(min);
        }
        json!({
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": self.name, "namespace": "models", "annotations": self.annotations},
            "spec": {"predictor": predictor}
        })
    }
}

/// Now and then, the autoscaling annotation `key` with one of `values`.
fn annotation(
    key: &'static str,
    values: BoxedStrategy<String>,
) -> impl Strategy<Value = Option<(String, String)>> {
    proptest::option::weighted(0.3, values)
        .prop_map(move |value| value.map(|v| (format!("{PREFIX}{key}"), v)))
}

/// A count in `range`, as an annotation writes it.
fn count(range: std::ops::Range<i64>) -> BoxedStrategy<String> {
    range.prop_map(|n| n.to_string()).boxed()
}

/// The two classes.
fn class() -> BoxedStrategy<String> {
    prop_oneof![
        Just("kpa.autoscaling.knative.dev"),
        Just("hpa.autoscaling.knative.dev")
    ]
    .prop_map(str::to_string)
    .boxed()
}

/// `minReplicas` (maybe unset) and `maxReplicas` (0, unlimited, or up to 12).
fn replicas() -> (
    impl Strategy<Value = Option<i32>>,
    impl Strategy<Value = i32>,
) {
    (
        proptest::option::of(0i32..6),
        prop_oneof![Just(0i32), 1i32..13],
    )
}

/// InferenceServices KServe's webhook admits, with the annotations that bear on scale.
pub fn inference_service() -> impl Strategy<Value = InferenceService> {
    let (min_replicas, max_replicas) = replicas();
    (
        min_replicas,
        max_replicas,
        annotation("initial-scale", count(0..8)),
        annotation("minScale", count(0..6)),
        annotation("class", class()),
        annotation("initial-scale", count(1..5)),
        annotation("activation-scale", count(2..8)),
    )
        .prop_filter_map(
            "KServe's webhook refuses minReplicas above a non-zero maxReplicas",
            |(
                min_replicas,
                max_replicas,
                initial,
                min_alias,
                class,
                predictor_initial,
                activation,
            )| {
                if max_replicas != 0 && min_replicas.unwrap_or(1) > max_replicas {
                    return None;
                }
                let annotations: BTreeMap<String, String> = [initial, min_alias, class, activation]
                    .into_iter()
                    .flatten()
                    .collect();
                Some(InferenceService {
                    name: "sklearn-iris".to_string(),
                    min_replicas,
                    max_replicas,
                    annotations,
                    predictor_annotations: predictor_initial.into_iter().collect(),
                })
            },
        )
}

/// An InferenceGraph in ModelMesh mode, which gets a Knative Service all the same (fact D.1: only
/// Standard takes the non-Knative path), as far as its scale goes.
#[derive(Clone, Debug)]
pub struct InferenceGraph {
    pub name: String,
    /// `spec.minReplicas` (maybe unset) and `spec.maxReplicas`.
    pub replicas: (Option<i32>, i32),
    /// `metadata.annotations`, all copied to the Service (its own min/max-scale overwritten).
    pub annotations: BTreeMap<String, String>,
}

impl InferenceGraph {
    /// The object as the user applies it (`serving.kserve.io/v1alpha1`).
    pub fn object(&self) -> Value {
        let (min_replicas, max_replicas) = self.replicas;
        let mut spec = json!({"maxReplicas": max_replicas, "nodes": {"root": {
            "routerType": "Sequence", "steps": [{"serviceName": "sklearn-iris"}]}}});
        if let Some(min) = min_replicas {
            spec["minReplicas"] = json!(min);
        }
        json!({
            "apiVersion": "serving.kserve.io/v1alpha1",
            "kind": "InferenceGraph",
            "metadata": {"name": self.name, "namespace": "models", "annotations": self.annotations},
            "spec": spec
        })
    }
}

/// ModelMesh InferenceGraphs, with their own min-scale and max-scale now and then (KServe
/// overwrites them, or keeps the max-scale when maxReplicas is 0).
pub fn model_mesh_graph() -> impl Strategy<Value = InferenceGraph> {
    let own = [
        annotation("initial-scale", count(0..8)),
        annotation("min-scale", count(0..6)),
        annotation("max-scale", count(1..13)),
        annotation("class", class()),
    ];
    (replicas(), own).prop_map(|(replicas, own)| {
        let mode = ("serving.kserve.io/deploymentMode", "ModelMesh");
        let mode = (mode.0.to_string(), mode.1.to_string());
        InferenceGraph {
            name: "model-chainer".to_string(),
            replicas,
            annotations: own.into_iter().flatten().chain([mode]).collect(),
        }
    })
}

/// `ValidateInitialScaleAnnotation` on the object's own annotations: a non-integer
/// initial-scale, or 0 on a cluster that refuses it, is dropped. Then `SetAutoScalingAnnotations`:
/// the KPA class unless one is set, min-scale from minReplicas (default 1) always, max-scale from
/// a maxReplicas that is not 0.
fn kserve_scale_annotations(
    annotations: &mut BTreeMap<String, String>,
    own: impl Iterator<Item = (String, String)>,
    (min_replicas, max_replicas): (Option<i32>, i32),
    allow_zero_initial_scale: bool,
) {
    let initial_key = format!("{PREFIX}initial-scale");
    if let Some(text) = annotations.get(&initial_key) {
        let drop = match text.parse::<i64>() {
            Err(_) => true,
            Ok(0) => !allow_zero_initial_scale,
            Ok(_) => false,
        };
        if drop {
            annotations.remove(&initial_key);
        }
    }
    annotations.extend(own);
    annotations
        .entry(format!("{PREFIX}class"))
        .or_insert_with(|| "kpa.autoscaling.knative.dev".to_string());
    annotations.insert(
        format!("{PREFIX}min-scale"),
        min_replicas.unwrap_or(1).to_string(),
    );
    if max_replicas != 0 {
        annotations.insert(format!("{PREFIX}max-scale"), max_replicas.to_string());
    }
}

/// The Knative Service KServe builds, owned by the KServe object.
fn knative_service(
    name: &str,
    labels: Value,
    owner: (&str, &str, &str),
    annotations: BTreeMap<String, String>,
) -> Value {
    let (api_version, kind, owner_name) = owner;
    json!({
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": "models",
            "labels": labels,
            "ownerReferences": [{
                "apiVersion": api_version, "kind": kind,
                "name": owner_name, "uid": "kserve-uid", "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": {
            "template": {
                "metadata": {"labels": labels, "annotations": annotations},
                "spec": {"containers": [{"name": "kserve-container", "image": "example.com/model:1"}]}
            },
            "traffic": [{"latestRevision": true, "percent": 100}]
        }
    })
}

/// KServe v0.15.2 and later (fact D.1): a graph's Knative Service, named after it; every
/// annotation of the graph is copied.
pub fn kserve_desired_graph_service(
    graph: &InferenceGraph,
    allow_zero_initial_scale: bool,
) -> Value {
    let mut annotations = graph.annotations.clone();
    kserve_scale_annotations(
        &mut annotations,
        std::iter::empty(),
        graph.replicas,
        allow_zero_initial_scale,
    );
    let labels = json!({"serving.kserve.io/inferencegraph": graph.name});
    let owner = (
        "serving.kserve.io/v1alpha1",
        "InferenceGraph",
        graph.name.as_str(),
    );
    knative_service(&graph.name, labels, owner, annotations)
}

/// Annotations KServe never copies from the InferenceService to its Services (fact D.1).
const DISALLOWED: [&str; 3] = [
    "autoscaling.knative.dev/min-scale",
    "autoscaling.knative.dev/max-scale",
    "kubectl.kubernetes.io/last-applied-configuration",
];

/// KServe v0.15.2 and later (fact D.1): the predictor's Knative Service, built from scratch.
/// `allow_zero_initial_scale` is what KServe reads from config-autoscaler.
/// The predictor's annotations win over the InferenceService's (only its own are checked for
/// initial-scale); `serving.kserve.io/stop` passes through to the template like any other.
pub fn kserve_desired_service(isvc: &InferenceService, allow_zero_initial_scale: bool) -> Value {
    let mut annotations: BTreeMap<String, String> = isvc
        .annotations
        .iter()
        .filter(|(key, _)| !DISALLOWED.contains(&key.as_str()))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    kserve_scale_annotations(
        &mut annotations,
        isvc.predictor_annotations.clone().into_iter(),
        (isvc.min_replicas, isvc.max_replicas),
        allow_zero_initial_scale,
    );
    let labels = json!({"serving.kserve.io/inferenceservice": isvc.name, "component": "predictor"});
    let owner = (
        "serving.kserve.io/v1beta1",
        "InferenceService",
        isvc.name.as_str(),
    );
    knative_service(&isvc.service_name(), labels, owner, annotations)
}

/// What KServe's reconcile did this time.
#[derive(Clone, Debug, PartialEq)]
pub enum KServeAction {
    Created,
    Unchanged,
    Updated,
    /// Stopped: the Service there was is deleted.
    Deleted,
}

/// KServe's `KsvcReconciler.Reconcile` (fact D.3) for the predictor.
pub fn kserve_reconcile(
    api: &mut ApiServer,
    isvc: &InferenceService,
    allow_zero_initial_scale: bool,
) -> Result<KServeAction, Denied> {
    kserve_reconcile_service(api, kserve_desired_service(isvc, allow_zero_initial_scale))
}

/// KServe's `KsvcReconciler.Reconcile` (fact D.3; the graph's reconciler does the same): build
/// the desired Service; when its template says `serving.kserve.io/stop: "true"` (any case),
/// delete the Service there is, or create none (fact D.1). Otherwise create it when missing, or
/// dry-run update it through every webhook, compare templates and labels semantically with what
/// is stored, and update for real only when they differ.
pub fn kserve_reconcile_service(
    api: &mut ApiServer,
    mut desired: Value,
) -> Result<KServeAction, Denied> {
    const USER: &str = "system:serviceaccount:kserve:kserve-controller-manager";
    let name = identity(&desired).1;
    let stopped = desired["spec"]["template"]["metadata"]["annotations"][STOP_KEY]
        .as_str()
        .is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let existing = api.get("Service", &name);
    if stopped {
        if existing.is_none() {
            return Ok(KServeAction::Unchanged);
        }
        api.delete("Service", &name);
        return Ok(KServeAction::Deleted);
    }
    let Some(mut existing) = existing else {
        api.create(USER, desired)?;
        return Ok(KServeAction::Created);
    };
    desired["metadata"]["resourceVersion"] = existing["metadata"]["resourceVersion"].clone();
    let dry_run = api.update(USER, desired, true)?;
    let same = dry_run["spec"]["template"] == existing["spec"]["template"]
        && dry_run["metadata"]["labels"] == existing["metadata"]["labels"];
    if same {
        return Ok(KServeAction::Unchanged);
    }
    existing["spec"] = dry_run["spec"].clone();
    existing["metadata"]["labels"] = dry_run["metadata"]["labels"].clone();
    api.update(USER, existing, false)?;
    Ok(KServeAction::Updated)
}

/// The pods a new Revision starts with (fact C.2: `max(initial, min)`, never capped by max) and
/// its upper bound (0 = unlimited), with the cluster's defaults where a key is absent.
pub fn start_and_upper(revision: &Revision) -> (i64, i64) {
    let (annotations, settings) = (&revision.annotations, &revision.settings);
    let global = |key: &str, default: i64| {
        settings["autoscaler"][key]
            .as_i64()
            .or_else(|| settings["autoscaler"][key].as_str()?.parse().ok())
            .unwrap_or(default)
    };
    let own = |key: &str| {
        annotations
            .get(&format!("{PREFIX}{key}"))
            .and_then(Value::as_str)
            .and_then(|text| text.parse::<i64>().ok())
    };
    let min = own("min-scale").unwrap_or_else(|| global("min-scale", 0));
    let max = own("max-scale").unwrap_or_else(|| global("max-scale", 0));
    let initial = own("initial-scale").unwrap_or_else(|| global("initial-scale", 1));
    (initial.max(min), max)
}
