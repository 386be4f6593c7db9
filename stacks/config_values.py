"""Readers for single context values: each returns a typed value or raises ``ConfigError`` naming the key.

Values come from ``cdk.json`` (JSON types) or from ``cdk -c key=value`` (always strings), so every reader
accepts both spellings: ``2048`` and ``"2048"``, ``true`` and ``"true"``, ``null`` and ``"null"``.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ConfigError(ValueError):
    """A context value (or a file it names) is missing or invalid; the message says which and why."""


def _why(note: str) -> str:
    return f" ({note})" if note else ""


def is_null(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() == "null")


def integer(key: str, value: object, *, minimum: int, maximum: int, note: str = "") -> int:
    """An int within [minimum, maximum]; booleans are refused (``true`` is not a count)."""
    parsed: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        parsed = value
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        parsed = int(value.strip())
    if parsed is None or not minimum <= parsed <= maximum:
        raise ConfigError(
            f"context key {key!r} must be an integer between {minimum} and {maximum}{_why(note)}, got {value!r}"
        )
    return parsed


def optional_integer(key: str, value: object, *, minimum: int, maximum: int, note: str = "") -> int | None:
    """Like ``integer`` but ``null`` means "not set"."""
    if is_null(value):
        return None
    try:
        return integer(key, value, minimum=minimum, maximum=maximum)
    except ConfigError:
        raise ConfigError(
            f"context key {key!r} must be null or an integer between {minimum} and {maximum}{_why(note)}, got {value!r}"
        ) from None


def number(key: str, value: object, *, minimum: float, maximum: float) -> float:
    parsed: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        parsed = float(value)
    elif isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        parsed = float(value.strip())
    if parsed is None or not minimum <= parsed <= maximum:
        raise ConfigError(f"context key {key!r} must be a number between {minimum:g} and {maximum:g}, got {value!r}")
    return parsed


def boolean(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"context key {key!r} must be true or false, got {value!r}")


def choice(key: str, value: object, choices: Collection[str], *, note: str = "") -> str:
    if isinstance(value, str) and value in choices:
        return value
    allowed = ", ".join(repr(c) for c in choices)
    raise ConfigError(f"context key {key!r} must be one of {allowed}{_why(note)}, got {value!r}")


def one_of_integers(key: str, value: object, choices: Collection[int], *, note: str = "") -> int:
    allowed = ", ".join(str(c) for c in choices)
    try:
        parsed = integer(key, value, minimum=min(choices), maximum=max(choices))
    except ConfigError:
        parsed = None
    if parsed is None or parsed not in choices:
        raise ConfigError(f"context key {key!r} must be one of {allowed}{_why(note)}, got {value!r}")
    return parsed


def text(key: str, value: object, *, pattern: str, example: str) -> str:
    if isinstance(value, str) and re.fullmatch(pattern, value):
        return value
    raise ConfigError(f"context key {key!r} must look like {example!r}, got {value!r}")


def s3_object(key: str, value: object, *, example: str) -> tuple[str, str] | None:
    """``s3://bucket/key`` -> (bucket, key) of one object; ``null`` or empty means "not set"."""
    if is_null(value) or value == "":
        return None
    if not isinstance(value, str) or not value.startswith("s3://"):
        raise ConfigError(f"context key {key!r} must be null or an S3 URI like {example!r}, got {value!r}")
    bucket, _, object_key = value.removeprefix("s3://").partition("/")
    if not _BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise ConfigError(f"context key {key!r} names an invalid S3 bucket {bucket!r}, got {value!r}")
    if not object_key or object_key.endswith("/"):
        raise ConfigError(f"context key {key!r} must name an object, not a bucket or a prefix, got {value!r}")
    return bucket, object_key


def sha256(key: str, value: object) -> str | None:
    """A SHA-256 in lower-case hex (as TrainingStack's ``ModelSha256`` output prints it); ``null`` or empty: not set."""
    if is_null(value) or value == "":
        return None
    if not isinstance(value, str) or not _SHA256.fullmatch(value.strip().lower()):
        raise ConfigError(f"context key {key!r} must be null or a SHA-256 in hex (64 digits), got {value!r}")
    return value.strip().lower()
