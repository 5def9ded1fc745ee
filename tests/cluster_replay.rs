//! The policy among the controllers it lives with, through the built policy.wasm: KServe's
//! reconciler (a dry-run update on every reconcile), Knative's Service controller (which copies a
//! Service's template into the Configuration it owns) and the Configuration controller (one
//! Revision for each template change). Rules sections 1, 5, 10 and 11 (profiles), facts A and D.3.

mod cluster;
mod common;

use std::collections::BTreeMap;

use cluster::{
    ApiServer, Denied, InferenceGraph, InferenceService, KServeAction, inference_service,
    knative_service_controller, kserve_desired_graph_service, kserve_desired_service,
    kserve_reconcile, kserve_reconcile_service, model_mesh_graph, start_and_upper,
};
use common::generate::{
    PROFILE_KEY, ProfileValues, UNKNOWN_PROFILE, knative_request, profile_values, valid_settings,
};
use common::knative::Cluster;
use common::{PREFIX, RECORD_KEY, template_annotations};
use knative_scale_policy::config::settings::Settings;
use proptest::prelude::*;
use serde_json::{Value, json};

const STEADY_ROUNDS: usize = 20;

/// One pass of every controller over the predictor's objects.
fn reconcile(
    api: &mut ApiServer,
    isvc: &InferenceService,
    cluster: Cluster,
) -> Result<KServeAction, Denied> {
    let action = kserve_reconcile(api, isvc, cluster.allow_zero_initial_scale)?;
    knative_service_controller(api, &isvc.service_name())?;
    Ok(action)
}

/// What must hold after every pass: the Configuration carries its Service's template, and no
/// Revision starts more pods than its max. (A max-scale left to the cluster beside an
/// activation-scale it would conflict with, rule 3.2.4, is Knative's alone: the policy keeps no
/// promise on it.)
fn check_cluster(api: &ApiServer, service: &str) -> Result<(), TestCaseError> {
    if let Some(service_object) = api.get("Service", service) {
        let configuration = api
            .get("Configuration", service)
            .ok_or_else(|| TestCaseError::fail("the Service has no Configuration"))?;
        prop_assert_eq!(
            &configuration["spec"]["template"],
            &service_object["spec"]["template"]
        );
    }
    for revision in api.revisions_of(service) {
        let max_left_to_the_cluster = !revision
            .annotations
            .contains_key(&format!("{PREFIX}max-scale"))
            && revision
                .annotations
                .contains_key(&format!("{PREFIX}activation-scale"));
        if max_left_to_the_cluster {
            continue;
        }
        let (start, upper) = start_and_upper(revision);
        prop_assert!(
            upper == 0 || start <= upper,
            "a revision starts {} pods above its max {}: {:?}",
            start,
            upper,
            revision.annotations
        );
    }
    Ok(())
}

/// `STEADY_ROUNDS` passes in which nothing may be written and no Revision made.
fn check_steady(
    api: &mut ApiServer,
    isvc: &InferenceService,
    cluster: Cluster,
) -> Result<(), TestCaseError> {
    let (writes, revisions) = (api.stored_writes, api.revisions.len());
    for round in 0..STEADY_ROUNDS {
        let action = reconcile(api, isvc, cluster);
        prop_assert_eq!(action, Ok(KServeAction::Unchanged), "round {}", round);
    }
    prop_assert_eq!(api.stored_writes, writes, "a steady cluster wrote");
    prop_assert_eq!(
        api.revisions.len(),
        revisions,
        "a steady cluster made Revisions"
    );
    check_cluster(api, &isvc.service_name())
}

/// A refusal of the Service is the policy's (a bound over the cluster's max-scale-limit, or the
/// replicas KServe writes against the InferenceService's activation-scale, which Knative would
/// refuse too), never Knative's refusal of what the policy wrote.
fn refused_by_the_policy(denied: &Denied) -> Result<(), TestCaseError> {
    match denied {
        Denied::Policy(message) => {
            prop_assert!(
                message.contains("max-scale-limit") || message.contains("activation-scale"),
                "{}",
                message
            );
            Ok(())
        }
        Denied::Knative(errors) => Err(TestCaseError::fail(format!(
            "Knative refused the policy's output: {errors:?}"
        ))),
    }
}

#[derive(Clone, Debug)]
enum Change {
    /// The user edits `maxReplicas`.
    MaxReplicas(i32),
    /// The operator changes the settings (and config-autoscaler with them).
    Settings(Value, Cluster),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        prop_oneof![Just(0i32), 1i32..13].prop_map(Change::MaxReplicas),
        valid_settings().prop_map(|(settings, cluster)| Change::Settings(settings, cluster)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    // Sections 1 and 5, facts A and D.3.
    #[test]
    fn a_kserve_predictor_is_steady_and_each_real_change_makes_one_revision(
        isvc in inference_service(),
        (settings, cluster) in valid_settings(),
        change in change(),
    ) {
        let service = isvc.service_name();
        let mut api = ApiServer::new(settings, cluster);
        match reconcile(&mut api, &isvc, cluster) {
            Ok(action) => prop_assert_eq!(action, KServeAction::Created),
            Err(denied) => return refused_by_the_policy(&denied),
        }
        prop_assert_eq!(api.revisions_of(&service).len(), 1);
        check_cluster(&api, &service)?;
        check_steady(&mut api, &isvc, cluster)?;

        let mut isvc = isvc;
        let mut cluster = cluster;
        let user_edit = match change {
            Change::MaxReplicas(max) => {
                let valid = max == 0 || isvc.min_replicas.unwrap_or(1) <= max;
                prop_assume!(valid && max != isvc.max_replicas);
                isvc.max_replicas = max;
                true
            }
            Change::Settings(settings, new_cluster) => {
                api.reconfigure(settings, new_cluster);
                cluster = new_cluster;
                false
            }
        };
        let before = api.revisions_of(&service).len();
        match reconcile(&mut api, &isvc, cluster) {
            Ok(action) => {
                let made = api.revisions_of(&service).len() - before;
                let expected = usize::from(action == KServeAction::Updated);
                prop_assert_eq!(made, expected, "{:?}", action);
                if user_edit {
                    prop_assert_eq!(action, KServeAction::Updated);
                }
            }
            Err(denied) => {
                refused_by_the_policy(&denied)?;
                prop_assert_eq!(api.revisions_of(&service).len(), before);
                return Ok(());
            }
        }
        check_cluster(&api, &service)?;
        check_steady(&mut api, &isvc, cluster)?;
    }

    // Sections 1 and 5: a Service the user applies, copied into its Configuration, and applied
    // again unchanged (kubectl apply of the same manifest) makes no new Revision.
    #[test]
    fn a_users_service_and_its_configuration_agree_and_stay_put(
        request in knative_request(),
        (settings, cluster) in valid_settings(),
    ) {
        prop_assume!(request["kind"]["kind"] == "Service");
        let manifest = request["object"].clone();
        let mut api = ApiServer::new(settings, cluster);
        match api.create("alice", manifest.clone()) {
            Ok(_) => {}
            Err(Denied::Policy(_)) => return Ok(()),
            Err(Denied::Knative(errors)) => {
                return Err(TestCaseError::fail(format!("Knative refused the policy's output: {errors:?}")));
            }
        }
        knative_service_controller(&mut api, "m").map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        check_cluster(&api, "m")?;
        let (writes, revisions) = (api.stored_writes, api.revisions.len());
        for _ in 0..STEADY_ROUNDS {
            let stored = api.update("alice", manifest.clone(), false).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
            prop_assert_eq!(&stored["spec"], &api.get("Service", "m").unwrap()["spec"]);
            knative_service_controller(&mut api, "m").map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        }
        prop_assert_eq!(api.revisions.len(), revisions);
        prop_assert_eq!(api.stored_writes, writes + STEADY_ROUNDS);
        check_cluster(&api, "m")?;
    }
}

/// Settings Knative accepts, with a cap (and sometimes a default max-scale) for the predictors'
/// namespace, and the cap (rules section 10).
fn tenant_settings() -> impl Strategy<Value = (Value, Cluster, i64)> {
    valid_settings().prop_flat_map(|(settings, cluster)| {
        let highest = if cluster.max_scale_limit > 0 {
            cluster.max_scale_limit
        } else {
            8
        };
        (1..=highest).prop_flat_map(move |cap| {
            let settings = settings.clone();
            proptest::option::of(1..=cap).prop_map(move |max| {
                let mut entry = json!({"max-scale-limit": cap.to_string()});
                if let Some(max) = max {
                    entry["max-scale"] = json!(max.to_string());
                }
                let mut settings = settings.clone();
                settings["namespaces"] = json!({"models": entry});
                (settings, cluster, cap)
            })
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    // Section 10: a tenant's predictor, whatever its maxReplicas, never runs a Revision above its
    // namespace's cap, its Configuration is its Service's, and KServe's loop stays quiet.
    #[test]
    fn a_tenants_predictor_stays_under_its_namespaces_cap_and_steady(
        isvc in inference_service(),
        (settings, cluster, cap) in tenant_settings(),
    ) {
        prop_assume!(knative_scale_policy::config::settings::Settings::from_json(&settings).is_ok());
        let service = isvc.service_name();
        let mut api = ApiServer::new(settings, cluster);
        match reconcile(&mut api, &isvc, cluster) {
            Ok(action) => prop_assert_eq!(action, KServeAction::Created),
            Err(denied) => return refused_by_the_policy(&denied),
        }
        check_steady(&mut api, &isvc, cluster)?;
        check_capped(&api, &service, cap)?;
    }
}

fn predictor(min_replicas: i32) -> InferenceService {
    InferenceService {
        name: "sklearn-iris".to_string(),
        min_replicas: Some(min_replicas),
        max_replicas: 0,
        annotations: BTreeMap::new(),
        predictor_annotations: BTreeMap::new(),
    }
}

fn scale_of(annotations: &serde_json::Map<String, Value>) -> [Option<&str>; 3] {
    ["min-scale", "max-scale", "initial-scale"].map(|key| {
        annotations
            .get(&format!("{PREFIX}{key}"))
            .and_then(Value::as_str)
    })
}

// Section 1: the example. KServe's unlimited max must reach the Revision that runs.
#[test]
fn a_service_owned_configuration_keeps_the_services_answer() {
    for (autoscaler, expected_max) in [
        (json!({"max-scale": "4"}), "0"),
        (json!({"max-scale": "4", "max-scale-limit": "10"}), "10"),
    ] {
        let cluster = Cluster {
            allow_zero_initial_scale: false,
            max_scale_limit: autoscaler["max-scale-limit"]
                .as_str()
                .map_or(0, |l| l.parse().unwrap()),
        };
        let mut api = ApiServer::new(json!({"autoscaler": autoscaler}), cluster);
        let isvc = predictor(1);
        reconcile(&mut api, &isvc, cluster).unwrap();
        let service = api.get("Service", "sklearn-iris-predictor").unwrap();
        let configuration = api.get("Configuration", "sklearn-iris-predictor").unwrap();
        assert_eq!(
            scale_of(&template_annotations(&service))[1],
            Some(expected_max)
        );
        assert_eq!(
            configuration["spec"]["template"],
            service["spec"]["template"]
        );
        let revisions = api.revisions_of("sklearn-iris-predictor");
        assert_eq!(revisions.len(), 1);
        assert_eq!(
            scale_of(&revisions[0].annotations),
            [Some("1"), Some(expected_max), Some("1")]
        );
    }
}

// Section 1: the policy itself leaves a Service-owned Configuration that Knative's controller
// writes alone, even one it would resolve differently on its own (with or without the
// webhook's matchConditions); a user's claim of such an owner is resolved.
#[test]
fn a_configuration_owned_by_a_service_is_accepted_unchanged() {
    let mut request = common::request("configuration-no-annotations");
    request["object"]["metadata"]["ownerReferences"] = json!([{
        "apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "hello",
        "uid": "u", "controller": true, "blockOwnerDeletion": true
    }]);
    let forged = common::evaluate(&request, &json!({"autoscaler": {"max-scale": "4"}}));
    assert!(forged.mutated(), "a user's Configuration is resolved");
    request["userInfo"] = json!({"username": "system:serviceaccount:knative-serving:controller"});
    let evaluation = common::evaluate(&request, &json!({"autoscaler": {"max-scale": "4"}}));
    assert!(
        evaluation.accepted() && !evaluation.mutated(),
        "{:?}",
        evaluation.patch()
    );
    assert!(evaluation.warnings().is_empty());
    // A Service of another group is not Knative's Service controller.
    request["object"]["metadata"]["ownerReferences"][0]["apiVersion"] = json!("example.com/v1");
    assert!(common::evaluate(&request, &json!({})).mutated());
}

// Section 1: only standalone Configurations are resolved, exactly like a Service.
#[test]
fn a_standalone_configuration_is_resolved_like_a_service() {
    let settings =
        json!({"autoscaler": {"min-scale": "2", "max-scale": "6", "initial-scale": "3"}});
    let cluster = Cluster {
        allow_zero_initial_scale: false,
        max_scale_limit: 0,
    };
    let mut api = ApiServer::new(settings, cluster);
    let template = json!({"metadata": {"annotations": {"autoscaling.knative.dev/maxScale": "4"}},
                          "spec": {"containers": [{"image": "example.com/app:1"}]}});
    for kind in ["Service", "Configuration"] {
        let object = json!({"apiVersion": "serving.knative.dev/v1", "kind": kind,
                            "metadata": {"name": format!("app-{}", kind.to_lowercase()), "namespace": "models"},
                            "spec": {"template": template}});
        api.create("alice", object).unwrap();
    }
    let service = api.get("Service", "app-service").unwrap();
    let configuration = api.get("Configuration", "app-configuration").unwrap();
    assert_eq!(
        template_annotations(&service),
        template_annotations(&configuration)
    );
    assert_eq!(
        scale_of(&template_annotations(&configuration)),
        [Some("2"), Some("4"), Some("2")]
    );
    assert_eq!(api.revisions_of("app-configuration").len(), 1);
}

const STOP_KEY: &str = "serving.kserve.io/stop";

/// `"true"` with the letters whose bit is set in `case` in upper case.
fn stop_value(case: u8) -> String {
    "true"
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if case >> i & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

fn denied(denied: Denied) -> TestCaseError {
    TestCaseError::fail(format!("{denied:?}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    // Section 9, fact D.1: a user can always stop a model (serving.kserve.io/stop on the
    // InferenceService or its predictor, any letter case, maxReplicas raised over any limit in
    // the same write): the InferenceService is admitted, KServe deletes the Service it ran (or
    // creates none), makes no Revision and then stays quiet; lifting the stop is refused exactly
    // when the Service KServe would build again is.
    #[test]
    fn a_stopped_inference_service_is_admitted_and_has_no_service(
        isvc in inference_service(),
        (settings, cluster) in valid_settings(),
        case in 0u8..16,
        on_predictor in any::<bool>(),
        raise in any::<bool>(),
        ran_first in any::<bool>(),
    ) {
        let service = isvc.service_name();
        let mut api = ApiServer::new(settings, cluster);
        let mut stopped = isvc.clone();
        let on = if on_predictor { &mut stopped.predictor_annotations } else { &mut stopped.annotations };
        on.insert(STOP_KEY.to_string(), stop_value(case));
        if raise {
            stopped.max_replicas = 12;
        }
        let ran = ran_first && api.create("alice", isvc.object()).is_ok();
        if ran {
            prop_assert_eq!(reconcile(&mut api, &isvc, cluster), Ok(KServeAction::Created));
            prop_assert!(api.get("Service", &service).is_some());
            api.update("alice", stopped.object(), false).map_err(denied)?;
        } else {
            api.create("alice", stopped.object()).map_err(denied)?;
        }
        let revisions = api.revisions.len();
        let expected = if ran { KServeAction::Deleted } else { KServeAction::Unchanged };
        prop_assert_eq!(reconcile(&mut api, &stopped, cluster), Ok(expected));
        prop_assert!(api.get("Service", &service).is_none());
        prop_assert!(api.get("Configuration", &service).is_none());
        check_steady(&mut api, &stopped, cluster)?;
        prop_assert_eq!(api.revisions.len(), revisions);

        let mut started = stopped.clone();
        started.annotations.remove(STOP_KEY);
        started.predictor_annotations.remove(STOP_KEY);
        let admitted = api.update("alice", started.object(), false);
        match reconcile(&mut api, &started, cluster) {
            Ok(action) => {
                prop_assert!(admitted.is_ok(), "{:?}", admitted);
                prop_assert_eq!(action, KServeAction::Created);
                check_steady(&mut api, &started, cluster)?;
            }
            Err(refused) => {
                refused_by_the_policy(&refused)?;
                prop_assert!(admitted.is_err(), "the start was admitted, its Service refused: {:?}", refused);
            }
        }
    }

    // Fact D.1: a ModelMesh InferenceGraph gets a Knative Service. The graph is admitted exactly
    // when that Service is; then KServe builds it, the policy resolves it (every bound written),
    // its Configuration copies it, and KServe's reconciles stay quiet.
    #[test]
    fn a_model_mesh_graphs_service_is_built_resolved_and_steady(
        graph in model_mesh_graph(),
        (settings, cluster) in valid_settings(),
    ) {
        let mut api = ApiServer::new(settings, cluster);
        let admitted = api.create("alice", graph.object());
        let built = reconcile_graph(&mut api, &graph, cluster);
        match (&admitted, built) {
            (Ok(_), Ok(action)) => prop_assert_eq!(action, KServeAction::Created),
            (Err(Denied::Policy(_)), Err(Denied::Policy(_))) => return Ok(()),
            (admitted, built) => {
                return Err(TestCaseError::fail(format!("the graph: {admitted:?}; its Service: {built:?}")));
            }
        }
        let stored = api.get("Service", &graph.name).ok_or_else(|| TestCaseError::fail("no Service"))?;
        let annotations = template_annotations(&stored);
        prop_assert!(
            scale_of(&annotations).iter().all(Option::is_some),
            "not resolved: {:?}",
            annotations
        );
        prop_assert_eq!(api.revisions_of(&graph.name).len(), 1);
        check_cluster(&api, &graph.name)?;
        let (writes, revisions) = (api.stored_writes, api.revisions.len());
        for round in 0..STEADY_ROUNDS {
            prop_assert_eq!(reconcile_graph(&mut api, &graph, cluster), Ok(KServeAction::Unchanged), "round {}", round);
        }
        prop_assert_eq!(api.stored_writes, writes, "a steady cluster wrote");
        prop_assert_eq!(api.revisions.len(), revisions, "a steady cluster made Revisions");
    }
}

/// One pass of KServe's graph reconciler and Knative's controllers over the graph's objects.
fn reconcile_graph(
    api: &mut ApiServer,
    graph: &InferenceGraph,
    cluster: Cluster,
) -> Result<KServeAction, Denied> {
    let desired = kserve_desired_graph_service(graph, cluster.allow_zero_initial_scale);
    let action = kserve_reconcile_service(api, desired)?;
    knative_service_controller(api, &graph.name)?;
    Ok(action)
}

/// Section 11's example cluster: config-autoscaler `{max-scale-limit: "20", max-scale: "10"}`.
const EXAMPLE_CLUSTER: Cluster = Cluster {
    allow_zero_initial_scale: false,
    max_scale_limit: 20,
};
/// The cap of the predictors' namespace, `models`, in section 11's example.
const MODELS_CAP: i64 = 8;

/// Section 11's example settings, with `gpu_llm` and `web` for its two profiles: `web` the
/// default, `gpu-llm` the profile of namespace `models` (capped at 8).
fn example_settings(gpu_llm: &ProfileValues, web: &ProfileValues) -> Value {
    json!({
        "autoscaler": {"max-scale-limit": "20", "max-scale": "10"},
        "profiles": {"gpu-llm": gpu_llm, "web": web},
        "defaultProfile": "web",
        "namespaces": {"models": {"max-scale-limit": MODELS_CAP.to_string(), "profile": "gpu-llm"}}
    })
}

/// Section 11's own gpu-llm and web.
fn example_profiles() -> (ProfileValues, ProfileValues) {
    let values = |pairs: &[(&str, &str)]| -> ProfileValues {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    };
    (
        values(&[
            ("min-scale", "1"),
            ("max-scale", "4"),
            ("initial-scale", "1"),
            ("scale-down-delay", "15m"),
            ("window", "120s"),
            ("target", "1"),
        ]),
        values(&[("target", "100"), ("target-utilization-percentage", "70")]),
    )
}

/// How an InferenceService in `models` gets its profile: its namespace's (gpu-llm), or the
/// annotation on its metadata or its predictor (KServe copies both to the template; section 11).
#[derive(Clone, Copy, Debug)]
enum ProfileChoice {
    Namespace,
    Metadata(&'static str),
    Predictor(&'static str),
}

fn profile_choice() -> impl Strategy<Value = ProfileChoice> {
    let name = || prop_oneof![4 => Just("gpu-llm"), 4 => Just("web"), 1 => Just(UNKNOWN_PROFILE)];
    prop_oneof![
        Just(ProfileChoice::Namespace),
        name().prop_map(ProfileChoice::Metadata),
        name().prop_map(ProfileChoice::Predictor),
    ]
}

impl ProfileChoice {
    /// Writes the choice on the InferenceService; the name of the profile in force.
    fn apply(self, isvc: &mut InferenceService) -> &'static str {
        let (annotations, name) = match self {
            ProfileChoice::Namespace => return "gpu-llm",
            ProfileChoice::Metadata(name) => (&mut isvc.annotations, name),
            ProfileChoice::Predictor(name) => (&mut isvc.predictor_annotations, name),
        };
        annotations.insert(PROFILE_KEY.to_string(), name.to_string());
        name
    }
}

/// Section 10: no Revision of `service` runs above the namespace's `cap`, written or left to
/// the cluster (through a profile too).
fn check_capped(api: &ApiServer, service: &str, cap: i64) -> Result<(), TestCaseError> {
    for revision in api.revisions_of(service) {
        let (start, upper) = start_and_upper(revision);
        prop_assert!(
            (1..=cap).contains(&upper) && start <= cap,
            "a revision starts {} pods, at most {}, under the cap {}: {:?}",
            start,
            upper,
            cap,
            revision.annotations
        );
    }
    Ok(())
}

/// Section 11 on the latest Revision: a key of the profile's that KServe's Service holds is
/// KServe's; one it leaves to the profile carries the profile's value and is recorded
/// (`key: absent -> value`), or is left out (Knative would refuse it beside the others).
fn check_profile_keys(
    api: &ApiServer,
    isvc: &InferenceService,
    profile: &ProfileValues,
) -> Result<(), TestCaseError> {
    let desired = template_annotations(&kserve_desired_service(isvc, false));
    let revisions = api.revisions_of(&isvc.service_name());
    let revision = revisions
        .last()
        .ok_or_else(|| TestCaseError::fail("no Revision"))?;
    let record = revision
        .annotations
        .get(RECORD_KEY)
        .and_then(Value::as_str)
        .unwrap_or_default();
    for (name, value) in profile {
        let key = format!("{PREFIX}{name}");
        if ["min-scale", "max-scale", "initial-scale"].contains(&name.as_str()) {
            continue;
        }
        let written = revision.annotations.get(&key).and_then(Value::as_str);
        match desired.get(&key).and_then(Value::as_str) {
            Some(kserves) => prop_assert_eq!(written, Some(kserves), "{}", key),
            None if written.is_some() => {
                prop_assert_eq!(written, Some(value.as_str()), "{}", key);
                let entry = format!("{name}: absent -> {value}");
                prop_assert!(
                    record.contains(&entry),
                    "{} not in the record {:?}",
                    entry,
                    record
                );
            }
            None => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    // Sections 5, 10 and 11, fact D.3: a predictor in `models` with a profile (section 11's
    // example with generated gpu-llm and web profiles; the namespace's profile, or one the
    // InferenceService names on its metadata or predictor). The InferenceService is admitted
    // exactly when its Service is; then KServe's loop stays quiet for 20 reconciles, the
    // Configuration is its Service's, no Revision escapes the namespace's cap, and the profile's
    // keys are on the Revision and recorded. When the operator changes that profile's window,
    // nothing moves by itself; the next reconcile makes exactly one new Revision with the new
    // window, the Service is what a new cluster with the new settings builds, and the loop is
    // quiet again.
    #[test]
    fn a_profiled_predictor_is_steady_capped_and_follows_its_profile_once(
        isvc in inference_service(),
        generated in (profile_values(EXAMPLE_CLUSTER), profile_values(EXAMPLE_CLUSTER)),
        example in any::<bool>(),
        choice in profile_choice(),
        window in 6i64..=3600,
    ) {
        let (mut gpu_llm, mut web) = if example { example_profiles() } else { generated };
        let settings = example_settings(&gpu_llm, &web);
        let valid = Settings::from_json(&settings);
        prop_assert!(valid.is_ok(), "{:?}: {}", valid.err(), settings);
        let mut isvc = isvc;
        let in_force = choice.apply(&mut isvc);
        let service = isvc.service_name();
        let mut api = ApiServer::new(settings, EXAMPLE_CLUSTER);
        let admitted = api.create("alice", isvc.object());
        match (admitted, reconcile(&mut api, &isvc, EXAMPLE_CLUSTER)) {
            (Ok(_), Ok(action)) => prop_assert_eq!(action, KServeAction::Created),
            (Err(Denied::Policy(isvcs)), Err(Denied::Policy(services))) => {
                if in_force == UNKNOWN_PROFILE {
                    prop_assert!(isvcs.contains("is not a profile of this cluster"), "{}", isvcs);
                    prop_assert!(services.contains("is not a profile of this cluster"), "{}", services);
                    return Ok(());
                }
                return refused_by_the_policy(&Denied::Policy(services));
            }
            (admitted, built) => {
                return Err(TestCaseError::fail(format!("the InferenceService: {admitted:?}; its Service: {built:?}")));
            }
        }
        prop_assert_ne!(in_force, UNKNOWN_PROFILE);
        let profile = if in_force == "gpu-llm" { &mut gpu_llm } else { &mut web };
        prop_assert_eq!(api.revisions_of(&service).len(), 1);
        check_cluster(&api, &service)?;
        check_capped(&api, &service, MODELS_CAP)?;
        check_profile_keys(&api, &isvc, profile)?;
        check_steady(&mut api, &isvc, EXAMPLE_CLUSTER)?;

        let window = format!("{window}s");
        prop_assume!(profile.get("window") != Some(&window));
        profile.insert("window".to_string(), window.clone());
        let profile = profile.clone();
        let changed = example_settings(&gpu_llm, &web);
        let (stored, revisions) = (api.get("Service", &service), api.revisions.len());
        api.reconfigure(changed.clone(), EXAMPLE_CLUSTER);
        prop_assert_eq!(&api.get("Service", &service), &stored, "the settings moved a Service by themselves");
        prop_assert_eq!(reconcile(&mut api, &isvc, EXAMPLE_CLUSTER), Ok(KServeAction::Updated));
        prop_assert_eq!(api.revisions.len(), revisions + 1, "not exactly one new Revision");
        let latest = api.revisions_of(&service).last().map(|r| r.annotations.clone()).unwrap_or_default();
        prop_assert_eq!(latest.get(&format!("{PREFIX}window")), Some(&json!(window)));
        check_cluster(&api, &service)?;
        check_capped(&api, &service, MODELS_CAP)?;
        check_profile_keys(&api, &isvc, &profile)?;
        let mut new_cluster = ApiServer::new(changed, EXAMPLE_CLUSTER);
        prop_assert_eq!(reconcile(&mut new_cluster, &isvc, EXAMPLE_CLUSTER), Ok(KServeAction::Created));
        prop_assert_eq!(
            &api.get("Service", &service).map(|s| s["spec"]["template"].clone()),
            &new_cluster.get("Service", &service).map(|s| s["spec"]["template"].clone())
        );
        check_steady(&mut api, &isvc, EXAMPLE_CLUSTER)?;
    }
}

/// The values of `keys` on the stored template of the Service `name`.
fn keys(api: &ApiServer, name: &str, keys: &[&str]) -> Vec<Option<String>> {
    let annotations = template_annotations(&api.get("Service", name).unwrap());
    keys.iter()
        .map(|key| {
            let value = annotations.get(&format!("{PREFIX}{key}"));
            value.and_then(Value::as_str).map(str::to_string)
        })
        .collect()
}

// Section 11's example through KServe's loop: an InferenceService in `models` (minReplicas 1,
// maxReplicas unlimited) gets gpu-llm within the namespace's cap; one that names web on its
// metadata gets web's keys; 20 quiet reconciles each; gpu-llm's window changed from 120s to
// 300s makes exactly one new Revision of the first, and none of the second.
#[test]
fn section_11s_example_through_kserves_loop() {
    let (mut gpu_llm, web) = example_profiles();
    let mut api = ApiServer::new(example_settings(&gpu_llm, &web), EXAMPLE_CLUSTER);
    let gpu = predictor(1);
    let mut site = predictor(1);
    site.name = "sklearn-web".to_string();
    site.annotations
        .insert(PROFILE_KEY.to_string(), "web".to_string());
    for isvc in [&gpu, &site] {
        api.create("alice", isvc.object()).unwrap();
        assert_eq!(
            reconcile(&mut api, isvc, EXAMPLE_CLUSTER),
            Ok(KServeAction::Created)
        );
    }
    let gpu_keys = [
        "min-scale",
        "max-scale",
        "initial-scale",
        "scale-down-delay",
        "window",
        "target",
    ];
    let expected = |values: &[&str]| -> Vec<Option<String>> {
        values.iter().map(|v| Some(v.to_string())).collect()
    };
    assert_eq!(
        keys(&api, "sklearn-iris-predictor", &gpu_keys),
        expected(&["1", "8", "1", "15m", "120s", "1"])
    );
    assert_eq!(
        keys(
            &api,
            "sklearn-web-predictor",
            &[
                "min-scale",
                "max-scale",
                "initial-scale",
                "target",
                "target-utilization-percentage",
                "window"
            ]
        ),
        [&expected(&["1", "8", "1", "100", "70"])[..], &[None]].concat()
    );
    let revisions = api.revisions.len();
    for _ in 0..STEADY_ROUNDS {
        for isvc in [&gpu, &site] {
            assert_eq!(
                reconcile(&mut api, isvc, EXAMPLE_CLUSTER),
                Ok(KServeAction::Unchanged)
            );
        }
    }
    assert_eq!(api.revisions.len(), revisions);
    for name in ["sklearn-iris-predictor", "sklearn-web-predictor"] {
        assert_eq!(
            api.get("Configuration", name).unwrap()["spec"]["template"],
            api.get("Service", name).unwrap()["spec"]["template"]
        );
    }

    gpu_llm.insert("window".to_string(), "300s".to_string());
    api.reconfigure(example_settings(&gpu_llm, &web), EXAMPLE_CLUSTER);
    assert_eq!(api.revisions.len(), revisions, "nothing moves by itself");
    assert_eq!(
        reconcile(&mut api, &gpu, EXAMPLE_CLUSTER),
        Ok(KServeAction::Updated)
    );
    assert_eq!(
        reconcile(&mut api, &site, EXAMPLE_CLUSTER),
        Ok(KServeAction::Unchanged)
    );
    assert_eq!(api.revisions.len(), revisions + 1);
    let latest = api.revisions.last().unwrap();
    assert_eq!(latest.configuration, "sklearn-iris-predictor");
    assert_eq!(latest.annotations[&format!("{PREFIX}window")], "300s");
    assert_eq!(
        keys(&api, "sklearn-iris-predictor", &gpu_keys),
        expected(&["1", "8", "1", "15m", "300s", "1"])
    );
    for _ in 0..STEADY_ROUNDS {
        assert_eq!(
            reconcile(&mut api, &gpu, EXAMPLE_CLUSTER),
            Ok(KServeAction::Unchanged)
        );
    }
    assert_eq!(api.revisions.len(), revisions + 1);
}
