"""Streaming readers and writers for the record files the CLI and batch jobs handle.

Readers yield `Record`s, one per input row, in order, never dropping a row: a row that cannot
be read (not JSON, not UTF-8, missing text) comes out with `error` set so the output still has a
line for it. Formats: CSV, JSONL, TXT (one text per line), Parquet (needs pyarrow); the text
formats may be gzip-compressed and UTF-8 with or without a byte-order mark, or UTF-16 with one
(what spreadsheets save as "CSV UTF-8" and "Unicode text"); see `open_text`. Files are read in
bounded pieces and checked against `ReadLimits` (decompressed bytes, rows, line length).

Writers: `RecordWriter` streams result rows; `check_output` is the one check every command that
writes a file makes first, so that no output overwrites an input (by any name or link).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from affectkit.errors import (
    DataFormatError,
    InvalidInputError,
    LimitExceededError,
    StorageError,
    require,
)
from affectkit.inputs import KINDS, Input
from affectkit.results import AffectResult

FORMATS = ("csv", "jsonl", "txt", "parquet")
# csv only ever sees one record at a time, cut out and bounded by `ReadLimits.max_line_chars`
# first (see `csv_rows`): its own limit (128 KiB a field) would refuse long texts
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


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


def _over(path: Path, limit: str, value: int, where: str) -> LimitExceededError:
    what = {
        "max_bytes": f"holds more than {value:,} bytes once decompressed",
        "max_rows": f"has more than {value:,} rows",
        "max_line_chars": f"has a line longer than {value:,} characters",
    }[limit]
    return LimitExceededError(
        f"{path.name} {what} (the {limit} limit), at {where}; reading stopped there. If the "
        f"file is meant to be that large, raise the limit with {LIMIT_FLAGS[limit]}."
    )


def read_records(
    path: str | Path,
    text_col: str = "text",
    id_col: str | None = None,
    fmt: str | None = None,
    kind: str = "text",
    limits: ReadLimits | None = None,
) -> Iterator[Record]:
    """Yield one `Record` per input row. Raises `DataFormatError` for file-level problems
    (missing file, missing column) before the first record, and a `LimitExceededError` (a
    `DataFormatError`) where the file goes past `limits` (default: `ReadLimits()`).

    With `kind` ``"audio"``, ``"image"`` or ``"video"``, the column holds paths to media files,
    relative to the input file's folder; each record's value is then an `Input` of that kind
    (a missing file is that row's error, not the file's).
    """
    path = check_input_file(path, "Input file")
    if kind not in KINDS:
        raise DataFormatError(f"kind must be one of {list(KINDS)}. Got {kind!r} instead.")
    limits = limits or ReadLimits()
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        rows = _read_csv(path, text_col, id_col, limits)
    elif fmt == "jsonl":
        rows = _read_jsonl(path, text_col, id_col, limits)
    elif fmt == "txt":
        rows = _read_txt(path, limits)
    else:
        rows = _read_parquet(path, text_col, id_col, limits)
    return rows if kind == "text" else _media(rows, path.parent, kind)


def check_input_file(path: str | Path, what: str = "Input file") -> Path:
    """`path` as a Path when it is a readable file; else a `DataFormatError` that says what
    it is instead (missing, a folder)."""
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(
            f"{what} {str(path)!r} is a folder, not a file; give the path of the file itself."
        )
    if not path.is_file():
        raise DataFormatError(f"{what} {str(path)!r} does not exist.")
    return path


def _media(rows: Iterator[Record], base: Path, kind: str) -> Iterator[Record]:
    for rec in rows:
        if rec.error is None and isinstance(rec.value, str):
            media = (base / rec.value.strip()).resolve()
            if not media.is_file():
                rec = Record(rec.id, None, f"{kind} file {rec.value!r} not found", rec.extra)
            else:
                rec = Record(rec.id, Input.from_path(media, kind), None, rec.extra)
        yield rec


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


class _BytesOver(Exception):
    """More bytes came out of a file than its `ReadLimits.max_bytes`."""


class _Budget(io.RawIOBase):
    """A binary stream that stops with `_BytesOver` once more than `limit` bytes came through
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
            raise _BytesOver
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
    Reading past ``limits.max_bytes`` decompressed bytes raises `_BytesOver` (the readers
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
    except _BytesOver:
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
_DAMAGED = (EOFError, gzip.BadGzipFile, zlib.error)


def _damaged(path: Path, where: str, exc: Exception) -> DataFormatError:
    return DataFormatError(
        f"{path.name} is damaged after {where} ({type(exc).__name__}: {exc}): the compressed "
        f"data is cut short or corrupt there. Compress or export the file again."
    )


def _body(line: str) -> str:
    """A line without its end ("\\n" or "\\r\\n")."""
    if line.endswith("\n"):
        return line[:-2] if line.endswith("\r\n") else line[:-1]
    return line


class _Lines:
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
        except _BytesOver:
            where = f"line {self.n + 1}"
            raise _over(self.path, "max_bytes", self.limits.max_bytes, where) from None
        except _DAMAGED as exc:
            raise _damaged(self.path, f"line {self.n}", exc) from None
        except OSError as exc:  # a read error: reported as the input's, not as a write error
            where = f"{self.path.name}, line {self.n + 1}"
            raise DataFormatError(f"Cannot read {where}: {exc.strerror or exc}.") from None
        if not line:
            return None
        self.n += 1
        if cap is not None and len(line) > cap and len(_body(line)) > cap:
            raise _over(self.path, "max_line_chars", cap, f"line {self.n}")
        return self.n, line

    def push_back(self, lines: Sequence[tuple[int, str]]) -> None:
        self._back.extend(reversed(lines))

    def close(self) -> None:
        self._f.close()


def _count_row(path: Path, limits: ReadLimits, n: int, line: int) -> None:
    """Stop before row `n` (starting on `line`) when the file has more rows than allowed."""
    if limits.max_rows is not None and n > limits.max_rows:
        where = f"row {n} (line {line})"
        raise _over(path, "max_rows", limits.max_rows, where)


# --- CSV ---------------------------------------------------------------------------------------
#
# Records are cut out of the file's lines before csv parses them, so that the row count and
# the ids follow the file's records exactly: a record ends at a "\n" outside quotes (a bare
# "\r" inside a field is text, never a record end); a record that cannot be parsed is one error
# row; a quote that is never closed makes its own line an error row, and the lines after it are
# read as records again instead of vanishing inside the quote.

_NEVER_CLOSED = (
    "a quote opened in this row is never closed (the rows after it are read on their own); "
    'close the quote, and double quotes inside a text ("")'
)
_CR = "\ud800"  # stands for a bare "\r" while csv parses a record: no decoded text holds it


class CsvRow(NamedTuple):
    """One record of a CSV file, as `csv_rows` reads it."""

    n: int  # 1 = the first record after the header; blank lines are no records
    line: int  # the line it starts on (the header is line 1)
    fields: list[str]  # an error row's fields as a lenient reading makes them out (maybe [])
    error: str | None  # why the record cannot be read as it stands


def csv_rows(
    path: str | Path, limits: ReadLimits | None = None, delimiter: str | None = None
) -> tuple[list[str], Iterator[CsvRow]]:
    """The header of a CSV file (TSV when its name ends in .tsv or .tsv.gz) and its records,
    one `CsvRow` per record, in order. The header is read now (a `DataFormatError` when it
    cannot be); the records when they are iterated, with no file open until then."""
    path = check_input_file(path, "CSV file")
    limits = limits or ReadLimits()
    if delimiter is None:
        delimiter = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
    lines = _Lines(path, limits)
    try:
        first = next(_csv_records(lines, delimiter), None)
    finally:
        lines.close()
    header = _header(path, first, delimiter)

    def gen() -> Iterator[CsvRow]:
        lines = _Lines(path, limits)
        try:
            records = _csv_records(lines, delimiter)
            next(records, None)  # the header
            n = 0
            for line, text, closed in records:
                if not text:
                    continue  # a blank line (as csv.DictReader skips it)
                n += 1
                _count_row(path, limits, n, line)
                yield _csv_row(n, line, text, closed, delimiter, len(header))
        finally:
            lines.close()

    return header, gen()


def _header(path: Path, first: tuple[int, str, bool] | None, delimiter: str) -> list[str]:
    if first is None:
        return []
    try:
        if not first[2]:
            raise csv.Error("a quote in it is never closed")
        header = _parse(first[1], delimiter)
    except csv.Error as exc:
        raise DataFormatError(f"{path.name}: cannot read its header ({exc}).") from None
    check_header(path, header)
    return header


def _csv_row(n: int, line: int, text: str, closed: bool, delimiter: str, width: int) -> CsvRow:
    where = f"row {n} (line {line})"
    if not closed:
        return CsvRow(n, line, _lenient(text, delimiter), f"{where}: {_NEVER_CLOSED}")
    try:
        fields = _parse(text, delimiter)
    except csv.Error as exc:
        error = f'{where}: bad quoting ({exc}); double the quotes inside a quoted text ("")'
        return CsvRow(n, line, _lenient(text, delimiter), error)
    if len(fields) != width:
        error = (
            f"{where}: wrong number of fields ({len(fields)}; the header has {width}); quote "
            f"a text that holds a {delimiter!r}"
        )
        return CsvRow(n, line, fields, error)
    return CsvRow(n, line, fields, None)


def _csv_records(lines: _Lines, delimiter: str) -> Iterator[tuple[int, str, bool]]:
    """(first line, text, closed) of each record: its lines joined, without the last line's
    end. A record whose quote never closes is its first line alone (closed False); the lines
    after it are pushed back and read again. A record is bounded like a line."""
    cap = lines.limits.max_line_chars
    while (item := lines.next()) is not None:
        start, line = item
        body = _body(line)
        if '"' not in body or not _open_quote_after(body, False, delimiter):
            yield start, body, True
            continue
        parts, size = [item], len(body)
        while True:
            item = lines.next()
            if item is None:  # the end of the file inside the quote: it was never closed
                lines.push_back(parts[1:])
                yield start, body, False
                break
            parts.append(item)
            size += len(item[1])
            if cap is not None and size > cap:
                where = f"the record that starts on line {start} (or its quote never closes)"
                raise _over(lines.path, "max_line_chars", cap, where)
            last = _body(item[1])
            if not _open_quote_after(last, True, delimiter):
                yield start, "".join(text for _, text in parts[:-1]) + last, True
                break


def _open_quote_after(line: str, quoted: bool, delimiter: str) -> bool:
    """Whether a CSV record is inside a quoted field at the end of `line` (a line's body),
    given whether it was at its start, by csv's rules: a quote opens a quoted field only at the
    start of a field, "" inside one is a quote, and the next quote closes it."""
    pos = 0
    while True:
        j = line.find('"', pos)
        if j < 0:
            return quoted
        if quoted:
            if line.startswith('"', j + 1):
                pos = j + 2
                continue
            quoted = False
        elif j == 0 or line[j - 1] == delimiter:
            quoted = True  # j - 1 >= pos here: that delimiter is outside quotes
        pos = j + 1


def _parse(text: str, delimiter: str, strict: bool = True) -> list[str]:
    """The fields of one record (csv.Error when `strict` and its quoting is wrong)."""
    if '"' not in text:
        return text.split(delimiter) if text else []  # what csv makes of it, faster
    if "\r" not in text:
        return next(csv.reader([text], delimiter=delimiter, strict=strict), [])
    fields = next(csv.reader([text.replace("\r", _CR)], delimiter=delimiter, strict=strict), [])
    return [f.replace(_CR, "\r") for f in fields]


def _lenient(text: str, delimiter: str) -> list[str]:
    try:
        return _parse(text, delimiter, strict=False)
    except csv.Error:
        return []


def _read_csv(
    path: Path, text_col: str, id_col: str | None, limits: ReadLimits
) -> Iterator[Record]:
    header, rows = csv_rows(path, limits)
    index = {name: i for i, name in enumerate(header)}  # a repeated name: the last one
    for col in (text_col, id_col):
        if col is not None and col not in index:
            raise DataFormatError(
                f"{path.name} has no column {col!r}; its columns are {header}. "
                f"Choose one with --text-col/--id-col."
            )
    ti = index[text_col]
    ii = index[id_col] if id_col is not None else None

    def gen() -> Iterator[Record]:
        for row in rows:
            if ii is None:
                rid = str(row.n)
            elif len(row.fields) == len(header):  # an error row's id when it can be made out
                rid = row.fields[ii]
            else:
                rid = f"row {row.n}"
            if row.error:
                yield Record(rid, None, row.error)
            elif bad_text(row.fields[ti]):
                where = f"row {row.n} (line {row.line})"
                yield Record(
                    rid, None, f"{where}: text is not valid UTF-8; re-save the file as UTF-8"
                )
            else:
                yield Record(rid, row.fields[ti])

    return gen()


# --- JSON Lines, text, Parquet -------------------------------------------------------------------


def _lines(path: Path, limits: ReadLimits) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of a text file, bounded by `limits`."""
    lines = _Lines(path, limits)
    try:
        while (item := lines.next()) is not None:
            yield item[0], _body(item[1])
    finally:
        lines.close()


def _read_jsonl(
    path: Path, text_col: str, id_col: str | None, limits: ReadLimits
) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        rows = 0
        for n, line in _lines(path, limits):
            if not line.strip():
                continue  # blank lines separate nothing in JSON Lines
            rows += 1
            _count_row(path, limits, rows, n)
            if bad_text(line):
                yield Record(str(n), None, f"line {n}: not valid UTF-8")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Record(str(n), None, f"line {n}: not valid JSON ({exc.msg})")
                continue
            if not isinstance(obj, dict):
                yield Record(str(n), None, f"line {n}: expected a JSON object, got {obj!r:.40}")
                continue
            rid = obj.get(id_col or "id", n)
            text = obj.get(text_col)
            if not isinstance(text, str):
                got = "no such field" if text_col not in obj else type(text).__name__
                yield Record(
                    str(rid), None, f"line {n}: field {text_col!r} must be a string ({got})"
                )
                continue
            yield Record(str(rid), text)

    return gen()


def _read_txt(path: Path, limits: ReadLimits) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        for n, line in _lines(path, limits):
            _count_row(path, limits, n, n)
            if bad_text(line):
                yield Record(str(n), None, f"line {n}: not valid UTF-8")
            else:
                yield Record(str(n), line)

    return gen()


def _read_parquet(
    path: Path, text_col: str, id_col: str | None, limits: ReadLimits
) -> Iterator[Record]:
    pq = require("pyarrow.parquet", "parquet")
    try:
        pf = pq.ParquetFile(path, read_dictionary=[text_col])
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataFormatError(f"{path.name} is not a readable Parquet file ({exc}).") from None
    names = pf.schema_arrow.names
    for col in (text_col, id_col):
        if col is not None and col not in names:
            raise DataFormatError(f"{path.name} has no column {col!r}; its columns are {names}.")
    cols = [text_col] + ([id_col] if id_col else [])
    meta = pf.metadata
    if limits.max_rows is not None and meta.num_rows > limits.max_rows:
        where = f"its metadata ({meta.num_rows:,} rows)"
        raise _over(path, "max_rows", limits.max_rows, where)
    if limits.max_bytes is not None:  # the columns read, uncompressed
        idx = [i for i in range(meta.num_columns) if meta.schema.column(i).name in cols]
        size = sum(
            meta.row_group(g).column(i).total_uncompressed_size
            for g in range(meta.num_row_groups)
            for i in idx
        )
        if size > limits.max_bytes:
            where = f"its metadata ({size:,} bytes in {cols})"
            raise _over(path, "max_bytes", limits.max_bytes, where)

    def gen() -> Iterator[Record]:
        n = nbytes = 0
        for batch in pf.iter_batches(columns=cols, batch_size=4096):
            nbytes += _check_parquet_batch(path, batch.column(0), n, nbytes, limits)
            d = batch.to_pydict()
            for i, text in enumerate(d[text_col]):
                n += 1
                rid = str(d[id_col][i]) if id_col else str(n)
                if isinstance(text, str):
                    yield Record(rid, text)
                else:
                    yield Record(rid, None, f"row {n}: {text_col!r} is {type(text).__name__}")

    return gen()


def _check_parquet_batch(path: Path, column: Any, n: int, nbytes: int, limits: ReadLimits) -> int:
    """The bytes of a batch's texts, checked against the limits before they become Python
    strings (a dictionary-encoded column can repeat one huge text on every row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def is_text(t: Any) -> bool:
        return pa.types.is_string(t) or pa.types.is_large_string(t)

    if isinstance(column, pa.DictionaryArray):
        if not is_text(column.dictionary.type):
            return 0
        chars = pc.take(pc.utf8_length(column.dictionary), column.indices)
        size = pc.take(pc.binary_length(column.dictionary), column.indices)
    elif is_text(column.type):
        chars, size = pc.utf8_length(column), pc.binary_length(column)
    else:
        return 0
    cap = limits.max_line_chars
    if cap is not None and (pc.max(chars).as_py() or 0) > cap:
        row = n + 1 + pc.index(pc.greater(chars, cap), True).as_py()
        raise _over(path, "max_line_chars", cap, f"row {row}")
    total = pc.sum(size).as_py() or 0
    if limits.max_bytes is not None and nbytes + total > limits.max_bytes:
        raise _over(path, "max_bytes", limits.max_bytes, f"rows {n + 1}-{n + len(column)}")
    return total


# --- output ------------------------------------------------------------------------------------

FLAT_COLUMNS = (
    "id", "text", "language", "label", "confidence", "uncertain", "score",
    "p_negative", "p_neutral", "p_positive", "emotions", "evidence", "flags", "model", "error",
)  # fmt: skip


def evidence_summary(result: AffectResult, k: int = 5) -> str:
    """``love(+3.2) terrible(-2.1)``: the k strongest pieces of evidence."""
    ev = sorted(result.evidence, key=lambda e: -abs(e.weight))[:k]
    return " ".join(f"{e.text}({e.weight:+.2f})" for e in ev)


def row_error(rec: Record, result: AffectResult) -> str | None:
    """Why a row has no analysis: its input's problem, else the analyzer's error."""
    return rec.error or (result.raw.get("error") if "error" in result.flags else None)


def flat_row(rec: Record, result: AffectResult) -> dict[str, Any]:
    """One CSV/Parquet row per input."""
    pol = result.polarity or {}
    emo = result.emotions
    return {
        "id": rec.id,
        "text": rec.reference,
        "language": result.language,
        "label": result.label,
        "confidence": round(result.confidence, 4),
        "uncertain": result.uncertain,
        "score": None if result.score is None else round(result.score, 4),
        "p_negative": _r(pol.get("negative")),
        "p_neutral": _r(pol.get("neutral")),
        "p_positive": _r(pol.get("positive")),
        "emotions": None if emo is None else json.dumps({k: round(v, 4) for k, v in emo.items()}),
        "evidence": evidence_summary(result),
        "flags": ",".join(result.flags),
        "model": result.model,
        "error": row_error(rec, result),
    }


def json_row(rec: Record, result: AffectResult) -> dict[str, Any]:
    return {
        "id": rec.id,
        "text": rec.reference,
        **result.to_dict(),
        "error": row_error(rec, result),
    }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def encode_rows(fmt: str, recs: Sequence[Record], results: Sequence[AffectResult]) -> bytes:
    """The output bytes of some rows (.jsonl or .csv body, no header)."""
    if fmt == "jsonl":
        return "".join(
            json.dumps(json_row(r, res), ensure_ascii=False) + "\n"
            for r, res in zip(recs, results, strict=True)
        ).encode("utf-8")
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FLAT_COLUMNS)
    for r, res in zip(recs, results, strict=True):
        w.writerow(flat_row(r, res))
    return buf.getvalue().encode("utf-8")


def csv_header() -> bytes:
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=FLAT_COLUMNS).writeheader()
    return buf.getvalue().encode("utf-8")


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of an output file: jsonl, csv or parquet (an error for anything else)."""
    fmt = detect_format(path, fmt)
    if fmt == "txt":
        raise DataFormatError("Output must be .jsonl, .csv or .parquet, not .txt.")
    return fmt


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path however spelled, or the same file
    reached through a symlink or a hard link (same device and inode)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where the paths lead
        return Path(a).resolve() == Path(b).resolve()


def check_output(out: str | Path, *inputs: str | Path | None) -> None:
    """Refuse to write `out` when it is one of `inputs` (None entries are skipped): the same
    path, or the same file through a symlink or a hard link. Every command that writes a file
    calls this before it opens anything, since writing would destroy the input it reads."""
    for given in inputs:
        if given is not None and same_file(out, given):
            how = "" if str(out) == str(given) else " (the same file under another name or link)"
            raise InvalidInputError(
                f"The output {str(out)!r} is the input {str(given)!r}{how}: writing it would "
                f"destroy the input. Choose another file for the output."
            )


def cannot_write(path: str | Path, exc: OSError) -> StorageError:
    """A failed write (no such folder, no permission, a full disk) as an error that says what
    to do."""
    why = exc.strerror or str(exc)
    return StorageError(
        f"Cannot write {str(path)!r}: {why}. Choose an output in a folder you can write to, "
        f"with free space."
    )


class RecordWriter:
    """Writes result rows to .jsonl, .csv or .parquet, streaming (Parquet in row groups).
    A write that fails (permission, disk full) is a `StorageError`."""

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = output_format(self.path, fmt)
        self._f = None
        self._writer = None
        self._buffer: list[dict] = []

    def __enter__(self) -> RecordWriter:
        if self.fmt == "parquet":
            require("pyarrow", "parquet")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = self.path.open("wb")  # Parquet too: a bad output fails before any work
            if self.fmt == "parquet":
                self._f.close()
                self._f = None
            else:
                self._f.write(csv_header() if self.fmt == "csv" else b"")
        except OSError as exc:
            raise cannot_write(self.path, exc) from None
        return self

    def write(self, recs: Sequence[Record], results: Sequence[AffectResult]) -> None:
        try:
            if self.fmt != "parquet":
                self._f.write(encode_rows(self.fmt, recs, results))
                return
            self._buffer.extend(flat_row(r, res) for r, res in zip(recs, results, strict=True))
            if len(self._buffer) >= 10_000:
                self._flush_parquet()
        except OSError as exc:
            raise cannot_write(self.path, exc) from None

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._buffer:
            return
        table = pa.Table.from_pylist(self._buffer, schema=parquet_schema())
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table)
        self._buffer = []

    def __exit__(self, *exc) -> None:
        try:
            if self.fmt == "parquet":
                self._flush_parquet()
                if self._writer is None:  # no rows at all: still write a valid empty file
                    import pyarrow.parquet as pq

                    pq.write_table(parquet_schema().empty_table(), self.path)
                else:
                    self._writer.close()
            elif self._f is not None:
                self._f.close()
        except OSError as exc:
            raise cannot_write(self.path, exc) from None


def parquet_schema():
    import pyarrow as pa

    s, f, b = pa.string(), pa.float64(), pa.bool_()
    types = {"confidence": f, "score": f, "p_negative": f, "p_neutral": f, "p_positive": f}
    return pa.schema([(c, b if c == "uncertain" else types.get(c, s)) for c in FLAT_COLUMNS])
