"""``python -m inference.batch INPUT OUTPUT``: score a local file as Batch Transform would, on every core.

Exit status 0 when every row was answered, 1 when some rows failed (their lines are empty in OUTPUT and
listed in OUTPUT.errors.jsonl), 2 when the job could not run (a missing file, a model that does not load,
options the model or the formats refuse), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from inference.batch.local import ERRORS_SUFFIX, score_file
from inference.batch.options import Options
from inference.batch.progress import summary_text
from inference.batch.scorer import Scorer
from inference.batch.table import INPUT
from inference.errors import InferenceError, ModelFormatError
from inference.model.bundle import ModelBundle
from inference.settings import Settings, SettingsError

RANGE_MB = 64
DESCRIPTION = "Score a local file as SageMaker Batch Transform would, on every core."


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inference.batch", description=DESCRIPTION,
                                     epilog=__doc__.split("\n\n")[1])  # fmt: skip
    parser.add_argument("input", type=Path, help="the rows: one per line (CSV without a header unless --header)")
    parser.add_argument("output", type=Path, help=f"one answer line per input line; errors in OUTPUT{ERRORS_SUFFIX}")
    parser.add_argument("--model", help="model.tar.gz (or model.compiled.npz), local or s3://; default: MODEL_URI")
    parser.add_argument("--schema", help="its schema.json; default: SCHEMA_URI, else schema.json beside the model")
    parser.add_argument("--content-type", default="text/csv", help="text/csv (default), text/libsvm, "
                        "application/jsonlines")  # fmt: skip
    parser.add_argument("--accept", help="the answers' format: text/csv (default), application/jsonlines, "
                        "application/json")  # fmt: skip
    parser.add_argument("--output-keys", help="as SAGEMAKER_INFERENCE_OUTPUT, e.g. predicted_label,probability")
    parser.add_argument("--header", action="store_true", help="the first line names the columns: features by name, "
                        "any order, other columns ignored")  # fmt: skip
    parser.add_argument("--join", help=f"{INPUT!r} (the input line beside each answer, as JoinSource=Input) or "
                        "columns of the header (e.g. id,date)")  # fmt: skip
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: every core)")
    parser.add_argument("--range-mb", type=int, default=RANGE_MB,
                        help=f"the largest byte range a process scores at once (default {RANGE_MB})")  # fmt: skip
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    for stop in (signal.SIGTERM, signal.SIGHUP):  # as Ctrl-C: the parts beside OUTPUT are removed on the way out
        signal.signal(stop, _stopped)
    try:
        settings = Settings.from_environ()
        model_uri = args.model or settings.model_uri
        if not model_uri:
            raise ModelFormatError("no model: pass --model (a model.tar.gz) or set MODEL_URI")
        if not args.input.is_file():
            raise FileNotFoundError(f"{args.input} is not a file")
        options = Options(args.content_type, args.accept, args.output_keys, args.header, args.join)
        bundle = ModelBundle.load(model_uri, settings.model_version, schema_uri=args.schema or settings.schema_uri,
                                  compiled_uri=settings.compiled_model_uri, s3=settings.s3)  # fmt: skip
        scorer = Scorer(bundle, options, _header(args.input) if args.header else None)
        summary = score_file(scorer, args.input, args.output, workers=max(args.workers, 1),
                             range_bytes=max(args.range_mb, 1) << 20)  # fmt: skip
    except (InferenceError, ModelFormatError, SettingsError, OSError) as error:
        print(f"python -m inference.batch: {error}", file=sys.stderr)
        return 2
    print(summary_text(summary), file=sys.stderr)
    return 1 if summary["failed_rows"] else 0


def _stopped(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _header(path: Path) -> str:
    from inference.batch.ranges import file_reader, header

    with file_reader(str(path)) as read:
        return header(read, path.stat().st_size)[0]
