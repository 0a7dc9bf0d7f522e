"""Streaming readers and writers for the record files the CLI and batch jobs handle.

Readers yield `Record`s, one per input row, in order, never dropping a row: a row that cannot
be read (not JSON, not UTF-8, missing text) comes out with `error` set so the output still has a
line for it. Formats: CSV, JSONL, TXT (one text per line), Parquet (needs pyarrow); the text
formats may be gzip-compressed and UTF-8 with or without a byte-order mark, or UTF-16 with one
(what spreadsheets save as "CSV UTF-8" and "Unicode text"); see `open_text`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError, require
from affectkit.inputs import KINDS, Input
from affectkit.results import AffectResult

FORMATS = ("csv", "jsonl", "txt", "parquet")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # texts of several MB in one cell are allowed


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
    naming the limit and how to raise it: decompressed bytes, rows, characters in one line
    (or one CSV field). None: no limit. The defaults bound a batch input or an upload to what
    the machine can hold; `affectkit batch` and `affectkit serve` have flags to raise them.
    """

    max_bytes: int | None = 20 * 2**30  # decompressed
    max_rows: int | None = 50_000_000
    max_line_chars: int | None = 10_000_000


def read_records(
    path: str | Path,
    text_col: str = "text",
    id_col: str | None = None,
    fmt: str | None = None,
    kind: str = "text",
    limits: ReadLimits | None = None,
) -> Iterator[Record]:
    """Yield one `Record` per input row. Raises `DataFormatError` for file-level problems
    (missing file, missing column) before the first record.

    With `kind` ``"audio"``, ``"image"`` or ``"video"``, the column holds paths to media files,
    relative to the input file's folder; each record's value is then an `Input` of that kind
    (a missing file is that row's error, not the file's).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"Input file {str(path)!r} does not exist.")
    if kind not in KINDS:
        raise DataFormatError(f"kind must be one of {list(KINDS)}. Got {kind!r} instead.")
    fmt = detect_format(path, fmt)
    if fmt == "csv":
        rows = _read_csv(path, text_col, id_col)
    elif fmt == "jsonl":
        rows = _read_jsonl(path, text_col, id_col)
    elif fmt == "txt":
        rows = _read_txt(path)
    else:
        rows = _read_parquet(path, text_col, id_col)
    return rows if kind == "text" else _media(rows, path.parent, kind)


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


def open_text(path: str | Path) -> io.TextIOWrapper:
    """Open a text file for reading as spreadsheets and editors save it: gzip-compressed or not
    (told by its first bytes, not its name), UTF-8 with or without a byte-order mark, or UTF-16
    with one. Newlines are left as they are (for `csv`). Bytes the encoding cannot read come
    through as lone surrogates: test rows with `bad_text`, headers with `check_header`."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    raw = gzip.open(path, "rb") if gzipped else open(path, "rb")
    try:
        head = raw.peek(3)[:3]
    except (OSError, EOFError) as exc:
        raw.close()
        raise DataFormatError(f"{Path(path).name} is not a readable gzip file ({exc}).") from None
    encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    return io.TextIOWrapper(raw, encoding=encoding, errors="affectkit.escape", newline="")


def bad_text(s: str) -> bool:
    """True when `s` holds bytes its file's encoding could not read (see `open_text`)."""
    return any("\ud800" <= ch <= "\udfff" for ch in s)


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


def _quoting(exc: csv.Error) -> str:
    """What a CSV quoting error means for the person who made the file."""
    if "unexpected end of data" in str(exc):
        return (
            "a quote opened in this row is never closed, so the rest of the file is inside it "
            'and could not be read; close the quote, and double quotes inside a text ("")'
        )
    return f'bad quoting ({exc}); double the quotes inside a quoted text ("")'


def _read_csv(path: Path, text_col: str, id_col: str | None) -> Iterator[Record]:
    delimiter = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
    with open_text(path) as f:  # the header now; the rows when they are read
        try:
            header = csv.DictReader(f, delimiter=delimiter, strict=True).fieldnames or []
            check_header(path, header)
        except (OSError, EOFError, csv.Error) as exc:
            raise DataFormatError(f"{path.name}: cannot read its header ({exc}).") from None
    for col in (text_col, id_col):
        if col is not None and col not in header:
            raise DataFormatError(
                f"{path.name} has no column {col!r}; its columns are {header}. "
                f"Choose one with --text-col/--id-col."
            )

    def gen() -> Iterator[Record]:
        n = 0
        with open_text(path) as f:
            # strict: bad quoting is an error row, not text run together with the next rows
            reader = csv.DictReader(f, delimiter=delimiter, strict=True)
            try:
                while True:
                    n += 1
                    try:
                        row = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        yield Record(str(n), None, f"row {n}: {_quoting(exc)}")
                        continue
                    rid = row.get(id_col) if id_col else str(n)
                    text = row.get(text_col)
                    if text is None or None in row:
                        yield Record(str(rid), None, f"row {n}: wrong number of fields")
                    elif bad_text(text):
                        yield Record(
                            str(rid),
                            None,
                            f"row {n}: text is not valid UTF-8; re-save the file as UTF-8",
                        )
                    else:
                        yield Record(str(rid), text)
            except _DAMAGED as exc:
                raise _damaged(path, f"row {n}", exc) from None

    return gen()


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of a text file opened with `open_text`."""
    n = 0
    with open_text(path) as f:
        try:
            for n, line in enumerate(f, start=1):
                yield n, line.rstrip("\r\n")
        except _DAMAGED as exc:
            raise _damaged(path, f"line {n}", exc) from None


def _read_jsonl(path: Path, text_col: str, id_col: str | None) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        for n, line in _lines(path):
            if not line.strip():
                continue  # blank lines separate nothing in JSON Lines
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


def _read_txt(path: Path) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        for n, line in _lines(path):
            if bad_text(line):
                yield Record(str(n), None, f"line {n}: not valid UTF-8")
            else:
                yield Record(str(n), line)

    return gen()


def _read_parquet(path: Path, text_col: str, id_col: str | None) -> Iterator[Record]:
    pq = require("pyarrow.parquet", "parquet")
    try:
        pf = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataFormatError(f"{path.name} is not a readable Parquet file ({exc}).") from None
    names = pf.schema_arrow.names
    for col in (text_col, id_col):
        if col is not None and col not in names:
            raise DataFormatError(f"{path.name} has no column {col!r}; its columns are {names}.")
    cols = [text_col] + ([id_col] if id_col else [])

    def gen() -> Iterator[Record]:
        n = 0
        for batch in pf.iter_batches(columns=cols, batch_size=4096):
            d = batch.to_pydict()
            for i, text in enumerate(d[text_col]):
                n += 1
                rid = str(d[id_col][i]) if id_col else str(n)
                if isinstance(text, str):
                    yield Record(rid, text)
                else:
                    yield Record(rid, None, f"row {n}: {text_col!r} is {type(text).__name__}")

    return gen()


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


class RecordWriter:
    """Writes result rows to .jsonl, .csv or .parquet, streaming (Parquet in row groups)."""

    def __init__(self, path: str | Path, fmt: str | None = None):
        self.path = Path(path)
        self.fmt = output_format(self.path, fmt)
        self._f = None
        self._writer = None
        self._buffer: list[dict] = []

    def __enter__(self) -> RecordWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.fmt == "parquet":
            require("pyarrow", "parquet")
        else:
            self._f = self.path.open("wb")
            self._f.write(csv_header() if self.fmt == "csv" else b"")
        return self

    def write(self, recs: Sequence[Record], results: Sequence[AffectResult]) -> None:
        if self.fmt != "parquet":
            self._f.write(encode_rows(self.fmt, recs, results))
            return
        self._buffer.extend(flat_row(rec, res) for rec, res in zip(recs, results, strict=True))
        if len(self._buffer) >= 10_000:
            self._flush_parquet()

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
        if self.fmt == "parquet":
            self._flush_parquet()
            if self._writer is None:  # no rows at all: still write a valid empty file
                import pyarrow.parquet as pq

                pq.write_table(parquet_schema().empty_table(), self.path)
            else:
                self._writer.close()
        elif self._f is not None:
            self._f.close()


def parquet_schema():
    import pyarrow as pa

    s, f, b = pa.string(), pa.float64(), pa.bool_()
    types = {"confidence": f, "score": f, "p_negative": f, "p_neutral": f, "p_positive": f}
    return pa.schema([(c, b if c == "uncertain" else types.get(c, s)) for c in FLAT_COLUMNS])
