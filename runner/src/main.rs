//! `policy-runner run`: evaluates a policy like `kwctl run`, with the flags e2e.bats uses, so the
//! same tests run here and against a real kwctl.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use policy_runner::{AdmissionResponse, HostCapabilities, Policy, bench, metadata};
use serde_json::Value;

const USAGE: &str = "usage:
  policy-runner run [--request-path|-r FILE] [--settings-path|-s FILE] [--settings-json JSON]
      [--allow-context-aware] [--replay-host-capabilities-interactions FILE] <module.wasm | file://module.wasm>
  policy-runner bench --request-path FILE [--settings-path FILE | --settings-json JSON]
      [--floor FLOOR.wasm --floor-settings-json JSON] [--num-samples N] [--warm-up-time SECS] <module.wasm>
  policy-runner annotate --metadata-path|-m policy.yaml [--usage-path|-u docs/usage.md] --output-path|-o OUT <module.wasm>
  policy-runner show --request-path FILE < response.json   (the patched object and the warnings)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("show") => show(&args[1..]),
        Some("annotate") => annotate(&args[1..]),
        Some("bench") => bench(&args[1..]),
        _ => Err(anyhow::anyhow!("{USAGE}")),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Default)]
struct RunArgs {
    request_path: Option<String>,
    settings_path: Option<String>,
    settings_json: Option<String>,
    allow_context_aware: bool,
    replay_path: Option<String>,
    metadata_path: Option<String>,
    usage_path: Option<String>,
    output_path: Option<String>,
    floor: Option<String>,
    floor_settings_json: Option<String>,
    num_samples: Option<String>,
    warm_up_time: Option<String>,
    module: Option<String>,
}

fn parse_run_args(args: &[String]) -> Result<RunArgs> {
    let mut parsed = RunArgs::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || -> Result<String> {
            match &inline {
                Some(value) => Ok(value.clone()),
                None => args
                    .next()
                    .cloned()
                    .with_context(|| format!("{flag} needs a value")),
            }
        };
        match flag {
            "-r" | "--request-path" => parsed.request_path = Some(value()?),
            "-s" | "--settings-path" => parsed.settings_path = Some(value()?),
            "--settings-json" => parsed.settings_json = Some(value()?),
            "--allow-context-aware" => parsed.allow_context_aware = true,
            "--replay-host-capabilities-interactions" => parsed.replay_path = Some(value()?),
            "-m" | "--metadata-path" => parsed.metadata_path = Some(value()?),
            "-u" | "--usage-path" => parsed.usage_path = Some(value()?),
            "-o" | "--output-path" => parsed.output_path = Some(value()?),
            "--floor" => parsed.floor = Some(value()?),
            "--floor-settings-json" => parsed.floor_settings_json = Some(value()?),
            "--num-samples" => parsed.num_samples = Some(value()?),
            "--warm-up-time" => parsed.warm_up_time = Some(value()?),
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            module if parsed.module.is_none() => parsed.module = Some(module.to_string()),
            extra => bail!("unexpected argument {extra}\n{USAGE}"),
        }
    }
    Ok(parsed)
}

fn run(args: &[String]) -> Result<ExitCode> {
    let args = parse_run_args(args)?;
    let module = args.module.context(USAGE)?;
    let request_path = args.request_path.context("--request-path is required")?;
    let request = read_request(&request_path)?;
    let settings = read_settings(args.settings_path.as_deref(), args.settings_json.as_deref())?;

    let policy = Policy::load(&module)?;
    let mut capabilities = HostCapabilities::default();
    if args.allow_context_aware {
        capabilities = capabilities.grant(metadata::context_aware_resources(policy.metadata()));
    }
    if let Some(path) = &args.replay_path {
        let session =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
        capabilities = capabilities
            .replay(&session)
            .with_context(|| format!("in the session {path}"))?;
    }
    let policy = policy.with_capabilities(capabilities);
    let verdict = policy.validate_settings(&settings).map_err(|error| {
        anyhow::anyhow!(
            "Provided settings are not valid: Error invoking settings validation callback: {error}"
        )
    })?;
    if !verdict.valid {
        eprintln!(
            "Provided settings are not valid: {}",
            verdict.message.unwrap_or_default()
        );
        return Ok(ExitCode::FAILURE);
    }
    let response = match policy.validate(&request, &settings) {
        Ok(validation) => AdmissionResponse::from_validation(&request, &validation),
        Err(error) => AdmissionResponse::internal_error(&request, &error),
    };
    println!("{}", serde_json::to_string(&response)?);
    Ok(ExitCode::SUCCESS)
}

/// A bare AdmissionRequest, or an AdmissionReview holding one.
fn read_request(path: &str) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let mut value: Value =
        serde_json::from_str(&text).with_context(|| format!("{path} is not valid JSON"))?;
    if value["kind"] == "AdmissionReview" {
        value = value["request"].take();
    }
    Ok(value)
}

/// Settings from a YAML or JSON file, or inline JSON; `{}` when none are given.
fn read_settings(path: Option<&str>, json: Option<&str>) -> Result<Value> {
    match (path, json) {
        (Some(_), Some(_)) => bail!("--settings-path and --settings-json cannot be used together"),
        (Some(path), None) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
            let value: Value = serde_yaml::from_str(&text)
                .with_context(|| format!("{path} is neither YAML nor JSON"))?;
            Ok(if value.is_null() {
                Value::Object(Default::default())
            } else {
                value
            })
        }
        (None, Some(json)) => {
            serde_json::from_str(json).context("--settings-json is not valid JSON")
        }
        (None, None) => Ok(Value::Object(Default::default())),
    }
}

/// Applies the patch of an AdmissionResponse (read from stdin) to the request's object and prints
/// the result as YAML, followed by the verdict and the warnings.
fn show(args: &[String]) -> Result<ExitCode> {
    let args = parse_run_args(args)?;
    let request_path = args.request_path.context("--request-path is required")?;
    let request = read_request(&request_path)?;
    let response: Value = serde_json::from_reader(std::io::stdin().lock())
        .context("stdin does not hold an AdmissionResponse")?;
    if response["allowed"] != true {
        println!(
            "rejected: {}",
            response["status"]["message"].as_str().unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut object = request["object"].clone();
    match response["patch"].as_str() {
        None => println!("# accepted unchanged"),
        Some(patch) => {
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, patch)?;
            let patch: json_patch::Patch = serde_json::from_slice(&bytes)?;
            json_patch::patch(&mut object, &patch)?;
            println!(
                "# patched {} {}",
                object["kind"].as_str().unwrap_or("object"),
                object["metadata"]["name"].as_str().unwrap_or_default()
            );
        }
    }
    print!("{}", serde_yaml::to_string(&object)?);
    let warnings: Vec<String> =
        serde_json::from_value(response["warnings"].clone()).unwrap_or_default();
    println!(
        "# warnings: {}",
        if warnings.is_empty() { "none" } else { "" }
    );
    for warning in warnings {
        println!("#   - {warning}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `kwctl annotate`: embeds the metadata (YAML), its protocol version and the usage text.
fn annotate(args: &[String]) -> Result<ExitCode> {
    let args = parse_run_args(args)?;
    let module_path = args.module.context(USAGE)?;
    let metadata_path = args.metadata_path.context("--metadata-path is required")?;
    let output_path = args.output_path.context("--output-path is required")?;
    let text = std::fs::read_to_string(&metadata_path)
        .with_context(|| format!("cannot read {metadata_path}"))?;
    let mut metadata: Value =
        serde_yaml::from_str(&text).with_context(|| format!("{metadata_path} is not YAML"))?;
    let rules_ok = metadata["rules"]
        .as_array()
        .is_some_and(|rules| !rules.is_empty());
    if !rules_ok || !metadata["mutating"].is_boolean() {
        bail!("{metadata_path}: rules (a non-empty list) and mutating (a boolean) are required");
    }
    let module =
        std::fs::read(&module_path).with_context(|| format!("cannot read {module_path}"))?;
    metadata["protocolVersion"] = Value::String(Policy::from_bytes(&module)?.protocol_version()?);
    if let Some(usage_path) = &args.usage_path {
        let usage = std::fs::read_to_string(usage_path)
            .with_context(|| format!("cannot read {usage_path}"))?;
        metadata["annotations"]["io.kubewarden.policy.usage"] = Value::String(usage);
    }
    std::fs::write(&output_path, metadata::annotate(&module, &metadata)?)
        .with_context(|| format!("cannot write {output_path}"))?;
    Ok(ExitCode::SUCCESS)
}

/// Times the policy, and the floor policy when given, on the same request, interleaved.
fn bench(args: &[String]) -> Result<ExitCode> {
    let args = parse_run_args(args)?;
    let module = args.module.context(USAGE)?;
    let request_path = args.request_path.context("--request-path is required")?;
    let request = read_request(&request_path)?;
    let read_module = |path: &str| {
        std::fs::read(path.strip_prefix("file://").unwrap_or(path))
            .with_context(|| format!("cannot read {path}"))
    };
    let mut subjects = vec![bench::Subject {
        name: module.rsplit('/').next().unwrap_or(&module).to_string(),
        module: read_module(&module)?,
        settings: read_settings(args.settings_path.as_deref(), args.settings_json.as_deref())?,
    }];
    if let Some(floor) = &args.floor {
        subjects.push(bench::Subject {
            name: format!(
                "floor {}",
                args.floor_settings_json.as_deref().unwrap_or("{}")
            ),
            module: read_module(floor)?,
            settings: read_settings(None, args.floor_settings_json.as_deref())?,
        });
    }
    let samples: usize = args
        .num_samples
        .as_deref()
        .unwrap_or("2000")
        .parse()
        .context("--num-samples")?;
    let warm_up: f64 = args
        .warm_up_time
        .as_deref()
        .unwrap_or("1")
        .parse()
        .context("--warm-up-time")?;
    let config = bench::Config {
        samples,
        compile_samples: (samples / 200).clamp(3, 20),
        warm_up: std::time::Duration::from_secs_f64(warm_up),
    };
    let table = bench::run(&subjects, &request, &config)?;
    println!(
        "request: {request_path} ({} bytes of object)",
        serde_json::to_vec(&request["object"])?.len()
    );
    print!("{}", bench::render(&subjects, &table));
    Ok(ExitCode::SUCCESS)
}
