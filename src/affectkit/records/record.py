"""A record: one input row (its id and its value, a text or an `Input`), and file formats."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError
from affectkit.inputs import Input

FORMATS = ("csv", "jsonl", "txt", "parquet")


@dataclass
class Record:
    """One input row: its id and its value, a text or an `Input` (audio, image, video).

    `value` is None when the row could not be read; `error` says why.
    """

    id: str
    value: str | Input | None
    error: str | None = None
    extra: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return self.value.kind if isinstance(self.value, Input) else "text"

    @property
    def text(self) -> str | None:
        """The text of a text row (None for media rows and unreadable ones)."""
        if isinstance(self.value, Input):
            return self.value.text if isinstance(self.value.text, str) else None
        return self.value

    @property
    def reference(self) -> str | None:
        """What outputs keep of the input: the text, or the media file's path."""
        return self.value.reference if isinstance(self.value, Input) else self.value


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise DataFormatError(f"Unknown format {fmt!r}; expected one of {list(FORMATS)}.")
        return fmt
    suffixes = [s.lower() for s in Path(path).suffixes]
    for s in reversed(suffixes):
        s = s.lstrip(".")
        if s in ("json", "ndjson"):
            return "jsonl"
        if s in ("tsv", "text"):
            return "csv" if s == "tsv" else "txt"
        if s in FORMATS:
            return s
    raise DataFormatError(
        f"Cannot tell the format of {str(path)!r} from its extension; expected .csv, .jsonl, "
        f".txt or .parquet (or pass --format)."
    )
