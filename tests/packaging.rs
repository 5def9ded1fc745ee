//! The files a Kubewarden user relies on agree with each other and with the built policy:
//! policy.yaml (metadata, also reached as metadata.yml), artifacthub-pkg.yml (rebuilt here as
//! `kwctl scaffold artifacthub` writes it), questions-ui.yml (the Rancher UI form), docs/usage.md
//! (the usage text `kwctl annotate -u` embeds), the ClusterAdmissionPolicy manifests of deploy/,
//! the release workflow, and Cargo.toml's version.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The matchCondition every manifest of deploy/ carries (issue 9): the API server does not call
/// the webhook for a Configuration owned by a Knative Service.
const EXCLUDE_SERVICE_OWNED_CONFIGURATIONS: &str = "object == null || request.resource.resource != 'configurations' || !has(object.metadata.ownerReferences) || !object.metadata.ownerReferences.exists(o, o.kind == 'Service' && o.apiVersion.startsWith('serving.knative.dev/')) || request.userInfo.username != 'system:serviceaccount:knative-serving:controller'";

fn path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn text(relative: &str) -> String {
    let path = path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(relative: &str) -> Value {
    serde_yaml::from_str(&text(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
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

fn knative_rule() -> Value {
    json!({
        "apiGroups": ["serving.knative.dev"],
        "apiVersions": ["v1"],
        "resources": ["services", "configurations"],
        "operations": ["CREATE", "UPDATE"]
    })
}

fn deploy_manifests() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(path("deploy"))
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
        .map(|doc| Deserialize::deserialize(doc).unwrap())
        .filter(|doc: &Value| !doc.is_null())
        .collect()
}

fn cluster_admission_policies() -> Vec<(PathBuf, Value)> {
    deploy_manifests()
        .into_iter()
        .flat_map(|path| {
            documents(&path)
                .into_iter()
                .filter(|doc| doc["kind"] == "ClusterAdmissionPolicy")
                .map(move |doc| (path.clone(), doc))
        })
        .collect()
}

#[test]
fn policy_metadata_declares_a_mutating_wapc_policy_for_knative_services() {
    let metadata = metadata();
    let rules = metadata["rules"].as_array().expect("rules");
    assert!(rules.contains(&knative_rule()), "{rules:?}");
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

/// Kubewarden's release actions read `metadata.yml`; the project keeps `policy.yaml`.
#[test]
fn metadata_yml_is_a_symbolic_link_to_policy_yaml() {
    let link = path("metadata.yml");
    let kind = std::fs::symlink_metadata(&link).expect("metadata.yml exists");
    assert!(kind.file_type().is_symlink(), "metadata.yml is not a link");
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        PathBuf::from("policy.yaml")
    );
    assert_eq!(text("metadata.yml"), text("policy.yaml"));
}

/// kubewarden/github-actions' check-policy-version takes the version as
/// `grep 'io.kubewarden.policy.version' metadata.yml | awk '{print $2}' | tr -d '"'`.
#[test]
fn the_release_action_reads_the_version_from_metadata_yml() {
    let metadata = text("metadata.yml");
    let lines: Vec<&str> = metadata
        .lines()
        .filter(|line| line.contains("io.kubewarden.policy.version"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let field = lines[0].split_whitespace().nth(1).unwrap_or("");
    assert_eq!(field.replace('"', ""), VERSION);
}

/// `kwctl scaffold artifacthub` and Artifact Hub need every maintainer as `name <email>`.
#[test]
fn policy_author_is_a_list_of_names_with_emails() {
    let maintainers = maintainers(&annotation("io.kubewarden.policy.author"));
    assert!(!maintainers.is_empty());
    let owners = &yaml("artifacthub-repo.yml")["owners"];
    for owner in owners.as_array().expect("artifacthub-repo.yml owners") {
        assert!(
            owner["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{owner}"
        );
        let email = owner["email"].as_str().unwrap_or("");
        assert!(
            is_email(email),
            "artifacthub-repo.yml owner email {email:?}"
        );
    }
}

// --- artifacthub-pkg.yml, as kwctl writes it -------------------------------------------------
//
// kwctl 1.31 (`src/scaffold/artifacthub.rs`) writes a comment header, then serde_yaml 0.9's
// serialization of policy-evaluator's `ArtifactHubPkg::from_metadata` (0.30.4,
// `src/policy_artifacthub.rs`; unchanged in the 1.35 the release action installs). The structs
// below have its field order and skip rules; this crate's serde_yaml is the same 0.9.

const KWCTL_HEADER: &str = "# Kubewarden Artifacthub Package config
#
# Use this config to submit the policy to https://artifacthub.io.
#
# This config can be saved to its default location with:
#   kwctl scaffold artifacthub > artifacthub-pkg.yml \n";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    version: String,
    name: String,
    display_name: String,
    created_at: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<String>,
    #[serde(rename = "homeURL", skip_serializing_if = "Option::is_none")]
    home_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    containers_images: Option<Vec<Image>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keywords: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<Vec<Link>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    install: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maintainers: Option<Vec<Maintainer>>,
    provider: Named,
    recommendations: Vec<Url>,
    annotations: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Image {
    name: String,
    image: String,
}

#[derive(Serialize)]
struct Link {
    name: String,
    url: String,
}

#[derive(Serialize, Debug, PartialEq)]
struct Maintainer {
    name: String,
    email: String,
}

#[derive(Serialize)]
struct Named {
    name: String,
}

#[derive(Serialize)]
struct Url {
    url: String,
}

/// policy-evaluator's `Rule`, in its field order.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    api_groups: Vec<String>,
    api_versions: Vec<String>,
    resources: Vec<String>,
    operations: Vec<String>,
}

/// policy-evaluator's `ContextAwareResource`, kept in a `BTreeSet` (sorted, deduplicated).
#[derive(Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
struct ContextAwareResource {
    api_version: String,
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    rules: Vec<Rule>,
    mutating: bool,
    #[serde(default)]
    context_aware_resources: BTreeSet<ContextAwareResource>,
    annotations: BTreeMap<String, String>,
}

/// `name <email>, name <email>`, as kwctl reads `io.kubewarden.policy.author` (RFC 5322
/// name-addr; this reads the plain form only, which is all policy.yaml should hold).
fn maintainers(author: &str) -> Vec<Maintainer> {
    author
        .split(',')
        .map(|entry| {
            let entry = entry.trim();
            let (name, rest) = entry
                .split_once('<')
                .unwrap_or_else(|| panic!("author {entry:?} is not `name <email>`"));
            let email = rest
                .strip_suffix('>')
                .unwrap_or_else(|| panic!("author {entry:?} is not `name <email>`"));
            assert!(is_email(email), "author {entry:?}: bad email {email:?}");
            assert!(!name.trim().is_empty(), "author {entry:?} has no name");
            Maintainer {
                name: name.trim().to_string(),
                email: email.to_string(),
            }
        })
        .collect()
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let plain =
        |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || "<>@,\"".contains(c));
    plain(local)
        && plain(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// RFC 3339 date-time (`2026-11-27T15:45:12.123456789Z`, `...+02:00`), as Artifact Hub requires.
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|d| std::str::from_utf8(d).unwrap().parse::<u32>().unwrap())
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(_year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return false;
    }
    if !((1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 60)
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    if rest == "Z" {
        return true;
    }
    let o = rest.as_bytes();
    o.len() == 6
        && (o[0] == b'+' || o[0] == b'-')
        && o[3] == b':'
        && [1, 2, 4, 5].iter().all(|&i| o[i].is_ascii_digit())
        && rest[1..3].parse::<u32>().unwrap() <= 23
        && rest[4..6].parse::<u32>().unwrap() <= 59
}

/// What `kwctl scaffold artifacthub --metadata-path policy.yaml --questions-path
/// questions-ui.yml --output artifacthub-pkg.yml` writes, at the given time.
fn scaffold_artifacthub(created_at: &str) -> String {
    let metadata: Metadata = serde_yaml::from_str(&text("policy.yaml")).unwrap();
    let questions = text("questions-ui.yml");
    assert!(
        !questions.is_empty(),
        "kwctl refuses an empty questions file"
    );
    let get = |key: &str| metadata.annotations.get(key).cloned();
    let required = |key: &str| get(key).unwrap_or_else(|| panic!("kwctl needs annotation {key}"));

    let version = required("io.kubewarden.policy.version");
    let oci = format!("{}:v{version}", required("io.kubewarden.policy.ociUrl"));
    let keywords = get("io.artifacthub.keywords").map(|csv| {
        let words: Vec<String> = csv
            .split(',')
            .map(|w| w.trim_matches(' ').to_string())
            .collect();
        assert!(
            words.iter().all(|w| !w.is_empty()),
            "empty keyword in {csv:?}"
        );
        words
    });
    let links = get("io.kubewarden.policy.source").map(|source| {
        let source_link = Link {
            name: "source".into(),
            url: source.clone(),
        };
        if source.starts_with("https://github.com/") {
            let release = get("com.github.release.tag").unwrap_or(format!("v{version}"));
            assert!(
                release
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
                "kwctl would URL-encode the tag {release:?}"
            );
            vec![
                Link {
                    name: "policy".into(),
                    url: format!("{source}/releases/download/{release}/policy.wasm"),
                },
                source_link,
            ]
        } else {
            vec![source_link]
        }
    });
    let install = format!(
        "The policy can be obtained using [`kwctl`](https://github.com/kubewarden/kwctl):
```console
kwctl pull {oci}
```
Then, generate the policy manifest and tune it to your liking. For example:
```console
kwctl scaffold manifest -t ClusterAdmissionPolicy registry://{oci}
```
"
    );

    let mut annotations = BTreeMap::new();
    annotations.insert(
        "kubewarden/mutation".to_string(),
        metadata.mutating.to_string(),
    );
    if !metadata.context_aware_resources.is_empty() {
        annotations.insert(
            "kubewarden/contextAwareResources".to_string(),
            serde_yaml::to_string(&metadata.context_aware_resources).unwrap(),
        );
    }
    annotations.insert(
        "kubewarden/rules".to_string(),
        serde_yaml::to_string(&metadata.rules).unwrap(),
    );
    annotations.insert("kubewarden/questions-ui".to_string(), questions);
    if let Some(hidden) = get("io.kubewarden.hidden-ui") {
        annotations.insert("kubewarden/hidden-ui".to_string(), hidden);
    }
    if let Some(resources) = get("io.artifacthub.resources") {
        annotations.insert("kubewarden/resources".to_string(), resources);
    }

    let package = Package {
        version,
        name: required("io.kubewarden.policy.title"),
        display_name: required("io.artifacthub.displayName"),
        created_at: created_at.to_string(),
        description: required("io.kubewarden.policy.description"),
        license: get("io.kubewarden.policy.license"),
        home_url: get("io.kubewarden.policy.url"),
        containers_images: Some(vec![Image {
            name: "policy".into(),
            image: oci,
        }]),
        keywords,
        links,
        install: Some(install),
        maintainers: get("io.kubewarden.policy.author").map(|a| maintainers(&a)),
        provider: Named {
            name: "kubewarden".into(),
        },
        recommendations: vec![Url {
            url: "https://artifacthub.io/packages/helm/kubewarden/kubewarden-controller".into(),
        }],
        annotations,
    };
    format!("{KWCTL_HEADER}{}", serde_yaml::to_string(&package).unwrap())
}

#[test]
fn artifacthub_package_is_what_kwctl_scaffold_artifacthub_writes() {
    let committed = text("artifacthub-pkg.yml");
    let created_at = committed
        .lines()
        .find_map(|line| line.strip_prefix("createdAt: "))
        .expect("artifacthub-pkg.yml has a createdAt line");
    assert!(
        is_rfc3339(created_at),
        "createdAt {created_at:?} is not RFC 3339"
    );
    let expected = scaffold_artifacthub(created_at);
    assert!(
        committed == expected,
        "artifacthub-pkg.yml is not what kwctl writes from policy.yaml and questions-ui.yml; \
         regenerate it with `kwctl scaffold artifacthub --metadata-path policy.yaml \
         --questions-path questions-ui.yml --output artifacthub-pkg.yml`, or write this:\n{expected}"
    );
    // What Artifact Hub itself requires of a Kubewarden package.
    let package = yaml("artifacthub-pkg.yml");
    assert_eq!(package["version"], VERSION);
    for key in ["name", "displayName", "description"] {
        assert!(
            package[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key}"
        );
    }
    assert_eq!(package["containersImages"][0]["name"], "policy");
    for maintainer in package["maintainers"].as_array().expect("maintainers") {
        assert!(
            is_email(maintainer["email"].as_str().unwrap_or("")),
            "{maintainer}"
        );
    }
    assert_eq!(
        package["annotations"]["kubewarden/questions-ui"],
        text("questions-ui.yml")
    );
}

#[test]
fn the_rfc3339_check_knows_good_from_bad() {
    for good in [
        "2026-11-25T00:00:00Z",
        "2026-11-27T15:45:12.123456789Z",
        "2023-01-19T14:46:21+02:00",
    ] {
        assert!(is_rfc3339(good), "{good}");
    }
    for bad in [
        "2026-11-25",
        "2026-11-25 00:00:00Z",
        "2026-13-25T00:00:00Z",
        "2026-11-25T00:00:00",
        "2026-11-25T00:00:00.Z",
        "2026-11-25T00:00:00+0200",
    ] {
        assert!(!is_rfc3339(bad), "{bad}");
    }
}

// --- questions-ui.yml -------------------------------------------------------------------------

/// The settings the Rancher UI writes when the user changes nothing: each question's default
/// at its variable (dotted variables are nested keys).
fn form_defaults(questions: &[Value]) -> Value {
    let mut settings = Map::new();
    let mut all: Vec<&Value> = Vec::new();
    for question in questions {
        all.push(question);
        if let Some(subquestions) = question["subquestions"].as_array() {
            all.extend(subquestions);
        }
    }
    for question in all {
        let variable = question["variable"].as_str().expect("variable");
        // Kubewarden's forms open with the policy's description: shown, never a setting.
        if variable == "description" && question["hide_input"] == true {
            continue;
        }
        let default = question.get("default").cloned().unwrap_or(Value::Null);
        match variable.split_once('.') {
            None => {
                settings.entry(variable).or_insert(default);
            }
            Some((parent, key)) => {
                let parent = settings
                    .entry(parent)
                    .or_insert_with(|| Value::Object(Map::new()));
                if parent.is_null() {
                    *parent = Value::Object(Map::new());
                }
                parent
                    .as_object_mut()
                    .expect("a map")
                    .insert(key.to_string(), default);
            }
        }
    }
    Value::Object(settings)
}

fn questions() -> Vec<Value> {
    yaml("questions-ui.yml")["questions"]
        .as_array()
        .expect("questions-ui.yml has a `questions` list")
        .clone()
}

#[test]
fn the_settings_form_offers_every_setting_with_knatives_defaults() {
    let questions = questions();
    let variables: Vec<&str> = questions
        .iter()
        .map(|q| q["variable"].as_str().unwrap())
        .collect();
    for setting in [
        "autoscaler",
        "defaultInitialScale",
        "autoscalerConfigMap",
        "auditChanges",
        "knativeController",
        "namespaces",
        "namespaceAnnotations",
        "profiles",
        "defaultProfile",
    ] {
        assert!(variables.contains(&setting), "no question for {setting}");
    }
    for question in &questions {
        for key in ["variable", "label", "type", "group"] {
            assert!(question[key].is_string(), "{question}: {key}");
        }
    }
    let defaults = form_defaults(&questions);
    assert_eq!(
        defaults["autoscaler"],
        json!({
            "initial-scale": 1,
            "allow-zero-initial-scale": false,
            "min-scale": 0,
            "max-scale": 0,
            "max-scale-limit": 0,
            "enable-scale-to-zero": true,
            "pod-autoscaler-class": "kpa.autoscaling.knative.dev"
        })
    );
    let strategy = questions
        .iter()
        .find(|q| q["variable"] == "defaultInitialScale")
        .unwrap();
    assert_eq!(
        strategy["options"],
        json!(["min", "cluster", "zero-or-cluster"])
    );
    assert_eq!(defaults["defaultInitialScale"], "min");
    // Untouched, the form keeps the static mode and the audit on, as the policy's own defaults.
    assert_eq!(defaults["autoscalerConfigMap"], Value::Null);
    assert_eq!(defaults["auditChanges"], true);
    assert_eq!(defaults["namespaces"], json!([]));
    assert_eq!(defaults["namespaceAnnotations"], false);
    assert_eq!(defaults["profiles"], json!([]));
    assert_eq!(defaults["defaultProfile"], Value::Null);
}

#[test]
fn the_settings_forms_defaults_are_valid_settings_of_the_built_policy() {
    let defaults = form_defaults(&questions());
    let verdict = common::policy()
        .validate_settings(&defaults)
        .expect("no trap");
    assert!(verdict.valid, "{defaults}: {:?}", verdict.message);
}

// Kubewarden's UI edits a list of maps (`sequence[` with `sequence_questions`), not a map of
// maps, so `profiles` and `namespaces` are offered as lists of entries with a `name` (rules
// section 11), which the policy reads as it reads the map form.

/// The questions of one entry of the sequence question `variable`.
fn sequence_questions(variable: &str) -> Vec<Value> {
    let questions = questions();
    let question = questions
        .iter()
        .find(|q| q["variable"] == variable)
        .unwrap_or_else(|| panic!("no question for {variable}"));
    assert_eq!(question["type"], "sequence[", "{variable}");
    assert_eq!(question["default"], json!([]), "{variable}");
    question["sequence_questions"]
        .as_array()
        .unwrap_or_else(|| panic!("{variable} has no sequence_questions"))
        .clone()
}

/// The keys an entry of `setting` may hold, as the built policy names them when it refuses an
/// unknown one (`... unknown key: a profile sets class, metric, ...`).
fn keys_the_policy_reads(setting: &str) -> Vec<String> {
    let settings = json!({ setting: [{"name": "x", "no-such-key": "1"}] });
    let verdict = common::policy()
        .validate_settings(&settings)
        .expect("no trap");
    let message = verdict.message.unwrap_or_default();
    assert!(!verdict.valid, "{settings}");
    let prefix = format!("{setting}.x.no-such-key: unknown key: ");
    let list = message
        .strip_prefix(&prefix)
        .and_then(|rule| {
            rule.strip_prefix("a profile sets ")
                .or(rule.strip_prefix("the keys are "))
        })
        .unwrap_or_else(|| panic!("the policy's refusal no longer lists the keys: {message}"));
    list.replace(" and ", ", ")
        .split(", ")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_forms_sequences_offer_every_key_the_policy_reads_and_write_no_default() {
    for setting in ["profiles", "namespaces"] {
        let questions = sequence_questions(setting);
        let offered: Vec<&str> = questions
            .iter()
            .map(|q| q["variable"].as_str().expect("variable"))
            .collect();
        let mut expected = vec!["name".to_string()];
        expected.extend(keys_the_policy_reads(setting));
        assert_eq!(offered, expected, "{setting}: the form's fields");
        assert_eq!(questions[0]["required"], true, "{setting}: the name");
        for question in &questions {
            for key in ["label", "tooltip", "placeholder"] {
                assert!(question[key].is_string(), "{setting}: {question}: {key}");
            }
            // Annotation values are strings; Rancher's string field is the one whose changes
            // reach a sequence's entry.
            assert_eq!(question["type"], "string", "{setting}: {question}");
            // Rancher's "Add" writes each field's default into the new entry: a field left
            // untouched must leave its key out (an empty value is a field not set, below).
            assert!(
                question.get("default").is_none(),
                "{setting}: {question}: a default would be written for every untouched field"
            );
        }
    }
}

/// One entry as a person fills it in Rancher: `name` and the fields `filled` with their
/// examples, every other field untouched (absent: the fields have no default).
fn entry(questions: &[Value], filled: impl Fn(&str) -> bool) -> Value {
    let mut entry = Map::new();
    for question in questions {
        let variable = question["variable"].as_str().unwrap();
        if variable == "name" || filled(variable) {
            entry.insert(variable.into(), question["placeholder"].clone());
        }
    }
    Value::Object(entry)
}

#[test]
fn a_form_filled_as_rancher_fills_it_is_accepted_by_the_built_policy() {
    let profile_questions = sequence_questions("profiles");
    let namespace_questions = sequence_questions("namespaces");
    // A profile with every field filled with its example, a second with two fields, an entry
    // added and only named; a namespace with every field, naming the first profile.
    let full = entry(&profile_questions, |_| true);
    let mut web = entry(&profile_questions, |key| {
        ["target", "target-utilization-percentage"].contains(&key)
    });
    web["name"] = "web".into();
    web["target"] = "100".into();
    let mut named_only = entry(&profile_questions, |_| false);
    named_only["name"] = "plain".into();
    let namespace = entry(&namespace_questions, |_| true);
    assert_eq!(
        namespace["profile"], full["name"],
        "the namespace's example names the profile's example"
    );
    let mut settings = form_defaults(&questions());
    settings["profiles"] = json!([full, web, named_only]);
    settings["defaultProfile"] = "web".into();
    settings["namespaces"] = json!([namespace]);
    let verdict = common::policy()
        .validate_settings(&settings)
        .expect("no trap");
    assert!(verdict.valid, "{settings}: {:?}", verdict.message);

    // The namespace's objects get the full profile (within its cap), the others the default.
    let in_namespace = |name: &Value| {
        let mut request = common::request("service-no-annotations");
        request["namespace"] = name.clone();
        request["object"]["metadata"]["namespace"] = name.clone();
        common::evaluate(&request, &settings)
    };
    let evaluation = in_namespace(&namespace["name"]);
    assert!(evaluation.accepted(), "{}", evaluation.message());
    let annotations = evaluation.annotations();
    for (key, value) in full.as_object().unwrap() {
        if key != "name" {
            let written = &annotations[&format!("{}{key}", common::PREFIX)];
            assert_eq!(written, value, "{key}");
        }
    }
    let evaluation = in_namespace(&json!("elsewhere"));
    assert_eq!(
        evaluation.annotations()[&format!("{}target", common::PREFIX)],
        "100"
    );

    // A field cleared after typing holds "", which the policy reads as a field not set (the
    // questions' descriptions say so): the form writes no default, and a cleared field is no
    // error that stops every evaluation.
    for (setting, key) in [("profiles", "window"), ("namespaces", "max-scale-limit")] {
        let cleared = json!({ setting: [{"name": "web", key: ""}] });
        let absent = json!({ setting: [{"name": "web"}] });
        let verdict = common::policy()
            .validate_settings(&cleared)
            .expect("no trap");
        assert!(verdict.valid, "{cleared}: {:?}", verdict.message);
        let request = common::request("service-no-annotations");
        assert_eq!(
            common::evaluate(&request, &cleared).annotations(),
            common::evaluate(&request, &absent).annotations(),
            "{cleared}"
        );
        let description = questions()
            .into_iter()
            .find(|q| q["variable"] == setting)
            .unwrap()["description"]
            .clone();
        assert!(
            description
                .as_str()
                .unwrap()
                .contains("a field left empty (untouched, or cleared after typing) is not set"),
            "{setting}'s description"
        );
    }
}

// --- docs/usage.md ----------------------------------------------------------------------------

#[test]
fn usage_text_is_short_and_names_every_setting() {
    let usage = text("docs/usage.md");
    assert!(
        usage.len() <= 8 * 1024,
        "docs/usage.md is {} bytes, over 8 KB: it is embedded in every module",
        usage.len()
    );
    let defaults = form_defaults(&questions());
    for (setting, value) in defaults.as_object().unwrap() {
        assert!(usage.contains(setting.as_str()), "docs/usage.md: {setting}");
        if let Some(keys) = value.as_object() {
            for key in keys.keys() {
                assert!(
                    usage.contains(key.as_str()),
                    "docs/usage.md: {setting}.{key}"
                );
            }
        }
    }
    let makefile = text("Makefile");
    assert_eq!(
        makefile
            .matches("annotate -m policy.yaml -u docs/usage.md")
            .count(),
        2,
        "both annotate steps of the Makefile embed docs/usage.md"
    );
    assert!(!makefile.contains("-u README.md"));
}

// --- deploy/ ----------------------------------------------------------------------------------

#[test]
fn deploy_manifests_are_valid_cluster_admission_policies() {
    let policies = cluster_admission_policies();
    assert!(policies.len() >= 3, "{policies:?}");
    let metadata = metadata();
    for (path, doc) in policies {
        let name = path.display();
        assert_eq!(doc["apiVersion"], "policies.kubewarden.io/v1", "{name}");
        let spec = &doc["spec"];
        assert_eq!(spec["mutating"], true, "{name}");
        let mut rules = metadata["rules"].as_array().expect("rules").clone();
        if is_kserve_manifest(&path) {
            rules.extend(kserve_rules());
        }
        assert_eq!(
            spec["rules"],
            Value::Array(rules),
            "{name}: the rules of policy.yaml (and KServe's in {KSERVE_MANIFESTS:?})"
        );
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
        // Exactly the reads its settings make.
        let mut reads = Vec::new();
        if !spec["settings"]["autoscalerConfigMap"].is_null() {
            reads.push(json!({"apiVersion": "v1", "kind": "ConfigMap"}));
        }
        if spec["settings"]["namespaceAnnotations"] == true {
            reads.push(json!({"apiVersion": "v1", "kind": "Namespace"}));
        }
        if reads.is_empty() {
            assert!(spec["contextAwareResources"].is_null(), "{name}");
        } else {
            assert_eq!(spec["contextAwareResources"], Value::Array(reads), "{name}");
        }
    }
}

/// The manifests for clusters with KServe: their rules add InferenceServices and InferenceGraphs.
const KSERVE_MANIFESTS: [&str; 2] = ["kserve.yaml", "profiles.yaml"];

fn is_kserve_manifest(path: &Path) -> bool {
    KSERVE_MANIFESTS.iter().any(|name| path.ends_with(name))
}

fn kserve_rules() -> Vec<Value> {
    vec![
        json!({"apiGroups": ["serving.kserve.io"], "apiVersions": ["v1beta1"],
               "resources": ["inferenceservices"], "operations": ["CREATE", "UPDATE"]}),
        json!({"apiGroups": ["serving.kserve.io"], "apiVersions": ["v1alpha1"],
               "resources": ["inferencegraphs"], "operations": ["CREATE", "UPDATE"]}),
    ]
}

/// The audit scanner skips a whole policy whose rules name a resource the cluster does not serve
/// (kubewarden-conventions.md section 8): what a Knative-only cluster applies names no KServe
/// kind, and neither does policy.yaml, which `kwctl scaffold manifest` copies.
#[test]
fn only_the_kserve_manifest_names_kserve_kinds() {
    let names_kserve = |rules: &Value| rules.to_string().contains("serving.kserve.io");
    assert!(!names_kserve(&metadata()["rules"]), "policy.yaml");
    let mut kserve_manifests = Vec::new();
    for (path, doc) in cluster_admission_policies() {
        if names_kserve(&doc["spec"]["rules"]) {
            kserve_manifests.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(kserve_manifests, KSERVE_MANIFESTS);
    for manifest in KSERVE_MANIFESTS {
        for document in ["README.md", "docs/usage.md"] {
            assert!(
                text(document).contains(&format!("deploy/{manifest}")),
                "{document} names deploy/{manifest}"
            );
        }
    }
}

/// The README's "Autoscaling profiles" table was checked with kwctl against these settings
/// (tests/fixtures/settings/profiles.yaml); the manifest must hold the same.
#[test]
fn the_profiles_manifest_holds_the_settings_the_readme_was_checked_with() {
    let policy = documents(&path("deploy/profiles.yaml"));
    assert_eq!(
        policy[0]["spec"]["settings"],
        common::settings("profiles"),
        "deploy/profiles.yaml and tests/fixtures/settings/profiles.yaml"
    );
}

/// A context-aware evaluation waits for the API server; the policy server's default evaluation
/// timeout (2 s) is raised, within the webhook's own timeout.
#[test]
fn context_aware_manifests_allow_the_read_time() {
    for (path, doc) in cluster_admission_policies() {
        let spec = &doc["spec"];
        if spec["contextAwareResources"].is_null() {
            continue;
        }
        let eval = spec["timeoutEvalSeconds"].as_u64().unwrap_or(2);
        let webhook = spec["timeoutSeconds"].as_u64().unwrap_or(10);
        assert!(eval > 2 && eval < webhook, "{}", path.display());
    }
}

#[test]
fn deploy_manifests_skip_service_owned_configurations_with_a_match_condition() {
    for (path, doc) in cluster_admission_policies() {
        let conditions = doc["spec"]["matchConditions"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no matchConditions", path.display()));
        let condition = conditions
            .iter()
            .find(|c| c["name"] == "exclude-service-owned-configurations")
            .unwrap_or_else(|| {
                panic!(
                    "{}: no exclude-service-owned-configurations",
                    path.display()
                )
            });
        assert_eq!(
            condition["expression"],
            EXCLUDE_SERVICE_OWNED_CONFIGURATIONS,
            "{}",
            path.display()
        );
    }
}

/// Kubewarden's controller keeps only the matchExpressions of a ClusterAdmissionPolicy's
/// namespaceSelector: matchLabels would be dropped and the policy would apply everywhere. This
/// holds for commented-out examples and the documentation too.
#[test]
fn namespaces_are_scoped_only_with_match_expressions() {
    for (path, doc) in cluster_admission_policies() {
        let selector = &doc["spec"]["namespaceSelector"];
        if !selector.is_null() {
            assert!(selector.get("matchLabels").is_none(), "{}", path.display());
            assert!(
                selector["matchExpressions"].is_array(),
                "{}",
                path.display()
            );
        }
    }
    let mut files: Vec<PathBuf> = deploy_manifests();
    files.extend(["README.md", "docs/usage.md"].map(path));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let key = line.trim_start().trim_start_matches('#').trim_start();
            assert!(
                !key.starts_with("matchLabels:"),
                "{}:{}: a matchLabels selector",
                file.display(),
                number + 1
            );
        }
    }
}

#[test]
fn context_aware_rbac_grants_get_on_the_configmap_the_manifest_reads() {
    let policy = documents(&path("deploy/context-aware.yaml"));
    let config_map = &policy[0]["spec"]["settings"]["autoscalerConfigMap"];
    let rbac = documents(&path("deploy/context-aware-rbac.yaml"));
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

/// Rules section 10: the policy reads Namespaces with `get` and nothing else.
#[test]
fn tenants_rbac_grants_exactly_get_on_namespaces() {
    let policy = documents(&path("deploy/tenants.yaml"));
    assert_eq!(policy[0]["spec"]["settings"]["namespaceAnnotations"], true);
    let rbac = documents(&path("deploy/tenants-rbac.yaml"));
    let role = rbac
        .iter()
        .find(|d| d["kind"] == "ClusterRole")
        .expect("a ClusterRole");
    let binding = rbac
        .iter()
        .find(|d| d["kind"] == "ClusterRoleBinding")
        .expect("a ClusterRoleBinding");
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]}])
    );
    assert_eq!(binding["roleRef"]["name"], role["metadata"]["name"]);
    assert_eq!(binding["subjects"][0]["kind"], "ServiceAccount");
    let readme = text("README.md");
    assert!(readme.contains("deploy/tenants-rbac.yaml"));
}

#[test]
fn policy_metadata_declares_the_reads_of_the_context_aware_mode() {
    let metadata = metadata();
    assert_eq!(
        metadata["contextAwareResources"],
        json!([{"apiVersion": "v1", "kind": "ConfigMap"}, {"apiVersion": "v1", "kind": "Namespace"}])
    );
    assert_eq!(
        metadata["hostCapabilities"],
        json!(["kubernetes/get_resource"])
    );
}

/// The README's "Autoscaling profiles" table, cell by cell (checked with kwctl when written;
/// here through the same module in the in-repo host): the autoscaling annotations each request
/// of tests/fixtures/requests/ gets with deploy/profiles.yaml's settings.
#[test]
fn the_readmes_profiles_table_is_what_the_policy_writes() {
    let gpu_llm =
        "min-scale=1 max-scale=4 initial-scale=1 target=1 window=120s scale-down-delay=15m";
    let web =
        "min-scale=0 max-scale=10 initial-scale=1 target=100 target-utilization-percentage=70";
    let cells = [
        ("service-no-annotations", gpu_llm),
        ("service-no-annotations-in-default", web),
        (
            "service-target5",
            "min-scale=1 max-scale=4 initial-scale=1 target=5 window=120s scale-down-delay=15m",
        ),
        (
            "service-target5-in-default",
            "min-scale=0 max-scale=10 initial-scale=1 target=5 target-utilization-percentage=70",
        ),
        ("service-profile-gpu-llm", gpu_llm),
        ("service-profile-gpu-llm-in-default", gpu_llm),
        (
            "service-profile-web",
            "min-scale=0 max-scale=8 initial-scale=1 target=100 target-utilization-percentage=70",
        ),
        ("service-profile-web-in-default", web),
        (
            "kserve-predictor-min1",
            "min-scale=1 max-scale=8 initial-scale=1 target=1 window=120s scale-down-delay=15m",
        ),
        (
            "kserve-predictor-min1-in-default",
            "min-scale=1 max-scale=20 initial-scale=1 target=100 target-utilization-percentage=70",
        ),
    ];
    let settings = common::settings("profiles");
    for (request, expected) in cells {
        let evaluation = common::evaluate(&common::request(request), &settings);
        assert!(evaluation.accepted(), "{request}: {}", evaluation.message());
        let mut written: Vec<String> = evaluation
            .annotations()
            .iter()
            .filter_map(|(key, value)| {
                let key = key.strip_prefix(common::PREFIX)?;
                Some(format!("{key}={}", value.as_str()?))
            })
            .collect();
        let mut expected: Vec<String> = expected.split(' ').map(str::to_string).collect();
        written.sort();
        expected.sort();
        assert_eq!(written, expected, "{request}");
    }
    for request in [
        "service-profile-gpu-xl",
        "service-profile-gpu-xl-in-default",
    ] {
        let evaluation = common::evaluate(&common::request(request), &settings);
        assert!(!evaluation.accepted(), "{request}");
        assert_eq!(
            evaluation.message(),
            r#"knative-scale-policy.github.io/profile: "gpu-xl" is not a profile of this cluster (gpu-llm, web)"#
        );
    }
    // The InferenceServices themselves: accepted, told what their predictor's Service gets.
    for (request, max, profile) in [
        ("isvc-sklearn-min1", "8", "gpu-llm"),
        ("isvc-sklearn-min1-in-default", "20", "web"),
    ] {
        let evaluation = common::evaluate(&common::request(request), &settings);
        assert!(evaluation.accepted(), "{request}: {}", evaluation.message());
        let warnings = evaluation.warnings().join("\n");
        assert!(
            warnings.contains(&format!(
                "predictor: autoscaling.knative.dev/max-scale will be set to {max}:"
            )) && warnings.contains(&format!("predictor: profile {profile}: ")),
            "{request}: {warnings}"
        );
    }
}

// --- replay sessions --------------------------------------------------------------------------

/// The error texts of the replay sessions are those a real policy server gives.
#[test]
fn replay_sessions_fail_with_the_hosts_own_error_texts() {
    let message = |session: &str| {
        yaml(&format!("tests/fixtures/sessions/{session}.yml"))[0]["response"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        message("configmap-missing"),
        r#"Cannot find v1/ConfigMap named 'config-autoscaler' inside of namespace 'Some("knative-serving")'"#
    );
    assert_eq!(
        message("namespace-unreadable"),
        "Cannot find v1/Namespace named 'models' inside of namespace 'None'"
    );
    let denied = message("access-denied");
    assert!(
        denied.starts_with(r#"ApiError: configmaps "config-autoscaler" is forbidden: "#),
        "{denied}"
    );
    assert!(
        denied.ends_with(r#", reason: "Forbidden", code: 403 })"#),
        "{denied}"
    );
}

// --- release workflow -------------------------------------------------------------------------

#[test]
fn the_release_workflow_pushes_to_the_policys_oci_url() {
    let workflow = yaml(".github/workflows/release.yml");
    let release = &workflow["jobs"]["release"];
    assert!(
        release["uses"].as_str().unwrap().starts_with(
            "kubewarden/github-actions/.github/workflows/reusable-release-policy-rust.yml@"
        ),
        "{release}"
    );
    assert_eq!(
        release["with"]["oci-target"],
        annotation("io.kubewarden.policy.ociUrl")
    );
    for permission in ["contents", "packages", "id-token"] {
        assert_eq!(release["permissions"][permission], "write", "{permission}");
    }
}

/// The budget is a ceiling (issue 25): a feature that does not fit makes room elsewhere. The
/// module is built size-optimized and through wasm-opt (`make policy.wasm`; docs/performance.md
/// says where the bytes go).
#[test]
fn shipped_module_is_at_most_300_kb() {
    let path = path("policy.wasm");
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

/// Kubewarden's release action builds with `cargo build --release`, copies that module to
/// policy.wasm and runs `make annotated-policy.wasm`: the annotated module must come from
/// `make policy.wasm`'s recipe (the `policy` profile, then wasm-opt), not from the action's copy.
#[test]
fn the_released_module_is_the_one_make_policy_wasm_builds() {
    let makefile = text("Makefile");
    let recipe = |target: &str| -> Vec<String> {
        let mut lines = makefile
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{target}:")));
        let head = lines.next().unwrap_or_default().to_string();
        std::iter::once(head)
            .chain(
                lines
                    .take_while(|l| l.starts_with('\t'))
                    .map(str::to_string),
            )
            .collect()
    };
    let annotated = recipe("annotated-policy.wasm");
    assert!(annotated[0].contains(" policy.wasm"), "{annotated:?}");
    let policy = recipe("policy.wasm");
    assert!(
        policy.iter().any(|l| l.contains("--profile policy")),
        "{policy:?}"
    );
    assert!(
        policy
            .iter()
            .any(|l| l.contains("wasm-opt") && l.contains("-o policy.wasm")),
        "{policy:?}"
    );
    assert!(
        makefile.contains(".PHONY: policy.wasm"),
        "policy.wasm is rebuilt every time"
    );
    let cargo = text("Cargo.toml");
    assert!(
        cargo.contains("[profile.policy]\ninherits = \"release\""),
        "Cargo.toml"
    );
}

/// The README is for the people who use the policy (issue 19): development notes and measured
/// figures live in docs/development.md and docs/performance.md, which it links.
#[test]
fn the_readme_stays_a_users_page() {
    let readme = text("README.md");
    let lines = readme.lines().count();
    assert!(lines <= 400, "README.md has {lines} lines, over 400");
    for doc in [
        "docs/development.md",
        "docs/performance.md",
        "docs/usage.md",
    ] {
        assert!(
            readme.contains(&format!("({doc})")),
            "README.md links {doc}"
        );
        assert!(path(doc).exists(), "{doc}");
    }
    for section in [
        "## Settings",
        "## Deploy",
        "## Troubleshooting",
        "## Playground",
    ] {
        assert!(readme.contains(section), "README.md: {section}");
    }
}
