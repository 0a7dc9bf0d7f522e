"""Reading text files in bounded pieces: gzip or not, UTF-8 or UTF-16, numbered lines."""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError
from affectkit.records.limits import ReadLimits, over


def _escape_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each byte the encoding cannot read becomes a lone surrogate
    (U+DC00 + byte), like "surrogateescape" but for UTF-16 too, so a bad row is reported by
    `bad_text` instead of failing the whole file."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("affectkit.escape", _escape_bytes)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class BytesOver(Exception):
    """More bytes came out of a file than its `ReadLimits.max_bytes`."""


class _Budget(io.RawIOBase):
    """A binary stream that stops with `BytesOver` once more than `limit` bytes came through
    it: the decompressed bytes of a gzip file, read in pieces, so a small file that unpacks to
    gigabytes is refused after `limit` bytes, never held in memory."""

    def __init__(self, raw: Any, limit: int | None) -> None:
        self._raw = raw
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        self.count += n
        if self.limit is not None and self.count > self.limit:
            raise BytesOver
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def open_text(path: str | Path, limits: ReadLimits | None = None) -> io.TextIOWrapper:
    """Open a text file for reading as spreadsheets and editors save it: gzip-compressed or not
    (told by its first bytes, not its name), UTF-8 with or without a byte-order mark, or UTF-16
    with one. Lines end at "\\n" only and keep their ends ("\\r\\n" too): a bare "\\r" is part
    of a line, as csv reads it inside a quoted field. Bytes the encoding cannot read come
    through as lone surrogates: test rows with `bad_text`, headers with `check_header`.
    Reading past ``limits.max_bytes`` decompressed bytes raises `BytesOver` (the readers
    below turn it into a `LimitExceededError` that says where)."""
    try:
        with open(path, "rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"
        inner = gzip.open(path, "rb") if gzipped else open(path, "rb", buffering=0)
    except OSError as exc:  # no permission...: the input's problem, not the output's
        raise DataFormatError(f"Cannot read {str(path)!r}: {exc.strerror or exc}.") from None
    raw = io.BufferedReader(_Budget(inner, (limits or ReadLimits()).max_bytes))
    try:
        head = raw.peek(3)[:3]
    except (OSError, EOFError) as exc:
        raw.close()
        raise DataFormatError(f"{Path(path).name} is not a readable gzip file ({exc}).") from None
    except BytesOver:
        head = b""  # a limit under 3 bytes: the first read stops with it
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    return io.TextIOWrapper(raw, encoding=encoding, errors="affectkit.escape", newline="\n")


_SURROGATE = re.compile("[\ud800-\udfff]")


def bad_text(s: str) -> bool:
    """True when `s` holds bytes its file's encoding could not read (see `open_text`)."""
    return _SURROGATE.search(s) is not None


def check_header(path: str | Path, names: Sequence[str]) -> None:
    """A clear error when a file's first line is not text (a binary file, another encoding)."""
    if any(bad_text(n) or "\x00" in n for n in names):
        raise DataFormatError(
            f"{Path(path).name} does not read as text: its first line is neither UTF-8 nor "
            f"UTF-16. Save it as CSV UTF-8 (or UTF-16 text)."
        )


# a compressed file cut short or damaged: found while reading rows, reported as bad data (not
# as an OSError, which a batch run reports as a problem writing its output)
DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error)


def damaged(path: Path, where: str, exc: Exception) -> DataFormatError:
    return DataFormatError(
        f"{path.name} is damaged after {where} ({type(exc).__name__}: {exc}): the compressed "
        f"data is cut short or corrupt there. Compress or export the file again."
    )


def line_body(line: str) -> str:
    """A line without its end ("\\n" or "\\r\\n")."""
    if line.endswith("\n"):
        return line[:-2] if line.endswith("\r\n") else line[:-1]
    return line


class Lines:
    """The numbered lines of a text file (`open_text`), each with its end and at most
    ``limits.max_line_chars`` characters long without it: read in bounded pieces, so one huge
    line (or a gzip bomb without line breaks) stops with a `LimitExceededError` instead of
    filling memory. Lines pushed back are read again, in order."""

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path = path
        self.limits = limits
        self.n = 0  # lines read from the file
        self._back: list[tuple[int, str]] = []  # pushed back, the next one last
        self._f = open_text(path, limits)

    def next(self) -> tuple[int, str] | None:
        """(line number, line with its end), or None after the last line."""
        if self._back:
            return self._back.pop()
        cap = self.limits.max_line_chars
        try:
            line = self._f.readline(-1 if cap is None else cap + 2)  # + "\r\n"
        except BytesOver:
            where = f"line {self.n + 1}"
            raise over(self.path, "max_bytes", self.limits.max_bytes, where) from None
        except DAMAGED as exc:
            raise damaged(self.path, f"line {self.n}", exc) from None
        except OSError as exc:  # a read error: reported as the input's, not as a write error
            where = f"{self.path.name}, line {self.n + 1}"
            raise DataFormatError(f"Cannot read {where}: {exc.strerror or exc}.") from None
        if not line:
            return None
        self.n += 1
        if cap is not None and len(line) > cap and len(line_body(line)) > cap:
            raise over(self.path, "max_line_chars", cap, f"line {self.n}")
        return self.n, line

    def push_back(self, lines: Sequence[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))

    def close(self) -> None:
        self._f.close()


def count_row(path: Path, limits: ReadLimits, n: int, line: int) -> None:
    """Stop before row `n` (starting on `line`) when the file has more rows than allowed."""
    if limits.max_rows is not None and n > limits.max_rows:
        where = f"row {n} (line {line})"
        raise over(path, "max_rows", limits.max_rows, where)


def numbered_lines(path: Path, limits: ReadLimits) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of a text file (`open_text`), bounded by `limits`:
    a line past ``max_line_chars`` or a file past ``max_bytes`` is a `LimitExceededError`."""
    lines = Lines(path, limits)
    try:
        while (item := lines.next()) is not None:
            yield item[0], line_body(item[1])
    finally:
        lines.close()
