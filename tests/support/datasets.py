"""Small schemas, rows and boosters per task, independent of the bundled dataset specs.

- ``HOUSING``: California Housing's features and USD answers (what the existing clients send).
- ``FRAUD``: binary, with a categorical feature and two features that may be missing.
- ``SPECIES``: three classes, with a categorical feature.
Rows are float32 in model order, categories as their codes, NaN where missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inference.model.schema import Schema

_HOUSING_FEATURES = [
    ("MedInc", "median income in the block group", "tens of thousands of USD", 0.0, 150.0),
    ("HouseAge", "median house age in the block group", "years", 0.0, 200.0),
    ("AveRooms", "average number of rooms per household", "rooms per household", 0.0, 1000.0),
    ("AveBedrms", "average number of bedrooms per household", "bedrooms per household", 0.0, 1000.0),
    ("Population", "block group population", "people", 0.0, 1_000_000.0),
    ("AveOccup", "average number of household members", "people per household", 0.0, 10_000.0),
    ("Latitude", "block group latitude", "degrees north", 32.0, 42.5),
    ("Longitude", "block group longitude", "degrees east", -125.0, -114.0),
]
HOUSING_DOCUMENT: dict[str, Any] = {
    "format": 1,
    "name": "california_housing",
    "target": {"name": "MedHouseVal", "task": "regression", "objective": "reg:squarederror", "unit": "USD",
               "scale": 100000.0, "decimals": 2, "description": "median house value of the block group"},
    "features": [{"name": n, "description": d, "unit": u, "minimum": lo, "maximum": hi, "missing": False}
                 for n, d, u, lo, hi in _HOUSING_FEATURES],
    "example": {"MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 6.984, "AveBedrms": 1.024, "Population": 322.0,
                "AveOccup": 2.556, "Latitude": 37.88, "Longitude": -122.23},
}  # fmt: skip
FRAUD_DOCUMENT: dict[str, Any] = {
    "format": 1,
    "name": "card_fraud",
    "target": {"name": "is_fraud", "task": "binary", "objective": "binary:logistic", "labels": ["legit", "fraud"]},
    "features": [
        {"name": "amount", "unit": "USD", "minimum": 0, "maximum": 10000, "description": "payment amount"},
        {"name": "channel", "categories": ["web", "store", "phone"], "description": "where the card was used"},
        {"name": "age", "unit": "years", "minimum": 18, "maximum": 120, "missing": True, "description": "holder age"},
        {"name": "hour", "unit": "hour of day", "minimum": 0, "maximum": 23, "description": "local time"},
        {"name": "risk", "minimum": 0, "maximum": 1, "missing": True, "description": "merchant risk score"},
    ],
    "example": {"amount": 120.5, "channel": "web", "age": 37.0, "hour": 14.0, "risk": 0.2},
}
SPECIES_DOCUMENT: dict[str, Any] = {
    "format": 1,
    "name": "species",
    "target": {"name": "species", "task": "multiclass", "objective": "multi:softprob",
               "labels": ["setosa", "versicolor", "virginica"]},
    "features": [
        {"name": "length", "unit": "cm", "minimum": 0, "maximum": 20},
        {"name": "width", "unit": "cm", "minimum": 0, "maximum": 20},
        {"name": "soil", "categories": ["sand", "clay", "loam", "peat"]},
        {"name": "height", "unit": "cm", "minimum": 0, "maximum": 200, "missing": True},
    ],
    "example": {"length": 5.1, "width": 3.5, "soil": "clay", "height": 40.0},
}  # fmt: skip
HOUSING = Schema.from_document(HOUSING_DOCUMENT)
FRAUD = Schema.from_document(FRAUD_DOCUMENT)
SPECIES = Schema.from_document(SPECIES_DOCUMENT)


def rows_for(schema: Schema, n: int, seed: int = 0, missing_share: float = 0.1) -> np.ndarray:
    """Rows inside every range (categories as codes), with NaN in ``missing_share`` of the optional cells."""
    rng = np.random.default_rng(seed)
    columns = []
    for feature in schema.features:
        if feature.categories is not None:
            column = rng.integers(0, len(feature.categories), n).astype(np.float64)
        else:
            low, high = feature.minimum or 0.0, feature.maximum if feature.maximum is not None else 100.0
            column = rng.uniform(low, low + (high - low) * 0.5, n)
        if feature.missing:
            column[rng.random(n) < missing_share] = np.nan
        columns.append(column)
    return np.column_stack(columns).astype(np.float32)


def labels_for(schema: Schema, rows: np.ndarray) -> np.ndarray:
    """A learnable label per row: a sum of the first columns, cut into the schema's classes."""
    signal = np.nan_to_num(rows[:, 0] / max(float(np.nanmax(rows[:, 0])), 1e-9)) + 0.3 * np.nan_to_num(rows[:, 1])
    if schema.task == "regression":
        return signal.astype(np.float32)
    cuts = np.quantile(signal, np.linspace(0, 1, schema.num_classes + 1)[1:-1])
    return np.searchsorted(cuts, signal).astype(np.float32)


def train_for(schema: Schema, num_round: int = 15, max_depth: int = 3, seed: int = 0, **params: Any) -> Any:
    """A booster trained on ``rows_for(schema)`` with the schema's objective (num_class for multi:*)."""
    import xgboost as xgb

    rows = rows_for(schema, 1500, seed)
    settings: dict[str, Any] = {"objective": schema.target.objective, "max_depth": max_depth, "eta": 0.3,
                                "seed": seed, "nthread": 1, **params}  # fmt: skip
    if schema.task == "multiclass":
        settings["num_class"] = schema.num_classes
    return xgb.train(settings, xgb.DMatrix(rows, label=labels_for(schema, rows)), num_boost_round=num_round)
