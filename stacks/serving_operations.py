"""ServingStack's operations: which alarms each backend gets, which of them roll a deployment back, the Lambda
rollouts and the dashboard's columns (composition only: the constructs are in ``cdk_constructs/``)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from cdk_constructs.fargate_service import BACKEND as FARGATE
from cdk_constructs.fargate_service import FargateService
from cdk_constructs.guarded_rollout import GuardedRollout
from cdk_constructs.inference_api import InferenceApi
from cdk_constructs.inference_function import InferenceFunction
from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.monitoring import Monitoring
from cdk_constructs.serving_alarms import BackendAlarms, Thresholds, api_alarms, fargate_alarms, lambda_alarms
from cdk_constructs.serving_dashboard import BackendPanel, add_serving_dashboard
from stacks.config import ServingConfig
from stacks.config_operations import OperationsConfig

LAMBDA_BACKENDS = {
    "lambda-x86": ("LambdaX86", lambda_.Architecture.X86_64),
    "lambda-arm64": ("LambdaArm64", lambda_.Architecture.ARM_64),
}
"""Backend name (the metrics' ``Backend`` dimension, ``scripts/predict.py --route``) -> construct ID, architecture."""
API = "api"


def build_alarms(
    monitoring: Monitoring,
    ops: OperationsConfig,
    model: ModelArtifact,
    functions: Mapping[str, InferenceFunction],
    fargate: FargateService | None,
    api: InferenceApi,
) -> dict[str, BackendAlarms]:
    """Backend name (and ``api``) -> its alarms; a Fargate deployment rolls back when one of its own fires."""
    thresholds = Thresholds(ops.alarm_5xx_percent, ops.alarm_latency_p99_ms)
    alarms = {
        name: lambda_alarms(monitoring, name, backend.alias, model.version, thresholds)
        for name, backend in functions.items()
    }
    if fargate is not None:
        cpu = fargate.service.metric_cpu_utilization(period=Duration.minutes(5))
        alarms[FARGATE] = fargate_alarms(
            monitoring,
            FARGATE,
            fargate.target_group,
            fargate.entry.load_balancer,
            cpu,
            model.version,
            thresholds,
        )
        fargate.service.enable_deployment_alarms(
            alarms[FARGATE].deployment_names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM
        )
    alarms[API] = api_alarms(monitoring, api.stage, thresholds)
    return alarms


def build_rollouts(
    config: ServingConfig,
    model: ModelArtifact,
    functions: Mapping[str, InferenceFunction],
    alarms: Mapping[str, BackendAlarms],
    retention: logs.RetentionDays,
) -> dict[str, GuardedRollout]:
    return {
        name: GuardedRollout(
            backend,
            "Rollout",
            alias=backend.alias,
            repo_root=config.repo_root,
            architecture=LAMBDA_BACKENDS[name][1],
            deployment_config=config.operations.lambda_deployment_config,
            alarms=alarms[name].deployment,
            hook_environment=model.expected_environment(),
            grant_read=model.grant_read_expected,
            log_retention=retention,
        )
        for name, backend in functions.items()
    }


def build_dashboard(
    monitoring: Monitoring, functions: Mapping[str, InferenceFunction], fargate: FargateService | None
) -> None:
    panels = [
        BackendPanel(
            name,
            backend.function.metric("ConcurrentExecutions", statistic="Maximum"),
            [backend.function.metric_errors(statistic="Sum"), backend.function.metric_throttles(statistic="Sum")],
        )
        for name, backend in functions.items()
    ]
    log_groups: list[logs.ILogGroup] = [backend.log_group for backend in functions.values()]
    if fargate is not None:
        running = cloudwatch.Metric(
            namespace="ECS/ContainerInsights",
            metric_name="RunningTaskCount",
            statistic="Maximum",
            dimensions_map={"ClusterName": fargate.cluster.cluster_name, "ServiceName": fargate.service.service_name},
        )
        errors = [
            fargate.target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT),
            fargate.target_group.metrics.unhealthy_host_count(statistic="Maximum"),
        ]
        panels.append(BackendPanel(FARGATE, running, errors))
        log_groups.append(fargate.log_group)
    add_serving_dashboard(monitoring, panels, log_groups)
