//! `policy-runner run`: evaluates a policy like `kwctl run`, with the flags e2e.bats uses, so the
//! same tests run here and against a real kwctl. Each subcommand takes its own flags.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
#[cfg(feature = "wasmtime")]
use policy_runner::bench;
use policy_runner::{AdmissionResponse, HostCapabilities, Policy, admission_request, metadata};
use serde_json::Value;

#[derive(Parser)]
#[command(
    name = "policy-runner",
    version,
    about = "A waPC host for Kubewarden policies, with kwctl's flags"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a request, printing the AdmissionResponse as `kwctl run` does.
    Run(RunArgs),
    /// Apply an AdmissionResponse (stdin) to the request's object and print it with the warnings.
    Show {
        #[arg(short = 'r', long)]
        request_path: String,
    },
    /// Embed the metadata and usage text in the module, as `kwctl annotate` does.
    Annotate {
        #[arg(short = 'm', long)]
        metadata_path: String,
        #[arg(short = 'u', long)]
        usage_path: Option<String>,
        #[arg(short = 'o', long)]
        output_path: String,
        module: String,
    },
    /// Time the policy, and a floor policy, on wasmtime (built with the feature `wasmtime`).
    Bench(BenchArgs),
}

#[derive(Args)]
struct SettingsArgs {
    #[arg(short = 's', long, conflicts_with = "settings_json")]
    settings_path: Option<String>,
    #[arg(long)]
    settings_json: Option<String>,
}

#[derive(Args)]
struct RunArgs {
    #[arg(short = 'r', long)]
    request_path: String,
    #[command(flatten)]
    settings: SettingsArgs,
    #[arg(long)]
    allow_context_aware: bool,
    #[arg(long)]
    replay_host_capabilities_interactions: Option<String>,
    /// A path or a file:// URI.
    module: String,
}

#[derive(Args)]
struct BenchArgs {
    #[arg(short = 'r', long)]
    request_path: String,
    #[command(flatten)]
    settings: SettingsArgs,
    /// A floor policy to measure interleaved with the policy.
    #[arg(long)]
    floor: Option<String>,
    #[arg(long, requires = "floor")]
    floor_settings_json: Option<String>,
    /// Grows the object to at least this many bytes of JSON with environment variables of its
    /// first container (a large Service whose bulk the policy does not need).
    #[arg(long)]
    grow_to: Option<usize>,
    #[arg(long, default_value_t = 2000)]
    num_samples: usize,
    /// Seconds of warm-up before each measure.
    #[arg(long, default_value_t = 1.0)]
    warm_up_time: f64,
    module: String,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Run(args) => run(args),
        Command::Show { request_path } => show(&request_path),
        Command::Annotate {
            metadata_path,
            usage_path,
            output_path,
            module,
        } => annotate(&metadata_path, usage_path.as_deref(), &output_path, &module),
        Command::Bench(args) => bench(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("Error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let request = read_request(&args.request_path)?;
    let settings = read_settings(&args.settings)?;

    let policy = Policy::load(&args.module)?;
    let mut capabilities = HostCapabilities::default();
    if args.allow_context_aware && args.replay_host_capabilities_interactions.is_none() {
        // kwctl connects to the cluster of the kubeconfig here; the runner has none to offer.
        bail!(
            "failed to infer config: the runner reaches no Kubernetes cluster; give recorded answers with --replay-host-capabilities-interactions"
        );
    }
    if args.allow_context_aware {
        capabilities = capabilities.grant(metadata::context_aware_resources(policy.metadata()));
    }
    if let Some(path) = &args.replay_host_capabilities_interactions {
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
        bail!(
            "Provided settings are not valid: {}",
            verdict.message.unwrap_or_default()
        );
    }
    let response = match policy.validate(&request, &settings) {
        Ok(validation) => AdmissionResponse::from_validation(&request, &validation),
        Err(error) => AdmissionResponse::internal_error(&request, &error),
    };
    println!("{}", serde_json::to_string(&response)?);
    Ok(ExitCode::SUCCESS)
}

/// A bare AdmissionRequest, or an AdmissionReview holding one, read as kwctl reads it (and
/// refused where kwctl refuses it).
fn read_request(path: &str) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{path} is not valid JSON"))?;
    admission_request(value)
}

/// Settings from a YAML or JSON file, or inline JSON; `{}` when none are given.
fn read_settings(args: &SettingsArgs) -> Result<Value> {
    match (&args.settings_path, &args.settings_json) {
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
fn show(request_path: &str) -> Result<ExitCode> {
    let request = read_request(request_path)?;
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
fn annotate(
    metadata_path: &str,
    usage_path: Option<&str>,
    output_path: &str,
    module_path: &str,
) -> Result<ExitCode> {
    let text = std::fs::read_to_string(metadata_path)
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
        std::fs::read(module_path).with_context(|| format!("cannot read {module_path}"))?;
    metadata["protocolVersion"] = Value::String(Policy::from_bytes(&module)?.protocol_version()?);
    if let Some(usage_path) = usage_path {
        let usage = std::fs::read_to_string(usage_path)
            .with_context(|| format!("cannot read {usage_path}"))?;
        metadata["annotations"]["io.kubewarden.policy.usage"] = Value::String(usage);
    }
    std::fs::write(output_path, metadata::annotate(&module, &metadata)?)
        .with_context(|| format!("cannot write {output_path}"))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "wasmtime"))]
fn bench(_: BenchArgs) -> Result<ExitCode> {
    bail!(
        "bench measures on wasmtime: build the runner with `--features wasmtime` (make bench does)"
    )
}

/// Times the policy, and the floor policy when given, on the same request, interleaved.
#[cfg(feature = "wasmtime")]
fn bench(args: BenchArgs) -> Result<ExitCode> {
    let mut request = read_request(&args.request_path)?;
    if let Some(size) = args.grow_to {
        grow(&mut request["object"], size)?;
    }
    let read_module = |path: &str| {
        std::fs::read(path.strip_prefix("file://").unwrap_or(path))
            .with_context(|| format!("cannot read {path}"))
    };
    let module = &args.module;
    let mut subjects = vec![bench::Subject {
        name: module.rsplit('/').next().unwrap_or(module).to_string(),
        module: read_module(module)?,
        settings: read_settings(&args.settings)?,
    }];
    if let Some(floor) = &args.floor {
        let floor_settings = SettingsArgs {
            settings_path: None,
            settings_json: args.floor_settings_json.clone(),
        };
        subjects.push(bench::Subject {
            name: format!(
                "floor {}",
                args.floor_settings_json.as_deref().unwrap_or("{}")
            ),
            module: read_module(floor)?,
            settings: read_settings(&floor_settings)?,
        });
    }
    let config = bench::Config {
        samples: args.num_samples,
        compile_samples: (args.num_samples / 200).clamp(3, 20),
        warm_up: std::time::Duration::from_secs_f64(args.warm_up_time),
    };
    let table = bench::run(&subjects, &request, &config)?;
    println!(
        "request: {} ({} bytes of object)",
        args.request_path,
        serde_json::to_vec(&request["object"])?.len()
    );
    print!("{}", bench::render(&subjects, &table));
    Ok(ExitCode::SUCCESS)
}

/// Adds 100-byte environment variables to the first container of `object` until its JSON is at
/// least `size` bytes.
#[cfg(feature = "wasmtime")]
fn grow(object: &mut Value, size: usize) -> Result<()> {
    let missing = size.saturating_sub(serde_json::to_vec(object)?.len());
    let Some(Value::Array(env)) = object.pointer_mut("/spec/template/spec/containers/0/env") else {
        bail!("--grow-to needs an object with spec.template.spec.containers[0].env");
    };
    for i in 0..missing.div_ceil(100) {
        let value = format!("{i:0>64}");
        env.push(serde_json::json!({"name": format!("PADDING_{i:08}"), "value": value}));
    }
    Ok(())
}
