"""Hypothesis profiles: ``ci`` for ``make test`` (derandomized, small) and ``fuzz`` for ``make fuzz`` (10,000 cases).

Each transport (decoders, Lambda handler, HTTP server) has one main property test, run once per schema it
fuzzes (tests/fuzz/schemas.py). In ``make fuzz`` it runs ``FUZZ_EXAMPLES`` cases per schema; in ``make test``
the schemas share ``CI_EXAMPLES`` (so a test costs about the same whatever the number of schemas). The other
property tests of a transport run ``secondary``: a tenth of the main count, at least the ``ci`` share.
The ``FUZZ_EXAMPLES`` variable overrides the main count per schema of either profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 150
"""Cases per property test in ``make test``, shared by the schemas it runs."""
FUZZ_EXAMPLES = 10_000
"""Cases per main property test and schema in ``make fuzz``."""
_COMMON = {
    "database": None,
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("fuzz", max_examples=FUZZ_EXAMPLES, **_COMMON)  # type: ignore[arg-type]


def load() -> None:
    settings.load_profile(_profile())


def _profile() -> str:
    return os.environ.get("HYPOTHESIS_PROFILE", "ci")


def _ci_share(schemas: int) -> int:
    return -(-CI_EXAMPLES // schemas)


def main_count(schemas: int) -> int:
    """Cases per schema of a transport's main property test, which runs once for each of ``schemas``."""
    if os.environ.get("FUZZ_EXAMPLES"):
        return int(os.environ["FUZZ_EXAMPLES"])
    return FUZZ_EXAMPLES if _profile() == "fuzz" else _ci_share(schemas)


def main(schemas: int) -> settings:
    """Settings for a transport's main property test."""
    return settings(max_examples=main_count(schemas))


def secondary(schemas: int) -> settings:
    """Settings for a transport's secondary property tests."""
    return settings(max_examples=max(_ci_share(schemas), main_count(schemas) // 10))
