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
  kwctl bench --num-samples 100 --measurement-time 3 "$@" 2>/dev/null \
    | sed 's/\x1b\[[0-9;]*m//g' \
    | awk '/^validate /{v=1} v && /med = /{
        match($0, /med = [0-9.]+[µnm]s/); m = substr($0, RSTART + 6, RLENGTH - 6);
        unit = substr(m, length(m) - 1); value = substr(m, 1, length(m) - 2);
        if (unit == "ns") value /= 1000; else if (unit == "ms") value *= 1000;
        print value; exit }'
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
