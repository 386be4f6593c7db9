"""Docker build contexts for the serving images: the repo root, staged through a strict allowlist.

Both Dockerfiles ``COPY inference/`` from the repo root, so the context is the root. ``cdk synth`` only
stages the context (it never builds), and it must never copy ``.venv``, ``node_modules``, ``cdk.out`` or
data into ``cdk.out``. These patterns (Docker syntax, applied after the root ``.dockerignore``) admit only
the shared package and the one image's own folder, so an image's asset hash changes only when what goes
into that image changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from aws_cdk import Duration, IgnoreMode
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

CpuArchitecture = Literal["arm64", "x86_64"]
COMMAND_ARCHITECTURE = lambda_.Architecture.ARM_64

SHARED_PACKAGES = ("inference",)
NEVER_STAGED = ("**/__pycache__", "**/*.pyc", "**/.pytest_cache", "**/.mypy_cache", "**/.ruff_cache")
PLATFORMS: dict[str, ecr_assets.Platform] = {
    "arm64": ecr_assets.Platform.LINUX_ARM64,
    "x86_64": ecr_assets.Platform.LINUX_AMD64,
}


def context_excludes(image_dir: str) -> list[str]:
    """Exclude everything at the root except the shared package(s) and ``image_dir``."""
    allowed = [f"!{name}" for name in (*SHARED_PACKAGES, image_dir)]
    return ["*", *allowed, *NEVER_STAGED]


def lambda_image_code(
    repo_root: Path, architecture: lambda_.Architecture, *, cmd: Sequence[str] | None = None
) -> lambda_.DockerImageCode:
    """The ``lambda_image`` asset, staged for ``architecture`` (the image is built at deploy time).

    ``cmd`` runs another handler of the same image (the function's ImageConfig, not a build option): the
    asset hash stays the same, so every function of one architecture shares one image.
    """
    return lambda_.DockerImageCode.from_image_asset(
        str(repo_root),
        cmd=list(cmd) if cmd is not None else None,
        file="lambda_image/Dockerfile",
        platform=PLATFORMS[architecture.name],
        ignore_mode=IgnoreMode.DOCKER,
        exclude=context_excludes("lambda_image"),
    )


def fargate_container_image(repo_root: Path, architecture: CpuArchitecture) -> ecs.ContainerImage:
    """The ``fargate_image`` asset, staged for ``architecture`` (the image is built at deploy time)."""
    return ecs.ContainerImage.from_asset(
        str(repo_root),
        file="fargate_image/Dockerfile",
        platform=PLATFORMS[architecture],
        ignore_mode=IgnoreMode.DOCKER,
        exclude=context_excludes("fargate_image"),
    )


def image_command_function(scope: Construct, id_: str, *, repo_root: Path, command: str, role: iam.IRole,
                           log_group: logs.ILogGroup, memory_mb: int, timeout: Duration, description: str,
                           environment: Mapping[str, str] | None = None) -> lambda_.DockerImageFunction:  # fmt: skip
    """The arm64 ``lambda_image`` running ``command`` instead of serving: the compile step, the drift monitor.
    arm64 like the default backend's, so one image serves, compiles and monitors."""
    return lambda_.DockerImageFunction(
        scope,
        id_,
        code=lambda_image_code(repo_root, COMMAND_ARCHITECTURE, cmd=[command]),
        architecture=COMMAND_ARCHITECTURE,
        role=role,
        memory_size=memory_mb,
        timeout=timeout,
        environment=dict(environment) if environment else None,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
        system_log_level_v2=lambda_.SystemLogLevel.INFO,
        log_group=log_group,
        description=description,
    )
