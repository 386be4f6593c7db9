"""A new Lambda version gets traffic only through CodeDeploy: checked first by a pre-traffic hook, then shifted
onto the alias step by step, and rolled back when the deployment fails or one of its alarms fires."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_constructs.image_context import lambda_image_code
from cdk_constructs.nag import acknowledge, function_versions_finding
from inference.settings import Env

HOOK_COMMAND = "pre_traffic_handler.handler"
"""The Lambda image's pre-traffic hook (``lambda_image/pre_traffic_handler.py``)."""
DEPLOYMENT_CONFIGS: Mapping[str, codedeploy.ILambdaDeploymentConfig] = {
    "canary10Percent5Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES,
    "canary10Percent10Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_10_MINUTES,
    "canary10Percent15Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_15_MINUTES,
    "canary10Percent30Minutes": codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_30_MINUTES,
    "linear10PercentEvery1Minute": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_1_MINUTE,
    "linear10PercentEvery2Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_2_MINUTES,
    "linear10PercentEvery3Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_3_MINUTES,
    "linear10PercentEvery10Minutes": codedeploy.LambdaDeploymentConfig.LINEAR_10_PERCENT_EVERY_10_MINUTES,
    "allAtOnce": codedeploy.LambdaDeploymentConfig.ALL_AT_ONCE,
}
_INVOKE_REASON = (
    "The pre-traffic hook invokes the version being deployed, a new ARN at every deploy; naming it would change the "
    "hook's policy (and wait on IAM propagation) right before CodeDeploy calls the hook. <ARN>:* is this one "
    "function's versions and aliases, no other function."
)


class GuardedRollout(Construct):
    """``alias`` (``live``, what the API invokes) moves to each new version of its function through a CodeDeploy
    ``deployment_group`` with ``deployment_config``: the ``hook`` (the same image, another command) answers the
    schema's example through the new version first, then traffic shifts, and any of ``alarms`` rolls it back.

    ``hook_environment`` tells the hook where the model's expected answers are; ``grant_read`` lets it read them.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        alias: lambda_.Alias,
        repo_root: Path,
        architecture: lambda_.Architecture,
        deployment_config: str,
        alarms: Sequence[cloudwatch.IAlarm],
        hook_environment: Mapping[str, str],
        grant_read: Callable[[iam.IGrantable], None],
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        self.hook = self._build_hook(alias, repo_root, architecture, hook_environment, log_retention)
        grant_read(self.hook)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.deployment_role = self._build_deployment_role(alias, alarms)
        self.deployment_group = codedeploy.LambdaDeploymentGroup(
            self,
            "DeploymentGroup",
            application=self.application,
            role=self.deployment_role.without_policy_updates(),  # no AWSCodeDeployRoleForLambdaLimited
            alias=alias,
            deployment_config=DEPLOYMENT_CONFIGS[deployment_config],
            alarms=list(alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
            pre_hook=self.hook,
        )
        alias.node.add_dependency(self.hook)  # the hook knows the new version before CodeDeploy calls it

    def _build_deployment_role(self, alias: lambda_.Alias, alarms: Sequence[cloudwatch.IAlarm]) -> iam.Role:
        """What CodeDeploy needs here and nothing more (instead of AWSCodeDeployRoleForLambdaLimited): read and
        move this alias, call this hook, and read these alarms."""
        role = iam.Role(self, "DeploymentRole", assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"))
        actions = ["lambda:GetAlias", "lambda:UpdateAlias", "lambda:GetProvisionedConcurrencyConfig"]
        iam.Grant.add_to_principal(grantee=role, actions=actions, resource_arns=[alias.function_arn])
        iam.Grant.add_to_principal(
            grantee=role, actions=["lambda:InvokeFunction"], resource_arns=[self.hook.function_arn]
        )
        if alarms:
            iam.Grant.add_to_principal(
                grantee=role, actions=["cloudwatch:DescribeAlarms"], resource_arns=[alarm.alarm_arn for alarm in alarms]
            )
        return role

    def _build_hook(
        self,
        alias: lambda_.Alias,
        repo_root: Path,
        architecture: lambda_.Architecture,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(self, "HookLogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        role = iam.Role(self, "HookRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        log_group.grant_write(role)
        function = alias.version.lambda_
        hook = lambda_.DockerImageFunction(
            self,
            "PreTrafficHook",
            code=lambda_image_code(repo_root, architecture, cmd=[HOOK_COMMAND]),
            architecture=architecture,
            role=role,
            memory_size=512,
            timeout=Duration.minutes(2),
            environment={**environment, Env.CHECKED_FUNCTION: alias.version.function_arn, Env.LOG_LEVEL: "INFO"},
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            log_group=log_group,
            description="Pre-traffic hook: answers the model's example through the new version before any traffic",
        )
        iam.Grant.add_to_principal(
            grantee=role, actions=["lambda:InvokeFunction"], resource_arns=[f"{function.function_arn}:*"]
        )
        acknowledge(role.node.find_child("DefaultPolicy"), {function_versions_finding(function): _INVOKE_REASON})
        return hook
