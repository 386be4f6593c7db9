"""The model bucket (training data, model artifacts) and the bucket its access logs go to."""

from __future__ import annotations

from typing import Any

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
        self.log_bucket = access_log_bucket(
            self, "AccessLogs", of_what="the model bucket", days=access_log_days, destroy=destroy
        )
        self.bucket = private_bucket(
            self,
            "Bucket",
            versioned=True,
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix=ACCESS_LOGS_PREFIX,
            removal_policy=removal_policy,
            auto_delete_objects=destroy,
        )


def private_bucket(scope: Construct, id_: str, **options: Any) -> s3.Bucket:
    """An SSE-S3 encrypted, TLS-only bucket with no public access and no ACLs, plus ``options``."""
    return s3.Bucket(
        scope,
        id_,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        **options,
    )


def access_log_bucket(scope: Construct, id_: str, *, of_what: str, days: int, destroy: bool) -> s3.Bucket:
    """A private bucket for the server access logs of ``of_what``, expired after ``days`` (kept unless ``destroy``)."""
    removal_policy = RemovalPolicy.DESTROY if destroy else RemovalPolicy.RETAIN
    expiry = s3.LifecycleRule(
        id="ExpireAccessLogs", expiration=Duration.days(days), abort_incomplete_multipart_upload_after=Duration.days(1)
    )
    log_bucket = private_bucket(
        scope, id_, removal_policy=removal_policy, auto_delete_objects=destroy, lifecycle_rules=[expiry]
    )
    Validations.of(log_bucket).acknowledge(
        Acknowledgment(
            id="AwsSolutions-S1",
            reason=f"This bucket is the access-log destination of {of_what}; logging its own "
            "access would log into itself or need a third bucket with the same finding.",
        )
    )
    return log_bucket
