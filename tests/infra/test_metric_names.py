"""The metrics the alarms and the dashboard read, joined with the metrics the code writes: every one of ours that
the template names (metric name and dimension names) must come out of the real handler's EMF lines, and every
``Backend`` an alarm names must be one a backend is told to write. A rename on either side fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from inference import Predictor
from inference.metrics.names import NAMESPACE
from inference.metrics.recorder import Recorder
from tests.infra.serving_app import Synthesized
from tests.support import emf
from tests.support.datasets import HOUSING, SPECIES

Named = tuple[str, frozenset[str]]
SEARCH = re.compile(r"SEARCH\('\{([^}]*)\}(.*?)'")
ROW = dict(zip(HOUSING.names, [8.3252, 41.0, 6.984127, 1.02381, 322.0, 2.555556, 37.88, -122.23], strict=True))


def _event(path: str, body: object) -> dict[str, Any]:
    return {"version": "2.0", "rawPath": path, "headers": {"content-type": "application/json"},
            "requestContext": {"http": {"method": "POST", "path": path}}, "body": json.dumps(body)}  # fmt: skip


def emitted(model_tarball: Path, species_model: Path, tmp_path: Path) -> set[Named]:
    """What the real Lambda handler writes for answers of every kind: 2xx, 4xx, 5xx, values and labels."""
    import importlib

    adapter = importlib.import_module("lambda_image.handler")
    documents: list[dict[str, Any]] = []
    species_row = dict(zip(SPECIES.names, [5.9, 3.0, "loam", 1.8], strict=True))
    cases = [(Predictor.from_env({"MODEL_URI": str(model_tarball)}), [ROW], {**ROW, "MedInc": -1}),
             (Predictor.from_env({"MODEL_URI": str(species_model)}), [species_row], None),
             (Predictor.from_env({"MODEL_URI": str(tmp_path / "none.tar.gz")}), [ROW], None)]  # fmt: skip
    for predictor, rows, bad in cases:
        recorder = Recorder("lambda-x86", 0.0, lambda p=predictor: p.model_version)  # type: ignore[misc]
        events = [_event("/predict", {"instances": rows})] + ([_event("/predict", {"instances": [bad]})] if bad else [])
        for event in events:
            adapter.handle(event, None, predictor, recorder=recorder, write=documents.append)
        documents.append(recorder.cold_start(predictor.load_seconds, 0.2))
    return {(m.name, frozenset(name for name, _ in m.dimensions)) for m in emf.extracted(documents)}


def named_by_alarms(synthesized: Synthesized) -> set[Named]:
    found = set()
    for alarm in synthesized.resources("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        metrics = [properties] + [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
        found |= {(m["MetricName"], frozenset(d["Name"] for d in m.get("Dimensions", [])))
                  for m in metrics if m.get("Namespace") == NAMESPACE}  # fmt: skip
    return found


def named_by_dashboard(synthesized: Synthesized) -> set[Named]:
    [dashboard] = synthesized.resources("AWS::CloudWatch::Dashboard").values()
    separator, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    body = json.loads(separator.join(part if isinstance(part, str) else "<token>" for part in parts))
    found = set()
    for widget in body["widgets"]:
        for metric in widget["properties"].get("metrics", []):
            if isinstance(metric[0], dict):  # a SEARCH expression: {namespace,dimension,...} MetricName="..."
                for keys, where in SEARCH.findall(metric[0]["expression"]):
                    namespace, *dimensions = keys.split(",")
                    name = re.search(r'MetricName="([^"]+)"', where)
                    if namespace == NAMESPACE and name:
                        found.add((name.group(1), frozenset(dimensions)))
            elif metric[0] == NAMESPACE:
                dimensions = [item for item in metric[2:] if not isinstance(item, dict)]
                found.add((metric[1], frozenset(dimensions[0::2])))
    return found


def test_every_metric_the_alarms_and_the_dashboard_read_is_written(
    default: Synthesized, model_tarball: Path, species_model: Path, tmp_path: Path
) -> None:
    written = emitted(model_tarball, species_model, tmp_path)
    by_alarms, by_dashboard = named_by_alarms(default), named_by_dashboard(default)
    assert len(by_alarms) >= 3 and len(by_dashboard) >= 8  # the join is not vacuous
    assert by_alarms - written == set()
    assert by_dashboard - written == set()


def test_every_backend_an_alarm_names_writes_under_that_name(default: Synthesized) -> None:
    told = {f["Properties"]["Environment"]["Variables"]["BACKEND_NAME"]
            for f in default.resources("AWS::Lambda::Function").values()
            if "BACKEND_NAME" in f["Properties"].get("Environment", {}).get("Variables", {})}  # fmt: skip
    for task in default.resources("AWS::ECS::TaskDefinition").values():
        told |= {e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]
                 if e["Name"] == "BACKEND_NAME"}  # fmt: skip
    named = set()
    for alarm in default.resources("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        metrics = [properties] + [m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m]
        named |= {d["Value"] for m in metrics for d in m.get("Dimensions", []) if d["Name"] == "Backend"}
    assert told == named == {"lambda-x86", "lambda-arm64", "fargate"}
