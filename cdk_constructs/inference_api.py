"""One HTTP API (API Gateway v2) in front of every backend: IAM auth, throttling, JSON access logs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_logs as logs
from constructs import Construct

ROUTE_METHODS = (apigwv2.HttpMethod.POST, apigwv2.HttpMethod.GET)
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "userArn": "$context.identity.userArn",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "routeKey": "$context.routeKey",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
    "error": "$context.error.message",
}
"""One JSON object per request (HTTP API context variables; every value quoted, so always valid JSON)."""


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._log_group = log_group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":")))


class InferenceApi(Construct):
    """An HTTP API with ``POST`` and ``GET`` on every path of ``routes`` (path -> integration), or the methods
    ``methods`` gives a path (``/invocations`` takes POST alone: a GET route would only reach a 405).

    Every route requires SigV4-signed requests (``AWS_IAM``) unless ``iam_auth`` is False, the documented
    opt-out for demos (only then is cdk-nag's APIG4 acknowledged, route by route). The ``$default`` stage
    throttles every route and writes one JSON access-log line per request.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        routes: Mapping[str, apigwv2.HttpRouteIntegration],
        methods: Mapping[str, Sequence[str]] | None = None,
        iam_auth: bool,
        throttle_rate_limit: float,
        throttle_burst_limit: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        authorizer: apigwv2.IHttpRouteAuthorizer = (
            authorizers.HttpIamAuthorizer() if iam_auth else apigwv2.HttpNoneAuthorizer()
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="XGBoost California Housing inference",
            create_default_stage=False,
            default_authorizer=authorizer,
        )
        self.access_log_group = logs.LogGroup(
            self, "AccessLogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle_rate_limit, burst_limit=throttle_burst_limit),
            access_log_settings=_AccessLogSettings(self.access_log_group),
        )
        self.url = self.stage.url
        for path, integration in routes.items():
            allowed = [m for m in ROUTE_METHODS if not methods or path not in methods or m.value in methods[path]]
            added = self.http_api.add_routes(path=path, methods=allowed, integration=integration)
            if not iam_auth:
                for route in added:
                    _acknowledge_open_route(route)

    def url_for(self, path: str) -> str:
        """The full URL of ``path`` on the ``$default`` stage (``stage.url`` ends with a slash)."""
        return f"{self.url}{path.lstrip('/')}"


def _acknowledge_open_route(route: apigwv2.HttpRoute) -> None:
    Validations.of(route).acknowledge(
        Acknowledgment(
            id="AwsSolutions-APIG4",
            reason="api_auth=none was chosen explicitly in cdk.json context (documented demo opt-out): "
            "this route takes unsigned requests; stage throttling still bounds the load.",
        )
    )
