"""``report.html``: a report as one self-contained page (inline style and SVG charts, no script, nothing fetched),
rendered from ``report.json``'s document with a Jinja2 template that escapes every value."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

CHART_WIDTH, CHART_HEIGHT = 360, 110


def bars(bins: dict[str, Any]) -> list[dict[str, Any]]:
    """One pair of bars per bin (baseline, window), scaled to the chart: the geometry the template draws."""
    labels, baseline, window = bins["labels"], bins["baseline"], bins["window"]
    shown = [i for i, label in enumerate(labels) if label != "unseen" or window[i] > 0 or baseline[i] > 0]
    highest = max([baseline[i] for i in shown] + [window[i] for i in shown] + [1e-9])
    step = CHART_WIDTH / max(len(shown), 1)
    scale = CHART_HEIGHT / highest
    return [{"x": round(n * step, 1), "width": round(step * 0.4, 1), "label": labels[i],
             "baseline": round(baseline[i] * scale, 1), "window": round(window[i] * scale, 1),
             "baseline_share": baseline[i], "window_share": window[i]} for n, i in enumerate(shown)]  # fmt: skip


@cache
def _template() -> Any:
    import jinja2  # only the monitor renders pages: the inference functions never import it

    folder = Path(__file__).resolve().parent / "templates"
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True, trim_blocks=True,
                                     lstrip_blocks=True, undefined=jinja2.StrictUndefined)  # fmt: skip
    return environment.get_template("report.html.j2")


def render(document: dict[str, Any]) -> str:
    ranked = sorted(document["features"].items(), key=lambda item: -(item[1]["psi"] or 0.0))
    return str(_template().render(report=document, features=ranked, bars=bars, width=CHART_WIDTH,
                                  height=CHART_HEIGHT))  # fmt: skip
