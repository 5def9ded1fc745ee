//! The files a Kubewarden user relies on: policy.yaml (metadata), artifacthub-pkg.yml and the
//! ClusterAdmissionPolicy manifests of deploy/ agree with each other, with Cargo.toml's version,
//! and with the built policy's own settings validation.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn yaml(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn metadata() -> Value {
    yaml("policy.yaml")
}

fn annotation(name: &str) -> String {
    metadata()["annotations"][name]
        .as_str()
        .unwrap_or_else(|| panic!("policy.yaml lacks annotation {name}"))
        .to_string()
}

fn expected_rules() -> Value {
    json!([{
        "apiGroups": ["serving.knative.dev"],
        "apiVersions": ["v1"],
        "resources": ["services", "configurations"],
        "operations": ["CREATE", "UPDATE"]
    }])
}

fn deploy_manifests() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_yaml::Deserializer::from_str(&text)
        .map(|doc| serde::Deserialize::deserialize(doc).unwrap())
        .filter(|doc: &Value| !doc.is_null())
        .collect()
}

#[test]
fn policy_metadata_declares_a_mutating_wapc_policy_for_knative_services() {
    let metadata = metadata();
    assert_eq!(metadata["rules"], expected_rules());
    assert_eq!(metadata["mutating"], true);
    assert_eq!(metadata["executionMode"], "kubewarden-wapc");
    assert!(metadata["backgroundAudit"].is_boolean());
    for name in [
        "io.artifacthub.displayName",
        "io.artifacthub.resources",
        "io.artifacthub.keywords",
        "io.kubewarden.policy.ociUrl",
        "io.kubewarden.policy.title",
        "io.kubewarden.policy.version",
        "io.kubewarden.policy.description",
        "io.kubewarden.policy.author",
        "io.kubewarden.policy.url",
        "io.kubewarden.policy.source",
        "io.kubewarden.policy.license",
        "io.kubewarden.policy.category",
        "io.kubewarden.policy.severity",
    ] {
        assert!(!annotation(name).trim().is_empty(), "{name} is empty");
    }
}

#[test]
fn policy_metadata_version_is_cargo_version() {
    assert_eq!(annotation("io.kubewarden.policy.version"), VERSION);
}

#[test]
fn artifacthub_package_agrees_with_policy_metadata() {
    let package = yaml("artifacthub-pkg.yml");
    let metadata = metadata();
    assert_eq!(package["version"], VERSION);
    assert_eq!(package["name"], annotation("io.kubewarden.policy.title"));
    assert_eq!(
        package["displayName"],
        annotation("io.artifacthub.displayName")
    );
    assert_eq!(
        package["description"],
        annotation("io.kubewarden.policy.description")
    );
    assert_eq!(
        package["license"],
        annotation("io.kubewarden.policy.license")
    );
    assert_eq!(package["homeURL"], annotation("io.kubewarden.policy.url"));
    let keywords: Vec<String> = annotation("io.artifacthub.keywords")
        .split(',')
        .map(|k| k.trim().to_string())
        .collect();
    assert_eq!(package["keywords"], json!(keywords));
    let image = format!("{}:v{VERSION}", annotation("io.kubewarden.policy.ociUrl"));
    assert_eq!(
        package["containersImages"],
        json!([{"name": "policy", "image": image}])
    );
    assert!(package["install"].as_str().unwrap().contains(&image));
    let annotations = &package["annotations"];
    assert_eq!(
        annotations["kubewarden/mutation"],
        metadata["mutating"].to_string()
    );
    assert_eq!(
        annotations["kubewarden/resources"],
        annotation("io.artifacthub.resources")
    );
    let rules: Value =
        serde_yaml::from_str(annotations["kubewarden/rules"].as_str().unwrap()).unwrap();
    assert_eq!(rules, metadata["rules"]);
    let context: Value = serde_yaml::from_str(
        annotations["kubewarden/contextAwareResources"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let declared = match &metadata["contextAwareResources"] {
        Value::Null => json!([]),
        declared => declared.clone(),
    };
    assert_eq!(context, declared);
}

#[test]
fn deploy_manifests_are_valid_cluster_admission_policies() {
    let manifests = deploy_manifests();
    assert!(manifests.len() >= 2, "{manifests:?}");
    for path in manifests {
        for doc in documents(&path) {
            if doc["kind"] != "ClusterAdmissionPolicy" {
                continue;
            }
            let name = path.display();
            assert_eq!(doc["apiVersion"], "policies.kubewarden.io/v1", "{name}");
            let spec = &doc["spec"];
            assert_eq!(spec["mutating"], true, "{name}");
            assert_eq!(spec["rules"], expected_rules(), "{name}");
            assert!(
                matches!(spec["failurePolicy"].as_str(), Some("Fail" | "Ignore")),
                "{name}"
            );
            let module = format!(
                "registry://{}:v{VERSION}",
                annotation("io.kubewarden.policy.ociUrl")
            );
            assert_eq!(spec["module"], module, "{name}");
            let verdict = common::policy()
                .validate_settings(&spec["settings"])
                .expect("no trap");
            assert!(verdict.valid, "{name}: {:?}", verdict.message);
            if !spec["settings"]["autoscalerConfigMap"].is_null() {
                assert_eq!(
                    spec["contextAwareResources"],
                    metadata()["contextAwareResources"],
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn context_aware_rbac_grants_get_on_the_configmap_the_manifest_reads() {
    let policy = documents(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/context-aware.yaml"
    )));
    let config_map = &policy[0]["spec"]["settings"]["autoscalerConfigMap"];
    let rbac = documents(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/context-aware-rbac.yaml"
    )));
    let role = rbac.iter().find(|d| d["kind"] == "Role").expect("a Role");
    let binding = rbac
        .iter()
        .find(|d| d["kind"] == "RoleBinding")
        .expect("a RoleBinding");
    assert_eq!(role["metadata"]["namespace"], config_map["namespace"]);
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [config_map["name"]], "verbs": ["get"]}])
    );
    assert_eq!(binding["metadata"]["namespace"], config_map["namespace"]);
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(binding["subjects"][0]["kind"], "ServiceAccount");
}

#[test]
fn policy_metadata_declares_the_configmap_read_of_the_context_aware_mode() {
    let metadata = metadata();
    assert_eq!(
        metadata["contextAwareResources"],
        json!([{"apiVersion": "v1", "kind": "ConfigMap"}])
    );
    assert_eq!(
        metadata["hostCapabilities"],
        json!(["kubernetes/get_resource"])
    );
}

#[test]
fn shipped_module_is_at_most_300_kb() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy.wasm");
    let size = std::fs::metadata(&path)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; build it first with `make policy.wasm`",
                path.display()
            )
        })
        .len();
    assert!(
        size <= 300_000,
        "policy.wasm is {size} bytes, over the 300 KB budget"
    );
}
