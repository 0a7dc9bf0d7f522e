"""What an upload to ``POST /v1/jobs`` may hold, checked before a job exists.

`check_upload` reads the saved upload once, a block at a time, decompressing it as the readers
do, and stops at the first limit it crosses: bytes once decompressed, lines, characters in one
line (`ReadLimits`). A gzip bomb (a megabyte that unpacks to gigabytes of one line, or to
hundreds of millions of short rows) is refused after the first few megabytes, in constant
memory, with a `LimitExceededError` (413) naming the limit and the `affectkit serve` flag that
raises it; no row is parsed, so the count is quick. It runs on a worker thread (the route calls
it through `asyncio.to_thread`), never on the event loop. The readers enforce the same limits
again while the job runs (`BatchJob.limits`).
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from pathlib import Path
from typing import BinaryIO

from affectkit.errors import DataFormatError, LimitExceededError, require
from affectkit.records import ReadLimits, detect_format

BLOCK_BYTES = 1 << 20  # decompressed bytes read at a time

FLAGS = {  # the `affectkit serve` flag behind each limit, for the messages
    "max_bytes": "--max-upload-decompressed-bytes",
    "max_rows": "--max-upload-rows",
    "max_line_chars": "--max-upload-line-chars",
}


WHAT = {
    "max_bytes": "holds more than {:,} bytes once decompressed",
    "max_rows": "has more than {:,} rows",
    "max_line_chars": "has a line longer than {:,} characters",
}


def _too_large(name: str, limit: str, value: int) -> LimitExceededError:
    return LimitExceededError(
        f"{name} {WHAT[limit].format(value)}, this service's limit ({FLAGS[limit]}). "
        f"Split the file into smaller ones, or ask the operator to raise the limit."
    )


def check_upload(path: Path, limits: ReadLimits, name: str | None = None) -> int:
    """The upload's rows (a text file's lines, less a CSV's header; a Parquet file's rows), or
    a `LimitExceededError` at the first limit the file crosses (`name`: the file's name in
    messages, e.g. as the client sent it)."""
    fmt = detect_format(path)
    name = name or path.name
    if fmt == "parquet":
        return _parquet_rows(path, limits, name)
    lines = _text_lines(path, limits, name, header=fmt == "csv")
    return max(0, lines - (1 if fmt == "csv" else 0))


def _text_lines(path: Path, limits: ReadLimits, name: str, header: bool) -> int:
    max_rows = None if limits.max_rows is None else limits.max_rows + (1 if header else 0)
    max_line = limits.max_line_chars
    lines = line = size = 0  # `line`: characters since the last newline
    try:
        with _open_bytes(path) as raw:
            data = raw.read(BLOCK_BYTES)
            # UTF-16 with a byte-order mark, else UTF-8 (as `open_text` reads them)
            utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8")("replace")
            while data:
                size += len(data)
                if limits.max_bytes is not None and size > limits.max_bytes:
                    raise _too_large(name, "max_bytes", limits.max_bytes)
                text = decoder.decode(data)
                first = text.find("\n")
                if first < 0:
                    line += len(text)
                else:
                    # a line inside one block is at most a block long: only the lines that run
                    # across blocks are measured, and the lines of a block that is longer
                    longest = line + first
                    if max_line and len(text) > max_line:
                        longest = max(longest, *map(len, text.split("\n")[1:-1]), 0)
                    if max_line and longest > max_line:
                        raise _too_large(name, "max_line_chars", max_line)
                    lines += text.count("\n")
                    line = len(text) - text.rfind("\n") - 1
                if max_line and line > max_line:
                    raise _too_large(name, "max_line_chars", max_line)
                if max_rows is not None and lines > max_rows:
                    raise _too_large(name, "max_rows", limits.max_rows)
                data = raw.read(BLOCK_BYTES)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataFormatError(
            f"{name} is damaged ({type(exc).__name__}: {exc}): the compressed data is cut "
            f"short or corrupt. Compress or export the file again."
        ) from None
    lines += 1 if line else 0  # a last line without its newline
    if max_rows is not None and lines > max_rows:
        raise _too_large(name, "max_rows", limits.max_rows)
    return lines


def _open_bytes(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip (told by its first bytes, as
    `affectkit.records.open_text` does)."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]


def _parquet_rows(path: Path, limits: ReadLimits, name: str) -> int:
    pq = require("pyarrow.parquet", "parquet")
    try:
        meta = pq.ParquetFile(path).metadata
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataFormatError(f"{name} is not a readable Parquet file ({exc}).") from None
    if limits.max_rows is not None and meta.num_rows > limits.max_rows:
        raise _too_large(name, "max_rows", limits.max_rows)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise _too_large(name, "max_bytes", limits.max_bytes)
    return meta.num_rows
