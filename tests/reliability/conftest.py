"""The real-server fixtures of the integration tests, shared with the reliability tests."""

from tests.integration.conftest import start_server

__all__ = ["start_server"]
