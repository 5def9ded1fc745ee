// The playground page: three editors in, the policy's answer out, state in the URL fragment.
import { load } from "./engine.js";

const kserveOwner = (kind, version, name) => `  ownerReferences:
    - apiVersion: serving.kserve.io/${version}
      kind: ${kind}
      name: ${name}
      uid: 6d1f3a52-8b4e-4c55-9a1e-2f7c0e5b9d11
      controller: true`;

const service = (name, owner, annotations) => `apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: ${name}
  namespace: models
${owner}
spec:
  template:
    metadata:
      annotations:
${annotations.map(([k, v]) => `        autoscaling.knative.dev/${k}: "${v}"`).join("\n")}
    spec:
      containers:
        - image: ghcr.io/example/model-server:1.4.2
`;

const predictor = (annotations) =>
  service("sklearn-iris-predictor", kserveOwner("InferenceService", "v1beta1", "sklearn-iris"), annotations);

export const SCENARIOS = [
  {
    title: "Global initial-scale above max",
    service: predictor([["min-scale", "1"], ["max-scale", "3"]]),
    config: 'initial-scale: "5"\n',
  },
  {
    title: "min-scale 0, zero initial scale allowed",
    service: predictor([["min-scale", "0"]]),
    config: 'allow-zero-initial-scale: "true"\n',
  },
  {
    title: "min-scale 0, zero initial scale not allowed",
    service: predictor([["min-scale", "0"]]),
    config: "{}\n",
  },
  {
    title: "KServe unlimited max under a limit",
    service: predictor([["min-scale", "1"]]),
    config: 'max-scale: "4"\nmax-scale-limit: "10"\n',
  },
  {
    title: "An InferenceService at kubectl apply",
    service: `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sklearn-iris
  namespace: models
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 3
    model:
      modelFormat:
        name: sklearn
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
`,
    config: 'initial-scale: "5"\n',
  },
  {
    title: "An InferenceGraph",
    service: service("model-chain", kserveOwner("InferenceGraph", "v1alpha1", "model-chain"), [["min-scale", "1"]]),
    config: 'max-scale: "4"\n',
  },
  {
    title: "activation-scale below the cluster's min-scale",
    service: service("hello", "", [["activation-scale", "3"]]),
    config: 'min-scale: "5"\n',
  },
  {
    title: "zero-or-cluster: min-scale 0 starts at no pod",
    service: predictor([["min-scale", "0"]]),
    config: 'initial-scale: "3"\nallow-zero-initial-scale: "true"\n',
    settings: "defaultInitialScale: zero-or-cluster\n",
  },
  {
    title: "A team's cap: namespace models at most 6 pods",
    service: predictor([["min-scale", "1"]]),
    config: 'max-scale: "4"\nmax-scale-limit: "10"\n',
    settings: 'defaultInitialScale: min\nnamespaces:\n  models:\n    max-scale-limit: "6"\n',
  },
  {
    // The example of the rules' section 11: namespace models chooses the gpu-llm profile and caps
    // it at 8 pods, within which KServe's unlimited max stays.
    title: "A GPU model's profile",
    service: `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: llm
  namespace: models
spec:
  predictor:
    minReplicas: 1
    model:
      modelFormat:
        name: huggingface
      storageUri: hf://meta-llama/Llama-3.1-8B-Instruct
`,
    config: 'max-scale-limit: "20"\nmax-scale: "10"\n',
    settings: `profiles:
  gpu-llm:
    min-scale: "1"
    max-scale: "4"
    initial-scale: "1"
    scale-down-delay: "15m"
    window: "120s"
    target: "1"
  web:
    target: "100"
    target-utilization-percentage: "70"
defaultProfile: web
namespaces:
  models:
    max-scale-limit: "8"
    profile: gpu-llm
`,
  },
];
const DEFAULT_SETTINGS = "defaultInitialScale: min\n";

const $ = (id) => document.getElementById(id);
const editors = { s: $("service"), c: $("config"), p: $("settings") };

function saveState() {
  const params = new URLSearchParams();
  for (const [key, editor] of Object.entries(editors)) params.set(key, editor.value);
  history.replaceState(null, "", `#${params}`);
}

function loadState() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has("s")) return false;
  for (const [key, editor] of Object.entries(editors)) editor.value = params.get(key) ?? "";
  return true;
}

function podsRow(kind, label, behaviour) {
  const row = document.createElement("div");
  row.className = `pods-row ${kind}`;
  const shown = Math.min(behaviour.start, 30);
  const upper = behaviour.upper === 0 ? "no upper bound" : `at most ${behaviour.upper}`;
  row.innerHTML = `<span class="label">${label}</span><span>${'<span class="pod"></span>'.repeat(shown)}${
    behaviour.start > shown ? ` +${behaviour.start - shown}` : ""}</span>
    <span class="bound">${behaviour.start} pod${behaviour.start === 1 ? "" : "s"}, ${upper}</span>`;
  return row;
}

function render(result) {
  window.lastResult = result;
  $("error").hidden = result.verdict !== "error";
  $("error").textContent = result.error ?? "";
  $("verdict").textContent = result.verdict;
  $("verdict").className = result.verdict;
  $("message").hidden = !result.message;
  $("message").textContent = result.message ?? "";
  const pods = $("pods");
  pods.replaceChildren();
  if (result.knative) pods.append(podsRow("knative", "Knative alone", result.knative));
  if (result.policy) pods.append(podsRow("policy", "With the policy", result.policy));
  $("warnings").replaceChildren(...(result.warnings ?? []).map((w) => {
    const li = document.createElement("li");
    li.textContent = w;
    return li;
  }));
  if ((result.warnings ?? []).length === 0) $("warnings").innerHTML = "<li>none</li>";
  $("annotations-caption").textContent = result.component
    ? `Template annotations of the ${result.component}'s Knative Service: as KServe builds it, and as the policy resolves it`
    : "Template annotations: as you wrote them, and as the policy leaves them";
  renderAnnotations(result.before ?? {}, result.after ?? {});
  $("patch").textContent = JSON.stringify(result.patch ?? [], null, 2);
}

// One row a key: its value before and after, changed rows marked. The group prefix gets a line
// break opportunity so that long keys wrap instead of pushing the values out of sight.
function renderAnnotations(before, after) {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const cell = (tag, text, className) => {
    const element = document.createElement(tag);
    if (className) element.className = className;
    element.textContent = text;
    return element;
  };
  const rows = keys.map((key) => {
    const row = document.createElement("tr");
    const [was, now] = [before[key], after[key]];
    if (was !== now) row.className = "changed";
    const name = document.createElement("th");
    name.scope = "row";
    const slash = key.indexOf("/");
    if (slash > 0) {
      name.append(cell("span", key.slice(0, slash + 1), "prefix"), document.createElement("wbr"), key.slice(slash + 1));
    } else {
      name.textContent = key;
    }
    row.append(name, cell("td", was ?? "(absent)", was === undefined ? "absent" : ""),
      cell("td", now ?? "(removed)", now === undefined ? "absent" : ""));
    return row;
  });
  $("annotations").tBodies[0].replaceChildren(...rows);
}

function evaluate() {
  saveState();
  render(JSON.parse(explain(editors.s.value, editors.c.value, editors.p.value)));
}

function choose(index) {
  const scenario = SCENARIOS[index];
  editors.s.value = scenario.service;
  editors.c.value = scenario.config;
  editors.p.value = scenario.settings ?? DEFAULT_SETTINGS;
  document.querySelectorAll("#gallery button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === index)));
  evaluate();
}

const explain = await load();
SCENARIOS.forEach((scenario, index) => {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = scenario.title;
  button.addEventListener("click", () => choose(index));
  $("gallery").append(button);
});
let pending;
for (const editor of Object.values(editors)) {
  editor.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(evaluate, 150);
  });
}
$("share").addEventListener("click", () => navigator.clipboard?.writeText(location.href));
if (loadState()) evaluate(); else choose(0);
document.body.dataset.ready = "true";
