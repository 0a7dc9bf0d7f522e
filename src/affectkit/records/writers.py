"""Result rows out: JSONL, CSV and Parquet, streamed (`RecordWriter`)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError, require
from affectkit.records.paths import cannot_write
from affectkit.records.record import Record, detect_format
from affectkit.results import AffectResult

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
        ).encode("utf-8", "backslashreplace")  # a lone surrogate anywhere: written escaped
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FLAT_COLUMNS)
    for r, res in zip(recs, results, strict=True):
        w.writerow(flat_row(r, res))
    return buf.getvalue().encode("utf-8", "backslashreplace")


def csv_header() -> bytes:
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=FLAT_COLUMNS).writeheader()
    return buf.getvalue().encode("utf-8")


def output_format(path: str | Path, fmt: str | None = None) -> str:
    """The format of an output file: jsonl, csv or parquet (an error for anything else)."""
    if fmt is None and Path(path).name.lower().removesuffix(".gz").endswith(".tsv"):
        raise DataFormatError(
            f"Outputs are written comma-separated: name {str(path)!r} .csv (or .jsonl, .parquet)."
        )
    fmt = detect_format(path, fmt)
    if fmt == "txt":
        raise DataFormatError("Output must be .jsonl, .csv or .parquet, not .txt.")
    return fmt


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
