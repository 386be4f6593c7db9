"""Where the rows come from: scikit-learn's California Housing loader, or a user CSV.

Both return the eight model features in ``inference.schema.FEATURE_NAMES`` order (raw census values,
never scaled) and the label in units of 100,000 USD. A CSV either carries those columns by name, or the
raw 1990 census columns from which the per-household averages are derived.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from inference.schema import FEATURE_NAMES, TARGET_NAME, USD_PER_TARGET_UNIT

_CENSUS_HEADER = (
    "longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,"
    "median_house_value"
)
RAW_COLUMNS: tuple[str, ...] = tuple(_CENSUS_HEADER.split(","))
"""The 1990 census block-group columns, as in the StatLib file (median_house_value in USD)."""
FEATURE_COLUMNS: tuple[str, ...] = (*FEATURE_NAMES, TARGET_NAME)
MISSING_TOKENS = frozenset({"", "na", "nan", "null", "none"})
SKLEARN_CACHE_FILE = "cal_housing_py3.pkz"
"""The file ``fetch_california_housing`` caches the data set in (inside its data home)."""


class MissingColumnsError(ValueError):
    """The CSV header lacks columns that every row needs."""


@dataclass
class LoadedData:
    features: np.ndarray
    target: np.ndarray
    source: dict[str, str]
    dropped: Counter[str] = field(default_factory=Counter)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sklearn_cache_path(data_home: Path | None) -> Path:
    """Where scikit-learn keeps the data set: same rule as ``sklearn.datasets.get_data_home``."""
    home = data_home or Path(os.environ.get("SCIKIT_LEARN_DATA", "~/scikit_learn_data"))
    return home.expanduser() / SKLEARN_CACHE_FILE


def load_sklearn(data_home: Path | None) -> LoadedData:
    """California Housing via scikit-learn: downloads once, then reads its cache (honours SCIKIT_LEARN_DATA)."""
    from sklearn.datasets import fetch_california_housing

    try:
        bunch = fetch_california_housing(data_home=str(data_home) if data_home else None)
    except OSError as error:
        raise OSError(
            f"could not download California Housing into {sklearn_cache_path(data_home).parent} ({error}); "
            "point SCIKIT_LEARN_DATA or --data-home at a directory holding its cache, or pass --csv"
        ) from error
    order = [list(bunch.feature_names).index(name) for name in FEATURE_NAMES]
    features = np.asarray(bunch.data[:, order], dtype=np.float64)
    target = np.asarray(bunch.target, dtype=np.float64)
    cache = sklearn_cache_path(data_home)
    content = sha256_file(cache) if cache.is_file() else hashlib.sha256(features.tobytes() + target.tobytes())
    digest = content if isinstance(content, str) else content.hexdigest()
    return LoadedData(features, target, {"kind": "sklearn", "dataset": "california_housing", "sha256": digest})


def load_csv(path: Path) -> LoadedData:
    """Rows of a CSV with the model's feature columns or the raw census columns; bad rows are counted."""
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        derive = _row_parser(header, path)
        dropped: Counter[str] = Counter()
        rows: list[list[float]] = []
        for record in reader:
            row_or_reason = derive(record)
            if isinstance(row_or_reason, str):
                dropped[row_or_reason] += 1
            else:
                rows.append(row_or_reason)
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_COLUMNS))
    source = {"kind": "csv", "name": path.name, "sha256": sha256_file(path)}
    return LoadedData(table[:, :-1], table[:, -1], source, dropped)


RowParser = Callable[[dict[str, str | None]], list[float] | str]
"""Turns one CSV record into feature values plus label, or into the reason it is dropped."""


def _row_parser(header: list[str], path: Path) -> RowParser:
    missing_features = [name for name in FEATURE_COLUMNS if name not in header]
    if not missing_features:
        return lambda record: _numbers(record, FEATURE_COLUMNS)
    missing_raw = [name for name in RAW_COLUMNS if name not in header]
    if not missing_raw:
        return _derive_from_census
    missing = missing_features if len(missing_features) <= len(missing_raw) else missing_raw
    raise MissingColumnsError(
        f"{path}: missing column(s) {', '.join(missing)}. A CSV needs a header with either the feature "
        f"columns {', '.join(FEATURE_COLUMNS)} or the raw census columns {', '.join(RAW_COLUMNS)}."
    )


def _numbers(record: dict[str, str | None], columns: tuple[str, ...]) -> list[float] | str:
    values: list[float] = []
    for name in columns:
        text = (record.get(name) or "").strip()
        if text.lower() in MISSING_TOKENS:
            return "missing value"
        try:
            values.append(float(text))
        except ValueError:
            return f"{name} is not a number"
    return values


def _derive_from_census(record: dict[str, str | None]) -> list[float] | str:
    raw = _numbers(record, RAW_COLUMNS)
    if isinstance(raw, str):
        return raw
    census = dict(zip(RAW_COLUMNS, raw, strict=True))
    households = census["households"]
    if households <= 0:
        return "households is not positive"
    features = {
        "MedInc": census["median_income"],
        "HouseAge": census["housing_median_age"],
        "AveRooms": census["total_rooms"] / households,
        "AveBedrms": census["total_bedrooms"] / households,
        "Population": census["population"],
        "AveOccup": census["population"] / households,
        "Latitude": census["latitude"],
        "Longitude": census["longitude"],
    }
    return [features[name] for name in FEATURE_NAMES] + [census["median_house_value"] / USD_PER_TARGET_UNIT]
