"""``make score`` with s3:// URIs: starts the state machine and follows it (botocore's Stubber holds the AWS side)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from scripts import score

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:Batch"
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:Batch:score-1"
MAP_RUN = "arn:aws:states:us-east-1:123456789012:mapRun:Batch/Score:0123"
SUMMARY = {"input": "s3://b/batch/input/", "output": "s3://b/batch/output/", "rows": 10, "failed_rows": 1,
           "summary": "s3://b/batch/output/_summary.json"}  # fmt: skip


def stepfunctions(final: dict[str, Any]) -> tuple[Any, Stubber]:
    client = boto3.client("stepfunctions", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    request = {"input": "s3://b/batch/input/", "output": "s3://b/batch/output/",
               "options": {"content_type": "text/csv", "accept": None, "output_keys": None, "header": True,
                           "join": "id"}}  # fmt: skip
    stub.add_response("start_execution", {"executionArn": EXECUTION, "startDate": 0},
                      {"stateMachineArn": MACHINE, "name": ANY, "input": json.dumps(request)})  # fmt: skip
    running = {"executionArn": EXECUTION, "stateMachineArn": MACHINE, "status": "RUNNING", "startDate": 0}
    stub.add_response("describe_execution", running, {"executionArn": EXECUTION})
    stub.add_response("list_map_runs", {"mapRuns": [{"executionArn": EXECUTION, "mapRunArn": MAP_RUN,
                                                     "stateMachineArn": MACHINE, "startDate": 0}]},
                      {"executionArn": EXECUTION})  # fmt: skip
    counts = {"pending": 1, "running": 2, "succeeded": 7, "failed": 0, "timedOut": 0, "aborted": 0, "total": 10,
              "resultsWritten": 0}  # fmt: skip
    stub.add_response("describe_map_run", {"mapRunArn": MAP_RUN, "executionArn": EXECUTION, "status": "RUNNING",
                                           "startDate": 0, "maxConcurrency": 100, "toleratedFailurePercentage": 0,
                                           "toleratedFailureCount": 0, "itemCounts": counts,
                                           "executionCounts": counts}, {"mapRunArn": MAP_RUN})  # fmt: skip
    stub.add_response("describe_execution", {"executionArn": EXECUTION, "stateMachineArn": MACHINE, "startDate": 0,
                                             **final}, {"executionArn": EXECUTION})  # fmt: skip
    return client, stub


@pytest.mark.parametrize(("final", "status"), [
    ({"status": "SUCCEEDED", "output": json.dumps(SUMMARY)}, 1),
    ({"status": "SUCCEEDED", "output": json.dumps({**SUMMARY, "failed_rows": 0})}, 0),
    ({"status": "FAILED", "error": "InvalidInput", "cause": "input s3://x is outside s3://b/batch/input/"}, 2),
])  # fmt: skip
def test_a_job_is_started_followed_and_reported(final: dict[str, Any], status: int,
                                                capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    client, stub = stepfunctions(final)
    request = {"input": "s3://b/batch/input/", "output": "s3://b/batch/output/",
               "options": {"content_type": "text/csv", "accept": None, "output_keys": None, "header": True,
                           "join": "id"}}  # fmt: skip
    with stub:
        assert score.follow(client, MACHINE, request, poll=0) == status
        stub.assert_no_pending_responses()
    err = capsys.readouterr().err
    assert "Score: 7 of 10 done, 2 running, 0 failed" in err
    if final["status"] == "FAILED":
        assert "job failed: InvalidInput input s3://x is outside" in err
    else:
        assert "summary: s3://b/batch/output/_summary.json" in err


def test_the_state_machine_is_found_by_the_stack_output() -> None:
    client = boto3.client("cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("describe_stacks", {"Stacks": [{"StackName": "BatchStack", "CreationTime": 0,
                                                          "StackStatus": "CREATE_COMPLETE", "Outputs": [
                                                              {"OutputKey": "StateMachineArn", "OutputValue": MACHINE}
                                                          ]}]}, {"StackName": "BatchStack"})  # fmt: skip
        assert score.state_machine_arn(client, "BatchStack") == MACHINE


def test_a_local_input_and_an_s3_output_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert score.main(["in.csv", "s3://b/out/"]) == 2
    assert "both local files or both s3:// URIs" in capsys.readouterr().err
