"""The model bucket (training data, model artifacts) and the bucket its access logs go to."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct

ACCESS_LOGS_PREFIX = "model-bucket/"


class ModelBucket(Construct):
    """A versioned, SSE-S3 encrypted, TLS-only, private bucket whose server access logs go to ``log_bucket``,
    where they expire after ``access_log_days`` (as long as the stacks keep their CloudWatch logs).

    ``destroy=False`` (the default) keeps both buckets and their objects when the stack is deleted;
    ``destroy=True`` deletes them, emptying them first.
    """

    def __init__(self, scope: Construct, id_: str, *, access_log_days: int, destroy: bool = False) -> None:
        super().__init__(scope, id_)
        removal_policy = RemovalPolicy.DESTROY if destroy else RemovalPolicy.RETAIN
        self.log_bucket = self._build_log_bucket(removal_policy, destroy, access_log_days)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix=ACCESS_LOGS_PREFIX,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )

    def _build_log_bucket(self, removal_policy: RemovalPolicy, destroy: bool, days: int) -> s3.Bucket:
        log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="ExpireAccessLogs",
                    expiration=Duration.days(days),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
        )
        Validations.of(log_bucket).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason="This bucket is the access-log destination of the model bucket; logging its own "
                "access would log into itself or need a third bucket with the same finding.",
            )
        )
        return log_bucket
