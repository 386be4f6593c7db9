"""The one feature schema: names, order, units and valid ranges.

Data preparation, local training and every request decoder read this module, so a feature cannot be
renamed, reordered or re-ranged in one place and not the others. Values are raw, human-meaningful census
figures: tree models need no scaling, and nothing here expects pre-scaled input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    unit: str
    description: str
    minimum: float
    maximum: float


FEATURES: tuple[Feature, ...] = (
    Feature("MedInc", "tens of thousands of USD", "median income in the block group", 0.0, 150.0),
    Feature("HouseAge", "years", "median house age in the block group", 0.0, 200.0),
    Feature("AveRooms", "rooms per household", "average number of rooms per household", 0.0, 1000.0),
    Feature("AveBedrms", "bedrooms per household", "average number of bedrooms per household", 0.0, 1000.0),
    Feature("Population", "people", "block group population", 0.0, 1_000_000.0),
    Feature("AveOccup", "people per household", "average number of household members", 0.0, 10_000.0),
    Feature("Latitude", "degrees north", "block group latitude (California: 32.5 to 42.0)", 32.0, 42.5),
    Feature("Longitude", "degrees east", "block group longitude (California: -124.4 to -114.1)", -125.0, -114.0),
)
"""Model input columns, in the order the model was trained on. Ranges are inclusive."""

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)
FEATURE_INDEX: dict[str, int] = {name: i for i, name in enumerate(FEATURE_NAMES)}

TARGET_NAME = "MedHouseVal"
"""Label column: median house value, in units of 100,000 USD (as scikit-learn ships it)."""
USD_PER_TARGET_UNIT = 100_000.0
PREDICTION_UNIT = "USD"

EXAMPLE_ROW: dict[str, float] = {
    "MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 6.984, "AveBedrms": 1.024,
    "Population": 322.0, "AveOccup": 2.556, "Latitude": 37.88, "Longitude": -122.23,
}  # fmt: skip
"""The first block group of California Housing (raw units, rounded): the example the docs and tools send."""

MAX_ROWS = 1000
"""Most rows one request may carry; more is answered with 413."""
MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (1 MiB); larger is answered with 413."""
