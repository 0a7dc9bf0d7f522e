"""Review files as rows: a CSV, TSV or JSON Lines file read into one dict per data row.

Row numbers are 1-based data rows: the first row after a CSV's header is row 1, the first
non-blank line of a JSON Lines file is row 1. A row that cannot be read (bad quoting, not JSON)
stays in its place as an empty dict with its reason in `Table.errors`, so the numbers of the
rows after it still match the file. The reading itself (encodings, gzip, limits, CSV records
with quoted line breaks) is `affectkit.records`'.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError
from affectkit.records import ReadLimits, check_input_file, csv_rows, numbered_lines
from affectkit.records.record import detect_format

_WHERE = re.compile(r"^row \d+ \(line (\d+)\): ")


@dataclass
class Table:
    """The rows of a review file. `errors` maps a row's index in `rows` (0-based) to why it
    could not be read; that row is ``{}``."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]
    errors: dict[int, str] = field(default_factory=dict)


def read_table(
    path: str | Path, limit: int | None = None, limits: ReadLimits | None = None
) -> Table:
    """The first `limit` data rows (all when None) of a .csv, .tsv or .jsonl file (gzip too).
    An empty file or another format is a `DataFormatError`."""
    path = check_input_file(path, "Review file")
    limits = limits or ReadLimits()
    fmt = detect_format(path)
    if fmt == "csv":
        return _csv(path, limit, limits)
    if fmt == "jsonl":
        return _jsonl(path, limit, limits)
    raise DataFormatError(
        f"{path.name}: a review file is a .csv, .tsv or .jsonl file with a column of review "
        f"texts; save it as one of those."
    )


def check_columns(name: str, columns: list[str], **named: str | None) -> None:
    """A `DataFormatError` naming the columns that exist when a column named with a flag
    (``text_col="review"`` is ``--text-col review``) is not among `columns`."""
    for key, col in named.items():
        if col is not None and col not in columns:
            flag = "--" + key.replace("_", "-")
            shown = columns if len(columns) <= 30 else [*columns[:30], "..."]
            raise DataFormatError(
                f"{name} has no column {col!r} (given with {flag}); its columns are {shown}. "
                f"Choose one of them with {flag}."
            )


def _csv(path: Path, limit: int | None, limits: ReadLimits) -> Table:
    header, records = csv_rows(path, limits)
    if not header:
        raise DataFormatError(f"{path.name} is empty: a review file needs a header and rows.")
    table = Table(path.name, header, [])
    for row in itertools.islice(records, limit):
        if row.error:  # "row 3 (line 4): why" -> "line 4: why" (the row number is kept apart)
            table.errors[len(table.rows)] = _WHERE.sub(r"line \1: ", row.error, count=1)
            table.rows.append({})
        else:
            table.rows.append(dict(zip(header, row.fields)))
    return table


def _jsonl(path: Path, limit: int | None, limits: ReadLimits) -> Table:
    lines = ((n, line) for n, line in numbered_lines(path, limits) if line.strip())
    table = Table(path.name, [], [])
    seen: dict[str, None] = {}
    for n, line in itertools.islice(lines, limit):
        where = f"line {n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj, why = None, f"{where}: not valid JSON ({exc.msg})"
        else:
            why = f"{where}: expected a JSON object, got {type(obj).__name__}"
        if not isinstance(obj, dict):
            table.errors[len(table.rows)] = why
            table.rows.append({})
            continue
        seen.update(dict.fromkeys(obj))
        table.rows.append(obj)
    if not table.rows:
        raise DataFormatError(f"{path.name} is empty: a review file needs one review a line.")
    table.columns = list(seen)  # every field any row has
    return table
