//! The rules as one table, as Knative's own `annotation_validation_test.go` keeps its cases: the
//! worked examples of resolution-rules.md section 7 and the cases of section 3, each a row run
//! natively (`tests/rules_table.rs`) and on the built .wasm (`tests/wasm_rules.rs`).

use serde_json::{Map, Value, json};

use super::owned::PREFIX;

pub struct Row {
    /// The rule or worked example, as resolution-rules.md names it.
    pub name: &'static str,
    /// Template annotations; a key without `/` is under `autoscaling.knative.dev/`.
    pub annotations: &'static [(&'static str, &'static str)],
    /// The policy settings, as JSON.
    pub settings: &'static str,
    /// What is admitted, and by whom.
    pub subject: Subject,
    /// The object's namespace.
    pub namespace: &'static str,
    pub expected: Expected,
    /// Whether section 4 asks for a warning.
    pub warned: bool,
}

pub enum Expected {
    /// min-scale, max-scale, initial-scale as written; `ABSENT` for a key left absent.
    Keys([&'static str; 3]),
    /// The same, and other keys as written (`ABSENT`: left absent), as a profile fills them.
    Filled([&'static str; 3], &'static [(&'static str, &'static str)]),
    /// A rejection whose message holds this text.
    Reject(&'static str),
}

use Expected::{Filled, Keys, Reject};

/// What a row admits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// A user's Knative Service.
    Service,
    /// A Knative Service owned by a KServe InferenceService.
    KServeService,
    /// A user's standalone Configuration that claims a Knative Service as its owner.
    ForgedConfiguration,
}

use Subject::{ForgedConfiguration, KServeService, Service};

const NONE: &str = "{}";

/// A key the policy leaves absent (rule 3.2.4: left to the cluster).
pub const ABSENT: &str = "(absent)";

/// Section 11's example: a cluster with two profiles and a namespace with its own.
const PROFILES: &str = r#"{"autoscaler": {"max-scale-limit": "20", "max-scale": "10"},
    "profiles": {
        "gpu-llm": {"min-scale": "1", "max-scale": "4", "initial-scale": "1",
                    "scale-down-delay": "15m", "window": "120s", "target": "1"},
        "web": {"target": "100", "target-utilization-percentage": "70"}},
    "defaultProfile": "web",
    "namespaces": {"models": {"max-scale-limit": "8", "profile": "gpu-llm"}}}"#;

const GPU_LLM: &[(&str, &str)] = &[
    ("scale-down-delay", "15m"),
    ("window", "120s"),
    ("target", "1"),
    ("target-utilization-percentage", ABSENT),
];

/// A row of section 11's example table: its settings, warned unless rejected.
const fn example(
    name: &'static str,
    annotations: &'static [(&'static str, &'static str)],
    (subject, namespace): (Subject, &'static str),
    expected: Expected,
) -> Row {
    let warned = !matches!(expected, Reject(_));
    Row {
        name,
        annotations,
        settings: PROFILES,
        subject,
        namespace,
        expected,
        warned,
    }
}

pub const ROWS: &[Row] = &[
    // Section 7, the worked examples.
    Row {
        name: "7: KServe ISVC, global initial above max",
        annotations: &[("min-scale", "1"), ("max-scale", "3")],
        settings: r#"{"autoscaler": {"initial-scale": "5"}}"#,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["1", "3", "1"]),
        warned: true,
    },
    Row {
        name: "7: min 0, zero initial allowed",
        annotations: &[("min-scale", "0")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true"}}"#,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["0", "0", "0"]),
        warned: true,
    },
    Row {
        name: "7: min 0, zero initial not allowed",
        annotations: &[("min-scale", "0")],
        settings: NONE,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["0", "0", "1"]),
        warned: false,
    },
    Row {
        name: "7: KServe unlimited max, global max 4",
        annotations: &[("min-scale", "1")],
        settings: r#"{"autoscaler": {"max-scale": "4"}}"#,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["1", "0", "1"]),
        warned: true,
    },
    Row {
        name: "7: KServe unlimited max under a limit",
        annotations: &[("min-scale", "1")],
        settings: r#"{"autoscaler": {"max-scale": "4", "max-scale-limit": "10"}}"#,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["1", "10", "1"]),
        warned: true,
    },
    Row {
        name: "7: plain Service, nothing set",
        annotations: &[],
        settings: r#"{"autoscaler": {"min-scale": "2", "max-scale": "6"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["2", "6", "2"]),
        warned: false,
    },
    Row {
        name: "7: plain Service, min above cluster max",
        annotations: &[("min-scale", "6")],
        settings: r#"{"autoscaler": {"max-scale": "4"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["6", "6", "6"]),
        warned: true,
    },
    Row {
        name: "7: explicit initial above max",
        annotations: &[
            ("min-scale", "1"),
            ("max-scale", "3"),
            ("initial-scale", "5"),
        ],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["1", "3", "3"]),
        warned: true,
    },
    Row {
        name: "7: explicit initial 0, not allowed",
        annotations: &[("min-scale", "2"), ("initial-scale", "0")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["2", "0", "1"]),
        warned: true,
    },
    Row {
        name: "7: legacy alias",
        annotations: &[("minScale", "3")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["3", "0", "3"]),
        warned: false,
    },
    Row {
        name: "7: cluster strategy",
        annotations: &[("min-scale", "1"), ("max-scale", "3")],
        settings: r#"{"autoscaler": {"initial-scale": "5"}, "defaultInitialScale": "cluster"}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["1", "3", "3"]),
        warned: true,
    },
    Row {
        name: "7: explicit max above the limit",
        annotations: &[("max-scale", "11")],
        settings: r#"{"autoscaler": {"max-scale": "5", "max-scale-limit": "10"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Reject(
            "autoscaling.knative.dev/max-scale=11 exceeds max-scale-limit=10 of the cluster's config-autoscaler; set it to 10 or less",
        ),
        warned: false,
    },
    Row {
        name: "7: both explicit, max below min",
        annotations: &[("min-scale", "5"), ("max-scale", "2")],
        settings: NONE,
        subject: KServeService,
        namespace: "ns",
        expected: Reject(
            "autoscaling.knative.dev/max-scale=2 is less than autoscaling.knative.dev/min-scale=5; raise max-scale or lower min-scale",
        ),
        warned: false,
    },
    Row {
        name: "7: not a number",
        annotations: &[("min-scale", "abc")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject(
            "autoscaling.knative.dev/min-scale: invalid value \"abc\": expected an integer 0 <= n <= 2147483647",
        ),
        warned: false,
    },
    Row {
        name: "7: alias added to the policy's output",
        annotations: &[
            ("minScale", "3"),
            ("min-scale", "0"),
            (
                "knative-scale-policy.github.io/resolved",
                "min-scale: absent -> 0",
            ),
        ],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["3", "0", "3"]),
        warned: false,
    },
    // Section 2: reading the user's values.
    Row {
        name: "2: the kebab key wins and the ignored alias is not validated",
        annotations: &[("min-scale", "2"), ("minScale", "abc")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["2", "0", "2"]),
        warned: false,
    },
    Row {
        name: "2: a negative value is rejected",
        annotations: &[("max-scale", "-1")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("autoscaling.knative.dev/max-scale: invalid value \"-1\""),
        warned: false,
    },
    Row {
        name: "2: initial-scale above int32 is rejected",
        annotations: &[("initialScale", "3000000000")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("autoscaling.knative.dev/initialScale: invalid value \"3000000000\""),
        warned: false,
    },
    // Section 3: resolving.
    Row {
        name: "3.1: min is the cluster min-scale when absent",
        annotations: &[],
        settings: r#"{"autoscaler": {"min-scale": "2"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["2", "0", "2"]),
        warned: false,
    },
    Row {
        name: "3.2.2: an explicit unlimited max becomes the limit",
        annotations: &[("min-scale", "1"), ("max-scale", "0")],
        settings: r#"{"autoscaler": {"max-scale": "4", "max-scale-limit": "10"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["1", "10", "1"]),
        warned: true,
    },
    Row {
        name: "3.2.3: an explicit max below the cluster min lowers min",
        annotations: &[("max-scale", "3")],
        settings: r#"{"autoscaler": {"min-scale": "5"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["3", "3", "3"]),
        warned: true,
    },
    Row {
        name: "3.2.3: min above the limit is rejected when max is resolved",
        annotations: &[("min-scale", "12")],
        settings: r#"{"autoscaler": {"max-scale": "4", "max-scale-limit": "10"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Reject("autoscaling.knative.dev/min-scale=12 exceeds max-scale-limit=10"),
        warned: false,
    },
    Row {
        name: "3.3: a resolved 0 becomes 1 when scale to zero is off",
        annotations: &[("min-scale", "0")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true", "enable-scale-to-zero": "false"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "1"]),
        warned: false,
    },
    Row {
        name: "3.3: a resolved 0 becomes 1 for the HPA class",
        annotations: &[("min-scale", "0"), ("class", "hpa.autoscaling.knative.dev")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "1"]),
        warned: false,
    },
    Row {
        name: "3.3: a resolved 0 becomes 1 when the cluster's class is HPA",
        annotations: &[("min-scale", "0")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true", "pod-autoscaler-class": "hpa.autoscaling.knative.dev"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "1"]),
        warned: false,
    },
    Row {
        name: "3.3: the template's KPA class wins over the cluster's HPA",
        annotations: &[("min-scale", "0"), ("class", "kpa.autoscaling.knative.dev")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true", "pod-autoscaler-class": "hpa.autoscaling.knative.dev"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "0"]),
        warned: true,
    },
    Row {
        name: "3.3: an explicit 0 stays",
        annotations: &[
            ("min-scale", "0"),
            ("initial-scale", "0"),
            ("class", "hpa.autoscaling.knative.dev"),
        ],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "0"]),
        warned: false,
    },
    Row {
        name: "3.3: no cap under an unlimited max",
        annotations: &[
            ("min-scale", "1"),
            ("max-scale", "0"),
            ("initial-scale", "50"),
        ],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["1", "0", "50"]),
        warned: false,
    },
    Row {
        name: "7: activation-scale below the cluster min",
        annotations: &[("activation-scale", "3")],
        settings: r#"{"autoscaler": {"min-scale": "5"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys([ABSENT, "0", "5"]),
        warned: true,
    },
    Row {
        name: "7: activation-scale above the cluster max",
        annotations: &[("activation-scale", "3")],
        settings: r#"{"autoscaler": {"max-scale": "2"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", ABSENT, "1"]),
        warned: true,
    },
    Row {
        name: "3.2.4: a max raised to min below activation-scale is written as activation-scale",
        annotations: &[("min-scale", "4"), ("activation-scale", "5")],
        settings: r#"{"autoscaler": {"max-scale": "3"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["4", "5", "4"]),
        warned: true,
    },
    Row {
        name: "3.2.4: a max raised to min is left to the cluster when activation-scale is above the limit",
        annotations: &[("min-scale", "4"), ("activation-scale", "5")],
        settings: r#"{"autoscaler": {"max-scale": "3", "max-scale-limit": "4"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["4", ABSENT, "3"]),
        warned: true,
    },
    Row {
        name: "7: explicit min above activation-scale",
        annotations: &[("min-scale", "5"), ("activation-scale", "3")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("min-scale=5 is greater than autoscaling.knative.dev/activation-scale=3"),
        warned: false,
    },
    Row {
        name: "7: zero-or-cluster, min 0",
        annotations: &[("min-scale", "0")],
        settings: r#"{"autoscaler": {"initial-scale": "3", "allow-zero-initial-scale": "true"}, "defaultInitialScale": "zero-or-cluster"}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["0", "0", "0"]),
        warned: true,
    },
    Row {
        name: "7: zero-or-cluster, min 2, cluster max 4",
        annotations: &[("min-scale", "2")],
        settings: r#"{"autoscaler": {"initial-scale": "5", "max-scale": "4"}, "defaultInitialScale": "zero-or-cluster"}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["2", "4", "4"]),
        warned: true,
    },
    Row {
        name: "7: namespace cap, KServe unlimited",
        annotations: &[("min-scale", "1")],
        settings: r#"{"autoscaler": {"max-scale": "4", "max-scale-limit": "10"},
                      "namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: KServeService,
        namespace: "team-a",
        expected: Keys(["1", "6", "1"]),
        warned: true,
    },
    Row {
        name: "7: namespace cap, user's max above it",
        annotations: &[("max-scale", "8")],
        settings: r#"{"namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject(
            "autoscaling.knative.dev/max-scale=8 exceeds the max-scale-limit 6 of namespace team-a",
        ),
        warned: false,
    },
    Row {
        name: "7: namespace defaults",
        annotations: &[],
        settings: r#"{"autoscaler": {"min-scale": "0"},
                      "namespaces": {"team-a": {"min-scale": "1", "max-scale": "3"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Keys(["1", "3", "1"]),
        warned: true,
    },
    Row {
        name: "7: forged Service owner on a Configuration",
        annotations: &[("max-scale", "8")],
        settings: r#"{"namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: ForgedConfiguration,
        namespace: "team-a",
        expected: Reject(
            "autoscaling.knative.dev/max-scale=8 exceeds the max-scale-limit 6 of namespace team-a",
        ),
        warned: false,
    },
    Row {
        name: "10: the same object in a namespace without an entry gets the cluster's",
        annotations: &[],
        settings: r#"{"autoscaler": {"min-scale": "0"},
                      "namespaces": {"team-a": {"min-scale": "1", "max-scale": "3"}}}"#,
        subject: Service,
        namespace: "team-b",
        expected: Keys(["0", "0", "1"]),
        warned: false,
    },
    Row {
        name: "10: an unlimited max of the user's becomes the namespace's cap",
        annotations: &[("max-scale", "0")],
        settings: r#"{"namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Keys(["0", "6", "1"]),
        warned: true,
    },
    Row {
        name: "10: a min above the namespace's cap",
        annotations: &[("min-scale", "7")],
        settings: r#"{"namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject(
            "autoscaling.knative.dev/min-scale=7 exceeds the max-scale-limit 6 of namespace team-a",
        ),
        warned: false,
    },
    Row {
        name: "10 with 3.2.4: activation-scale cannot leave max to a cluster above the cap",
        annotations: &[("activation-scale", "3")],
        settings: r#"{"namespaces": {"team-a": {"max-scale": "2", "max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject("write a value between 3 and 6"),
        warned: false,
    },
    Row {
        name: "10 with 3.2.4: activation-scale cannot leave min to a cluster min above the cap",
        annotations: &[("max-scale", "5"), ("activation-scale", "3")],
        settings: r#"{"autoscaler": {"min-scale": "8"},
                      "namespaces": {"team-a": {"min-scale": "4", "max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject(
            "autoscaling.knative.dev/min-scale: its default is above activation-scale 3, and left out it would be the cluster's 8, above the max-scale-limit 6 of namespace team-a",
        ),
        warned: false,
    },
    Row {
        name: "10 with 3.2.4: an unlimited max of the user's becomes a namespace's cap below activation-scale",
        annotations: &[("max-scale", "0"), ("activation-scale", "5")],
        settings: r#"{"namespaces": {"team-a": {"max-scale-limit": "4"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject(
            "autoscaling.knative.dev/max-scale=0 (unlimited) becomes the max-scale-limit 4 of namespace team-a, below autoscaling.knative.dev/activation-scale=5",
        ),
        warned: false,
    },
    Row {
        name: "10: a cluster max-scale above the namespace's cap becomes the cap",
        annotations: &[],
        settings: r#"{"autoscaler": {"max-scale": "9"},
                      "namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Keys(["0", "6", "1"]),
        warned: true,
    },
    Row {
        name: "3.2.4: an explicit max below activation-scale",
        annotations: &[("max-scale", "2"), ("activation-scale", "3")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("max-scale=2 is less than autoscaling.knative.dev/activation-scale=3"),
        warned: false,
    },
    Row {
        name: "3.2.4: activation-scale below 2",
        annotations: &[("activation-scale", "1")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("activation-scale=1 must be greater than 1"),
        warned: false,
    },
    Row {
        name: "3.2.4: activation-scale not an int32",
        annotations: &[("activation-scale", "2.5")],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Reject("autoscaling.knative.dev/activation-scale: invalid value \"2.5\""),
        warned: false,
    },
    Row {
        name: "3.2.4: KServe's unlimited max under a limit below activation-scale",
        annotations: &[("min-scale", "1"), ("activation-scale", "5")],
        settings: r#"{"autoscaler": {"max-scale": "2", "max-scale-limit": "4"}}"#,
        subject: KServeService,
        namespace: "ns",
        expected: Keys(["1", ABSENT, "1"]),
        warned: true,
    },
    Row {
        name: "3.2.4: bounds that fit activation-scale are written as without it",
        annotations: &[
            ("min-scale", "1"),
            ("max-scale", "4"),
            ("activation-scale", "3"),
        ],
        settings: NONE,
        subject: Service,
        namespace: "ns",
        expected: Keys(["1", "4", "1"]),
        warned: false,
    },
    Row {
        name: "3.4: canonical text, no warning",
        annotations: &[
            ("minScale", "+3"),
            ("max-scale", "007"),
            ("initial-scale", "-0"),
        ],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true"}}"#,
        subject: Service,
        namespace: "ns",
        expected: Keys(["3", "7", "0"]),
        warned: false,
    },
    // Section 11, the example table, and its refusals.
    example(
        "11: a Service in default gets the default profile",
        &[],
        (Service, "default"),
        Filled(
            ["0", "10", "1"],
            &[
                ("target", "100"),
                ("target-utilization-percentage", "70"),
                ("window", ABSENT),
            ],
        ),
    ),
    example(
        "11: an InferenceService's Service in models: KServe's unlimited within the namespace's cap",
        &[("min-scale", "1")],
        (KServeService, "models"),
        Filled(["1", "8", "1"], GPU_LLM),
    ),
    example(
        "11: a Service in models keeps its own target",
        &[("target", "5")],
        (Service, "models"),
        Filled(
            ["1", "4", "1"],
            &[
                ("target", "5"),
                ("scale-down-delay", "15m"),
                ("window", "120s"),
            ],
        ),
    ),
    example(
        "11: a Service in default that chooses gpu-llm",
        &[("knative-scale-policy.github.io/profile", "gpu-llm")],
        (Service, "default"),
        Filled(["1", "4", "1"], GPU_LLM),
    ),
    example(
        "11: a profile the cluster does not have is rejected with the list of names",
        &[("knative-scale-policy.github.io/profile", "gpu-xl")],
        (Service, "default"),
        Reject(
            "knative-scale-policy.github.io/profile: \"gpu-xl\" is not a profile of this cluster (gpu-llm, web)",
        ),
    ),
    Row {
        name: "11: a profile key Knative would reject beside the user's is not written",
        annotations: &[("min-scale", "5")],
        settings: r#"{"profiles": {"burst": {"activation-scale": "3", "window": "30s"}}, "defaultProfile": "burst"}"#,
        subject: Service,
        namespace: "ns",
        expected: Filled(
            ["5", "0", "5"],
            &[("activation-scale", ABSENT), ("window", "30s")],
        ),
        warned: true,
    },
    Row {
        name: "11: a profile's activation-scale is rule 3.2.4's: a resolved min above it is left to the cluster",
        annotations: &[],
        settings: r#"{"autoscaler": {"min-scale": "5"}, "profiles": {"burst": {"activation-scale": "3"}}, "defaultProfile": "burst"}"#,
        subject: Service,
        namespace: "ns",
        expected: Filled([ABSENT, "0", "5"], &[("activation-scale", "3")]),
        warned: true,
    },
    Row {
        name: "11: an HPA profile never starts a revision at 0 pods",
        annotations: &[("min-scale", "0")],
        settings: r#"{"autoscaler": {"allow-zero-initial-scale": "true"}, "defaultInitialScale": "zero-or-cluster",
                      "profiles": {"cpu": {"class": "hpa.autoscaling.knative.dev", "metric": "cpu", "target": "80"}},
                      "defaultProfile": "cpu"}"#,
        subject: Service,
        namespace: "ns",
        expected: Filled(
            ["0", "0", "1"],
            &[("class", "hpa.autoscaling.knative.dev"), ("metric", "cpu")],
        ),
        warned: true,
    },
    Row {
        name: "11: a profile's max-scale is a default, bound by the namespace's cap",
        annotations: &[],
        settings: r#"{"profiles": {"big": {"max-scale": "12"}}, "defaultProfile": "big",
                      "namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Keys(["0", "6", "1"]),
        warned: true,
    },
    Row {
        name: "11: a profile grants nothing a user could not write: a profile's min above the cap is refused",
        annotations: &[],
        settings: r#"{"profiles": {"big": {"min-scale": "9"}}, "defaultProfile": "big",
                      "namespaces": {"team-a": {"max-scale-limit": "6"}}}"#,
        subject: Service,
        namespace: "team-a",
        expected: Reject("min-scale=9 exceeds the max-scale-limit 6 of namespace team-a"),
        warned: false,
    },
];

impl Row {
    pub fn settings(&self) -> Value {
        serde_json::from_str(self.settings).expect("a row's settings are JSON")
    }

    /// A CREATE of a Service with the row's template annotations.
    pub fn request(&self) -> Value {
        let annotations: Map<String, Value> = self
            .annotations
            .iter()
            .map(|(key, value)| {
                let key = if key.contains('/') {
                    key.to_string()
                } else {
                    format!("{PREFIX}{key}")
                };
                (key, Value::from(*value))
            })
            .collect();
        let (kind, resource, owners) = match self.subject {
            Service => ("Service", "services", json!([])),
            KServeService => (
                "Service",
                "services",
                json!([{"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService",
                        "name": "m", "uid": "u", "controller": true}]),
            ),
            ForgedConfiguration => (
                "Configuration",
                "configurations",
                json!([{"apiVersion": "serving.knative.dev/v1", "kind": "Service",
                        "name": "m", "uid": "u", "controller": true}]),
            ),
        };
        let namespace = self.namespace;
        json!({
            "uid": "row", "operation": "CREATE", "namespace": namespace,
            "kind": {"group": "serving.knative.dev", "version": "v1", "kind": kind},
            "resource": {"group": "serving.knative.dev", "version": "v1", "resource": resource},
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "serving.knative.dev/v1", "kind": kind,
                "metadata": {"name": "m", "namespace": namespace, "ownerReferences": owners},
                "spec": {"template": {"metadata": {"annotations": annotations},
                                      "spec": {"containers": [{"image": "example.com/m:1"}]}}}
            }
        })
    }

    /// What a row's answer must be, given whether it was accepted, its message, the three scale
    /// keys of the stored object and its warnings; `Err` says what differs.
    pub fn check(
        &self,
        accepted: bool,
        message: &str,
        annotations: &Map<String, Value>,
        warnings: &[String],
    ) -> Result<(), String> {
        let written = |key: &str| {
            annotations
                .get(&format!("{PREFIX}{key}"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let scale = ["min-scale", "max-scale", "initial-scale"].map(written);
        let (bounds, others): (&[&str; 3], &[(&str, &str)]) = match &self.expected {
            Keys(bounds) => (bounds, &[]),
            Filled(bounds, others) => (bounds, others),
            Reject(_) => (&["", "", ""], &[]),
        };
        for (key, value) in others {
            let expected = (*value != ABSENT).then(|| value.to_string());
            if written(key) != expected {
                let got = written(key);
                return Err(format!(
                    "{}: {key} is {got:?}, expected {expected:?}",
                    self.name
                ));
            }
        }
        match &self.expected {
            Keys(_) | Filled(..) => {
                let expected = bounds.map(|value| (value != ABSENT).then(|| value.to_string()));
                if !accepted {
                    return Err(format!("{}: rejected: {message}", self.name));
                }
                if scale != expected {
                    return Err(format!(
                        "{}: got {scale:?}, expected {expected:?}",
                        self.name
                    ));
                }
                if warnings.is_empty() == self.warned {
                    return Err(format!(
                        "{}: warned {warnings:?}, expected warned={}",
                        self.name, self.warned
                    ));
                }
            }
            Reject(text) => {
                if accepted || !message.contains(text) {
                    return Err(format!(
                        "{}: got accepted={accepted} {message:?}, expected a rejection with {text:?}",
                        self.name
                    ));
                }
            }
        }
        Ok(())
    }
}
