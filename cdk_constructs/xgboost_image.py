"""The SageMaker built-in XGBoost training image, resolved per region at deploy time.

The region -> ECR account table is ``xgboost_registries.json`` next to this module: data generated from
``sagemaker-core``'s bundled image URI configuration by ``python -m scripts.generate_xgboost_registries`` and
checked against it by ``tests/unit/test_xgboost_registries.py``. Synthesis reads it with the standard library,
so it never imports ``sagemaker`` (slow, and it raises when ``AWS_PROFILE`` names a profile the machine does not
have). The table goes into the template as a ``CfnMapping``, so one environment-agnostic template works in every
region the table lists.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnMapping, Fn
from constructs import Construct

REGISTRIES_FILE = Path(__file__).with_name("xgboost_registries.json")


class XGBoostRegistriesError(ValueError):
    """The requested version is not in the table, or the table's file is not shaped as the generator writes it."""


@cache
def _versions() -> dict[str, Any]:
    try:
        versions = json.loads(REGISTRIES_FILE.read_text(encoding="utf-8"))["versions"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise XGBoostRegistriesError(f"cannot read the XGBoost image table {REGISTRIES_FILE}: {error!r}") from error
    if not isinstance(versions, dict):
        raise XGBoostRegistriesError(f"{REGISTRIES_FILE}: 'versions' is not an object")
    return versions


def xgboost_image_registries(version: str) -> tuple[str, dict[str, str]]:
    """(ECR repository name, region -> account sorted by region) of the built-in XGBoost training image ``version``."""
    versions = _versions()
    if version not in versions:
        known = ", ".join(repr(known) for known in sorted(versions))
        raise XGBoostRegistriesError(f"XGBoost image version {version!r} is not in {REGISTRIES_FILE.name} ({known})")
    entry = versions[version]
    repository = entry.get("repository") if isinstance(entry, dict) else None
    registries = entry.get("registries") if isinstance(entry, dict) else None
    if not isinstance(repository, str) or not isinstance(registries, dict) or not registries:
        raise XGBoostRegistriesError(f"{REGISTRIES_FILE.name}: version {version!r} lacks a repository or registries")
    if not all(isinstance(value, str) and value.isdigit() for value in registries.values()):
        raise XGBoostRegistriesError(f"{REGISTRIES_FILE.name}: version {version!r} has a non-numeric account")
    return repository, dict(sorted(registries.items()))


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
