# Shared by e2e.bats and tests/policy-server.bats: read an AdmissionResponse (in $output) the way
# the API server applies it: decode the JSON patch, apply it to the request's template
# annotations, and compare.

P=autoscaling.knative.dev

# The template annotations after the response's patch, given the request file.
annotations_after() {
  jq -n --slurpfile request "$1" --argjson response "$output" '
    def unescape: gsub("~1"; "/") | gsub("~0"; "~");
    "/spec/template/metadata/annotations" as $base
    | reduce (($response.patch // empty) | @base64d | fromjson | .[]) as $op
        ($request[0].object.spec.template.metadata.annotations // {};
         if $op.path == $base then
           (if $op.op == "remove" then {} else $op.value end)
         elif ($op.path | startswith($base + "/")) then
           ($op.path | ltrimstr($base + "/") | unescape) as $key
           | if $op.op == "remove" then del(.[$key]) else .[$key] = $op.value end
         else error("patch outside the template annotations: \($op.path)") end)'
}

# The three scale keys after the patch, as "min max initial".
scale_after() {
  annotations_after "$1" | jq -r --arg p "$P" '[.[$p + "/min-scale"], .[$p + "/max-scale"], .[$p + "/initial-scale"]] | map(. // "absent") | join(" ")'
}

warnings() {
  jq -r '.warnings // [] | .[]' <<<"$output"
}
