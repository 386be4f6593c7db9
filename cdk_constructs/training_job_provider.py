"""The custom resource provider that starts and waits for the training job (Provider framework)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_constructs.nag import acknowledge, function_versions_finding

HANDLER_DIR = Path(__file__).with_name("training_job_handler")
TOTAL_TIMEOUT = Duration.minutes(55)
"""How long the deployment waits for the job: under the one-hour limit of a custom resource."""
POLL_INTERVAL = Duration.seconds(30)
_INVOKE_REASON = (
    "The Provider framework grants lambda:InvokeFunction on each function it invokes and on that function's "
    "versions (<ARN>:*); no other function."
)


class TrainingJobProvider(Construct):
    """Zip-packaged Python handlers (``training_job_handler/``, no Docker) behind the Provider framework.

    The handlers may create and describe SageMaker training jobs named ``job_name_prefix``..., and pass
    ``execution_role`` to SageMaker; all functions log to ``log_group``.
    """

    def __init__(
        self, scope: Construct, id_: str, *, execution_role: iam.IRole, job_name_prefix: str, log_group: logs.ILogGroup
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = log_group
        self.handler_role = self._build_handler_role(execution_role, job_name_prefix)
        self.on_event = self._build_function("OnEvent", "index.on_event")
        self.is_complete = self._build_function("IsComplete", "index.is_complete")
        on_event_role, waiter_role = self._lambda_role("FrameworkOnEventRole"), self._lambda_role("WaiterRole")
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.on_event,
            is_complete_handler=self.is_complete,
            query_interval=POLL_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=log_group,
            framework_on_event_role=on_event_role,
            framework_complete_and_timeout_role=waiter_role,
        )
        self.service_token = self.provider.service_token
        self._acknowledge(on_event_role, waiter_role)

    def _build_handler_role(self, execution_role: iam.IRole, job_name_prefix: str) -> iam.Role:
        role = self._lambda_role("HandlerRole")
        job_arn = Stack.of(self).format_arn(
            service="sagemaker", resource="training-job", resource_name=f"{job_name_prefix}*"
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"], resources=[job_arn]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[execution_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        acknowledge(
            role.node.find_child("DefaultPolicy"),
            {
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:"
                f"training-job/{job_name_prefix}*]": (
                    "Job names are derived at deploy time from a hash of the job's inputs; the prefix "
                    f"{job_name_prefix} limits create/describe to this construct's jobs."
                )
            },
        )
        return role

    def _lambda_role(self, id_: str) -> iam.Role:
        """A Lambda role that may only write to the provider's log group (no AWSLambdaBasicExecutionRole)."""
        role = iam.Role(self, id_, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(role)
        return role

    def _build_function(self, id_: str, handler: str) -> lambda_.Function:
        return lambda_.Function(
            self,
            id_,
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
            handler=handler,
            role=self.handler_role,
            timeout=Duration.minutes(1),
            memory_size=256,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            description=f"SageMaker training job custom resource: {handler}",
        )

    def _acknowledge(self, on_event_role: iam.Role, waiter_role: iam.Role) -> None:
        framework = self.provider.node
        for role, functions in (
            (on_event_role, (self.on_event, self.is_complete)),
            (waiter_role, (self.on_event, self.is_complete)),
        ):
            acknowledge(
                role.node.find_child("DefaultPolicy"), {function_versions_finding(f): _INVOKE_REASON for f in functions}
            )
        waiter = framework.find_child("waiter-state-machine")
        waiter_functions = (framework.find_child("framework-isComplete"), framework.find_child("framework-onTimeout"))
        acknowledge(
            waiter.node.find_child("Role").node.find_child("DefaultPolicy"),
            {function_versions_finding(f): _INVOKE_REASON for f in waiter_functions},
        )
        acknowledge(
            waiter,
            {
                "AwsSolutions-SF1": "The waiter only loops isComplete/onTimeout; every poll and its result is "
                "logged by those framework functions in the provider's log group.",
                "AwsSolutions-SF2": "The Provider framework offers no tracing option for its waiter; a "
                "deploy-time polling loop has no request path worth tracing.",
            },
        )
