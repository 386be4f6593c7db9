"""Captured records that the Lambda backends write to stdout, delivered to S3 by CloudWatch Logs and Firehose.

Lambda ships each function's stdout to its log group after the answer; a subscription filter there passes the
capture lines (JSON with ``eventVersion``, nothing else) to one Firehose stream per backend, which unpacks
them (decompresses the batch, extracts each message, one record per line) and writes them under
``capture/<backend>/yyyy/mm/dd/hh/`` every 5 minutes. No permission in the functions, no call on the request
path, nothing buffered in a function that can be frozen or ended. Why this delivery: the README.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.capture_bucket import CAPTURE_ERRORS_PREFIX, CAPTURE_PREFIX
from cdk_constructs.nag import acknowledge, logical_id
from inference.settings import Env

RECORD_LINES = logs.FilterPattern.string_value("$.eventVersion", "=", "0")
"""Only capture records: the log lines, metrics and platform lines of the function stay out of S3."""
BUFFER_SECONDS, BUFFER_MB = 300, 64
Processor = firehose.CfnDeliveryStream.ProcessorProperty
Parameter = firehose.CfnDeliveryStream.ProcessorParameterProperty
PROCESSORS = [
    Processor(type="Decompression", parameters=[Parameter(parameter_name="CompressionFormat", parameter_value="GZIP")]),
    Processor(type="CloudWatchLogProcessing",
              parameters=[Parameter(parameter_name="DataMessageExtraction", parameter_value="true")]),
    Processor(type="AppendDelimiterToRecord"),
]  # fmt: skip


def capture_environment(destination: str, backend: str, percent: float) -> dict[str, str]:
    """What a backend reads to capture: where to (``stdout`` or an ``s3://`` prefix), as whom, how much."""
    return {Env.CAPTURE_DESTINATION: destination, Env.BACKEND_NAME: backend, Env.CAPTURE_PERCENT: f"{percent:g}"}


def capture_prefixes(backend: str) -> tuple[str, str]:
    """Where a backend's records go, and where Firehose puts what it could not deliver."""
    return f"{CAPTURE_PREFIX}{backend}/", f"{CAPTURE_ERRORS_PREFIX}{backend}/"


class DataCapture(Construct):
    """One Firehose stream (``streams[backend]``) and subscription filter per log group of ``sources``
    (backend -> the function's log group). Firehose's role may write only under those backends' prefixes;
    the subscription role may only put records into these streams."""

    def __init__(self, scope: Construct, id_: str, *, bucket: s3.IBucket, sources: Mapping[str, logs.ILogGroup],
                 log_retention: logs.RetentionDays) -> None:  # fmt: skip
        super().__init__(scope, id_)
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        principal = iam.ServicePrincipal("firehose.amazonaws.com", conditions={
            "StringEquals": {"sts:ExternalId": Aws.ACCOUNT_ID}})  # fmt: skip
        self.role = iam.Role(self, "DeliveryRole", assumed_by=principal)
        self.log_group.grant_write(self.role)
        self.subscription_role = iam.Role(self, "SubscriptionRole", assumed_by=iam.ServicePrincipal(
            "logs.amazonaws.com", conditions={"StringLike": {"aws:SourceArn": self._log_groups_arn()}}))  # fmt: skip
        self.streams = {backend: self._build_stream(backend, bucket) for backend in sources}
        for backend, log_group in sources.items():
            self._build_subscription(backend, log_group)
        self._grant_delivery(bucket, list(sources))

    def _build_stream(self, backend: str, bucket: s3.IBucket) -> firehose.CfnDeliveryStream:
        records, errors = capture_prefixes(backend)
        name = "".join(part.title() for part in backend.split("-"))
        log_stream = logs.LogStream(self, f"{name}DeliveryErrors", log_group=self.log_group)
        destination = firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty(
            bucket_arn=bucket.bucket_arn,
            role_arn=self.role.role_arn,
            prefix=f"{records}!{{timestamp:yyyy/MM/dd/HH}}/",
            error_output_prefix=f"{errors}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd/HH}}/",
            file_extension=".jsonl",
            compression_format="UNCOMPRESSED",
            buffering_hints=firehose.CfnDeliveryStream.BufferingHintsProperty(
                interval_in_seconds=BUFFER_SECONDS, size_in_m_bs=BUFFER_MB
            ),
            processing_configuration=firehose.CfnDeliveryStream.ProcessingConfigurationProperty(
                enabled=True, processors=PROCESSORS
            ),
            cloud_watch_logging_options=firehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty(
                enabled=True, log_group_name=self.log_group.log_group_name, log_stream_name=log_stream.log_stream_name
            ),
        )
        stream = firehose.CfnDeliveryStream(
            self,
            f"{name}Stream",
            delivery_stream_type="DirectPut",
            delivery_stream_encryption_configuration_input=firehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty(
                key_type="AWS_OWNED_CMK"
            ),
            extended_s3_destination_configuration=destination,
        )
        stream.node.add_dependency(self.role)  # the role's policy is in place before Firehose first writes
        return stream

    def _build_subscription(self, backend: str, log_group: logs.ILogGroup) -> None:
        stream = self.streams[backend]
        name = "".join(part.title() for part in backend.split("-"))
        subscription = logs.CfnSubscriptionFilter(
            self,
            f"{name}Subscription",
            log_group_name=log_group.log_group_name,
            filter_pattern=RECORD_LINES.log_pattern_string,
            destination_arn=stream.attr_arn,
            role_arn=self.subscription_role.role_arn,
        )
        subscription.node.add_dependency(self.subscription_role)

    def _grant_delivery(self, bucket: s3.IBucket, backends: list[str]) -> None:
        objects = [bucket.arn_for_objects(f"{prefix}*") for backend in backends for prefix in capture_prefixes(backend)]
        iam.Grant.add_to_principal(grantee=self.role, actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                                   resource_arns=objects)  # fmt: skip
        iam.Grant.add_to_principal(grantee=self.role, actions=["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                                   resource_arns=[bucket.bucket_arn])  # fmt: skip
        streams = [stream.attr_arn for stream in self.streams.values()]
        iam.Grant.add_to_principal(grantee=self.subscription_role, actions=["firehose:PutRecord",
                                   "firehose:PutRecordBatch"], resource_arns=streams)  # fmt: skip
        bucket_arn = f"<{logical_id(bucket)}.Arn>"
        reason = ("Write-only (PutObject, AbortMultipartUpload): Firehose names each object by its delivery time "
                  "under this backend's prefix (records, or failed deliveries), so the keys cannot be listed in "
                  "advance; no other prefix of the bucket.")  # fmt: skip
        acknowledge(self.role.node.find_child("DefaultPolicy"), {
            f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]": reason
            for backend in backends for prefix in capture_prefixes(backend)})  # fmt: skip

    @staticmethod
    def _log_groups_arn() -> str:
        return f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:*"
