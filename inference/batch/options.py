"""What a batch job is asked for: the input's format, the answer's format and keys, a header, a join.

The same document travels from the command line, or a state machine execution's input, to every worker;
``Options.from_document`` refuses a bad one with an ``InvalidInput`` naming the option.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from inference.batch.table import INPUT
from inference.errors import InvalidInput, echoed
from inference.protocols.formats.text_csv import MEDIA_TYPE as CSV


@dataclass(frozen=True)
class Options:
    content_type: str = CSV
    """The input's media type: ``text/csv`` (without a header line unless ``header``), ``text/libsvm``,
    ``application/jsonlines``."""
    accept: str | None = None
    """The answer's media type (``/invocations``' Accept); None: ``text/csv``, the container's default."""
    output_keys: str | None = None
    """Comma-separated output keys (``SAGEMAKER_INFERENCE_OUTPUT``); None: the default answer."""
    header: bool = False
    """CSV whose first line names the columns: features found by name, in any order, others ignored."""
    join: str | None = None
    """``input`` (the whole input line beside each answer) or comma-separated column names of the header."""

    def __post_init__(self) -> None:
        media = self.content_type.split(";", 1)[0].strip().lower()
        if self.header and media not in (CSV, "csv"):
            raise InvalidInput("header applies to text/csv input only", code="invalid_option", field="header")
        if self.join is not None and self.join != INPUT and not self.header:
            raise InvalidInput(f"join by column names needs a header line (header); without one, join {INPUT!r}",
                               code="invalid_option", field="join")  # fmt: skip
        if self.join is not None and not self.join_columns() and self.join != INPUT:
            raise InvalidInput("join names no column", code="invalid_option", field="join")

    def join_columns(self) -> list[str]:
        if self.join is None or self.join == INPUT:
            return []
        return [name.strip() for name in self.join.split(",") if name.strip()]

    def to_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: object) -> Options:
        if document is None:
            return cls()
        if not isinstance(document, dict):
            raise InvalidInput("options must be a JSON object", code="invalid_option", field="options")
        known = {field.name: field.type for field in fields(cls)}
        for name, value in document.items():
            if name not in known:
                raise InvalidInput(f"{echoed(str(name))!r} is not an option; options: {', '.join(known)}",
                                   code="invalid_option", field=str(name))  # fmt: skip
            wanted = bool if name == "header" else str
            required = name in ("content_type", "header")
            if (value is None and required) or (value is not None and type(value) is not wanted):
                raise InvalidInput(f"option {name} must be a {wanted.__name__}, got {type(value).__name__}",
                                   code="invalid_option", field=name)  # fmt: skip
        return cls(**document)
