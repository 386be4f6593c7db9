"""Training channels and their schema copied into the model bucket under a prefix named by their content hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from cdk_constructs.nag import acknowledge, logical_id

DATA_HASH_LENGTH = 16
"""Hex digits of the content hash used in the prefix (64 bits: collisions are not a practical concern)."""


SCHEMA_ENTRY, BASELINE_ENTRY = "schema", "baseline"
"""The schema's and the baseline's names among the uploaded files (next to the channel names)."""


def data_sha256(data_dir: Path, files: Mapping[str, str]) -> str:
    """One hash over every file's name, path and bytes: changes exactly when the uploaded data changes."""
    digest = hashlib.sha256()
    for name, relative in sorted(files.items()):
        file_digest = hashlib.sha256((data_dir / relative).read_bytes()).hexdigest()
        digest.update(f"{name} {relative} {file_digest}\n".encode())
    return digest.hexdigest()


class TrainingData(Construct):
    """Uploads ``channel_files`` (channel -> path under ``data_dir``), ``schema_file`` and ``baseline_file`` to
    ``data/<hash>/<path>`` at deploy time.

    The hash covers the channels and the schema, so the prefix changes only when either does: a new data
    set (or a schema edit) never overwrites what an earlier model was trained on and is served with, and
    unchanged data means an unchanged template. Only these files are staged as the asset; anything else in
    ``data_dir`` (test split, manifest) stays local. ``schema_key``/``schema_uri`` name the uploaded schema,
    ``baseline_key`` the data's baseline, ``channel_key(channel)`` a channel's file.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        bucket: s3.IBucket,
        data_dir: Path,
        channel_files: Mapping[str, str],
        schema_file: str,
        baseline_file: str,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, id_)
        for entry in (SCHEMA_ENTRY, BASELINE_ENTRY):
            if entry in channel_files:
                raise ValueError(f"{entry!r} cannot be a channel name: it names the {entry} file")
        self.bucket = bucket
        self.channel_files = dict(channel_files)
        uploaded = {**channel_files, SCHEMA_ENTRY: schema_file, BASELINE_ENTRY: baseline_file}
        self.data_hash = data_sha256(data_dir, uploaded)[:DATA_HASH_LENGTH]
        self.prefix = f"data/{self.data_hash}/"
        self.schema_key = f"{self.prefix}{schema_file}"
        self.schema_uri = f"s3://{bucket.bucket_name}/{self.schema_key}"
        self.baseline_key = f"{self.prefix}{baseline_file}"
        self.log_group = logs.LogGroup(self, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
        self.asset = s3_assets.Asset(self, "Files", path=str(data_dir), exclude=_everything_but(uploaded.values()))
        self.upload_role = self._build_upload_role()
        self.deployment = s3deploy.BucketDeployment(
            self,
            "Upload",
            destination_bucket=bucket,
            destination_key_prefix=self.prefix,
            sources=[s3deploy.Source.bucket(self.asset.bucket, self.asset.s3_object_key)],
            role=self.upload_role.without_policy_updates(),  # its own grants (the whole bucket) are dropped
            log_group=self.log_group,
            prune=False,  # the prefix is content-addressed: nothing there is ever stale, so nothing is deleted
        )
        self.deployment.node.add_dependency(self.upload_role)
        self._acknowledge_upload_findings()

    def channel_uri(self, channel: str) -> str:
        """``s3://bucket/data/<hash>/<channel dir>/``: the S3Prefix a training channel reads."""
        directory = self.channel_files[channel].rsplit("/", 1)[0]
        return f"s3://{self.bucket.bucket_name}/{self.prefix}{directory}/"

    def channel_key(self, channel: str) -> str:
        """``data/<hash>/<channel file>``: the key of a channel's CSV."""
        return f"{self.prefix}{self.channel_files[channel]}"

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """List the data prefix and get its objects; nothing else in the bucket."""
        iam.Grant.add_to_principal(
            grantee=grantee, actions=["s3:GetObject"], resource_arns=[self.bucket.arn_for_objects(f"{self.prefix}*")]
        )
        grantee.grant_principal.add_to_principal_policy(_list_prefix(self.bucket, self.prefix))

    def _build_upload_role(self) -> iam.Role:
        """The upload's role, granted exactly what ``aws s3 cp`` of the staged zip and ``aws s3 sync`` into the
        prefix call (BucketDeployment's handler): read that one zip, list the prefix, put objects under it. It
        may not delete (so never a version), and may not write anywhere else: the models stay out of reach."""
        role = iam.Role(self, "UploadRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        self.log_group.grant_write(role)
        read = [self.asset.bucket.arn_for_objects(self.asset.s3_object_key)]
        iam.Grant.add_to_principal(grantee=role, actions=["s3:GetObject"], resource_arns=read)
        written = [self.bucket.arn_for_objects(f"{self.prefix}*")]
        iam.Grant.add_to_principal(
            grantee=role, actions=["s3:PutObject", "s3:AbortMultipartUpload"], resource_arns=written
        )
        role.add_to_principal_policy(_list_prefix(self.bucket, self.prefix))
        return role

    def _acknowledge_upload_findings(self) -> None:
        """The prefix the upload writes, and BucketDeployment's handler, whose runtime it offers no way to set."""
        write_reason = (
            f"Write-only (PutObject, AbortMultipartUpload: no delete, so no object version can be removed) under "
            f"{self.prefix}, the prefix named by this upload's content hash; the models and other data sets are "
            "out of reach."
        )
        acknowledge(
            self.upload_role.node.find_child("DefaultPolicy"),
            {f"AwsSolutions-IAM5[Resource::<{logical_id(self.bucket)}.Arn>/{self.prefix}*]": write_reason},
        )
        handler = next(c for c in Stack.of(self).node.children if c.node.id.startswith("Custom::CDKBucketDeployment"))
        acknowledge(
            handler,
            {
                "AwsSolutions-L1": "BucketDeployment's handler runtime is chosen by aws-cdk-lib (with its AWS CLI "
                "layer) and cannot be set; it is a deploy-time copy job, never invoked by users."
            },
        )


def _list_prefix(bucket: s3.IBucket, prefix: str) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        actions=["s3:ListBucket"],
        resources=[bucket.bucket_arn],
        conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
    )


def _everything_but(relative_paths: Iterable[str]) -> list[str]:
    """Glob excludes that stage only the given files (and the directories holding them)."""
    keep = list(relative_paths)
    directories = sorted({p.rsplit("/", 1)[0] for p in keep if "/" in p})
    return ["*", *(f"!{d}" for d in directories), *(f"!{p}" for p in keep)]
