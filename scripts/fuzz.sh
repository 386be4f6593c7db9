#!/usr/bin/env bash
# make fuzz: at least 10,000 Hypothesis cases per transport (request decoders, Lambda handler, HTTP server over
# loopback), then schemathesis against the server's /openapi.json. Prints Hypothesis' per-test statistics
# (cases run, failures) and schemathesis' summary. FUZZ_EXAMPLES and SCHEMATHESIS_EXAMPLES override the counts.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export HYPOTHESIS_PROFILE=fuzz
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-10000}"
export SCHEMATHESIS_EXAMPLES="${SCHEMATHESIS_EXAMPLES:-1000}"
exec "$PYTHON" -m pytest tests/fuzz -p no:cacheprovider -q --hypothesis-show-statistics -rfE "$@"
