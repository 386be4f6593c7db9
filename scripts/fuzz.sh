#!/usr/bin/env bash
# make fuzz: at least 10,000 Hypothesis cases per transport and per schema (request decoders, Lambda handler, HTTP
# server over loopback; the schemas are in tests/fuzz/schemas.py: a regression, a binary and a 3-class one), then
# schemathesis against each schema's /openapi.json. Prints Hypothesis' per-test statistics (cases run, failures,
# the answers per route and status) and schemathesis' case counts. FUZZ_EXAMPLES (per test and schema) and
# SCHEMATHESIS_EXAMPLES (per operation and schema) override the counts; FUZZ_WORKERS (default 2, the machine's
# cores) sets the pytest-xdist processes of the Hypothesis part (0: run in this one). schemathesis runs last, in
# one process (it has workers of its own), so that its counts are printed; it runs even when the first part failed,
# and the exit status is non-zero if either did.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
PYTHON="${PYTHON:-.venv/bin/python}"
export HYPOTHESIS_PROFILE=fuzz
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-10000}"
export SCHEMATHESIS_EXAMPLES="${SCHEMATHESIS_EXAMPLES:-1000}"
CONFORMANCE=tests/fuzz/test_openapi_conformance.py
"$PYTHON" -m pytest tests/fuzz -p no:cacheprovider -q -n "${FUZZ_WORKERS:-2}" --ignore "$CONFORMANCE" \
  --hypothesis-show-statistics -rfExX "$@"
hypothesis_status=$?
"$PYTHON" -m pytest "$CONFORMANCE" -p no:cacheprovider -q -p no:xdist -rfExX "$@"
schemathesis_status=$?
echo "make fuzz: Hypothesis tests exit $hypothesis_status, schemathesis exit $schemathesis_status"
exit $((hypothesis_status || schemathesis_status))
