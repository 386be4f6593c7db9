"""Valid rows and one request per error class, shared by the decoder tests and both adapters' tests."""

from __future__ import annotations

import json

from tests.support.datasets import HOUSING

FEATURE_NAMES = HOUSING.names

ROW = {"MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 6.984, "AveBedrms": 1.024, "Population": 322.0,
       "AveOccup": 2.556, "Latitude": 37.88, "Longitude": -122.23}  # fmt: skip
ORDERED = [ROW[name] for name in FEATURE_NAMES]
CSV_LINE = ",".join(str(v) for v in ORDERED)


def named(**changes: object) -> str:
    return json.dumps({"instances": [{**ROW, **changes}]})


def without(name: str) -> str:
    return json.dumps({"instances": [{k: v for k, v in ROW.items() if k != name}]})


# (description, body, content type, status, error code, field, row)
BAD_BODIES: list[tuple[str, str, str, int, str, str | None, int | None]] = [
    ("missing feature", without("HouseAge"), "application/json", 400, "missing_feature", "HouseAge", 0),
    ("unknown feature", named(Rooms=3), "application/json", 400, "unknown_feature", "Rooms", 0),
    ("duplicate feature", '{"instances": [{"MedInc": 1, ' + named()[16:], "application/json", 400,
     "duplicate_feature", "MedInc", 0),
    ("non-numeric", named(AveRooms="six"), "application/json", 400, "not_a_number", "AveRooms", 0),
    ("boolean", named(AveRooms=True), "application/json", 400, "not_a_number", "AveRooms", 0),
    ("null", named(Population=None), "application/json", 400, "missing_feature", "Population", 0),
    ("NaN literal", named().replace("322.0", "NaN"), "application/json", 400, "not_finite", "Population", 0),
    ("overflow", named().replace("322.0", "1e999"), "application/json", 400, "not_finite", "Population", 0),
    ("out of range", named(Latitude=0.5), "application/json", 400, "out_of_range", "Latitude", 0),
    ("out of range in row 1", json.dumps({"instances": [ORDERED, [*ORDERED[:6], 37.9, 12.0]]}),
     "application/json", 400, "out_of_range", "Longitude", 1),
    ("short ordered row", json.dumps({"instances": [ORDERED[:7]]}), "application/json", 400, "wrong_row_length",
     "instances", 0),
    ("empty batch", '{"instances": []}', "application/json", 400, "empty_batch", "instances", None),
    ("too many rows", json.dumps({"instances": [ORDERED] * 1001}), "application/json", 413, "too_many_rows",
     "instances", None),
    ("not JSON", "{instances:", "application/json", 400, "malformed_json", "body", None),
    ("not an object", "[1, 2]", "application/json", 400, "missing_field", "instances", None),
    ("unknown top-level key", json.dumps({"instances": [ORDERED], "extra": 1}), "application/json", 400,
     "unknown_field", "extra", None),
    ("csv non-numeric", CSV_LINE.replace("41.0", "forty"), "text/csv", 400, "not_a_number", "HouseAge", 0),
    ("csv short row", f"{CSV_LINE}\n1,2,3", "text/csv", 400, "wrong_row_length", "body", 1),
    ("csv header", ",".join(FEATURE_NAMES) + "\n" + CSV_LINE, "text/csv", 400, "not_a_number", "MedInc", 0),
    ("csv inf", CSV_LINE.replace("322.0", "inf"), "text/csv", 400, "not_finite", "Population", 0),
    ("csv empty", "\n\n", "text/csv", 400, "empty_batch", "body", None),
    ("seed shape out of range", json.dumps({"pred_x_csv": "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8"}), "application/json",
     400, "out_of_range", "Latitude", 0),
    ("media type", "a=b", "application/x-www-form-urlencoded", 415, "unsupported_media_type", "Content-Type", None),
]  # fmt: skip
