"""The model server on ECS Fargate, in private subnets, behind an internal ALB."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Size, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.image_context import CpuArchitecture, fargate_container_image
from cdk_constructs.private_load_balancer import PrivateLoadBalancer
from inference.settings import Env

CONTAINER_PORT = 8080
CONTAINER_USER = "10001:10001"
"""The image's own ``USER`` (fargate_image/Dockerfile), said by the task definition too: the server runs as an
unprivileged user even if an image ever came without one."""
HEALTH_CHECK_PATH = "/ping"
SCRATCH_DIR = "/tmp"  # noqa: S108 (a path inside the container: the one writable, task-scoped volume)
BACKEND = "fargate"
"""The ``Backend`` dimension of the server's metrics."""
LOG_BUFFER = Size.mebibytes(25)
"""The awslogs driver needs nothing for EMF: CloudWatch Logs extracts the metrics from any PutLogEvents call. But
in non-blocking mode it drops lines when its buffer (1 MiB by default) is full, and a dropped EMF line is lost
metrics: a buffer this size holds minutes of the server's lines. (Lines stay below Docker's 16 KiB split: a
document carries at most 100 values a metric.)"""
CPU_TARGET_PERCENT = 60
REQUESTS_PER_TASK_PER_MINUTE = 3000
ECS_ARCHITECTURES = {"arm64": ecs.CpuArchitecture.ARM64, "x86_64": ecs.CpuArchitecture.X86_64}
PING_COMMAND = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{CONTAINER_PORT}/ping', timeout=3)"
ENVIRONMENT_REASON = (
    "The container environment holds no secret: MODEL_URI, SCHEMA_URI and COMPILED_MODEL_URI (bucket/keys "
    "already in this template), MODEL_SHA256 and COMPILED_MODEL_SHA256 (digests of the objects the role reads), "
    "MODEL_VERSION, MODEL_REVISION, WEB_CONCURRENCY, BACKEND_NAME and PORT. S3 access comes from the task role, "
    "not from a credential."
)
EXECUTION_ROLE_REASON = (
    "ecr:GetAuthorizationToken supports no resource-level permissions (AWS requires Resource '*'); the "
    "image pull actions in the same policy are scoped to the CDK asset repository."
)


class FargateService(Construct):
    """``fargate_image`` on Fargate: no public IP, read-only root file system, an unprivileged user without
    Linux capabilities, reachable only from the ALB; its security group sends nothing until the network's
    ``allow_endpoints_from`` lets it reach the VPC endpoints.

    Deployments roll back on failure (circuit breaker); the service scales on CPU and on ALB requests
    per task. ``environment`` carries ``MODEL_URI``/``SCHEMA_URI``/``MODEL_VERSION`` (and ``COMPILED_MODEL_URI``
    when the model has a compiled form): a new model or schema is a new task definition revision, so
    ``cdk deploy`` rolls it out. Grant model access to ``task_definition.task_role``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        repo_root: Path,
        architecture: CpuArchitecture,
        environment: Mapping[str, str],
        cpu: int,
        memory_mb: int,
        workers: int,
        min_tasks: int,
        max_tasks: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.cluster = ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=cpu,
            memory_limit_mib=memory_mb,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ECS_ARCHITECTURES[architecture],
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        environment = {**environment, Env.WEB_CONCURRENCY: str(workers), Env.BACKEND_NAME: BACKEND}
        self.container = self._add_server_container(repo_root, architecture, environment)
        self.execution_role = self.task_definition.obtain_execution_role()
        image: ecr_assets.DockerImageAsset = self.container.node.find_child("AssetImage")  # type: ignore[assignment]
        self.image_repository_arn = image.repository.repository_arn
        self.security_group = ec2.SecurityGroup(  # egress only where the network allows (its endpoints)
            self, "TaskSecurityGroup", vpc=vpc, allow_all_outbound=False, description="Model server tasks"
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            vpc_subnets=subnets,
            assign_public_ip=False,
            security_groups=[self.security_group],
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
            health_check_grace_period=Duration.seconds(60),
        )
        self.entry = PrivateLoadBalancer(self, "LoadBalancer", vpc=vpc, subnets=subnets)
        self.target_group = self.entry.add_service(
            self.service, port=CONTAINER_PORT, health_check_path=HEALTH_CHECK_PATH
        )
        self._build_autoscaling(min_tasks, max_tasks)
        self._acknowledge_findings()

    def _add_server_container(
        self, repo_root: Path, architecture: CpuArchitecture, environment: Mapping[str, str]
    ) -> ecs.ContainerDefinition:
        """The server: unprivileged, every Linux capability dropped, read-only root file system but ``/tmp``."""
        linux = ecs.LinuxParameters(self, "LinuxParameters")
        linux.drop_capabilities(ecs.Capability.ALL)
        container = self.task_definition.add_container(
            "Server",
            image=fargate_container_image(repo_root, architecture),
            environment={**environment, Env.PORT: str(CONTAINER_PORT)},
            port_mappings=[ecs.PortMapping(container_port=CONTAINER_PORT)],
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix="server",
                log_group=self.log_group,
                mode=ecs.AwsLogDriverMode.NON_BLOCKING,
                max_buffer_size=LOG_BUFFER,
            ),
            health_check=ecs.HealthCheck(
                command=["CMD", "python", "-c", PING_COMMAND], start_period=Duration.seconds(60)
            ),
            readonly_root_filesystem=True,
            user=CONTAINER_USER,
            linux_parameters=linux,
        )
        self.task_definition.add_volume(name="tmp")
        container.add_mount_points(ecs.MountPoint(container_path=SCRATCH_DIR, source_volume="tmp", read_only=False))
        return container

    def _build_autoscaling(self, min_tasks: int, max_tasks: int) -> None:
        scaling = self.service.auto_scale_task_count(min_capacity=min_tasks, max_capacity=max_tasks)
        scaling.scale_on_cpu_utilization("CpuScaling", target_utilization_percent=CPU_TARGET_PERCENT)
        scaling.scale_on_request_count(
            "RequestScaling", requests_per_target=REQUESTS_PER_TASK_PER_MINUTE, target_group=self.target_group
        )

    def _acknowledge_findings(self) -> None:
        task_definition = self.task_definition.node.default_child
        execution_policy = self.task_definition.obtain_execution_role().node.find_child("DefaultPolicy")
        assert task_definition is not None
        for construct, rule_id, reason in (
            (task_definition, "AwsSolutions-ECS2", ENVIRONMENT_REASON),
            (execution_policy, "AwsSolutions-IAM5[Resource::*]", EXECUTION_ROLE_REASON),
        ):
            Validations.of(construct).acknowledge(Acknowledgment(id=rule_id, reason=reason))
