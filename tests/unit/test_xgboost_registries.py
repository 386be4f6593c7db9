"""The committed XGBoost image table equals sagemaker-core's, and the construct reads it without sagemaker.

Development-time check: synthesis reads ``cdk_constructs/xgboost_registries.json``; these tests compare it with
``sagemaker.core.image_uris.config_for_framework("xgboost")`` (sagemaker-core is in requirements.txt, not in
anything synthesis imports). After a sagemaker-core upgrade that moves an account, they fail until
``python -m scripts.generate_xgboost_registries`` is run and the file committed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_constructs import xgboost_image
from cdk_constructs.xgboost_image import REGISTRIES_FILE, XGBoostRegistriesError, xgboost_image_registries
from scripts import generate_xgboost_registries as generator
from stacks.config_training import XGBOOST_VERSIONS


@pytest.fixture(scope="module")
def image_uris() -> Any:
    """sagemaker-core's ``image_uris`` module; skips (with the reason) when sagemaker-core is not installed."""
    with pytest.MonkeyPatch.context() as environment:
        environment.delenv("AWS_PROFILE", raising=False)  # sagemaker-core opens a boto session on import
        return pytest.importorskip(
            "sagemaker.core.image_uris",
            reason="sagemaker-core is not installed: cannot compare xgboost_registries.json with its source "
            "(pip install -r requirements.txt)",
        )


@pytest.fixture(scope="module")
def sagemaker_training_versions(image_uris: Any) -> dict[str, Any]:
    """sagemaker-core's training image table: version -> {"repository", "registries", ...}."""
    return dict(image_uris.config_for_framework("xgboost")["training"]["versions"])


def _committed() -> dict[str, Any]:
    return dict(json.loads(REGISTRIES_FILE.read_text(encoding="utf-8")))


def test_the_file_holds_exactly_the_allowed_versions() -> None:
    assert sorted(_committed()["versions"]) == sorted(XGBOOST_VERSIONS)


@pytest.mark.parametrize("version", XGBOOST_VERSIONS)
def test_each_version_equals_sagemaker_core(sagemaker_training_versions: dict[str, Any], version: str) -> None:
    expected = sagemaker_training_versions[version]
    committed = _committed()["versions"][version]
    assert committed == {"repository": expected["repository"], "registries": expected["registries"]}
    assert xgboost_image_registries(version) == (expected["repository"], dict(sorted(expected["registries"].items())))
    assert len(committed["registries"]) > 30 and {"us-east-1", "cn-north-1"} <= set(committed["registries"])


# One region of each partition the table covers (retrieve takes ~0.2 s a call, so not all of them here).
@pytest.mark.parametrize("region", ["us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1"])
@pytest.mark.parametrize("version", XGBOOST_VERSIONS)
def test_the_table_gives_the_account_image_uris_retrieve_returns(image_uris: Any, version: str, region: str) -> None:
    repository, registries = xgboost_image_registries(version)
    uri = image_uris.retrieve("xgboost", region, version)
    assert uri.startswith(f"{registries[region]}.dkr.ecr.{region}.") and uri.endswith(f"/{repository}:{version}")


def test_the_committed_text_is_what_the_generator_writes(sagemaker_training_versions: dict[str, Any]) -> None:
    expected = generator.render(generator.registries_from_sagemaker_core())
    assert REGISTRIES_FILE.read_text(encoding="utf-8") == expected
    assert generator.main(["--check"]) == 0


def test_the_generator_rewrites_a_stale_file_and_check_says_so(
    sagemaker_training_versions: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "registries.json"
    stale.write_text(REGISTRIES_FILE.read_text(encoding="utf-8").replace('"us-east-1": "', '"us-east-1": "9'))
    assert generator.main(["--check", "--out", str(stale)]) == 1
    assert "out of date with sagemaker-core" in capsys.readouterr().err
    assert generator.main(["--out", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == REGISTRIES_FILE.read_text(encoding="utf-8")


def test_an_unknown_version_is_refused_with_the_known_ones() -> None:
    with pytest.raises(
        XGBoostRegistriesError, match=r"'1\.7-1' is not in xgboost_registries\.json \('3\.0-5', '3\.2-0'\)"
    ):
        xgboost_image_registries("1.7-1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "cannot read the XGBoost image table"),
        ('{"versions": []}', "'versions' is not an object"),
        ('{"versions": {"3.2-0": {"repository": "sagemaker-xgboost"}}}', "lacks a repository or registries"),
        (
            '{"versions": {"3.2-0": {"repository": "r", "registries": {"us-east-1": "x1"}}}}',
            "has a non-numeric account",
        ),
    ],
)
def test_a_damaged_table_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, message: str
) -> None:
    damaged = tmp_path / "xgboost_registries.json"
    damaged.write_text(text, encoding="utf-8")
    monkeypatch.setattr(xgboost_image, "REGISTRIES_FILE", damaged)
    xgboost_image._versions.cache_clear()
    try:
        with pytest.raises(XGBoostRegistriesError, match=message):
            xgboost_image_registries("3.2-0")
    finally:
        xgboost_image._versions.cache_clear()
