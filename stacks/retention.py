"""Log retention in days (validated by stacks.config) as the CDK enum both stacks pass to their log groups."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

from stacks.config import LOG_RETENTION_DAYS

RETENTION: dict[int, logs.RetentionDays] = dict(zip(LOG_RETENTION_DAYS, list(logs.RetentionDays)[:-1], strict=True))
"""Days -> CDK enum, in the order both list them (the enum's last member, INFINITE, is never offered)."""
