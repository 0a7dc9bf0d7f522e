"""CSV records cut out of a file's lines, so rows and ids follow the file's records exactly."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from affectkit.errors import DataFormatError
from affectkit.records.limits import ReadLimits, over
from affectkit.records.paths import check_input_file
from affectkit.records.textfile import Lines, check_header, count_row, line_body

# csv only ever sees one record at a time, cut out and bounded by `ReadLimits.max_line_chars`
# first (see `csv_rows`): its own limit (128 KiB a field) would refuse long texts
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


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
    lines = Lines(path, limits)
    try:
        first = next(_csv_records(lines, delimiter), None)
    finally:
        lines.close()
    header = _header(path, first, delimiter)

    def gen() -> Iterator[CsvRow]:
        lines = Lines(path, limits)
        try:
            records = _csv_records(lines, delimiter)
            next(records, None)  # the header
            n = 0
            for line, text, closed in records:
                if not text:
                    continue  # a blank line (as csv.DictReader skips it)
                n += 1
                count_row(path, limits, n, line)
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


def _csv_records(lines: Lines, delimiter: str) -> Iterator[tuple[int, str, bool]]:
    """(first line, text, closed) of each record: its lines joined, without the last line's
    end. A record whose quote never closes is its first line alone (closed False); the lines
    after it are pushed back and read again. A record is bounded like a line."""
    cap = lines.limits.max_line_chars
    while (item := lines.next()) is not None:
        start, line = item
        body = line_body(line)
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
                raise over(lines.path, "max_line_chars", cap, where)
            last = line_body(item[1])
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
