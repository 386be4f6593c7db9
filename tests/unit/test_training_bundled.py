"""The bundled classification examples (shipped inside scikit-learn: no download) prepare and train end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.channels import CHANNEL_FILES, read_channel
from training.data import prepare
from training.local_run import train_checked


def all_rows(out: Path, features: int) -> tuple[np.ndarray, np.ndarray]:
    parts = [read_channel(out / path, features) for path in CHANNEL_FILES.values()]
    return np.concatenate([labels for labels, _ in parts]), np.concatenate([rows for _, rows in parts])


@pytest.mark.parametrize(
    ("dataset", "features", "counts", "classes"),
    [
        ("breast_cancer", 30, (398, 86, 85), {"malignant": 212, "benign": 357}),
        ("iris", 4, (105, 24, 21), {"setosa": 50, "versicolor": 50, "virginica": 50}),
    ],
)
def test_bundled_classification_data_keeps_every_row_with_its_label(
    tmp_path: Path, dataset: str, features: int, counts: tuple[int, ...], classes: dict[str, int]
) -> None:
    manifest, _ = prepare(dataset, tmp_path / dataset)
    assert manifest["rows"]["dropped"] == 0 and manifest["source"]["kind"] == "sklearn"
    assert tuple(manifest["files"][path]["rows"] for path in CHANNEL_FILES.values()) == counts
    schema = json.loads((tmp_path / dataset / "schema.json").read_text())
    assert schema["name"] == dataset and schema["target"]["labels"] == list(classes)
    labels, rows = all_rows(tmp_path / dataset, features)
    assert np.bincount(labels.astype(int)).tolist() == list(classes.values())
    assert rows.shape == (sum(counts), features) and not np.isnan(rows).any()


def test_iris_class_index_maps_to_the_spec_labels(tmp_path: Path) -> None:
    from sklearn.datasets import load_iris

    prepare("iris", tmp_path / "iris")
    labels, rows = all_rows(tmp_path / "iris", 4)
    bunch = load_iris()
    for index in (0, 75, 149):  # a setosa, a versicolor, a virginica
        match = np.flatnonzero((rows == bunch.data[index].astype(np.float32)).all(axis=1))
        assert labels[match].tolist() == [float(bunch.target[index])] * len(match) and len(match) >= 1


@pytest.mark.parametrize(("dataset", "metric"), [("breast_cancer", "auc"), ("iris", "mlogloss")])
def test_bundled_examples_pass_their_quality_gate(tmp_path: Path, dataset: str, metric: str) -> None:
    prepare(dataset, tmp_path / "data")
    result = train_checked(tmp_path / "data", tmp_path / "model")
    metrics = result.metrics
    assert result.trained and metrics["quality_gate"]["metric"] == metric
    assert result.verdict.startswith(f"validation:{metric} = ") and "passes the quality gate" in result.verdict
    assert metrics["test_accuracy"] > 0.9 and metrics["test_logloss"] < 0.4
    assert sorted(path.name for path in (tmp_path / "model").iterdir()) == [
        "baseline.json", "confusion_matrix.png", "metrics.json", "model.compiled.npz", "model.tar.gz", "schema.json"
    ]  # fmt: skip
