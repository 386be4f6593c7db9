"""Batch scoring without an endpoint: a Step Functions state machine over the Lambda image's batch command."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from cdk_constructs.inference_function import InferenceFunction
from cdk_constructs.model_artifact import ModelArtifact
from cdk_constructs.nag import acknowledge, acknowledge_wildcards, function_versions_finding
from inference.batch.locations import WORK
from inference.settings import Env

COMMAND = "batch_handler.handler"
ARCHITECTURE = lambda_.Architecture.ARM_64
TIMEOUT_MINUTES = 15
ASSEMBLY_CONCURRENCY = 10
NOT_RETRIED = ["InvalidInput", "PayloadTooLarge", "UnsupportedMediaType", "NotAcceptable"]
"""The job's own errors (a bad request, options the model refuses): retrying cannot help."""


class BatchScoring(Construct):
    """``Plan`` (byte ranges of every input object, as manifests in the work area), ``Score`` (a Distributed Map
    over the ranges manifest: each child scores one range with a ranged GET), ``Assemble`` (a Distributed Map
    over the objects manifest: each child joins one object's parts into ``<object>.out`` by multipart upload)
    and ``Summarize`` (``_summary.json``). Every step is ``COMMAND`` of the Lambda image, retried with backoff.
    The maps are states of the main chain, never branches of a Parallel state, where CDK leaves out a
    Distributed Map's IAM policy (aws/aws-cdk#29266).

    Start an execution with ``{"input": "s3://.../", "output": "s3://.../", "options": {...}}``. The function may
    read only ``input_prefix`` and the model's objects, and write only ``output_prefix`` (jobs outside them are
    refused by the planner, by name). Attributes: ``function``, ``state_machine``, ``log_group``.
    """

    def __init__(self, scope: Construct, id_: str, *, repo_root: Path, model: ModelArtifact,
                 environment: Mapping[str, str], input_bucket: s3.IBucket, input_prefix: str,
                 output_bucket: s3.IBucket, output_prefix: str, memory_mb: int, range_mb: int, max_concurrency: int,
                 tolerated_failure_percent: float, log_retention: logs.RetentionDays) -> None:  # fmt: skip
        super().__init__(scope, id_)
        self.input_uri = f"s3://{input_bucket.bucket_name}/{input_prefix}"
        self.output_uri = f"s3://{output_bucket.bucket_name}/{output_prefix}"
        batch_environment = {Env.BATCH_INPUT_URI: self.input_uri, Env.BATCH_OUTPUT_URI: self.output_uri,
                             Env.BATCH_RANGE_MB: str(range_mb)}  # fmt: skip
        self.worker = InferenceFunction(
            self, "Worker", backend="batch", repo_root=repo_root, architecture=ARCHITECTURE, live_alias=False,
            environment={**environment, **batch_environment}, memory_mb=memory_mb,
            timeout_seconds=TIMEOUT_MINUTES * 60, reserved_concurrency=None, log_retention=log_retention,
            command=[COMMAND], description="XGBoost batch scoring: plan, score a range, assemble, summarize",
            ephemeral_storage_mb=min(10240, max(512, 4 * range_mb)),
        )  # fmt: skip
        self.function = self.worker.function
        model.grant_read(self.function)
        self._grant_data(input_bucket, input_prefix, output_bucket, output_prefix)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.state_machine = sfn.StateMachine(
            self, "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(
                self._definition(max_concurrency, tolerated_failure_percent)
            ),
            state_machine_type=sfn.StateMachineType.STANDARD, tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment="Score every line of S3 objects with the served model (see README: Batch scoring)",
        )  # fmt: skip
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(  # the manifests the maps read, nothing else
                actions=["s3:GetObject"], resources=[output_bucket.arn_for_objects(f"{output_prefix}{WORK}*")]
            )
        )
        self._acknowledge(input_prefix, output_prefix)

    def _definition(self, max_concurrency: int, tolerated: float) -> sfn.IChainable:
        plan = self._step("Plan", {"step": "plan", "request.$": "$", "execution.$": "$$.Execution.Name",
                                   "started.$": "$$.Execution.StartTime"}, result_path="$.plan")  # fmt: skip
        score = self._map("Score", "ranges_key", "range", max_concurrency, tolerated)
        assemble = self._map("Assemble", "objects_key", "object", ASSEMBLY_CONCURRENCY, 0)
        summarize = self._step("Summarize", {"step": "summarize", "job.$": "$.plan.job", "objects.$": "$.plan.objects"})
        return plan.next(score).next(assemble).next(summarize)

    def _map(self, name: str, manifest: str, item: str, concurrency: int, tolerated: float) -> sfn.DistributedMap:
        """A Distributed Map over a manifest the planner wrote; each child runs one step, its result dropped."""
        each = sfn.DistributedMap(
            self, name,
            item_reader=sfn.S3JsonItemReader(  # by bucket name: CDK would grant s3:GetObject on the whole bucket
                bucket_name_path=sfn.JsonPath.string_at("$.plan.bucket"),
                key=sfn.JsonPath.string_at(f"$.plan.{manifest}"),
            ),
            item_selector={"step": name.lower(), "job.$": "$.plan.job",
                           f"{item}.$": "$$.Map.Item.Value"},
            max_concurrency=concurrency, tolerated_failure_percentage=tolerated,
            map_execution_type=sfn.StateMachineType.STANDARD, result_path=sfn.JsonPath.DISCARD,
        )  # fmt: skip
        step = self._step(f"{name}One", None, result_path=sfn.JsonPath.DISCARD)  # the item, as selected
        done = sfn.Pass(self, f"{name}Done", parameters={}, comment="A child's answer is not kept: the parts are")
        each.item_processor(step.next(done))
        return each

    def _step(self, name: str, payload: dict[str, object] | None, *, result_path: str = "$") -> tasks.LambdaInvoke:
        """The batch function run on ``payload`` (None: the state's input), retried with backoff but for the
        job's own errors."""
        task = tasks.LambdaInvoke(
            self, name, lambda_function=self.function,
            payload=sfn.TaskInput.from_object(payload) if payload is not None else None,
            payload_response_only=True, retry_on_service_exceptions=True, result_path=result_path,
        )  # fmt: skip
        task.add_retry(errors=NOT_RETRIED, max_attempts=0)
        task.add_retry(errors=[sfn.Errors.ALL], interval=Duration.seconds(5), max_attempts=3, backoff_rate=2,
                       jitter_strategy=sfn.JitterType.FULL)  # fmt: skip
        return task

    def _grant_data(self, input_bucket: s3.IBucket, input_prefix: str, output_bucket: s3.IBucket,
                    output_prefix: str) -> None:  # fmt: skip
        """Read (and list) the input prefix; read, write, delete (and list) the output prefix; nothing else."""
        grants = ((input_bucket, input_prefix, ["s3:GetObject"]),
                  (output_bucket, output_prefix, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                                                  "s3:AbortMultipartUpload"]))  # fmt: skip
        for bucket, prefix, actions in grants:
            iam.Grant.add_to_principal(grantee=self.function, actions=actions,
                                       resource_arns=[bucket.arn_for_objects(f"{prefix}*")])  # fmt: skip
            self.function.add_to_role_policy(iam.PolicyStatement(
                actions=["s3:ListBucket"], resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            ))  # fmt: skip

    def _acknowledge(self, input_prefix: str, output_prefix: str) -> None:
        def worker_reason(resource: str) -> str | None:
            if resource.endswith(f"/{input_prefix}*"):
                return f"Read-only, and only under {input_prefix}, the prefix batch jobs read (batchInputUri)."
            if resource.endswith(f"/{output_prefix}*"):
                return (
                    f"Only under {output_prefix}, where batch jobs write (batchOutputUri): each object's .out, "
                    "its errors file and the job's work area of parts, which the steps also delete."
                )
            return None

        def machine_reason(resource: str) -> str | None:
            if resource.endswith(f"/{output_prefix}{WORK}*"):
                return "Read-only: the manifests the Distributed Maps read, in the jobs' work area only."
            if ":execution:" in resource:
                return (
                    "CDK's Distributed Map policy: describe, stop and redrive the map runs' child executions "
                    "of this state machine only (their names are made at run time)."
                )
            return None

        acknowledge_wildcards(self.worker.role.node.find_child("DefaultPolicy"), worker_reason)
        machine_policy = self.state_machine.role.node.find_child("DefaultPolicy")
        acknowledge_wildcards(machine_policy, machine_reason)
        acknowledge_wildcards(self.state_machine.node.find_child("DistributedMapPolicy"), machine_reason)
        acknowledge(machine_policy, {
            function_versions_finding(self.function): "Step Functions invokes the batch function and its "
            "versions (<ARN>:*), as CDK grants a LambdaInvoke task; no other function.",
            "AwsSolutions-IAM5[Resource::*]": "Execution logging (CloudWatch Logs delivery) and X-Ray tracing: "
            "these actions support no resource-level permissions, so AWS requires Resource '*'.",
        })  # fmt: skip
