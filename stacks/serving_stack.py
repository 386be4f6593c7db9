"""ServingStack: one model artifact served by two Lambda architectures and Fargate behind one HTTP API."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.capture_bucket import CAPTURE_PREFIX, GROUND_TRUTH_PREFIX, REPORTS_PREFIX, CaptureBucket
from cdk_constructs.fargate_service import FargateService
from cdk_constructs.inference_api import InferenceApi
from cdk_constructs.inference_function import InferenceFunction
from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.model_monitoring import ModelMonitoring
from cdk_constructs.monitoring import Monitoring
from cdk_constructs.private_network import PrivateNetwork
from inference.routes import SHARED
from inference.settings import Env
from stacks import serving_operations as operations
from stacks.config import ServingConfig
from stacks.retention import RETENTION

BACKEND_PREFIXES = {"default": "", "lambda-x86": "/lambda/x86", "lambda-arm64": "/lambda/arm64", "fargate": "/fargate"}
"""Route name (as ``scripts/predict.py --route`` spells it) -> the prefix of its paths on the API."""
OPERATIONS = tuple(route.path.lstrip("/") for route in SHARED if route.path != "/ping")
"""Every backend answers each of these under its prefix (``/fargate/explain``, ``/lambda/x86/v2/models/{name}/infer``,
``/endpoints/{name}/invocations``...): the route table's paths, but the health check, which is the backends' own."""
OPERATION_METHODS = {route.path.lstrip("/"): route.methods for route in SHARED if route.path != "/ping"}
"""The methods the API routes each operation with: those the runtime's route table allows (/invocations: POST)."""
PREDICT_PATHS = {name: f"{prefix}/predict" for name, prefix in BACKEND_PREFIXES.items()}
URL_OUTPUTS = {"default": "PredictUrl", "lambda-x86": "LambdaX86PredictUrl",
               "lambda-arm64": "LambdaArm64PredictUrl", "fargate": "FargatePredictUrl"}  # fmt: skip
LAMBDA_BACKENDS = operations.LAMBDA_BACKENDS
DEFAULT_BACKEND = "lambda-arm64"


class ServingStack(Stack):
    """Serves ``model``: an immutable ``model.tar.gz``, the ``schema.json`` it was trained with and, when
    there is one, its compiled form ``model.compiled.npz``. Operated like an endpoint: ``monitoring`` (the alarm
    topic and the dashboard, which other constructs may add to), ``alarms`` by backend, and ``rollouts``: each
    Lambda's new versions reach its ``live`` alias through CodeDeploy, Fargate's task definitions through ECS,
    both rolled back by their alarms.

    Every backend reads ``MODEL_URI``/``SCHEMA_URI``/``MODEL_VERSION`` (and ``COMPILED_MODEL_URI``) from its
    environment, so a new model or schema deploys as new Lambda configurations and a new task definition
    revision; each backend may read exactly those objects and nothing else in the bucket.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: ServingConfig,
        model: ModelArtifact,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # MODEL_URI/SCHEMA_URI/MODEL_VERSION may be deploy-time references to TrainingStack, which read the
        # same in every template; MODEL_REVISION is literal text that changes with each trained (or pinned)
        # model or schema, so `cdk deploy ServingStack` sees a change, updates the stack and re-reads them.
        model_environment = model.environment()
        if config.inference_output is not None:
            model_environment[Env.INFERENCE_OUTPUT] = config.inference_output
        retention = RETENTION[config.log_retention_days]
        self.functions = self._build_functions(config, model_environment, retention)
        self.network: PrivateNetwork | None = None
        self.fargate = (
            self._build_fargate(config, model, model_environment, retention) if config.fargate_enabled else None
        )
        readers: list[iam.IGrantable] = [backend.function for backend in self.functions.values()]
        readers += [self.fargate.task_definition.task_role] if self.fargate else []
        for reader in readers:
            model.grant_read(reader)
        self.monitoring = Monitoring(self, "Monitoring", alarm_email=config.operations.alarm_email)
        self.model_monitoring = (
            self._build_model_monitoring(config, model, retention) if config.monitoring.enabled else None
        )
        if self.model_monitoring is not None and self.fargate is not None and self.network is not None:
            writer = self.fargate.task_definition.task_role
            self.network.allow_writes(writer=writer, objects=self.model_monitoring.fargate_writes)
        routes = self._integrations()
        self.route_names = tuple(routes)
        self.api = InferenceApi(
            self,
            "Api",
            routes={path: integration for path, integration in _paths(routes)},
            methods=_methods(routes),
            iam_auth=config.api_auth == "iam",
            throttle_rate_limit=config.api_throttle_rate_limit,
            throttle_burst_limit=config.api_throttle_burst_limit,
            log_retention=retention,
        )
        self.alarms = operations.build_alarms(self.monitoring, config.operations, model, self.functions, self.fargate,
                                              self.api)  # fmt: skip
        self.rollouts = operations.build_rollouts(config, model, self.functions, self.alarms, retention)
        operations.build_dashboard(self.monitoring, self.functions, self.fargate)
        self._add_outputs(model)

    def _build_functions(
        self, config: ServingConfig, model_environment: dict[str, str], retention: logs.RetentionDays
    ) -> dict[str, InferenceFunction]:
        return {
            name: InferenceFunction(
                self,
                construct_id,
                backend=name,
                repo_root=config.repo_root,
                architecture=architecture,
                environment=model_environment,
                memory_mb=config.lambda_memory_mb,
                timeout_seconds=config.lambda_timeout_seconds,
                reserved_concurrency=config.lambda_reserved_concurrency,
                log_retention=retention,
            )
            for name, (construct_id, architecture) in LAMBDA_BACKENDS.items()
        }

    def _build_fargate(
        self, config: ServingConfig, model: ModelArtifact, model_environment: dict[str, str],
        retention: logs.RetentionDays,
    ) -> FargateService:  # fmt: skip
        self.network = network = PrivateNetwork(self, "Network", log_retention=retention)
        service = FargateService(
            self,
            "Fargate",
            vpc=network.vpc,
            subnets=network.subnets,
            repo_root=config.repo_root,
            architecture=config.fargate_architecture,
            environment=model_environment,
            cpu=config.fargate_cpu,
            memory_mb=config.fargate_memory_mb,
            workers=config.fargate_workers,
            min_tasks=config.fargate_min_tasks,
            max_tasks=config.fargate_max_tasks,
            log_retention=retention,
        )
        network.allow_endpoints_from(service.security_group)
        network.restrict_endpoints(
            reader=service.task_definition.task_role,
            objects=model.object_arns(),
            puller=service.execution_role,
            repository_arn=service.image_repository_arn,
            log_group_arn=service.log_group.log_group_arn,
        )
        return service

    def _build_model_monitoring(
        self, config: ServingConfig, model: ModelArtifact, retention: logs.RetentionDays
    ) -> ModelMonitoring:
        """Capture on every backend and the drift monitor, alarming on the operations' topic, charted on their
        dashboard."""
        settings = config.monitoring
        return ModelMonitoring(self, "ModelMonitoring", model=model, lambdas=self.functions, fargate=self.fargate,
                               repo_root=config.repo_root, capture_percent=settings.capture_percent,
                               retention_days=settings.capture_retention_days, schedule=settings.monitor_schedule,
                               window_hours=settings.monitor_window_hours, monitoring=self.monitoring,
                               log_retention=retention)  # fmt: skip

    def _integrations(self) -> Integrations:
        """Route name -> operation -> integration. A Lambda takes every operation through one integration
        (the handler routes on the path's last segments); the ALB gets the path rewritten to ``/<operation>``,
        its parameters carried over (``/v2/models/${request.path.name}/infer``)."""
        routes: Integrations = {}
        for name, backend in self.functions.items():
            integration = integrations.HttpLambdaIntegration(f"{backend.node.id}Integration", backend.alias)
            routes[name] = dict.fromkeys(OPERATIONS, integration)
        routes = {"default": routes[DEFAULT_BACKEND], **routes}
        if self.fargate is not None:
            routes["fargate"] = {operation: self._alb_integration(self.fargate, operation) for operation in OPERATIONS}
        return routes

    def _alb_integration(self, fargate: FargateService, operation: str) -> integrations.HttpAlbIntegration:
        words = "".join(part.strip("{}").title() for part in operation.split("/"))
        construct_id = "FargateIntegration" if operation == "predict" else f"Fargate{words}Integration"
        path = "/" + "/".join(f"${{request.path.{part[1:-1]}}}" if part.startswith("{") else part
                              for part in operation.split("/"))  # fmt: skip
        return integrations.HttpAlbIntegration(
            construct_id,
            fargate.entry.listener,
            vpc_link=fargate.entry.vpc_link,
            parameter_mapping=apigwv2.ParameterMapping().overwrite_path(apigwv2.MappingValue.custom(path)),
        )

    def _add_outputs(self, model: ModelArtifact) -> None:
        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the HTTP API")
        for name in self.route_names:
            CfnOutput(self, URL_OUTPUTS[name], value=self.api.url_for(PREDICT_PATHS[name]), description=f"{name} route")
        for operation in ("explain", "invocations"):
            path = f"{BACKEND_PREFIXES['default']}/{operation}"
            CfnOutput(self, f"{operation.title()}Url", value=self.api.url_for(path), description=f"default {operation}")
        for backend in self.functions.values():  # bench/invoke_deployed.py finds the functions by these
            function_name = backend.function.function_name
            CfnOutput(self, f"{backend.node.id}FunctionName", value=function_name, description="Lambda function name")
        CfnOutput(self, "ModelUri", value=model.model_uri, description="The model artifact every backend serves")
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn, description="Every alarm notifies it")
        CfnOutput(self, "DashboardName", value=self.monitoring.dashboard.dashboard_name, description="The dashboard")
        CfnOutput(self, "SchemaUri", value=model.schema_uri, description="The schema every backend serves it with")
        CfnOutput(self, "ModelVersion", value=model.version, description="MODEL_VERSION of every backend")
        if self.model_monitoring is not None:
            self._add_monitoring_outputs(self.model_monitoring.storage)
        CfnOutput(
            self,
            "CompiledModelUri",
            value=model.compiled_uri or "none",
            description="COMPILED_MODEL_URI of every backend: the compiled form it serves ('none': the tarball)",
        )

    def _add_monitoring_outputs(self, storage: CaptureBucket) -> None:
        outputs = {"CaptureUri": (CAPTURE_PREFIX, "Captured records: <backend>/yyyy/mm/dd/hh/"),
                   "GroundTruthUri": (GROUND_TRUTH_PREFIX, "Upload ground truth here: yyyy/mm/dd/hh/*.jsonl"),
                   "MonitoringReportUri": (f"{REPORTS_PREFIX}latest/report.html", "The latest drift report"),
                   }  # fmt: skip
        for output_id, (prefix, description) in outputs.items():
            CfnOutput(self, output_id, value=storage.uri(prefix), description=description)


Integrations = dict[str, dict[str, apigwv2.HttpRouteIntegration]]
"""Route name -> operation -> integration."""


def _methods(routes: Integrations) -> dict[str, tuple[str, ...]]:
    """The methods of every path on the API: its operation's in the route table."""
    return {f"{BACKEND_PREFIXES[name]}/{operation}": OPERATION_METHODS[operation]
            for name, by_operation in routes.items() for operation in by_operation}  # fmt: skip


def _paths(routes: Integrations) -> list[tuple[str, apigwv2.HttpRouteIntegration]]:
    """(path on the API, integration) for every route name and operation: ``/lambda/x86/explain``..."""
    return [(f"{BACKEND_PREFIXES[name]}/{operation}", integration)
            for name, by_operation in routes.items() for operation, integration in by_operation.items()]  # fmt: skip
