//! The runner's command line as e2e.bats and `make run` use it. Being an integration test, this
//! also makes `cargo test --workspace` build the `policy-runner` binary that e2e.bats and the
//! browser tests then run, with the same dependency features as the test build.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use serde_json::json;

const RUNNER: &str = env!("CARGO_BIN_EXE_policy-runner");
const REQUEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/requests/service-min1-max3.json"
);

fn runner(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(RUNNER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the runner starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin is written");
    child.wait_with_output().expect("the runner ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn each_subcommand_takes_only_its_own_flags() {
    let refused = runner(&["run", "-r", REQUEST, "--floor", "x.wasm", "p.wasm"], "");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("unexpected argument '--floor'"));
    let both = runner(
        &[
            "run",
            "-r",
            REQUEST,
            "-s",
            "a.yaml",
            "--settings-json",
            "{}",
            "p.wasm",
        ],
        "",
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(text(&both.stderr).contains("cannot be used with"));
}

#[test]
fn show_applies_the_patch_and_lists_the_warnings() {
    let patch = json!([{
        "op": "add",
        "path": "/spec/template/metadata/annotations/autoscaling.knative.dev~1initial-scale",
        "value": "1"
    }]);
    let response = json!({
        "uid": "u",
        "allowed": true,
        "patchType": "JSONPatch",
        "patch": base64::engine::general_purpose::STANDARD.encode(patch.to_string()),
        "warnings": ["initial-scale set to 1"]
    });
    let shown = runner(&["show", "-r", REQUEST], &response.to_string());
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let stdout = text(&shown.stdout);
    assert!(stdout.starts_with("# patched Service "), "{stdout}");
    assert!(
        stdout.contains("autoscaling.knative.dev/initial-scale: '1'"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("# warnings: \n#   - initial-scale set to 1\n"),
        "{stdout}"
    );

    let rejected = json!({"uid": "u", "allowed": false, "status": {"message": "no"}});
    let shown = runner(&["show", "-r", REQUEST], &rejected.to_string());
    assert_eq!(text(&shown.stdout), "rejected: no\n");
}

#[cfg(not(feature = "wasmtime"))]
#[test]
fn bench_says_it_needs_wasmtime_when_built_without_it() {
    let bench = runner(&["bench", "-r", REQUEST, "p.wasm"], "");
    assert_eq!(bench.status.code(), Some(1));
    assert!(text(&bench.stderr).contains("build the runner with `--features wasmtime`"));
}
