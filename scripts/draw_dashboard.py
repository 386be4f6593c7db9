"""Draw the serving dashboard's layout from its synthesized definition: ``docs/dashboard.png``.

    python -m scripts.draw_dashboard [--template cdk.out/ServingStack.template.json] [--out docs/dashboard.png]

Each widget is drawn where CloudWatch puts it (24 columns), with its title and what it plots: the metric names,
SEARCH expressions by metric name, the Logs Insights query, the alarms. A picture of the definition, not of data.
"""

from __future__ import annotations

import argparse
import json
import re
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLORS = {"metric": "#e8f0fb", "text": "#f4f4f4", "log": "#eef7ea", "alarm": "#fbeeee"}


def dashboard_body(template: dict[str, Any]) -> dict[str, Any]:
    [dashboard] = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    separator, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
    return dict(json.loads(separator.join(part if isinstance(part, str) else "…" for part in parts)))


def contents(widget: dict[str, Any]) -> list[str]:
    properties = widget["properties"]
    if widget["type"] == "text":
        return [line.lstrip("# ") for line in properties["markdown"].splitlines()]
    if widget["type"] == "log":
        query = properties["query"]
        return [query[query.find("filter") :]]  # the SOURCE clauses name the log groups
    if widget["type"] == "alarm":
        return [f"{len(properties['alarms'])} alarms, their state"]
    lines = []
    for metric in properties.get("metrics", []):
        if isinstance(metric[0], dict):
            name = re.search(r'MetricName="([^"]+)"', metric[0]["expression"])
            stat = re.search(r"', '([^']+)',", metric[0]["expression"])
            lines.append(f"{name.group(1) if name else '?'} {stat.group(1) if stat else ''} (each model version)")
        else:
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            lines.append(f"{metric[1]} {options.get('stat', '')} ({metric[0]})")
    return lines


def draw(body: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.patches import Rectangle

    widgets = body["widgets"]
    rows = max(w["y"] + w["height"] for w in widgets)
    figure, axes = pyplot.subplots(figsize=(18, rows * 0.42))
    axes.set_xlim(0, 24)
    axes.set_ylim(rows, 0)
    axes.axis("off")
    for widget in widgets:
        x, y, width, height = widget["x"], widget["y"], widget["width"], widget["height"]
        axes.add_patch(Rectangle((x + 0.05, y + 0.05), width - 0.1, height - 0.1, facecolor=COLORS[widget["type"]],
                                 edgecolor="#7a8ca5", linewidth=0.8))  # fmt: skip
        title = widget["properties"].get("title", "")
        axes.text(x + 0.2, y + 0.45, title, fontsize=8.5, fontweight="bold", va="top")
        text = "\n".join(textwrap.shorten(line, width * 9) for line in contents(widget)[: height * 2])
        axes.text(x + 0.2, y + (1.1 if title else 0.4), text, fontsize=7, va="top", family="monospace")
    figure.tight_layout()
    figure.savefig(out, dpi=90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.draw_dashboard", description=__doc__.split("\n")[0])
    parser.add_argument("--template", type=Path, default=ROOT / "cdk.out" / "ServingStack.template.json")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard.png")
    args = parser.parse_args(argv)
    draw(dashboard_body(json.loads(args.template.read_text())), args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
