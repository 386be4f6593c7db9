"""TEMPORARY (issue 19, until issue 18's monitoring topic is merged): an encrypted, TLS-only SNS topic for alarms.

ServingStack makes one only when it is given no topic; at the merge, ServingStack passes issue 18's topic to
``DriftMonitor`` and this module goes. CloudWatch alarms can publish to an encrypted topic only with a
customer managed key whose policy lets CloudWatch use it (the AWS managed key for SNS does not).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct


class AlarmTopic(Construct):
    """``topic``, encrypted with ``key`` (rotated yearly), refusing publishers that do not use TLS."""

    def __init__(self, scope: Construct, id_: str) -> None:
        super().__init__(scope, id_)
        self.key = kms.Key(self, "Key", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY,
                           description="Encrypts the alarm topic; CloudWatch alarms may publish with it")  # fmt: skip
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(self, "Topic", master_key=self.key, enforce_ssl=True,
                               display_name="xgboost-serverless alarms")  # fmt: skip
