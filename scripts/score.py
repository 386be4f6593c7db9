"""``make score INPUT=... OUTPUT=...``: score a table as SageMaker Batch Transform would.

    python -m scripts.score in.csv out.csv [--header] [--join id] ...
        [--model build/models/california_housing/model.tar.gz]
    python -m scripts.score s3://bucket/batch/input/day/ s3://bucket/batch/output/day/ [--header] ...

Local files are scored on every core by ``python -m inference.batch`` (same options, same exit status).
S3 URIs start an execution of the deployed BatchStack's state machine (``--state-machine`` or the stack's
``StateMachineArn`` output), follow it with its map runs' progress, and say where the results are: exit
0 when every row was answered, 1 when some rows failed, 2 when the job itself failed (with its error).
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

from inference.batch import cli
from inference.batch.options import Options

STACK = "BatchStack"
POLL_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = cli.parser()
    parser.prog = "make score"
    parser.add_argument("--state-machine", help=f"the state machine's ARN (default: {STACK}'s StateMachineArn)")
    parser.add_argument("--stack", default=STACK, help=f"the stack whose output names it (default {STACK})")
    args, _ = parser.parse_known_args(argv)
    remote = [str(path).startswith("s3:/") for path in (args.input, args.output)]
    if not any(remote):
        return cli.main([item for item in (argv if argv is not None else sys.argv[1:])
                         if item not in _remote_arguments(argv)])  # fmt: skip
    if not all(remote):
        print("make score: INPUT and OUTPUT are both local files or both s3:// URIs", file=sys.stderr)
        return 2
    import boto3

    options = Options(args.content_type, args.accept, args.output_keys, args.header, args.join)
    request = {"input": _uri(args.input), "output": _uri(args.output), "options": options.to_document()}
    machine = args.state_machine or state_machine_arn(boto3.client("cloudformation"), args.stack)
    return follow(boto3.client("stepfunctions"), machine, request)


def _uri(path: object) -> str:
    """argparse's Path turns ``s3://b/k`` into ``s3:/b/k``: put the slash back."""
    text = str(path)
    return text if text.startswith("s3://") else "s3://" + text.removeprefix("s3:/")


def _remote_arguments(argv: list[str] | None) -> set[str]:
    items = argv if argv is not None else sys.argv[1:]
    found = set()
    for index, item in enumerate(items):
        if item in ("--state-machine", "--stack") and index + 1 < len(items):
            found |= {item, items[index + 1]}
        elif item.startswith(("--state-machine=", "--stack=")):
            found.add(item)
    return found


def state_machine_arn(cloudformation: Any, stack: str) -> str:
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    found = [output["OutputValue"] for output in outputs if output["OutputKey"] == "StateMachineArn"]
    if not found:
        raise SystemExit(f"make score: stack {stack} has no StateMachineArn output; deploy it (make deploy)")
    return str(found[0])


def follow(stepfunctions: Any, machine: str, request: dict[str, Any], *, poll: float = POLL_SECONDS) -> int:
    """Start the job, print its progress until it ends, then its summary; the exit status."""
    name = f"score-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    execution = stepfunctions.start_execution(stateMachineArn=machine, name=name, input=json.dumps(request))
    arn = execution["executionArn"]
    print(f"started {name}: {request['input']} -> {request['output']}", file=sys.stderr)
    while True:
        described = stepfunctions.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        print(progress(stepfunctions, arn), file=sys.stderr)
        time.sleep(poll)
    if described["status"] != "SUCCEEDED":
        print(f"job {described['status'].lower()}: {described.get('error', '')} {described.get('cause', '')}".strip(),
              file=sys.stderr)  # fmt: skip
        return 2
    summary = json.loads(described["output"])
    print(json.dumps(summary, indent=2))
    print(f"answers: each input's .out under {summary['output']}; summary: {summary['summary']}", file=sys.stderr)
    return 1 if summary["failed_rows"] else 0


def progress(stepfunctions: Any, execution_arn: str) -> str:
    """One line per map run: items done of the total, running, failed."""
    runs = stepfunctions.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if not runs:
        return "planning..."
    lines = []
    for run in runs:
        counts = stepfunctions.describe_map_run(mapRunArn=run["mapRunArn"])["itemCounts"]
        state = run["mapRunArn"].split(":")[-2].split("/")[-1]
        lines.append(f"{state}: {counts['succeeded']} of {counts['total']} done, {counts['running']} running, "
                     f"{counts['failed']} failed")  # fmt: skip
    return "; ".join(lines)


if __name__ == "__main__":
    sys.exit(main())
