"""Where a spec's rows come from: a bundled scikit-learn loader, or a CSV with a header.

Both give one column of raw values per feature (in model order, through ``spec.columns``) and the target
column. Nothing here validates values: ``training.rows`` does, for every source alike. For classification,
the scikit-learn loaders' class index ``i`` becomes the text ``labels[i]``, like a CSV's target field.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.spec import DatasetSpec

SKLEARN_FILES = {"california_housing": "cal_housing_py3.pkz", "breast_cancer": "breast_cancer.csv", "iris": "iris.csv"}
"""Loader -> the file its rows are read from: California's download cache, or a CSV inside scikit-learn."""


class MissingColumnsError(ValueError):
    """The source lacks columns the spec names."""


@dataclass
class RawData:
    columns: list[np.ndarray]
    """One array per feature, in model order: float64 (scikit-learn) or text (CSV)."""
    target: np.ndarray
    source: dict[str, str]
    dropped: Counter[str] = field(default_factory=Counter)
    """Rows the source itself could not give (a CSV row with the wrong number of fields)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sklearn_data_home(data_home: Path | None) -> Path:
    """scikit-learn's data home: same rule as ``sklearn.datasets.get_data_home``."""
    return (data_home or Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data"))).expanduser()


def source_file(spec: DatasetSpec, data_home: Path | None) -> Path:
    """The file the rows are read from (it may not exist yet: California downloads once)."""
    if spec.source.kind == "csv":
        return Path(spec.source.value)
    name = SKLEARN_FILES[spec.source.value]
    if spec.source.value == "california_housing":
        return sklearn_data_home(data_home) / name
    package = importlib.util.find_spec("sklearn")
    if package is None or package.origin is None:
        raise OSError("scikit-learn is not installed: it holds the bundled data sets")
    return Path(package.origin).parent / "datasets" / "data" / name


def load(spec: DatasetSpec, data_home: Path | None) -> RawData:
    if spec.source.kind == "csv":
        return load_csv(spec, Path(spec.source.value))
    return load_sklearn(spec, data_home)


def load_sklearn(spec: DatasetSpec, data_home: Path | None) -> RawData:
    """A bundled loader's rows; California downloads once into the data home (honours SCIKIT_LEARN_DATA)."""
    bunch = _sklearn_bunch(spec.source.value, data_home)
    names = [str(name) for name in bunch.feature_names]
    _require(spec.columns, names, f"scikit-learn's {spec.source.value}")
    columns = [np.asarray(bunch.data[:, names.index(column)], dtype=np.float64) for column in spec.columns]
    target = np.asarray(bunch.target)
    if spec.target.task != "regression":
        labels = spec.target.labels
        target = np.array([labels[i] if 0 <= i < len(labels) else f"<class {i}>" for i in target], dtype=object)
    digest = sha256_file(source_file(spec, data_home))
    return RawData(columns, target, {"kind": "sklearn", "dataset": spec.source.value, "sha256": digest})


def _sklearn_bunch(loader: str, data_home: Path | None) -> Any:
    from sklearn import datasets

    if loader == "breast_cancer":
        return datasets.load_breast_cancer()
    if loader == "iris":
        return datasets.load_iris()
    home = sklearn_data_home(data_home)
    try:
        return datasets.fetch_california_housing(data_home=str(home))
    except OSError as error:
        raise OSError(
            f"could not download California Housing into {home} ({error}); point SCIKIT_LEARN_DATA or "
            "--data-home at a directory holding its cache"
        ) from error


def load_csv(spec: DatasetSpec, path: Path) -> RawData:
    """The spec's columns of a CSV with a header, as text; rows with the wrong number of fields are dropped."""
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path} (the spec's source.csv)")
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header = [name.strip() for name in next(reader, [])]
        wanted = [*spec.columns, spec.target_column]
        _require(wanted, header, str(path))
        positions = [header.index(name) for name in wanted]
        dropped: Counter[str] = Counter()
        records = []
        for record in reader:
            if len(record) != len(header):
                if any(field.strip() for field in record):
                    dropped[f"row has {len(record)} fields, the header has {len(header)}"] += 1
                continue
            records.append([record[i] for i in positions])
    table = np.array(records, dtype=object).reshape(len(records), len(wanted))
    source = {"kind": "csv", "name": path.name, "sha256": sha256_file(path)}
    return RawData([table[:, i] for i in range(len(spec.columns))], table[:, -1], source, dropped)


def _require(wanted: list[str] | tuple[str, ...], present: list[str], where: str) -> None:
    missing = [name for name in wanted if name not in present]
    if missing:
        raise MissingColumnsError(
            f"{where}: missing column(s) {', '.join(missing)}; it has {', '.join(present) or 'no columns'}. "
            "Fix the spec's features[].column or target.column."
        )
