"""A container-image Lambda function serving the model on one CPU architecture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Size, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.image_context import lambda_image_code
from inference.settings import Env

LIVE_ALIAS = "live"


class InferenceFunction(Construct):
    """``lambda_image`` as a ``DockerImageFunction`` with its own role, JSON logs and X-Ray tracing, and ``alias``
    (``live``) on the version each configuration publishes: what the API invokes (``GuardedRollout`` moves it).

    The role starts with nothing but writing to this function's own log group (no
    ``AWSLambdaBasicExecutionRole``, whose log permissions cover every group); grant model access to
    ``function`` from outside. ``environment`` carries ``MODEL_URI``/``SCHEMA_URI``/``MODEL_VERSION``: a new
    model or schema changes the function configuration, so ``cdk deploy`` rolls it out. ``command`` runs
    another handler of the same image (the batch steps, which take ``live_alias=False``: nothing routes to them
    through an alias, and no version of theirs is kept).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        backend: str,
        repo_root: Path,
        architecture: lambda_.Architecture,
        environment: Mapping[str, str],
        memory_mb: int,
        timeout_seconds: int,
        reserved_concurrency: int | None,
        log_retention: logs.RetentionDays,
        command: Sequence[str] | None = None,
        description: str | None = None,
        ephemeral_storage_mb: int | None = None,
        live_alias: bool = True,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"XGBoost inference function ({architecture.name})",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            code=lambda_image_code(repo_root, architecture, cmd=command),
            architecture=architecture,
            role=self.role,
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_seconds),
            reserved_concurrent_executions=reserved_concurrency,
            environment={**environment, Env.LOG_LEVEL: "INFO", Env.BACKEND_NAME: backend},
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            log_group=self.log_group,
            description=description or f"XGBoost inference ({architecture.name})",
            ephemeral_storage_size=Size.mebibytes(ephemeral_storage_mb) if ephemeral_storage_mb else None,
            # Every deploy publishes a version; earlier ones stay, so `make rollback` can point the alias back.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.RETAIN) if live_alias else None,
        )
        self._alias = (
            lambda_.Alias(self, "LiveAlias", alias_name=LIVE_ALIAS, version=self.function.current_version)
            if live_alias else None
        )  # fmt: skip
        self._acknowledge_tracing_wildcard()

    @property
    def alias(self) -> lambda_.Alias:
        """``live``: what the API invokes and CodeDeploy moves."""
        if self._alias is None:
            raise ValueError(f"{self.node.path} was built without its live alias (live_alias=False)")
        return self._alias

    def _acknowledge_tracing_wildcard(self) -> None:
        policy = self.role.node.find_child("DefaultPolicy")
        Validations.of(policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no "
                "resource-level permissions, so AWS requires Resource '*'.",
            )
        )
