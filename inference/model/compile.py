"""Compile ``model.tar.gz`` into ``model.compiled.npz`` at packaging time, so serving starts without compiling.

    python -m inference.model.compile MODEL [OUT] [--schema SCHEMA_URI|none]

MODEL and OUT are local paths or ``s3://`` URIs (OUT defaults to beside MODEL); the schema beside MODEL (or
``--schema``) is checked and recorded. Exit 0 when written, 2 with the reason when it cannot be compiled.
"""

from __future__ import annotations

import argparse
import hashlib
import posixpath
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

from inference.errors import ModelFormatError
from inference.model import artifact, compiled
from inference.model.bundle import check_agreement, default_schema_uri, load_schema
from inference.model.schema import Schema
from inference.trees.ensemble import compile_model

NO_SCHEMA = "none"


def compiled_bytes(tarball: bytes, schema: Schema | None = None) -> bytes:
    """The verified archive of a model given as the bytes of ``model.tar.gz`` (or of a bare model file),
    checked against ``schema`` and recording its feature names when one is given."""
    forest = compile_model(artifact.model_document(tarball)).forest
    if schema is not None:
        check_agreement(forest, schema)
    data = compiled.to_bytes(forest, tarball, schema.names if schema else None)
    compiled.from_bytes(data, "the compiled model")  # what is written must load: refuse it here, not at serving
    return data


def compile_to(model_uri: str, out_uri: str | None = None, schema_uri: str | None = None) -> str:
    """Compile ``model_uri`` and write the archive; returns where. ``schema_uri``: None for the schema beside
    the model (when there is one), ``"none"`` for no schema, else the schema to check and record."""
    return compile_uri(model_uri, out_uri, schema_uri).uri


class Written(NamedTuple):
    uri: str
    """Where the archive went."""
    source_sha256: str
    """SHA-256 (hex) of the tarball it was compiled from: the deployment's ``MODEL_SHA256``."""
    sha256: str
    """SHA-256 (hex) of the archive itself: the deployment's ``COMPILED_MODEL_SHA256``."""


def compile_uri(model_uri: str, out_uri: str | None, schema_uri: str | None) -> Written:
    """``compile_to``, answering where the archive went and the digests a deployment checks it with."""
    tarball = artifact.fetch(model_uri).data
    schema = None
    if schema_uri != NO_SCHEMA:
        uri = schema_uri or default_schema_uri(model_uri)
        if schema_uri is not None or _exists(uri):
            schema = load_schema(uri, explicit=schema_uri is not None)
    destination, archive = _destination(model_uri, out_uri), compiled_bytes(tarball, schema)
    write(destination, archive)
    return Written(destination, hashlib.sha256(tarball).hexdigest(), hashlib.sha256(archive).hexdigest())


def _destination(model_uri: str, out_uri: str | None) -> str:
    if out_uri is None:
        return posixpath.join(posixpath.dirname(model_uri), compiled.COMPILED_NAME) if "/" in model_uri else (
            compiled.COMPILED_NAME)  # fmt: skip
    if out_uri.endswith("/") or (not out_uri.startswith("s3://") and Path(out_uri).is_dir()):
        return posixpath.join(out_uri, compiled.COMPILED_NAME)
    return out_uri


def _exists(uri: str) -> bool:
    if not uri.startswith("s3://"):
        return Path(uri).is_file()
    try:
        artifact.fetch(uri, max_bytes=artifact.MAX_SCHEMA_BYTES, what="schema file")
    except ModelFormatError:
        return False
    return True


def write(uri: str, data: bytes) -> None:
    """Write locally through a temporary file and a rename, or put the object to S3."""
    if uri.startswith("s3://"):
        import boto3

        from inference.model.s3 import split_uri

        bucket, key = split_uri(uri)
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=data)
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(data)
    Path(handle.name).chmod(0o644)  # a temporary file is private; the archive is read like the tarball
    Path(handle.name).replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inference.model.compile", description=__doc__.split("\n")[0])
    parser.add_argument("model", help="model.tar.gz: a local path or s3://bucket/key")
    parser.add_argument("out", nargs="?", help="the archive or a directory (default: beside the model)")
    parser.add_argument("--schema", help="schema.json to check and record (default: beside the model); 'none'")
    args = parser.parse_args(argv)
    try:
        destination = compile_to(args.model, args.out, args.schema)
    except (ModelFormatError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
