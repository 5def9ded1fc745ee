#!/usr/bin/env bats
# End-to-end tests through kwctl's command line. They run unchanged against a real kwctl
# (KWCTL=kwctl POLICY=annotated-policy.wasm) and against the in-repo runner (`make e2e-tests`).
# Assertions decode the JSON patch, apply it to the request's template annotations, and compare.

bats_require_minimum_version 1.5.0

KWCTL=${KWCTL:-kwctl}
POLICY=${POLICY:-annotated-policy.wasm}
REQUESTS=tests/fixtures/requests
SETTINGS=tests/fixtures/settings

load tests/helpers

setup_file() {
  echo "# e2e.bats through $(command -v "$KWCTL") ($("$KWCTL" --version | head -1))" >&3
}

# kwctl run with stdout (the AdmissionResponse) kept apart from stderr (logs).
policy_run() {
  run --separate-stderr "$KWCTL" run "$@" "$POLICY"
  echo "output = ${output}"
  echo "stderr = ${stderr}"
}

@test "KServe predictor: a global initial-scale above max starts at min, with a warning" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1-max3.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1-max3.json)" = "1 3 1" ]
  [ "$(warnings)" = "$P/initial-scale set to 1: the cluster initial-scale 5 would start more pods than max-scale 3" ]
}

@test "min-scale 0 with zero initial scale allowed starts at 0 pods" {
  policy_run --request-path $REQUESTS/kserve-predictor-min0.json --settings-path $SETTINGS/allow-zero-initial-scale.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min0.json)" = "0 0 0" ]
  [ "$(warnings | wc -l)" -eq 1 ]
}

@test "min-scale 0 without zero initial scale allowed starts at 1 pod, silently" {
  policy_run --request-path $REQUESTS/kserve-predictor-min0.json --settings-path $SETTINGS/knative-defaults.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min0.json)" = "0 0 1" ]
  [ "$(jq -r .warnings <<<"$output")" = null ]
}

@test "KServe unlimited max stays unlimited despite a global max-scale" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/max-scale-4.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 0 1" ]
  warnings | grep -qx "$P/max-scale set to 0: KServe's maxReplicas 0 means unlimited, not the cluster max-scale 4"
}

@test "KServe unlimited max becomes the max-scale-limit" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/max-scale-4-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 10 1" ]
}

@test "an InferenceGraph is KServe-managed too" {
  policy_run --request-path $REQUESTS/inferencegraph-min1.json --settings-path $SETTINGS/max-scale-4-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/inferencegraph-min1.json)" = "1 10 1" ]
}

@test "plain Service: cluster defaults made explicit, without warnings" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/min-scale-2-max-scale-6.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "2 6 2" ]
  [ "$(jq -r .warnings <<<"$output")" = null ]
}

@test "the cluster strategy starts at the global initial-scale, capped to max" {
  policy_run --request-path $REQUESTS/service-min1-max3.json --settings-path $SETTINGS/initial-scale-5-cluster-strategy.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-min1-max3.json)" = "1 3 3" ]
}

@test "a legacy alias moves to its kebab key" {
  policy_run --request-path $REQUESTS/service-legacy-alias-min3.json --settings-json '{}'
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-legacy-alias-min3.json)" = "3 0 3" ]
  [ "$(annotations_after $REQUESTS/service-legacy-alias-min3.json | jq --arg k "$P/minScale" 'has($k)')" = false ]
}

@test "only the template annotations are patched" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1-max3.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  jq -e '.patch | @base64d | fromjson | length > 0 and all(.path | startswith("/spec/template/metadata/annotations/"))' <<<"$output"
}

@test "a max-scale above the limit is rejected, naming the key and the limit" {
  policy_run --request-path $REQUESTS/service-max11.json --settings-path $SETTINGS/max-scale-5-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(jq -r .status.message <<<"$output")" = "$P/max-scale=11 exceeds max-scale-limit=10 of the cluster's config-autoscaler; set it to 10 or less" ]
}

@test "an explicit max below an explicit min is rejected" {
  policy_run --request-path $REQUESTS/kserve-predictor-min5-max2.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "$P/max-scale=2 is less than $P/min-scale=5; raise max-scale or lower min-scale" ]
}

@test "a value that is not a number is rejected" {
  policy_run --request-path $REQUESTS/service-min-abc.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "$P/min-scale: invalid value \"abc\": expected an integer 0 <= n <= 2147483647" ]
}

@test "settings with a typo are refused before any evaluation" {
  policy_run --request-path $REQUESTS/service-min1-max3.json --settings-path $SETTINGS/invalid-typo.yaml
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'Provided settings are not valid'*'defaultInitalScale: unknown, not one of autoscaler'* ]]
}

@test "settings Knative would refuse are refused" {
  policy_run --request-path $REQUESTS/service-min1-max3.json --settings-json '{"autoscaler": {"max-scale-limit": "10"}}'
  [ "$status" -ne 0 ]
  [[ "$stderr" == *'Provided settings are not valid'*'autoscaler.max-scale: invalid value 0: must be in [1, max-scale-limit(10)] range'* ]]
}

@test "explicit canonical values are accepted without a mutation" {
  policy_run --request-path $REQUESTS/service-all-explicit.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test "other kinds and DELETE are accepted unchanged" {
  for request in deployment service-delete service-no-template; do
    policy_run --request-path $REQUESTS/$request.json --settings-path $SETTINGS/initial-scale-5.yaml
    [ "$status" -eq 0 ]
    [ "$(jq -r .allowed <<<"$output")" = true ]
    [ "$(jq -r .patch <<<"$output")" = null ]
  done
}

@test "an UPDATE of the policy's own output changes nothing" {
  policy_run --request-path $REQUESTS/kserve-predictor-own-output.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test "an UPDATE that raises min-scale moves the resolved initial-scale with it" {
  policy_run --request-path $REQUESTS/kserve-predictor-min-raised.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min-raised.json)" = "3 3 3" ]
}

@test "a Configuration owned by a Knative Service is left as the Service controller copied it" {
  policy_run --request-path $REQUESTS/configuration-owned-by-service.json --settings-path $SETTINGS/max-scale-4.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(warnings | wc -l)" -eq 0 ]
}

@test "a Configuration claiming a Service owner, written by a user, is resolved: an ownerReference is no escape" {
  jq '.userInfo = {"username": "alice@example.com", "groups": ["system:authenticated"]}' \
    $REQUESTS/configuration-owned-by-service.json > "$BATS_TEST_TMPDIR/forged.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/forged.json" --settings-path $SETTINGS/max-scale-4.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patchType <<<"$output")" = JSONPatch ]
  [ "$(annotations_after "$BATS_TEST_TMPDIR/forged.json" | jq -r --arg k "$P/max-scale" '.[$k]')" != null ]
}

@test "a legacy alias added to the policy's output is the user's value" {
  policy_run --request-path $REQUESTS/service-alias-added-after-fill.json
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-alias-added-after-fill.json)" = "3 0 3" ]
  [ "$(annotations_after $REQUESTS/service-alias-added-after-fill.json | jq -r --arg p "$P" '.[$p + "/minScale"] // "gone"')" = gone ]
  [ "$(warnings | wc -l)" -eq 0 ]
}

@test "a cluster whose default class is HPA starts a min-scale 0 revision at 1 pod" {
  policy_run --request-path $REQUESTS/service-min0.json --settings-path $SETTINGS/hpa-class-allow-zero.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-min0.json)" = "0 0 1" ]
  policy_run --request-path $REQUESTS/service-min0.json --settings-path $SETTINGS/allow-zero-initial-scale.yaml
  [ "$(scale_after $REQUESTS/service-min0.json)" = "0 0 0" ]
}

@test "activation-scale: a cluster min-scale above it is left to the cluster, not written" {
  policy_run --request-path $REQUESTS/service-activation3.json --settings-json '{"autoscaler": {"min-scale": "5"}}'
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(scale_after $REQUESTS/service-activation3.json)" = "absent 0 5" ]
  warnings | grep -qx "$P/min-scale left to the cluster's 5: writing it would conflict with activation-scale 3"
}

@test "activation-scale: a cluster max-scale below it is left to the cluster, not written" {
  policy_run --request-path $REQUESTS/service-activation3.json --settings-json '{"autoscaler": {"max-scale": "2"}}'
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-activation3.json)" = "0 absent 1" ]
  warnings | grep -qx "$P/max-scale left to the cluster's 2: writing it would conflict with activation-scale 3"
}

@test "activation-scale: a cluster max-scale raised to min-scale below it is written as activation-scale" {
  policy_run --request-path $REQUESTS/service-min4-activation5.json --settings-json '{"autoscaler": {"max-scale": "3"}}'
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-min4-activation5.json)" = "4 5 4" ]
  warnings | grep -qx "$P/max-scale set to 5: the cluster max-scale 3 is below min-scale 4, and activation-scale 5 needs a max-scale of at least 5"
  # Above the limit no max fits: it is left to the cluster, as before.
  policy_run --request-path $REQUESTS/service-min4-activation5.json --settings-json '{"autoscaler": {"max-scale": "3", "max-scale-limit": "4"}}'
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-min4-activation5.json)" = "4 absent 3" ]
}

@test "activation-scale: the user's own min-scale above it is rejected in Knative's words" {
  policy_run --request-path $REQUESTS/service-min5-activation3.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "$P/min-scale=5 is greater than $P/activation-scale=3; lower min-scale or raise activation-scale" ]
}

@test "zero-or-cluster: min-scale 0 starts at no pod, min-scale 2 at the cluster's initial-scale capped to max" {
  policy_run --request-path $REQUESTS/service-min0.json \
    --settings-json '{"autoscaler": {"initial-scale": "3", "allow-zero-initial-scale": "true"}, "defaultInitialScale": "zero-or-cluster"}'
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-min0.json)" = "0 0 0" ]
  jq '.object.spec.template.metadata.annotations["autoscaling.knative.dev/min-scale"] = "2"' \
    $REQUESTS/service-min0.json > "$BATS_TEST_TMPDIR/min2.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/min2.json" \
    --settings-json '{"autoscaler": {"initial-scale": "5", "max-scale": "4"}, "defaultInitialScale": "zero-or-cluster"}'
  [ "$status" -eq 0 ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/min2.json")" = "2 4 4" ]
}

@test "the audit scanner's request for a Service the policy would change fails, saying what would change" {
  policy_run --request-path $REQUESTS/audit-scan-kserve-predictor-min1-max3.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [[ "$(jq -r .status.message <<<"$output")" == "not yet resolved by knative-scale-policy; its next update gets $P/initial-scale set to 1: "* ]]
  policy_run --request-path $REQUESTS/audit-scan-kserve-predictor-min1-max3.json --settings-json '{"autoscaler": {"initial-scale": "5"}, "auditChanges": false}'
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(scale_after $REQUESTS/audit-scan-kserve-predictor-min1-max3.json)" = "1 3 1" ]
}

@test "InferenceService: maxReplicas 3 on a cluster whose initial-scale is 5 is warned, naming the predictor" {
  policy_run --request-path $REQUESTS/isvc-sklearn-min1-max3.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(warnings)" = "predictor: $P/initial-scale will be set to 1: the cluster initial-scale 5 would start more pods than max-scale 3" ]
}

@test "InferenceService: maxReplicas 12 under max-scale-limit 10 is rejected, naming the field" {
  policy_run --request-path $REQUESTS/isvc-sklearn-max12.json --settings-path $SETTINGS/max-scale-5-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "spec.predictor.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less" ]
}

@test "InferenceService: an annotation Knative would refuse in its Service is refused at apply, naming it" {
  policy_run --request-path $REQUESTS/isvc-sklearn-window-2h.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "predictor: metadata.annotations[\"$P/window\"]: expected 6s <= 2h <= 1h0m0s; Knative would reject the predictor's Service" ]
}

@test "InferenceService: a min-scale annotation KServe drops is warned, naming minReplicas" {
  policy_run --request-path $REQUESTS/isvc-sklearn-min-scale-annotation.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  warnings | grep -qx "predictor: metadata.annotations\[\"$P/min-scale\"\] is dropped by KServe; set spec.predictor.minReplicas instead"
}

@test "InferenceGraph: checked as the Service KServe builds for it" {
  policy_run --request-path $REQUESTS/inferencegraph-model-chainer-max2.json --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [[ "$(warnings)" == "inferencegraph: $P/initial-scale will be set to 1: "* ]]
}

@test "InferenceService: a stopped one over the limit is accepted silently, as KServe builds no Service for it" {
  for fixture in isvc-sklearn-max12-stopped isvc-sklearn-max12-stopping; do
    policy_run --request-path $REQUESTS/$fixture.json --settings-path $SETTINGS/max-scale-5-limit-10.yaml
    [ "$status" -eq 0 ]
    [ "$(jq -r .allowed <<<"$output")" = true ]
    [ "$(jq -r .patch <<<"$output")" = null ]
    [ "$(jq -r .warnings <<<"$output")" = null ]
  done
  # The UPDATE stops a model the API server holds as over the limit (its operation and old object).
  [ "$(jq -r '.operation, .oldObject.spec.predictor.maxReplicas, .object.metadata.annotations["serving.kserve.io/stop"]' \
        $REQUESTS/isvc-sklearn-max12-stopping.json | paste -sd' ')" = "UPDATE 12 true" ]
}

@test "InferenceGraph: a ModelMesh one gets a Knative Service, so it is refused where that Service would be" {
  # The same graph in RawDeployment mode has no Knative Service: accepted.
  local answers=()
  for mode in ModelMesh RawDeployment; do
    jq --arg mode $mode '.object.metadata.annotations["serving.kserve.io/deploymentMode"] = $mode' \
      $REQUESTS/inferencegraph-modelmesh-max12.json > "$BATS_TEST_TMPDIR/$mode.json"
    policy_run --request-path "$BATS_TEST_TMPDIR/$mode.json" --settings-path $SETTINGS/max-scale-5-limit-10.yaml
    [ "$status" -eq 0 ]
    answers+=("$mode: $(jq -r '[.allowed, .status.message // "no message"] | join(", ")' <<<"$output")")
  done
  [ "${answers[0]}" = "ModelMesh: false, inferencegraph: spec.maxReplicas=12 exceeds the cluster's max-scale-limit 10; set it to 10 or less" ]
  [ "${answers[1]}" = "RawDeployment: true, no message" ]
}

@test "InferenceGraph: its own min-scale annotation, which KServe overwrites, is warned, naming spec.minReplicas" {
  policy_run --request-path $REQUESTS/inferencegraph-min-scale-annotation.json
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(warnings)" = "inferencegraph: metadata.annotations[\"$P/min-scale\"] is overwritten by KServe with 1 from spec.minReplicas; set spec.minReplicas instead" ]
}

@test "InferenceService in RawDeployment mode passes untouched" {
  policy_run --request-path $REQUESTS/isvc-raw-deployment-max12.json --settings-path $SETTINGS/max-scale-5-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  [ "$(warnings | wc -l)" -eq 0 ]
}

@test "InferenceService: KServe adding its finalizer to one over the limit is warned, not refused" {
  policy_run --request-path $REQUESTS/isvc-sklearn-max12-finalizer-added.json --settings-path $SETTINGS/max-scale-5-limit-10.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [[ "$(warnings)" == "spec.predictor.maxReplicas=12 exceeds the cluster's max-scale-limit 10"* ]]
}

@test "a request without userInfo is refused before the policy runs, as the real host refuses it" {
  jq 'del(.userInfo)' $REQUESTS/kserve-predictor-min1-max3.json > "$BATS_TEST_TMPDIR/no-user.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/no-user.json"
  [ "$status" -eq 1 ]
  [ "$output" = "" ]
  [[ "$stderr" == *'Error: cannot build AdmissionRequest object from given input: missing field `userInfo`'* ]]
}

@test "an AdmissionReview is read like a bare AdmissionRequest" {
  jq '{apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: .}' \
    $REQUESTS/kserve-predictor-min1-max3.json > "$BATS_TEST_TMPDIR/review.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/review.json" --settings-path $SETTINGS/initial-scale-5.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .uid <<<"$output")" = "705ab4f5-6393-11e8-b7cc-42010a800002" ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1-max3.json)" = "1 3 1" ]
}

# Context-aware mode: config-autoscaler answered from recorded sessions.
SESSIONS=tests/fixtures/sessions

@test "context-aware: live config-autoscaler values win over the static settings" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/context-aware.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/default-cluster.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "0 0 1" ]
  [ "$(jq -r .warnings <<<"$output")" = null ]
}

@test "context-aware: a limit set only in the live ConfigMap bounds an unlimited KServe max" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/context-aware.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/cluster-with-limit.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 10 1" ]
}

@test "context-aware: a missing, forbidden or invalid ConfigMap falls back with one warning" {
  for session in configmap-missing access-denied invalid-data; do
    policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/context-aware.yaml \
      --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/$session.yml
    [ "$status" -eq 0 ]
    [ "$(jq -r .allowed <<<"$output")" = true ]
    [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "0 3 1" ]
    [ "$(warnings | grep -c '^ConfigMap knative-serving/config-autoscaler could not be used')" -eq 1 ]
  done
}

@test "context-aware: without --allow-context-aware the read is denied and the policy falls back" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/context-aware.yaml \
    --replay-host-capabilities-interactions $SESSIONS/default-cluster.yml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "0 3 1" ]
  warnings | grep -q 'Policy has not been granted access to Kubernetes v1/ConfigMap resources'
}

# Tenants (rules section 10): tests/fixtures/settings/tenants.yaml gives namespace models its own
# min-scale 1 and cap 6 under a cluster max-scale 4 and max-scale-limit 10.

# $1 with its request and object moved to namespace $2, written to $3.
in_namespace() {
  jq --arg ns "$2" '.namespace = $ns | .object.metadata.namespace = $ns' "$1" > "$3"
}

@test "namespaces: an entry's defaults apply in its namespace and not in another" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "1 4 1" ]
  warnings | grep -qx "$P/min-scale set to 1: the min-scale of namespace models is 1"
  in_namespace $REQUESTS/service-no-annotations.json team-b "$BATS_TEST_TMPDIR/team-b.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/team-b.json" --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/team-b.json")" = "0 4 1" ]
  [ "$(warnings | wc -l)" -eq 0 ]
}

@test "namespaces: a user's max-scale above the namespace's cap is rejected, naming the namespace" {
  jq --arg k "$P/max-scale" '.object.spec.template.metadata.annotations[$k] = "8"' \
    $REQUESTS/service-no-annotations.json > "$BATS_TEST_TMPDIR/max8.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/max8.json" --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [[ "$(jq -r .status.message <<<"$output")" == "$P/max-scale=8 exceeds the max-scale-limit 6 of namespace models; set it to 6 or less" ]]
}

@test "namespaces: KServe's unlimited max becomes the namespace's cap" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 6 1" ]
  warnings | grep -qx "$P/max-scale set to 6: KServe's maxReplicas 0 means unlimited, and the max-scale-limit of namespace models is 6"
}

@test "namespaces: an InferenceService above the namespace's cap is refused at apply, naming the field" {
  policy_run --request-path $REQUESTS/isvc-sklearn-max12.json --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  jq -r .status.message <<<"$output" | grep -q "spec.predictor.maxReplicas=12 exceeds the max-scale-limit 6 of namespace models"
}

@test "namespaces: a forged Service owner is capped; Knative's controller's copy is left alone" {
  jq --arg k "$P/max-scale" '.userInfo = {"username": "alice@example.com"}
      | .object.spec.template.metadata.annotations[$k] = "8"' \
    $REQUESTS/configuration-owned-by-service.json > "$BATS_TEST_TMPDIR/forged.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/forged.json" --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  jq -r .status.message <<<"$output" | grep -q "exceeds the max-scale-limit 6 of namespace models"
  jq --arg k "$P/max-scale" '.object.spec.template.metadata.annotations[$k] = "8"' \
    $REQUESTS/configuration-owned-by-service.json > "$BATS_TEST_TMPDIR/copied.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/copied.json" --settings-path $SETTINGS/tenants.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
}

@test "namespaces: an entry that widens the cluster is refused, naming namespaces.<name>.<key>" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/invalid-namespace-cap.yaml
  [ "$status" -ne 0 ]
  grep -q "namespaces.models.max-scale-limit: invalid value 12: must not exceed the cluster max-scale-limit 10" <<<"$output$stderr"
}

@test "namespace annotations: a Namespace's annotations lower its cap and default max" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/tenants-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-lowers-cap.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 3 1" ]
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/tenants-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-lowers-cap.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "1 2 1" ]
}

@test "namespace annotations: one that would raise the settings' cap is ignored with a warning" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/tenants-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-raises-cap.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 6 1" ]
  warnings | grep -qx "Namespace models: annotation knative-scale-policy.github.io/max-scale-limit ignored (invalid value 60: may lower the max-scale-limit 6 that applies, never raise it)"
}

@test "namespace annotations: a Namespace that cannot be read falls back to the settings with one warning" {
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/tenants-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-unreadable.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 6 1" ]
  [ "$(warnings | grep -c '^Namespace models could not be read')" -eq 1 ]
  policy_run --request-path $REQUESTS/kserve-predictor-min1.json --settings-path $SETTINGS/tenants-namespace-annotations.yaml \
    --replay-host-capabilities-interactions $SESSIONS/namespace-lowers-cap.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/kserve-predictor-min1.json)" = "1 6 1" ]
  warnings | grep -q 'Policy has not been granted access to Kubernetes v1/Namespace resources'
}

# --- Autoscaling profiles (section 11), with tests/fixtures/settings/profiles.yaml -------------

PROFILE=knative-scale-policy.github.io/profile

# The value of a template annotation after the response's patch ("absent" when none).
annotation_after() {
  annotations_after "$1" | jq -r --arg k "$2" '.[$k] // "absent"'
}

# The request as an UPDATE of the object the last response made of it.
update_of_output() {
  jq --argjson a "$(annotations_after "$1")" \
    '.operation = "UPDATE" | .oldObject = .object | .object.spec.template.metadata.annotations = $a' "$1" > "$2"
}

@test "profiles: a Service in a namespace without one gets the default profile" {
  in_namespace $REQUESTS/service-no-annotations.json default "$BATS_TEST_TMPDIR/default.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/default.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/default.json")" = "0 10 1" ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/default.json" $P/target)" = 100 ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/default.json" $P/target-utilization-percentage)" = 70 ]
  warnings | grep -qx "profile web: target=100, target-utilization-percentage=70"
}

@test "profiles: a namespace's profile fills what the user left out, and the user's own key stays" {
  jq --arg k "$P/target" '.object.spec.template.metadata.annotations[$k] = "5"' \
    $REQUESTS/service-no-annotations.json > "$BATS_TEST_TMPDIR/target5.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/target5.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/target5.json")" = "1 4 1" ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/target5.json" $P/target)" = 5 ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/target5.json" $P/scale-down-delay)" = 15m ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/target5.json" $P/window)" = 120s ]
  warnings | grep -qx "profile gpu-llm: window=120s, scale-down-delay=15m"
}

@test "profiles: a Service chooses one with its template annotation; an unknown one is rejected with the names" {
  in_namespace $REQUESTS/service-no-annotations.json default "$BATS_TEST_TMPDIR/default.json"
  jq --arg k "$PROFILE" '.object.spec.template.metadata.annotations[$k] = "gpu-llm"' \
    "$BATS_TEST_TMPDIR/default.json" > "$BATS_TEST_TMPDIR/chooses.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/chooses.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/chooses.json")" = "1 4 1" ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/chooses.json" $P/target)" = 1 ]
  jq --arg k "$PROFILE" '.object.spec.template.metadata.annotations[$k] = "gpu-xl"' \
    "$BATS_TEST_TMPDIR/default.json" > "$BATS_TEST_TMPDIR/unknown.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/unknown.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  [ "$(jq -r .status.message <<<"$output")" = "$PROFILE: \"gpu-xl\" is not a profile of this cluster (gpu-llm, web)" ]
}

@test "profiles: a profile key Knative would reject beside the user's is not written, with a warning" {
  jq --arg k "$P/min-scale" '.object.spec.template.metadata.annotations[$k] = "5"' \
    $REQUESTS/service-no-annotations.json > "$BATS_TEST_TMPDIR/min5.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/min5.json" \
    --settings-json '{"profiles": {"burst": {"activation-scale": "3", "window": "30s"}}, "defaultProfile": "burst"}'
  [ "$status" -eq 0 ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/min5.json" $P/activation-scale)" = absent ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/min5.json" $P/window)" = 30s ]
  [ "$(scale_after "$BATS_TEST_TMPDIR/min5.json")" = "5 0 5" ]
  warnings | grep -qx "profile burst: $P/activation-scale not written: Knative would reject it: min-scale=5 is greater than activation-scale=3"
}

@test "profiles: a profile change reaches an object at its next update, and its own output is a fixed point" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  update_of_output $REQUESTS/service-no-annotations.json "$BATS_TEST_TMPDIR/stored.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/stored.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  sed 's/target: "1"/target: "2"/' $SETTINGS/profiles.yaml > "$BATS_TEST_TMPDIR/changed.yaml"
  policy_run --request-path "$BATS_TEST_TMPDIR/stored.json" --settings-path "$BATS_TEST_TMPDIR/changed.yaml"
  [ "$status" -eq 0 ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/stored.json" $P/target)" = 2 ]
  [ "$(annotation_after "$BATS_TEST_TMPDIR/stored.json" $P/window)" = 120s ]
}

@test "profiles: an InferenceService choosing one hears what its Service gets; an unknown one is refused naming the field" {
  jq --arg k "$PROFILE" '.object.metadata.annotations[$k] = "gpu-llm" | .object.spec.predictor.maxReplicas = 3' \
    $REQUESTS/isvc-sklearn-min1-max3.json > "$BATS_TEST_TMPDIR/isvc.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/isvc.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = true ]
  [ "$(jq -r .patch <<<"$output")" = null ]
  warnings | grep -qx "predictor: profile gpu-llm: target=1, window=120s, scale-down-delay=15m"
  jq --arg k "$PROFILE" '.object.metadata.annotations[$k] = "gpu-xl"' \
    $REQUESTS/isvc-sklearn-min1-max3.json > "$BATS_TEST_TMPDIR/unknown.json"
  policy_run --request-path "$BATS_TEST_TMPDIR/unknown.json" --settings-path $SETTINGS/profiles.yaml
  [ "$status" -eq 0 ]
  [ "$(jq -r .allowed <<<"$output")" = false ]
  jq -r .status.message <<<"$output" | grep -qF "metadata.annotations[\"$PROFILE\"]: \"gpu-xl\" is not a profile of this cluster (gpu-llm, web)"
}

@test "profiles: a Namespace's annotation chooses its profile; an unknown one is ignored with a warning" {
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/profiles-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-chooses-gpu-llm.yml
  [ "$status" -eq 0 ]
  [ "$(scale_after $REQUESTS/service-no-annotations.json)" = "1 4 1" ]
  [ "$(annotation_after $REQUESTS/service-no-annotations.json $P/window)" = 120s ]
  policy_run --request-path $REQUESTS/service-no-annotations.json --settings-path $SETTINGS/profiles-namespace-annotations.yaml \
    --allow-context-aware --replay-host-capabilities-interactions $SESSIONS/namespace-chooses-unknown-profile.yml
  [ "$status" -eq 0 ]
  [ "$(annotation_after $REQUESTS/service-no-annotations.json $P/target)" = 100 ]
  warnings | grep -qx "Namespace models: annotation $PROFILE ignored: \"gpu-xl\" is not a profile of this cluster (gpu-llm, web)"
}
