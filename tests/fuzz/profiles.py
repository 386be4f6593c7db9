"""Hypothesis profiles: ``ci`` for ``make test`` (derandomized, small) and ``fuzz`` for ``make fuzz`` (10,000 cases).

Each transport (decoders, Lambda handler, HTTP server) has one main property test that runs the profile's full
count; the other property tests of a transport run ``SECONDARY`` (a tenth of it, at least the ``ci`` count).
``FUZZ_EXAMPLES`` overrides the main count of either profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 150
_COMMON = {
    "database": None,
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", max_examples=int(os.environ.get("FUZZ_EXAMPLES", CI_EXAMPLES)), derandomize=True,
                          **_COMMON)  # type: ignore[arg-type]  # fmt: skip
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 10_000)), **_COMMON)  # type: ignore[arg-type]


def load() -> None:
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def secondary() -> settings:
    """Settings for a transport's secondary property tests."""
    return settings(max_examples=max(CI_EXAMPLES, settings.default.max_examples // 10))
