"""The answers a model must give to its schema's example, recorded beside it when it is compiled
(``model.expected.json``), and how a deployment's answers are compared with them.

Written from the tarball itself (decoded, not the compiled archive), by the code of the release that compiled
it; the pre-traffic hook then asks a new Lambda version the same questions (``/predict``, ``/explain``, and
``/invocations`` with every output key), so a model, a schema, a compiled form or an image that answers
otherwise never gets traffic. ``model_version`` is left out: every deployment names its own.

    python -m inference.expected MODEL [--schema SCHEMA_URI] [--out OUT]
"""

from __future__ import annotations

import argparse
import json
import math
import posixpath
import sys
from typing import Any

from inference.errors import ModelFormatError
from inference.model.bundle import NO_COMPILED, ModelBundle
from inference.model.compile import write
from inference.protocols.api import answers
from inference.protocols.api.requests import read_payload
from inference.protocols.sagemaker import invocations
from inference.protocols.sagemaker.answers import valid_keys
from inference.service import explain_rows

EXPECTED_NAME = "model.expected.json"
FORMAT = 1
RELATIVE, ABSOLUTE = 1e-5, 1e-9
"""Numbers agree within float32's rounding of the same arithmetic (and within the last decimal an answer keeps)."""


def expected_answers(bundle: ModelBundle) -> dict[str, Any]:
    schema, objective = bundle.schema, bundle.ensemble.objective
    row = {name: value for name, value in schema.example.items() if value is not None}
    rows = read_payload({"instances": [row]}, bundle.columns)
    predicted = bundle.ensemble.predict(rows)
    explained = explain_rows(bundle, rows)
    keys = list(valid_keys(objective))
    csv = ",".join("" if math.isnan(value) else repr(float(value)) for value in rows[0].tolist())
    invoked = invocations.invoke(bundle, csv.encode(), "text/csv", "application/json", ",".join(keys), None)
    return {
        "format": FORMAT,
        "row": row,
        "csv": csv,
        "output_keys": keys,
        "predict": _unversioned(answers.answer(schema, objective, predicted, "")),
        "explain": _unversioned(explained),
        "invocations": json.loads(invoked.body),
    }


def misses(expected: Any, got: Any, where: str) -> list[str]:
    """Where ``got`` differs from ``expected``: every expected key present with an equal value (numbers within
    ``RELATIVE``), lists of the same length; keys ``expected`` does not have are not judged."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {_short(got)}"]
        found: list[str] = []
        for key, value in expected.items():
            found += misses(value, got[key], f"{where}.{key}") if key in got else [f"{where}.{key}: missing"]
        return found
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {_short(got)}"]
        return [
            miss for i, (a, b) in enumerate(zip(expected, got, strict=True)) for miss in misses(a, b, f"{where}[{i}]")
        ]
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        if isinstance(got, int | float) and not isinstance(got, bool) and math.isclose(expected, got, rel_tol=RELATIVE,
                                                                                       abs_tol=ABSOLUTE):  # fmt: skip
            return []
        return [f"{where}: expected {expected!r}, got {_short(got)}"]
    return [] if expected == got else [f"{where}: expected {expected!r}, got {_short(got)}"]


def write_expected(model_uri: str, schema_uri: str | None = None, out_uri: str | None = None) -> str:
    """Compute the expected answers of ``model_uri`` (its tarball, with ``schema_uri`` or the schema beside it)
    and write them beside it (or to ``out_uri``); returns where."""
    bundle = ModelBundle.load(model_uri, "expected", schema_uri=schema_uri, compiled_uri=NO_COMPILED)
    destination = out_uri or posixpath.join(posixpath.dirname(model_uri), EXPECTED_NAME)
    write(destination, (json.dumps(expected_answers(bundle), indent=1, allow_nan=False) + "\n").encode())
    return destination


def _unversioned(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "model_version"}


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inference.expected", description=__doc__.split("\n")[0])
    parser.add_argument("model", help="model.tar.gz: a local path or s3://bucket/key")
    parser.add_argument("--schema", help="schema.json (default: beside the model)")
    parser.add_argument("--out", help=f"where to write (default: {EXPECTED_NAME} beside the model)")
    args = parser.parse_args(argv)
    try:
        print(f"wrote {write_expected(args.model, args.schema, args.out)}")
    except (OSError, ValueError, ModelFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
