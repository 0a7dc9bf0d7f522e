"""Journal entries as people write them: checked one by one, read from CSV or JSON Lines.

An entry is a person, a date, and a text, with an optional id. The date is a calendar date as
the writer wrote it (``2024-03-01``, ``2024/03/01``, or an ISO-8601 date and time such as
``2024-03-01T21:30`` or ``2024-03-01 21:30+08:00``): the day is the date written, in the
writer's own time zone, never converted. An entry without an id gets one from its person,
date and text, so reading a journal twice stores each entry once.

A row that cannot be used (a bad date, no text) is reported as one line and the rest are
used; a file that cannot be read at all (empty, a missing column) is one `DataFormatError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.records import ReadLimits, bad_text, check_input_file, csv_rows, numbered_lines
from affectkit.records.dates import BadDate, parse_day
from affectkit.records.record import detect_format

DEFAULT_PERSON = "me"  # the person of a journal without a person column
MAX_PERSON_CHARS = 100
MAX_ID_CHARS = 200
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class Entry:
    person: str
    id: str
    day: str  # YYYY-MM-DD
    time: str  # as written (trimmed)
    text: str


class BadEntry(InvalidInputError):
    """Why one entry cannot be used (one line)."""


def check_person(value: Any) -> str:
    """A person's name: a non-empty text of at most `MAX_PERSON_CHARS` characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_PERSON_CHARS:
        raise BadEntry(f"person must be a non-empty text of at most {MAX_PERSON_CHARS} characters")
    if bad_text(value) or "\x00" in value:
        raise BadEntry("person is not valid text")
    return value.strip()


def make_entry(person: Any, date: Any, text: Any, eid: Any = None) -> Entry:
    """One entry checked (see the module docstring), or `BadEntry` saying why not."""
    person = check_person(person)
    try:
        day = parse_day(date)
    except BadDate as exc:
        raise BadEntry(str(exc)) from None
    if not isinstance(text, str) or not text.strip():
        raise BadEntry("no text")
    if len(text) > MAX_TEXT_CHARS:
        raise BadEntry(f"text has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    if bad_text(text) or "\x00" in text:
        raise BadEntry("text is not valid UTF-8 text")
    if eid is None or eid == "":
        digest = hashlib.sha256(f"{person}\0{date.strip()}\0{text}".encode()).hexdigest()
        eid = digest[:24]
    elif isinstance(eid, bool) or not isinstance(eid, (str, int)) or len(str(eid)) > MAX_ID_CHARS:
        raise BadEntry(f"id must be a text or a number of at most {MAX_ID_CHARS} characters")
    return Entry(person, str(eid), day, date.strip(), text)


def read_journal(
    path: str | Path,
    time_col: str,
    text_col: str = "text",
    person_col: str | None = None,
    id_col: str | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[Entry | str]:
    """Each row of a CSV or JSON Lines journal as an `Entry`, or a one-line reason it was
    left out (``row 3 (line 4): date '2024-13-01' is not a date ...``). A missing column or
    an empty file is a `DataFormatError`, raised before the first row."""
    path = check_input_file(path, "Journal")
    limits = limits or ReadLimits()
    fmt = detect_format(path)
    if fmt == "csv":
        return _csv(path, time_col, text_col, person_col, id_col, limits)
    if fmt == "jsonl":
        return _jsonl(path, time_col, text_col, person_col, id_col, limits)
    raise DataFormatError(
        f"{path.name}: a journal is a .csv or .jsonl file (columns: a date, a text)."
    )


def _csv(path, time_col, text_col, person_col, id_col, limits) -> Iterator[Entry | str]:
    header, rows = csv_rows(path, limits)
    if not header:
        raise DataFormatError(f"{path.name} is empty: a journal needs a header and rows.")
    index = {name: i for i, name in enumerate(header)}
    for flag, col in (("--time-col", time_col), ("--text-col", text_col),
                      ("--person-col", person_col), ("--id-col", id_col)):  # fmt: skip
        if col is not None and col not in index:
            raise DataFormatError(
                f"{path.name} has no column {col!r}; its columns are {header}. Choose one "
                f"with {flag}."
            )

    def gen() -> Iterator[Entry | str]:
        for row in rows:
            where = f"row {row.n} (line {row.line})"
            if row.error:
                yield row.error
                continue
            f = row.fields
            try:
                yield make_entry(
                    f[index[person_col]] if person_col else DEFAULT_PERSON,
                    f[index[time_col]],
                    f[index[text_col]],
                    f[index[id_col]] if id_col else None,
                )
            except BadEntry as exc:
                yield f"{where}: {exc}"

    return gen()


def _jsonl(path, time_col, text_col, person_col, id_col, limits) -> Iterator[Entry | str]:
    lines = numbered_lines(path, limits)
    first = next(((n, line) for n, line in lines if line.strip()), None)
    if first is None:
        raise DataFormatError(f"{path.name} is empty: a journal needs one entry a line.")

    def parse(n: int, line: str) -> Entry | str:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            return f"line {n}: not valid JSON ({exc.msg})"
        if not isinstance(obj, dict):
            return f"line {n}: expected a JSON object"
        try:
            if time_col not in obj:
                raise BadEntry(f"no field {time_col!r} (the date; choose it with --time-col)")
            person = obj.get(person_col, None) if person_col else DEFAULT_PERSON
            return make_entry(person, obj[time_col], obj.get(text_col), obj.get(id_col or "id"))
        except BadEntry as exc:
            return f"line {n}: {exc}"

    try:  # the first entry names the fields the file has
        obj = json.loads(first[1])
    except json.JSONDecodeError:
        obj = None
    if isinstance(obj, dict):
        for flag, col in (("--time-col", time_col), ("--text-col", text_col)):
            if col not in obj:
                raise DataFormatError(
                    f"{path.name}: its first entry (line {first[0]}) has no field {col!r}; its "
                    f"fields are {sorted(obj)[:20]}. Choose one with {flag}."
                )

    def gen() -> Iterator[Entry | str]:
        yield parse(*first)
        for n, line in lines:
            if line.strip():
                yield parse(n, line)

    return gen()
