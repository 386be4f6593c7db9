"""The bucket of one ServingStack's monitoring: captured records, the ground truth users upload, the reports."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.model_bucket import access_log_bucket, private_bucket

CAPTURE_PREFIX = "capture/"
"""``capture/<backend>/yyyy/mm/dd/hh/``: SageMaker Data Capture records, one JSON object per line."""
CAPTURE_ERRORS_PREFIX = "capture-errors/"
"""Where Firehose puts what it could not deliver (by backend and error type), for a person to look at."""
GROUND_TRUTH_PREFIX = "ground-truth/"
"""``ground-truth/yyyy/mm/dd/hh/``: SageMaker's ``groundTruthData`` records, uploaded by the model's users."""
REPORTS_PREFIX = "monitoring/"
"""``monitoring/<window>/report.{json,html}`` and ``monitoring/latest/``."""
ACCESS_LOGS_PREFIX = "capture-bucket/"


class CaptureBucket(Construct):
    """An SSE-S3, TLS-only, private, access-logged bucket; captured records (and Firehose's failed deliveries)
    expire after ``retention_days``, incomplete uploads after a day. Ground truth and reports are kept. Both
    buckets are retained when the stack is deleted: they hold what the model's users sent."""

    def __init__(self, scope: Construct, id_: str, *, retention_days: int) -> None:
        super().__init__(scope, id_)
        self.log_bucket = access_log_bucket(
            self, "AccessLogs", of_what="the capture bucket", days=retention_days, destroy=False
        )
        expiring = [
            s3.LifecycleRule(
                id=f"Expire{name}",
                prefix=prefix,
                expiration=Duration.days(retention_days),
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
            for name, prefix in (("CapturedRecords", CAPTURE_PREFIX), ("FailedDeliveries", CAPTURE_ERRORS_PREFIX))
        ]
        self.bucket = private_bucket(
            self,
            "Bucket",
            server_access_logs_bucket=self.log_bucket,
            server_access_logs_prefix=ACCESS_LOGS_PREFIX,
            lifecycle_rules=expiring,
            removal_policy=RemovalPolicy.RETAIN,
        )

    def uri(self, prefix: str) -> str:
        """``s3://<bucket>/<prefix>`` (a deploy-time token)."""
        return f"s3://{self.bucket.bucket_name}/{prefix}"
