#!/usr/bin/env bats
# The annotated policy served by the real Kubewarden policy-server on 127.0.0.1, answering
# AdmissionReviews on /validate and the audit scanner's requests on /audit, as in a cluster
# (without one: --ignore-kubernetes-connection-failure). Needs policy-server on the PATH (from
# ../shared/kubewarden/install.sh, or Kubewarden's releases) and POLICY, a module annotated by
# kwctl. Without policy-server every test is skipped, unless REQUIRE_REAL_KUBEWARDEN=1.

bats_require_minimum_version 1.5.0

POLICY=${POLICY:-annotated-policy.wasm}
REQUESTS=tests/fixtures/requests

load helpers

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

setup_file() {
  if ! command -v policy-server >/dev/null; then
    [ "${REQUIRE_REAL_KUBEWARDEN:-}" != 1 ] || { echo "policy-server is not on the PATH" >&2; return 1; }
    skip "policy-server is not on the PATH"
  fi
  echo "# served by $(command -v policy-server) ($(policy-server --version | head -1))" >&3
  local dir=$BATS_FILE_TMPDIR module
  module=$(realpath "$POLICY")
  # policy-server 1.35 grants a policy only the host capabilities its entry lists; Kubewarden's
  # controller writes "*" for every ClusterAdmissionPolicy.
  cat > "$dir/policies.yml" <<EOF
initial-scale-5:
  module: file://$module
  allowedToMutate: true
  hostCapabilities: ["*"]
  settings: {autoscaler: {initial-scale: "5"}}
limit-10:
  module: file://$module
  allowedToMutate: true
  hostCapabilities: ["*"]
  settings: {autoscaler: {max-scale: "5", max-scale-limit: "10"}}
no-audit-changes:
  module: file://$module
  allowedToMutate: true
  hostCapabilities: ["*"]
  settings: {autoscaler: {initial-scale: "5"}, auditChanges: false}
context-aware:
  module: file://$module
  allowedToMutate: true
  hostCapabilities: ["*"]
  contextAwareResources: [{apiVersion: v1, kind: ConfigMap}]
  settings: {autoscalerConfigMap: {}, autoscaler: {initial-scale: "5"}}
EOF
  PORT=$(free_port)
  READINESS_PORT=$(free_port)
  export PORT
  policy-server --policies "$dir/policies.yml" --addr 127.0.0.1 --port "$PORT" \
    --readiness-probe-port "$READINESS_PORT" --policies-download-dir "$dir/downloads" \
    --ignore-kubernetes-connection-failure --log-no-color --workers 2 \
    >"$dir/policy-server.log" 2>&1 &
  echo $! > "$dir/policy-server.pid"
  for _ in $(seq 1 120); do
    curl -sf --max-time 1 "http://127.0.0.1:$READINESS_PORT/readiness" >/dev/null && return 0
    kill -0 "$(cat "$dir/policy-server.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "policy-server did not become ready:" >&2
  grep -v '^ *[0-9]*: \|^ *at ' "$dir/policy-server.log" | tail -n 20 >&2
  return 1
}

teardown_file() {
  local pid_file=$BATS_FILE_TMPDIR/policy-server.pid
  if [ -f "$pid_file" ]; then
    kill "$(cat "$pid_file")" 2>/dev/null || true
    wait "$(cat "$pid_file")" 2>/dev/null || true
  fi
}

# POSTs the request file as an AdmissionReview to /<endpoint>/<policy>; $output is the response.
review() {
  local endpoint=$1 policy=$2 request=$3 body
  body=$(jq -c '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: .}' "$request")
  run curl -sS --max-time 20 -H 'Content-Type: application/json' --data "$body" \
    "http://127.0.0.1:$PORT/$endpoint/$policy"
  echo "review = $output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .kind <<<"$output")" = AdmissionReview ]
  output=$(jq -c .response <<<"$output")
}

# The audit scanner's request for the stored object of a request fixture (kubewarden-conventions.md
# section 8, as tests/fixtures/requests/audit-scan-*.json).
audit_scan_of() {
  jq '{uid: "3f1d2c4b-5a69-4e7d-8c0b-1a2b3c4d5e6f", kind, resource: (.kind | {group, version, resource: .kind}),
       requestKind: .kind, name, namespace, operation: "CREATE", userInfo: {},
       object: (.object | .metadata.uid = "3f1d2c4b-5a69-4e7d-8c0b-1a2b3c4d5e6f"
                        | .metadata.creationTimestamp = "2026-10-01T08:00:00Z"),
       oldObject: null, options: null}' "$1" > "$2"
}

@test "policy-server: a KServe predictor is patched to start at min, with the warning" {
  review validate initial-scale-5 $REQUESTS/kserve-predictor-min1-max3.json
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1-max3.json)" = "1 3 1" ]
  [ "$(warnings)" = "$P/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3" ]
}

@test "policy-server: a resolved Service is accepted without a patch" {
  review validate initial-scale-5 $REQUESTS/service-all-explicit.json
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(jq -r .warnings <<<"$output")" = null ]
}

@test "policy-server: a max-scale above the limit is rejected with the policy's message" {
  review validate limit-10 $REQUESTS/service-max11.json
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(jq -r .status.message <<<"$output")" = "$P/max-scale=11 exceeds max-scale-limit=10 of the cluster's config-autoscaler; set it to 10 or less" ]
}

@test "policy-server /audit: the scanner's request for a Service the policy would change fails, without a patch" {
  review audit initial-scale-5 $REQUESTS/audit-scan-kserve-predictor-min1-max3.json
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [[ "$(jq -r .status.message <<<"$output")" == "not yet resolved by knative-scale-policy; its next update gets $P/initial-scale set to 1: "* ]]
}

@test "policy-server /audit: a resolved Service passes the audit" {
  audit_scan_of $REQUESTS/kserve-predictor-own-output.json "$BATS_TEST_TMPDIR/scan.json"
  review audit initial-scale-5 "$BATS_TEST_TMPDIR/scan.json"
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test "policy-server /audit: with auditChanges false the scanner's request is answered like any CREATE" {
  review audit no-audit-changes $REQUESTS/audit-scan-kserve-predictor-min1-max3.json
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(scale_after $REQUESTS/audit-scan-kserve-predictor-min1-max3.json)" = "1 3 1" ]
}

@test "policy-server: a live ConfigMap it cannot read falls back with one warning the API server keeps" {
  review validate context-aware $REQUESTS/kserve-predictor-min1-max3.json
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1-max3.json)" = "1 3 1" ]
  warnings | grep -q "^ConfigMap knative-serving/config-autoscaler could not be used (.*); scale bounds were resolved with the policy's static autoscaler settings$"
  # Each warning one line of printable text, at most 256 bytes (kube-apiserver drops the others).
  jq -e '.warnings | length == 2 and all(explode | all(. >= 32 and . != 127 and (. < 128 or . > 159)))
    and all(utf8bytelength <= 256)' <<<"$output"
}

@test "policy-server: a request without userInfo is refused before the policy runs" {
  jq 'del(.userInfo)' $REQUESTS/kserve-predictor-min1-max3.json > "$BATS_TEST_TMPDIR/no-user.json"
  body=$(jq -c '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: .}' "$BATS_TEST_TMPDIR/no-user.json")
  run curl -sS --max-time 20 -H 'Content-Type: application/json' --data "$body" \
    "http://127.0.0.1:$PORT/validate/initial-scale-5"
  echo "answer = $output"
  [ "$status" -eq 0 ]
  [ "$(jq -r .status <<<"$output")" = 422 ]
  [[ "$(jq -r .message <<<"$output")" == *"request: missing field \`userInfo\`"* ]]
}
