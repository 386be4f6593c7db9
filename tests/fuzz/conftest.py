"""Fuzz tests run the ``ci`` Hypothesis profile unless ``HYPOTHESIS_PROFILE=fuzz`` (see tests/fuzz/profiles.py)."""

from tests.fuzz import profiles

profiles.load()
