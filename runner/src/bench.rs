//! `policy-runner bench`: per-evaluation timings of a policy and of a floor policy on the same
//! request, measured interleaved so that both see the same machine, and their ratio. Measured on
//! wasmtime through `wapc` and `wasmtime-provider`, as Kubewarden's policy evaluator runs
//! policies (the feature `wasmtime`, built by `make bench` only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use wapc::WapcHost;
use wasmtime_provider::{WasmtimeEngineProviderBuilder, WasmtimeEngineProviderPre};

use crate::HostCapabilities;

/// A module compiled by wasmtime; every `instance` is fresh, as in the policy server.
struct Compiled {
    pre: WasmtimeEngineProviderPre,
    capabilities: Arc<HostCapabilities>,
}

impl Compiled {
    fn new(module: &[u8]) -> Result<Compiled> {
        let pre = WasmtimeEngineProviderBuilder::new()
            .module_bytes(module)
            .build_pre()
            .map_err(|error| anyhow!("cannot compile the policy module: {error}"))?;
        Ok(Compiled {
            pre,
            capabilities: Arc::new(HostCapabilities::default()),
        })
    }

    fn instance(&self) -> Result<WapcHost> {
        let engine = self
            .pre
            .rehydrate(None)
            .map_err(|error| anyhow!("cannot instantiate the policy module: {error}"))?;
        let capabilities = Arc::clone(&self.capabilities);
        let callback =
            move |_id: u64, binding: &str, namespace: &str, operation: &str, payload: &[u8]| {
                capabilities.answer(binding, namespace, operation, payload)
            };
        WapcHost::new(Box::new(engine), Some(Box::new(callback)))
            .map_err(|error| anyhow!("cannot initialise the policy module: {error}"))
    }
}

/// One policy under measurement: its module bytes, settings and the request to evaluate.
pub struct Subject {
    pub name: String,
    pub module: Vec<u8>,
    pub settings: Value,
}

pub struct Config {
    pub samples: usize,
    pub compile_samples: usize,
    pub warm_up: Duration,
}

/// What is measured, in the order it is printed.
pub const MEASURES: [&str; 4] = [
    "module compile",
    "evaluation, policy-server style (fresh instance + wapc_init + validate)",
    "validate on a warm instance",
    "validate_settings on a warm instance",
];

pub struct Stats {
    pub min: Duration,
    pub median: Duration,
    pub max: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Stats {
        samples.sort();
        Stats {
            min: samples[0],
            median: samples[samples.len() / 2],
            max: samples[samples.len() - 1],
        }
    }
}

/// Stats per measure (rows) and subject (columns).
pub fn run(subjects: &[Subject], request: &Value, config: &Config) -> Result<Vec<Vec<Stats>>> {
    let policies: Vec<Compiled> = subjects
        .iter()
        .map(|s| Compiled::new(&s.module).with_context(|| format!("{} does not compile", s.name)))
        .collect::<Result<_>>()?;
    let payloads: Vec<Vec<u8>> = subjects
        .iter()
        .map(|s| serde_json::to_vec(&json!({"request": request, "settings": s.settings})))
        .collect::<Result<_, _>>()?;
    let settings: Vec<Vec<u8>> = subjects
        .iter()
        .map(|s| serde_json::to_vec(&s.settings))
        .collect::<Result<_, _>>()?;
    let warm: Vec<WapcHost> = policies
        .iter()
        .map(Compiled::instance)
        .collect::<Result<_>>()?;

    let compile = |i: usize| -> Result<()> { Compiled::new(&subjects[i].module).map(drop) };
    let evaluate = |i: usize| -> Result<()> {
        let host = policies[i].instance()?;
        host.call("validate", &payloads[i])?;
        Ok(())
    };
    let validate_warm = |i: usize| -> Result<()> {
        warm[i]
            .call("validate", &payloads[i])
            .map(drop)
            .map_err(Into::into)
    };
    let settings_warm = |i: usize| -> Result<()> {
        warm[i]
            .call("validate_settings", &settings[i])
            .map(drop)
            .map_err(Into::into)
    };
    type Measure<'a> = &'a dyn Fn(usize) -> Result<()>;
    let measures: [(Measure, usize); 4] = [
        (&compile, config.compile_samples),
        (&evaluate, config.samples),
        (&validate_warm, config.samples),
        (&settings_warm, config.samples),
    ];

    let mut table = Vec::new();
    for (measure, samples) in measures {
        let started = Instant::now();
        while started.elapsed() < config.warm_up {
            for i in 0..subjects.len() {
                measure(i)?;
            }
        }
        let mut times: Vec<Vec<Duration>> = vec![Vec::with_capacity(samples); subjects.len()];
        for _ in 0..samples.max(1) {
            for (i, column) in times.iter_mut().enumerate() {
                let start = Instant::now();
                measure(i)?;
                column.push(start.elapsed());
            }
        }
        table.push(times.into_iter().map(Stats::of).collect());
    }
    Ok(table)
}

fn show(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 10_000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.1} us")
    }
}

/// A Markdown table: min / median / max per subject, and the median ratio of the first subject
/// to the second.
pub fn render(subjects: &[Subject], table: &[Vec<Stats>]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = subjects.iter().map(|s| s.name.as_str()).collect();
    out.push_str(&format!(
        "| measure (min / median / max) | {} | ratio of medians |\n",
        names.join(" | ")
    ));
    out.push_str(&format!("|---|{}---|\n", "---|".repeat(names.len())));
    out.push_str(&format!(
        "| module size | {} | {:.2} |\n",
        subjects
            .iter()
            .map(|s| format!("{} KB", s.module.len() / 1000))
            .collect::<Vec<_>>()
            .join(" | "),
        subjects[0].module.len() as f64 / subjects.get(1).map_or(1, |s| s.module.len()) as f64
    ));
    for (measure, row) in MEASURES.iter().zip(table) {
        let cells: Vec<String> = row
            .iter()
            .map(|s| format!("{} / {} / {}", show(s.min), show(s.median), show(s.max)))
            .collect();
        let ratio = row
            .get(1)
            .map(|floor| row[0].median.as_secs_f64() / floor.median.as_secs_f64())
            .map_or("-".to_string(), |r| format!("{r:.2}"));
        out.push_str(&format!(
            "| {measure} | {} | {ratio} |\n",
            cells.join(" | ")
        ));
    }
    out
}
