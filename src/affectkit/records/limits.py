"""`ReadLimits`: what a reader accepts of one file (decompressed bytes, rows, line length)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from affectkit.errors import InvalidInputError, LimitExceededError


@dataclass(frozen=True)
class ReadLimits:
    """What a reader accepts of one input file before it stops with a `DataFormatError`
    (a `LimitExceededError`) naming the limit, where it was hit and how to raise it:
    decompressed bytes, rows, characters in one line (or one CSV record, quoted line breaks
    included). None: no limit. The defaults bound a batch input or an upload to what the
    machine can hold; `affectkit batch` and `affectkit analyze --file` raise them with
    ``--max-input-bytes``, ``--max-rows`` and ``--max-line-chars`` (`LIMIT_FLAGS`).
    """

    max_bytes: int | None = 20 * 2**30  # decompressed
    max_rows: int | None = 50_000_000
    max_line_chars: int | None = 10_000_000

    def __post_init__(self) -> None:
        for name in LIMIT_FLAGS:
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                raise InvalidInputError(
                    f"{name} must be a positive integer or None (no limit). Got {value!r} instead."
                )


# the command-line flag that raises each limit
LIMIT_FLAGS = {
    "max_bytes": "--max-input-bytes",
    "max_rows": "--max-rows",
    "max_line_chars": "--max-line-chars",
}


def over(path: Path, limit: str, value: int, where: str) -> LimitExceededError:
    what = {
        "max_bytes": f"holds more than {value:,} bytes once decompressed",
        "max_rows": f"has more than {value:,} rows",
        "max_line_chars": f"has a line longer than {value:,} characters",
    }[limit]
    return LimitExceededError(
        f"{path.name} {what} (the {limit} limit), at {where}; reading stopped there. If the "
        f"file is meant to be that large, raise the limit with {LIMIT_FLAGS[limit]}."
    )
