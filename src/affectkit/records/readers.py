"""`read_records`: one `Record` per input row of a CSV, JSONL, TXT or Parquet file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError, require
from affectkit.inputs import KINDS, Input
from affectkit.records.csvfile import csv_rows
from affectkit.records.limits import ReadLimits, over
from affectkit.records.paths import check_input_file
from affectkit.records.record import Record, detect_format
from affectkit.records.textfile import bad_text, count_row, numbered_lines


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


def _media(rows: Iterator[Record], base: Path, kind: str) -> Iterator[Record]:
    for rec in rows:
        if rec.error is None and isinstance(rec.value, str):
            media = (base / rec.value.strip()).resolve()
            if not media.is_file():
                rec = Record(rec.id, None, f"{kind} file {rec.value!r} not found", rec.extra)
            else:
                rec = Record(rec.id, Input.from_path(media, kind), None, rec.extra)
        yield rec


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


def _read_jsonl(
    path: Path, text_col: str, id_col: str | None, limits: ReadLimits
) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        rows = 0
        for n, line in numbered_lines(path, limits):
            if not line.strip():
                continue  # blank lines separate nothing in JSON Lines
            rows += 1
            count_row(path, limits, rows, n)
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
            rid = str(obj.get(id_col or "id", n))
            if bad_text(rid):  # a lone surrogate written as a JSON escape (half an emoji)
                rid = str(n)
            text = obj.get(text_col)
            if not isinstance(text, str):
                got = "no such field" if text_col not in obj else type(text).__name__
                yield Record(rid, None, f"line {n}: field {text_col!r} must be a string ({got})")
                continue
            if bad_text(text):
                why = "holds half of a UTF-16 pair (a \\uD8xx escape cut from its emoji)"
                yield Record(rid, None, f"line {n}: field {text_col!r} {why}; fix the text")
                continue
            yield Record(rid, text)

    return gen()


def _read_txt(path: Path, limits: ReadLimits) -> Iterator[Record]:
    def gen() -> Iterator[Record]:
        for n, line in numbered_lines(path, limits):
            count_row(path, limits, n, n)
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
        raise over(path, "max_rows", limits.max_rows, where)
    if limits.max_bytes is not None:  # the columns read, uncompressed
        idx = [i for i in range(meta.num_columns) if meta.schema.column(i).name in cols]
        size = sum(
            meta.row_group(g).column(i).total_uncompressed_size
            for g in range(meta.num_row_groups)
            for i in idx
        )
        if size > limits.max_bytes:
            where = f"its metadata ({size:,} bytes in {cols})"
            raise over(path, "max_bytes", limits.max_bytes, where)

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
        raise over(path, "max_line_chars", cap, f"row {row}")
    total = pc.sum(size).as_py() or 0
    if limits.max_bytes is not None and nbytes + total > limits.max_bytes:
        raise over(path, "max_bytes", limits.max_bytes, f"rows {n + 1}-{n + len(column)}")
    return total
