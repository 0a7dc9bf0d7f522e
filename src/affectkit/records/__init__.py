"""Streaming readers and writers for the record files the CLI and batch jobs handle.

Readers yield `Record`s, one per input row, in order, never dropping a row: a row that cannot
be read (not JSON, not UTF-8, missing text) comes out with `error` set so the output still has a
line for it. Formats: CSV, JSONL, TXT (one text per line), Parquet (needs pyarrow); the text
formats may be gzip-compressed and UTF-8 with or without a byte-order mark, or UTF-16 with one
(what spreadsheets save as "CSV UTF-8" and "Unicode text"); see `open_text`. Files are read in
bounded pieces and checked against `ReadLimits` (decompressed bytes, rows, line length).

Writers: `RecordWriter` streams result rows; `check_output` is the one check every command that
writes a file makes first, so that no output overwrites an input (by any name or link).

Rooms: `record` (the record, formats), `limits`, `textfile` (bounded text reading), `csvfile`
(CSV records), `readers` (`read_records`), `paths` (input and output checks), `writers`.
"""

from affectkit.records.csvfile import CsvRow, csv_rows
from affectkit.records.limits import LIMIT_FLAGS, ReadLimits
from affectkit.records.paths import cannot_write, check_input_file, check_output, same_file
from affectkit.records.readers import read_records
from affectkit.records.record import FORMATS, Record, detect_format
from affectkit.records.textfile import bad_text, check_header, numbered_lines, open_text
from affectkit.records.writers import (
    FLAT_COLUMNS,
    RecordWriter,
    csv_header,
    encode_rows,
    evidence_summary,
    flat_row,
    json_row,
    output_format,
    parquet_schema,
    row_error,
)

__all__ = [
    "FLAT_COLUMNS",
    "FORMATS",
    "LIMIT_FLAGS",
    "CsvRow",
    "ReadLimits",
    "Record",
    "RecordWriter",
    "bad_text",
    "cannot_write",
    "check_header",
    "check_input_file",
    "check_output",
    "csv_header",
    "csv_rows",
    "detect_format",
    "encode_rows",
    "evidence_summary",
    "flat_row",
    "json_row",
    "numbered_lines",
    "open_text",
    "output_format",
    "parquet_schema",
    "read_records",
    "row_error",
    "same_file",
]
