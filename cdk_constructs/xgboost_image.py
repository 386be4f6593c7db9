"""The SageMaker built-in XGBoost training image, resolved per region at deploy time.

The region -> ECR account table comes from ``sagemaker-core``'s bundled image URI configuration (the same
table ``sagemaker.core.image_uris.retrieve`` reads, offline). It goes into the template as a ``CfnMapping``,
so one environment-agnostic template works in every region the table lists.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnMapping, Fn
from constructs import Construct


def xgboost_image_registries(version: str) -> tuple[str, dict[str, str]]:
    """(ECR repository name, region -> account) of the built-in XGBoost training image ``version``."""
    from sagemaker.core import image_uris  # imported here: it takes seconds and only synthesis needs it

    config = image_uris.config_for_framework("xgboost")["training"]["versions"][version]
    return str(config["repository"]), dict(sorted(config["registries"].items()))


class XGBoostImage(Construct):
    """``image_uri`` and ``repository_arn`` of the XGBoost container ``version`` in the deploying region."""

    ACCOUNT_ATTRIBUTE = "account"

    def __init__(self, scope: Construct, id_: str, *, version: str) -> None:
        super().__init__(scope, id_)
        repository, registries = xgboost_image_registries(version)
        self.version = version
        self.repository_name = repository
        self.mapping = CfnMapping(
            self,
            "RegionAccounts",
            mapping={region: {self.ACCOUNT_ATTRIBUTE: account} for region, account in registries.items()},
        )
        account = self.mapping.find_in_map(Aws.REGION, self.ACCOUNT_ATTRIBUTE)
        self.image_uri = Fn.sub(
            "${Account}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/" + f"{repository}:{version}",
            {"Account": account},
        )
        self.repository_arn = Fn.sub(
            "arn:${AWS::Partition}:ecr:${AWS::Region}:${Account}:repository/" + repository,
            {"Account": account},
        )
