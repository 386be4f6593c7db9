"""Reusable L3 constructs (named so it does not shadow the ``constructs`` library)."""
