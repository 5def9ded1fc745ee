// The playground page: three editors in, the policy's answer out, state in the URL fragment.
import init, { explain } from "./knative_scale_playground.js";

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
    title: "An InferenceGraph",
    service: service("model-chain", kserveOwner("InferenceGraph", "v1alpha1", "model-chain"), [["min-scale", "1"]]),
    config: 'max-scale: "4"\n',
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
  const show = (value) => (value === undefined ? "" : JSON.stringify(value, null, 2));
  $("before").textContent = show(result.before);
  $("after").textContent = show(result.after);
  $("patch").textContent = show(result.patch);
}

function evaluate() {
  saveState();
  render(JSON.parse(explain(editors.s.value, editors.c.value, editors.p.value)));
}

function choose(index) {
  const scenario = SCENARIOS[index];
  editors.s.value = scenario.service;
  editors.c.value = scenario.config;
  editors.p.value = DEFAULT_SETTINGS;
  document.querySelectorAll("#gallery button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === index)));
  evaluate();
}

await init();
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
