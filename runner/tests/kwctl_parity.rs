//! The runner answers as the real kwctl does. Every request fixture, with five settings files,
//! plus the requests the real host refuses and the context-aware sessions, goes through both
//! `kwctl run` and `policy-runner run`; the exit status, `allowed`, the patched object (the patch
//! applied), the warnings, the status and any refusal on stderr must agree.
//!
//! Runs when kwctl is on the PATH (or named by `$KWCTL`); `REQUIRE_REAL_KUBEWARDEN=1` (set by
//! `make test` where the real kwctl is installed from ../shared/kubewarden) turns its absence
//! into a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_policy-runner");
const SETTINGS: [&str; 5] = [
    "initial-scale-5",
    "max-scale-5-limit-10",
    "allow-zero-initial-scale",
    // Every fixture's namespace (models) has its own defaults and cap there.
    "tenants",
    // Rules section 11's example: models gets the gpu-llm profile under a cap of 8, web is the
    // default; the service-profile-* and isvc-sklearn-profile-* fixtures choose one, or one the
    // cluster lacks.
    "profiles",
];
/// Each recorded session, with the settings whose reads it answers.
const SESSIONS: [(&str, &str); 8] = [
    ("default-cluster", "context-aware"),
    ("cluster-with-limit", "context-aware"),
    ("configmap-missing", "context-aware"),
    ("access-denied", "context-aware"),
    ("invalid-data", "context-aware"),
    ("namespace-lowers-cap", "tenants-namespace-annotations"),
    ("namespace-raises-cap", "tenants-namespace-annotations"),
    ("namespace-unreadable", "tenants-namespace-annotations"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the runner lives in the repository")
        .to_path_buf()
}

fn kwctl() -> Option<String> {
    let kwctl = std::env::var("KWCTL").unwrap_or_else(|_| "kwctl".to_string());
    let found = Command::new(&kwctl)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    found.then_some(kwctl)
}

/// One `run`: its arguments after `run`, the module last.
struct Case {
    name: String,
    request: PathBuf,
    args: Vec<String>,
}

/// What a host's `run` answered, reduced to what must agree.
#[derive(Debug, PartialEq)]
enum Answer {
    Response {
        allowed: Value,
        object: Value,
        status: Value,
        warnings: Value,
    },
    Refused(String),
}

fn answer(host: &str, case: &Case, module: &Path) -> Answer {
    let output = Command::new(host)
        .arg("run")
        .args(&case.args)
        .arg(module)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|error| panic!("{host} does not start: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let refusal = stderr
            .lines()
            .find(|line| line.starts_with("Error:") || line.starts_with("Provided settings"))
            .unwrap_or_else(|| {
                panic!(
                    "{host} failed on {} without saying why: {stderr}",
                    case.name
                )
            });
        return Answer::Refused(refusal.to_string());
    }
    let response: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{host} printed no AdmissionResponse for {}: {error}",
            case.name
        )
    });
    Answer::Response {
        allowed: response["allowed"].clone(),
        object: patched_object(&case.request, &response),
        status: response["status"].clone(),
        warnings: response["warnings"].clone(),
    }
}

/// The request's object with the response's patch applied.
fn patched_object(request_path: &Path, response: &Value) -> Value {
    let text = std::fs::read_to_string(request_path).expect("the fixture is readable");
    let mut request: Value = serde_json::from_str(&text).expect("the fixture is JSON");
    if request["kind"] == "AdmissionReview" {
        request = request["request"].take();
    }
    let mut object = request["object"].take();
    if let Some(patch) = response["patch"].as_str() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(patch)
            .expect("the patch is base64");
        let patch: json_patch::Patch = serde_json::from_slice(&bytes).expect("a JSON patch");
        if let Err(error) = json_patch::patch(&mut object, &patch) {
            return json!({"the patch does not apply": error.to_string()});
        }
    }
    object
}

fn fixture_cases(scratch: &Path) -> Vec<Case> {
    let requests = repo().join("tests/fixtures/requests");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&requests)
        .expect("tests/fixtures/requests")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() > 30, "{} request fixtures", paths.len());
    let mut cases = Vec::new();
    for request in &paths {
        for settings in SETTINGS {
            cases.push(Case {
                name: format!("{} with {settings}", request.display()),
                request: request.clone(),
                args: vec![
                    "--request-path".into(),
                    request.display().to_string(),
                    "--settings-path".into(),
                    repo()
                        .join(format!("tests/fixtures/settings/{settings}.yaml"))
                        .display()
                        .to_string(),
                ],
            });
        }
    }
    // What the real host refuses before the policy runs.
    let service = requests.join("service-min1-max3.json");
    let text = std::fs::read_to_string(&service).expect("a fixture");
    let request: Value = serde_json::from_str(&text).expect("JSON");
    let mut refused = Vec::new();
    for field in ["userInfo", "uid", "kind", "resource", "operation"] {
        let mut incomplete = request.clone();
        incomplete.as_object_mut().expect("a map").remove(field);
        refused.push((format!("without {field}"), incomplete));
    }
    for (field, value) in [
        ("userInfo", json!(null)),
        ("userInfo", json!(["alice"])),
        ("uid", json!(7)),
        ("dryRun", json!("yes")),
    ] {
        let mut wrong = request.clone();
        wrong[field] = value;
        refused.push((format!("{field} of another type"), wrong));
    }
    refused.push((
        "an AdmissionReview".to_string(),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}),
    ));
    refused.push((
        "an AdmissionReview without its request".to_string(),
        json!({"kind": "AdmissionReview"}),
    ));
    for (i, (name, request)) in refused.into_iter().enumerate() {
        let path = scratch.join(format!("request-{i}.json"));
        std::fs::write(&path, serde_json::to_vec(&request).expect("JSON")).expect("written");
        cases.push(Case {
            name,
            request: path.clone(),
            args: vec!["--request-path".into(), path.display().to_string()],
        });
    }
    cases.push(Case {
        name: "settings with a typo".into(),
        request: service.clone(),
        args: vec![
            "--request-path".into(),
            service.display().to_string(),
            "--settings-path".into(),
            repo()
                .join("tests/fixtures/settings/invalid-typo.yaml")
                .display()
                .to_string(),
        ],
    });
    cases
}

fn context_aware_cases() -> Vec<Case> {
    let request = repo().join("tests/fixtures/requests/service-no-annotations.json");
    let mut cases = Vec::new();
    for (session, settings) in SESSIONS {
        let settings = repo().join(format!("tests/fixtures/settings/{settings}.yaml"));
        for allowed in [true, false] {
            let mut args = vec![
                "--request-path".to_string(),
                request.display().to_string(),
                "--settings-path".to_string(),
                settings.display().to_string(),
                "--replay-host-capabilities-interactions".to_string(),
                repo()
                    .join(format!("tests/fixtures/sessions/{session}.yml"))
                    .display()
                    .to_string(),
            ];
            if allowed {
                args.push("--allow-context-aware".into());
            }
            cases.push(Case {
                name: format!("session {session}, context-aware access {allowed}"),
                request: request.clone(),
                args,
            });
        }
    }
    cases
}

/// Runs the cases on a few threads: kwctl spends most of a run waiting for the Sigstore
/// trust root it cannot fetch here.
fn compare(kwctl: &str, cases: &[Case], module: &Path) -> Vec<String> {
    let chunk = cases.len().div_ceil(6).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(chunk)
            .map(|cases| {
                scope.spawn(move || {
                    let mut differences = Vec::new();
                    for case in cases {
                        let real = answer(kwctl, case, module);
                        let ours = answer(RUNNER, case, module);
                        if real != ours {
                            differences.push(format!(
                                "{}:\n  kwctl:  {real:?}\n  runner: {ours:?}",
                                case.name
                            ));
                        }
                    }
                    differences
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a comparison thread"))
            .collect()
    })
}

#[test]
fn the_runner_answers_every_fixture_as_kwctl_does() {
    let Some(kwctl) = kwctl() else {
        assert_ne!(
            std::env::var("REQUIRE_REAL_KUBEWARDEN").as_deref(),
            Ok("1"),
            "REQUIRE_REAL_KUBEWARDEN=1 but kwctl is not on the PATH"
        );
        eprintln!("kwctl is not on the PATH: the runner is not compared with it");
        return;
    };
    let module = repo().join("policy.wasm");
    assert!(
        module.exists(),
        "build policy.wasm first (make policy.wasm)"
    );
    let scratch = std::env::temp_dir().join(format!("kwctl-parity-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("a scratch folder");
    // kwctl grants context-aware access from the metadata `kwctl annotate` embeds.
    let annotated = scratch.join("annotated-policy.wasm");
    let status = Command::new(&kwctl)
        .args(["annotate", "-m"])
        .arg(repo().join("policy.yaml"))
        .arg("-o")
        .arg(&annotated)
        .arg(&module)
        .output()
        .expect("kwctl annotate runs");
    assert!(status.status.success(), "kwctl annotate: {status:?}");

    let cases = fixture_cases(&scratch);
    let mut differences = compare(&kwctl, &cases, &module);
    let context_aware = context_aware_cases();
    differences.extend(compare(&kwctl, &context_aware, &annotated));
    std::fs::remove_dir_all(&scratch).ok();
    let total = cases.len() + context_aware.len();
    assert!(
        differences.is_empty(),
        "{} of {total} runs differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    eprintln!("{total} runs through {kwctl} and the runner agree");
}
