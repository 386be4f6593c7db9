"""The step after the training job: compile its ``model.tar.gz`` into ``model.compiled.npz`` during ``cdk deploy``."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_constructs.image_context import COMMAND_ARCHITECTURE, image_command_function
from cdk_constructs.nag import acknowledge, function_versions_finding, logical_id
from inference.expected import EXPECTED_NAME
from inference.expected import FORMAT as EXPECTED_FORMAT
from inference.model.compiled import COMPILED_NAME, FORMAT
from inference.monitoring.baseline import BASELINE_FORMAT, BASELINE_NAME

COMMAND = "compile_handler.custom_resource_handler"
"""The Lambda image's other handler (``lambda_image/compile_handler.py``)."""
ARCHITECTURE = COMMAND_ARCHITECTURE
"""The default backend's (lambda-arm64) and the training provider's: one image serves and compiles, and the
archive is the same bytes on either architecture (little-endian arrays, verified when written and loaded)."""
MEMORY_MB = 1024
TIMEOUT = Duration.minutes(5)
"""1864 trees of depth 7 compile in about 0.6 s and 100 MB here; the rest is an image cold start and S3."""
TARBALL_NAME = "model.tar.gz"
MODELS_OUTPUT = "models/<job name>/output/"
ANSWERS = ("CompiledUri", "CompiledKey", "SourceSha256", "CompiledSha256", "ExpectedUri", "ExpectedKey", "BaselineUri",
           "BaselineKey")  # fmt: skip
"""The ``Data`` the step answers (``lambda_image/compile_handler.py``), also one of its properties: a new one
changes the properties, so CloudFormation asks the step again rather than failing ``Fn::GetAtt`` on an old
answer that lacks it."""
_INVOKE_REASON = (
    "The Provider framework grants lambda:InvokeFunction on the compile function and on its versions "
    "(<ARN>:*); no other function."
)


class ModelCompiler(Construct):
    """``lambda_image`` run with ``COMMAND`` as a custom resource (Provider framework, no waiter): Create and
    Update compile ``model_uri``, checked against ``schema_uri``, into ``model.compiled.npz`` beside it, and
    write ``baseline.json`` there (the data's baseline at ``data_baseline_key`` plus the model's answers on the
    channel at ``validation_key`` and ``metric`` on them); Delete keeps both. The URIs are properties, so a new
    training job (or schema, or data) means a new compile, and a model that cannot be compiled fails the
    deployment with the reason. So does a new archive ``FORMAT`` or ``BASELINE_FORMAT``.

    The function may read only the tarballs of jobs under ``job_outputs`` (``models/xgboost-*/output/``), the
    schema, the data's baseline and the validation channel, and write only ``model.compiled.npz``,
    ``model.expected.json`` and ``baseline.json`` there: patterns that stay the same from one job to the next, so
    the policy never changes just before a compile (IAM is eventually consistent). Attributes: ``compiled_uri``,
    ``compiled_key``, ``expected_uri``, ``expected_key``, ``source_sha256`` (the tarball's SHA-256),
    ``compiled_sha256`` (the archive's), ``baseline_key`` (tokens), ``function``, ``role``, ``provider``,
    ``resource``, ``log_group``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        model_uri: str,
        schema_uri: str,
        schema_key: str,
        data_baseline_key: str,
        validation_key: str,
        metric: str,
        job_outputs: str,
        repo_root: Path,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.role = self._lambda_role("Role")
        self._grant_objects(bucket, [schema_key, data_baseline_key, validation_key], job_outputs)
        self.function = image_command_function(
            self, "Function", repo_root=repo_root, command=COMMAND, role=self.role, log_group=self.log_group,
            memory_mb=MEMORY_MB, timeout=TIMEOUT,
            description="Compiles a trained model.tar.gz into model.compiled.npz (custom resource)",
        )  # fmt: skip
        framework_role = self._lambda_role("FrameworkOnEventRole")
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=self.log_group,
            framework_on_event_role=framework_role,
        )
        uri = f"s3://{bucket.bucket_name}/"
        properties = {"ModelUri": model_uri, "SchemaUri": schema_uri, "ArchiveFormat": str(FORMAT),
                      "ExpectedFormat": str(EXPECTED_FORMAT), "Answers": ",".join(ANSWERS),
                      "DataBaselineUri": uri + data_baseline_key, "ValidationUri": uri + validation_key,
                      "Metric": metric, "BaselineFormat": str(BASELINE_FORMAT)}  # fmt: skip
        self.resource = CustomResource(
            self,
            "Compiled",
            service_token=self.provider.service_token,
            resource_type="Custom::CompiledModel",
            properties=properties,
        )
        self.compiled_uri = self.resource.get_att_string("CompiledUri")
        self.compiled_key = self.resource.get_att_string("CompiledKey")
        self.expected_uri = self.resource.get_att_string("ExpectedUri")
        self.expected_key = self.resource.get_att_string("ExpectedKey")
        self.source_sha256 = self.resource.get_att_string("SourceSha256")
        self.compiled_sha256 = self.resource.get_att_string("CompiledSha256")
        self.baseline_key = self.resource.get_att_string("BaselineKey")
        acknowledge(
            framework_role.node.find_child("DefaultPolicy"), {function_versions_finding(self.function): _INVOKE_REASON}
        )

    def _lambda_role(self, id_: str) -> iam.Role:
        """A Lambda role that may only write to this construct's log group (no AWSLambdaBasicExecutionRole)."""
        role = iam.Role(self, id_, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(role)
        return role

    def _grant_objects(self, bucket: s3.IBucket, inputs: list[str], job_outputs: str) -> None:
        tarballs = f"{job_outputs}{TARBALL_NAME}"
        written = [f"{job_outputs}{name}" for name in (COMPILED_NAME, EXPECTED_NAME, BASELINE_NAME)]
        readable = [bucket.arn_for_objects(tarballs), *(bucket.arn_for_objects(key) for key in inputs)]
        iam.Grant.add_to_principal(grantee=self.role, actions=["s3:GetObject"], resource_arns=readable)
        iam.Grant.add_to_principal(
            grantee=self.role, actions=["s3:PutObject"], resource_arns=[bucket.arn_for_objects(k) for k in written]
        )
        if bucket.encryption_key is not None:
            bucket.encryption_key.grant_encrypt_decrypt(self.role)
        bucket_arn = f"<{logical_id(bucket)}.Arn>"
        why = (
            f"SageMaker writes each job's {TARBALL_NAME} under {MODELS_OUTPUT}, a job name known only once the job "
            "ran; only this project's jobs match; a policy naming the job would change (and wait on IAM "
            "propagation) right before each compile."
        )
        findings = {f"AwsSolutions-IAM5[Resource::{bucket_arn}/{tarballs}]": f"Read-only. {why}"}
        findings |= {f"AwsSolutions-IAM5[Resource::{bucket_arn}/{key}]": (
            f"Write-only, and only the {key.rsplit('/', 1)[1]} beside a job's {TARBALL_NAME}, never the model. {why}"
        ) for key in written}  # fmt: skip
        acknowledge(self.role.node.find_child("DefaultPolicy"), findings)
