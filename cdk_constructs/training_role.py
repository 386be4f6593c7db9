"""The least-privilege role SageMaker assumes to run the XGBoost training job."""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_constructs.training_data import TrainingData
from cdk_constructs.xgboost_image import XGBoostImage

TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"


class TrainingExecutionRole(Construct):
    """Reads only the data prefix, writes only under ``models_prefix``, pulls only the XGBoost repository,
    and logs only to SageMaker's training log group (streams of jobs named ``job_name_prefix``...)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        data: TrainingData,
        image: XGBoostImage,
        models_prefix: str,
        job_name_prefix: str,
    ) -> None:
        super().__init__(scope, id_)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker XGBoost training job: read training data, write model artifacts",
        )
        data.grant_read(self.role)
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:AbortMultipartUpload"],
                resources=[bucket.arn_for_objects(f"{models_prefix}*")],
            )
        )
        self._allow_image_pull(image)
        self._allow_logs_and_metrics(job_name_prefix)
        self._acknowledge(bucket, data, models_prefix, job_name_prefix)

    def _allow_image_pull(self, image: XGBoostImage) -> None:
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                resources=[image.repository_arn],
            )
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))

    def _allow_logs_and_metrics(self, job_name_prefix: str) -> None:
        stack = Stack.of(self)
        log_group_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=TRAINING_LOG_GROUP,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        self.role.add_to_policy(
            iam.PolicyStatement(actions=["logs:CreateLogGroup", "logs:DescribeLogStreams"], resources=[log_group_arn])
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{log_group_arn}:log-stream:{job_name_prefix}*"],
            )
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": TRAINING_METRICS_NAMESPACE}},
            )
        )

    def _acknowledge(self, bucket: s3.IBucket, data: TrainingData, models_prefix: str, job_prefix: str) -> None:
        stack = Stack.of(self)
        bucket_id = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]
        partition_region_account = "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>"
        reasons = {
            f"Resource::<{bucket_id}.Arn>/{data.prefix}*": "Read-only access to the content-addressed prefix "
            "holding exactly this job's training channels and their schema; SageMaker copies the channels.",
            f"Resource::<{bucket_id}.Arn>/{models_prefix}*": "SageMaker writes the artifact to "
            f"{models_prefix}<job name>/output/, a key unknown until the job exists; write-only.",
            "Resource::*": "ecr:GetAuthorizationToken and cloudwatch:PutMetricData support no resource-level "
            "permissions (AWS requires '*'); PutMetricData is limited to SageMaker's training namespace.",
            f"Resource::{partition_region_account}:log-group:{TRAINING_LOG_GROUP}:log-stream:{job_prefix}*": (
                "SageMaker names each stream <job name>/algo-<n>-<timestamp>; only this construct's jobs match."
            ),
        }
        policy = self.role.node.find_child("DefaultPolicy")
        Validations.of(policy).acknowledge(
            *(Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason) for finding, reason in reasons.items())
        )
