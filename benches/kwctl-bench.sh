#!/usr/bin/env bash
# kwctl bench on the 2 KB KServe Service, the policy against the floor policy, as users' own
# kwctl measures it: five interleaved pairs per request, the fastest sample (kwctl's median of
# `validate`) of each side, and their ratio. Usage: benches/kwctl-bench.sh POLICY.wasm FLOOR.wasm
set -euo pipefail
policy=${1:-policy.wasm}
floor=${2:-target/floor-policy.wasm}
settings='{"autoscaler": {"initial-scale": "5"}}'

# kwctl's median of `validate` for one run, in microseconds.
median_us() {
  local median
  median=$(kwctl bench --num-samples 100 --measurement-time 3 "$@" 2>/dev/null \
    | sed 's/\x1b\[[0-9;]*m//g' | grep -A3 '^validate ' | grep -o 'med = [^,]*' | head -1)
  median=${median#med = }
  case $median in
    *µs) echo "${median%µs}" ;;
    *ns) awk -v v="${median%ns}" 'BEGIN { print v / 1000 }' ;;
    *ms) awk -v v="${median%ms}" 'BEGIN { print v * 1000 }' ;;
    *) echo "kwctl bench gave no median of validate" >&2; return 1 ;;
  esac
}

fastest() { sort -g | head -1; }

for case in "unchanged service-2kb-resolved accept" "mutated service-2kb mutate"; do
  read -r name request mode <<<"$case"
  policy_runs=(); floor_runs=()
  for _ in 1 2 3 4 5; do
    policy_runs+=("$(median_us --request-path "tests/fixtures/bench/$request.json" --settings-json "$settings" "$policy")")
    floor_runs+=("$(median_us --request-path "tests/fixtures/bench/$request.json" --settings-json "{\"mode\": \"$mode\"}" "$floor")")
  done
  p=$(printf '%s\n' "${policy_runs[@]}" | fastest)
  f=$(printf '%s\n' "${floor_runs[@]}" | fastest)
  echo "$name 2 KB Service: policy ${p} us (runs: ${policy_runs[*]}), floor ${f} us (runs: ${floor_runs[*]}), ratio $(awk -v p="$p" -v f="$f" 'BEGIN { printf "%.2f", p / f }')"
done
