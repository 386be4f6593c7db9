"""What monitoring costs at synth time: ours (``cdk_constructs/monitoring.py`` and its alarms and dashboard)
against cdklabs' cdk-monitoring-constructs doing the same job on the same ServingStack.

    pip install --no-deps --target build/eval/cmc cdk-monitoring-constructs==10.3.3
    PYTHONPATH=build/eval/cmc python -m bench.compare_monitoring [--rounds 3]

Two variants of the whole app, each synthesized in a fresh process (cdk-nag on, as ``cdk synth`` runs it):
``ours`` as it is, and ``facade``: the same plus a ``MonitoringFacade`` monitoring both functions, the Fargate
service and its ALB, the HTTP API and our EMF metrics, alarming into the same topic (alarms of ours cannot be
left out: the rollouts need them). Prints the time from import to synthesized, ServingStack's template size,
and how much of it is monitoring (CloudWatch alarms and dashboards, the topic, its key and policy).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANT = r"""
import json, sys, time, tempfile
from pathlib import Path
started = time.perf_counter()
variant = sys.argv[1]
from tests.infra.conftest import write_training_inputs, app_context, new_app
from stacks.config import load_config
import app as cdk_app
inputs = write_training_inputs(Path(tempfile.mkdtemp()))
context = app_context(inputs)
out = Path(sys.argv[2])
app = new_app(context, outdir=out)
training, serving = cdk_app.build(app, load_config(context, repo_root=Path.cwd()))
if variant == "facade":
    import cdk_monitoring_constructs as cmc
    from aws_cdk import aws_cloudwatch as cloudwatch
    from inference.metrics.names import NAMESPACE
    actions = cmc.SnsAlarmActionStrategy(on_alarm_topic=serving.monitoring.topic)
    facade = cmc.MonitoringFacade(serving, "Facade", alarm_factory_defaults=cmc.AlarmFactoryDefaults(
        actions_enabled=True, alarm_name_prefix="Serving", action=actions))
    for name, backend in serving.functions.items():
        facade.monitor_lambda_function(lambda_function=backend.function, alarm_friendly_name=name,
            add_fault_rate_alarm={"w": cmc.ErrorRateThreshold(max_error_rate=1)},
            add_latency_p99_alarm={"w": cmc.LatencyThreshold(max_latency=__import__("aws_cdk").Duration.millis(100))},
            add_throttles_count_alarm={"w": cmc.ErrorCountThreshold(max_error_count=0)})
    facade.monitor_simple_fargate_service(fargate_service=serving.fargate.service, alarm_friendly_name="fargate",
        add_cpu_usage_alarm={"w": cmc.UsageThreshold(max_usage_percent=80)})
    facade.monitor_fargate_application_load_balancer(
        fargate_service=serving.fargate.service, application_load_balancer=serving.fargate.entry.load_balancer,
        application_target_group=serving.fargate.target_group, alarm_friendly_name="alb",
        add_unhealthy_task_count_alarm={"w": cmc.UnhealthyTaskCountThreshold(max_unhealthy_tasks=0)})
    facade.monitor_api_gateway_v2_http_api(api=serving.api.http_api, alarm_friendly_name="api",
        add5xx_rate_alarm={"w": cmc.ErrorRateThreshold(max_error_rate=1)})
    backends = ("lambda-x86", "lambda-arm64", "fargate")
    groups = [cmc.CustomMetricGroup(title=f"{name} requests", metrics=[cloudwatch.Metric(namespace=NAMESPACE,
              metric_name="Invocations", dimensions_map={"Backend": name})]) for name in backends]
    facade.monitor_custom(alarm_friendly_name="emf", metric_groups=groups)
app.synth()
template = json.loads((out / "ServingStack.template.json").read_text())["Resources"]
kinds = ("AWS::CloudWatch::", "AWS::SNS::", "AWS::KMS::")
monitoring = {k: v for k, v in template.items() if v["Type"].startswith(kinds)}
size = (out / "ServingStack.template.json").stat().st_size
print(json.dumps({"seconds": time.perf_counter() - started, "bytes": size, "resources": len(template),
                  "monitoring_resources": len(monitoring), "monitoring_bytes": len(json.dumps(monitoring, indent=1))}))
"""


def synthesize(variant: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        done = subprocess.run([sys.executable, "-c", VARIANT, variant, out], cwd=ROOT, capture_output=True,
                              text=True, check=True)  # fmt: skip
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"ours": [], "facade": []}
    for _ in range(args.rounds):
        for variant in results:
            results[variant].append(synthesize(variant))
    for variant, runs in results.items():
        seconds = [run["seconds"] for run in runs]
        print(
            f"{variant}: synth {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f}); "
            f"ServingStack template {runs[0]['bytes'] / 1024:.1f} KiB, {runs[0]['resources']:.0f} resources, of "
            f"which monitoring {runs[0]['monitoring_resources']:.0f} ({runs[0]['monitoring_bytes'] / 1024:.1f} KiB)"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s in all)")
