"""The training job's least-privilege roles in TrainingStack's template (SageMaker execution role, handler role)."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match

POLICY = "AWS::IAM::Policy"


def _policy_of_role_assumed_by(template, service: str) -> list[dict]:  # type: ignore[no-untyped-def]
    roles = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [Match.object_like({"Principal": {"Service": service}})]}
            }
        },
    )
    return [
        statement
        for policy in template.find_resources(POLICY).values()
        if {ref["Ref"] for ref in policy["Properties"]["Roles"]} & set(roles)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _handler_functions(template) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    handler = Match.string_like_regexp(r"^index\.(on_event|is_complete)$")
    return template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})


def _actions(statements: list[dict]) -> set[str]:
    return {action for s in statements for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_execution_role_reads_only_the_data_prefix_and_writes_only_models(training_stack) -> None:  # type: ignore[no-untyped-def]
    stack, template = training_stack()
    statements = _policy_of_role_assumed_by(template, "sagemaker.amazonaws.com")
    prefix = stack.node.find_child("TrainingData").prefix
    by_action = {json.dumps(s["Action"]): s for s in statements}
    assert _actions(statements) == {
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetAuthorizationToken",
        "logs:CreateLogGroup",
        "logs:DescribeLogStreams",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "cloudwatch:PutMetricData",
    }
    assert by_action['"s3:GetObject"']["Resource"]["Fn::Join"][1][1] == f"/{prefix}*"
    assert by_action['"s3:ListBucket"']["Condition"] == {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
    assert by_action['["s3:AbortMultipartUpload", "s3:PutObject"]']["Resource"]["Fn::Join"][1][1] == "/models/*"
    assert by_action['"cloudwatch:PutMetricData"']["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/TrainingJobs"}
    }
    wildcard = [s for s in statements if s["Resource"] == "*"]
    assert _actions(wildcard) == {"ecr:GetAuthorizationToken", "cloudwatch:PutMetricData"}
    ecr_pull = by_action['["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]']
    assert ecr_pull["Resource"]["Fn::Sub"][0].endswith(":repository/sagemaker-xgboost")


def test_handlers_may_only_run_xgboost_jobs_and_pass_the_execution_role(training_stack) -> None:  # type: ignore[no-untyped-def]
    _, template = training_stack()
    functions = _handler_functions(template)
    assert sorted(f["Properties"]["Handler"] for f in functions.values()) == ["index.is_complete", "index.on_event"]
    (role_id,) = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    statements = [
        s
        for policy in template.find_resources(POLICY, {"Properties": {"Roles": [{"Ref": role_id}]}}).values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    sagemaker = next(s for s in statements if "sagemaker:CreateTrainingJob" in s["Action"])
    assert sorted(sagemaker["Action"]) == ["sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob"]
    assert sagemaker["Resource"]["Fn::Join"][1][-1].endswith(":training-job/xgboost-*")
    pass_role = next(s for s in statements if s["Action"] == "iam:PassRole")
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert pass_role["Resource"]["Fn::GetAtt"][0].startswith("TrainingJobExecutionRole")


def test_the_upload_may_only_read_its_zip_and_write_its_own_data_prefix_never_delete(training_stack) -> None:  # type: ignore[no-untyped-def]
    """Before issue 22 the upload role (BucketDeployment's grants) could delete any object version, models/*
    included, and put legal holds and retention on the whole model bucket."""
    stack, template = training_stack()
    data = stack.node.find_child("TrainingData")
    [upload] = template.find_resources("Custom::CDKBucketDeployment").values()
    function_id = upload["Properties"]["ServiceToken"]["Fn::GetAtt"][0]
    role_id = template.find_resources("AWS::Lambda::Function")[function_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources(POLICY, {"Properties": {"Roles": [{"Ref": role_id}]}}).values()
    statements = [s for policy in policies for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    by_action = {json.dumps(s["Action"]): s for s in statements}
    assert set(by_action) == {'["logs:CreateLogStream", "logs:PutLogEvents"]', '"s3:GetObject"',
                              '["s3:AbortMultipartUpload", "s3:PutObject"]', '"s3:ListBucket"'}  # fmt: skip
    bucket = {"Fn::GetAtt": [stack.resolve(stack.model_bucket.bucket_arn)["Fn::GetAtt"][0], "Arn"]}
    assert by_action['["s3:AbortMultipartUpload", "s3:PutObject"]']["Resource"] == {
        "Fn::Join": ["", [bucket, f"/{data.prefix}*"]]}  # fmt: skip
    assert by_action['"s3:ListBucket"']["Condition"] == {"StringLike": {"s3:prefix": [f"{data.prefix}*"]}}
    zip_key = upload["Properties"]["SourceObjectKeys"][0]
    assert by_action['"s3:GetObject"']["Resource"]["Fn::Join"][1][-1] == f"/{zip_key}"  # that one zip
    assert upload["Properties"]["Prune"] is False  # nothing to delete under a content-addressed prefix
