//! Native benchmarks: the pure rules (which should cost next to nothing) and the JSON edge on
//! objects of 2 KB, 100 KB and 1 MB (whose cost should grow linearly with the object).
//! Run with `cargo bench --bench policy`; the .wasm is measured by `policy-runner bench`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use knative_scale_policy::rules::annotations::Annotations;
use knative_scale_policy::rules::cluster::ClusterConfig;
use knative_scale_policy::rules::defaults::Defaults;
use knative_scale_policy::rules::keys::AutoscalerClass;
use knative_scale_policy::rules::plan::plan;
use knative_scale_policy::rules::resolve::{InitialStrategy, Traits, UserBounds, resolve};
use knative_scale_policy::rules::tenant::Scope;
use knative_scale_policy::wapc::validate;
use serde_json::{Value, json};

fn cluster() -> ClusterConfig {
    ClusterConfig {
        initial_scale: 5,
        max_scale: 4,
        max_scale_limit: 10,
        ..ClusterConfig::default()
    }
}

fn rules(c: &mut Criterion) {
    let user = UserBounds {
        min: Some(1),
        max: Some(3),
        initial: None,
        activation: None,
    };
    let traits = Traits {
        kserve_managed: true,
        class: AutoscalerClass::Kpa,
    };
    c.bench_function("core/resolve", |b| {
        b.iter(|| {
            resolve(
                black_box(user),
                traits,
                &Defaults::of(&cluster()),
                InitialStrategy::Min,
            )
        })
    });
    let annotations: Annotations = [
        ("autoscaling.knative.dev/min-scale", "1"),
        ("autoscaling.knative.dev/max-scale", "3"),
        (
            "autoscaling.knative.dev/class",
            "kpa.autoscaling.knative.dev",
        ),
        ("serving.kserve.io/enable-prometheus-scraping", "true"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    c.bench_function("core/plan (annotations in, annotations out)", |b| {
        b.iter(|| {
            plan(
                black_box(&annotations),
                true,
                &Scope::of(&cluster()),
                InitialStrategy::Min,
            )
        })
    });
}

/// A KServe predictor's admission request, padded with an unknown field to `size` bytes.
fn payload(size: usize) -> Vec<u8> {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bench/service-2kb.json"
    );
    let mut request: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let base = serde_json::to_vec(&request).unwrap().len();
    let filler: Vec<String> = (0..size.saturating_sub(base) / 100)
        .map(|i| format!("{i:0>96}"))
        .collect();
    request["object"]["spec"]["template"]["spec"]["x-padding"] = json!(filler);
    let settings = json!({"autoscaler": {"initial-scale": "5"}});
    serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap()
}

fn edge(c: &mut Criterion) {
    let mut group = c.benchmark_group("edge/validate");
    for (label, size) in [("2 KB", 2_000), ("100 KB", 100_000), ("1 MB", 1_000_000)] {
        let payload = payload(size);
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(label),
            &payload,
            |b, payload| b.iter(|| validate(black_box(payload)).unwrap()),
        );
    }
    group.finish();
}

criterion_group!(benches, rules, edge);
criterion_main!(benches);
