#!/usr/bin/env bash
# One closing line for `make test`: the tests that passed and failed across cargo test, e2e.bats
# (TAP) and the browser tests (node --test), read from their logs.
set -euo pipefail
cargo_log=$1 e2e_log=$2 browser_log=$3
passed=0 failed=0
while read -r p f; do
  passed=$((passed + p)) failed=$((failed + f))
done < <(grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$cargo_log" \
  | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed/\1 \2/')
passed=$((passed + $(grep -c '^ok ' "$e2e_log" || true)))
failed=$((failed + $(grep -c '^not ok ' "$e2e_log" || true)))
passed=$((passed + $(sed -nE 's/^# pass ([0-9]+)$/\1/p' "$browser_log" | tail -n 1)))
failed=$((failed + $(sed -nE 's/^# fail ([0-9]+)$/\1/p' "$browser_log" | tail -n 1)))
echo "tests: $passed passed, $failed failed"
