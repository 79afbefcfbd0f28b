# Developer entry points. `make test` is what CI runs (.ci/run); it needs python3, cargo, a C
# toolchain, spin, coq and chromium (Debian: apt-get install -y spin coq chromium), and node 20+
# with npm; it builds everything else into .venv (and the node_modules of clients/typescript and
# dashboard).

VENV   ?= .venv
PY     := $(VENV)/bin/python
export VIRTUAL_ENV := $(abspath $(VENV))
export PATH := $(VIRTUAL_ENV)/bin:$(PATH)

.PHONY: develop lint format test test-rust test-python test-typescript test-dashboard dashboard proofs bench clean fuzz-xstate fuzz-core

$(VENV)/bin/maturin:
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "maturin>=1.7,<2"

# A debug build of the extension, installed into the venv with the test extras.
develop: $(VENV)/bin/maturin
	maturin develop --quiet --extras test

# The gates: formatting and lints, Python (ruff) and Rust (rustfmt; clippy over the core alone
# and with the Python bindings). `make format` applies both formatters.
lint: $(VENV)/bin/ruff
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	cargo clippy --workspace --all-targets --quiet --features python -- -D warnings

format: $(VENV)/bin/ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cargo fmt --all

$(VENV)/bin/ruff: $(VENV)/bin/maturin
	$(PY) -m pip install --quiet "ruff==0.17.6"

test-rust:
	cargo test --workspace

test-python: develop
	$(PY) -m mypy.stubtest statekeep._core
	$(PY) -m mypy
	$(PY) -m pytest

# The routing law's proofs, checked by machine: spin exhaustively, then Coq.
proofs:
	bash proofs/check.sh
	bash proofs/coq/check.sh

# The TypeScript client (clients/typescript/README.md): its packages installed from its lockfile
# when they are missing or older than it, compiled, its generated types checked against the
# OpenAPI description, and its tests run against a live `statekeep serve` (the venv's).
TS := clients/typescript

$(TS)/node_modules/.package-lock.json: $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund

test-typescript: develop $(TS)/node_modules/.package-lock.json
	cd $(TS) && npm run --silent build
	cd $(TS) && STATEKEEP_PYTHON=$(abspath $(PY)) npm run --silent check-types
	cd $(TS) && npm test

# The dashboard (dashboard/README.md): built into python/statekeep/dashboard/static and committed, so
# installing the package needs no Node. `make dashboard` rebuilds it; test-dashboard type-checks
# the sources and fails when the committed build differs from a fresh one. Its packages (and
# axe-core, which the browser test injects: tests/test_dashboard.py) come from its lockfile.
DASH := dashboard

$(DASH)/node_modules/.package-lock.json: $(DASH)/package-lock.json
	cd $(DASH) && npm ci --no-audit --no-fund

dashboard: $(DASH)/node_modules/.package-lock.json
	cd $(DASH) && npm run --silent build

test-dashboard: $(DASH)/node_modules/.package-lock.json
	cd $(DASH) && npm run --silent check

test: lint test-rust proofs test-dashboard test-python test-typescript

# The differential fuzzer against XState 5.33.3 (tools/xstate-fuzz; tests/regressions/README.md):
# SEEDS=A-B runs those seeds, otherwise FUZZ_SECONDS of seeds from a base derived from the
# commit. A difference fails the run and is shrunk into tests/regressions/xstate-regressions.jsonl.
FUZZ_SECONDS ?= 120
fuzz-xstate:
	cargo build --release --quiet -p statekeep-xstate-diff
	test -d tools/xstate-fuzz/node_modules/xstate || (cd tools/xstate-fuzz && npm ci --no-audit --no-fund)
	cd tools/xstate-fuzz && node fuzz.mjs --verify-departures
	cd tools/xstate-fuzz && node fuzz.mjs $(if $(SEEDS),--seeds $(SEEDS),--from-commit --seconds $(FUZZ_SECONDS))

# The core's cargo-fuzz targets (fuzz/README.md), built and run for FUZZ_CORE_SECONDS each
# (FUZZ_SECONDS when given, else 30); any crash fails. Needs cargo-fuzz:
# cargo install --locked cargo-fuzz@0.13.2
FUZZ_CORE_SECONDS ?= $(if $(filter command line environment,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),30)
fuzz-core:
	FUZZ_SECONDS=$(FUZZ_CORE_SECONDS) bash fuzz/run.sh

# Release builds and the side-by-side comparison with XState (see benches/README.md).
bench: $(VENV)/bin/maturin
	bash benches/run.sh

clean:
	rm -rf $(VENV) target $(TS)/node_modules $(TS)/dist $(TS)/build $(DASH)/node_modules
