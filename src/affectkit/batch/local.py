"""Batch analysis of large files: streaming, bounded memory, resumable, one output row per input.

`run_batch` reads CSV / JSONL / TXT / Parquet in chunks, analyses each chunk and appends its rows
to the output (.jsonl, .csv or .parquet). Memory holds one chunk, whatever the file size.

Resuming. Next to the output lives ``<output>.progress.json``: the job's fingerprint (input
path, size and modification time; model, language, columns, output format), the rows done and
the output's length in bytes after them. It is replaced atomically after every chunk, once the
chunk's rows are flushed and fsynced. After a crash, kill -9 or Ctrl-C, the same command
truncates the output to the recorded length (dropping a half-written chunk), skips the rows
done and goes on: no row is lost or written twice, and the output is byte-identical to an
uninterrupted run. Parquet cannot be appended to, so its chunks go to numbered part files in
``<output>.parts/`` that are joined into the output at the end.

A row that cannot be read or analysed gets an ``error`` value in its output row; the run goes
on. Engines: ``local`` (this process) and ``ray`` (`affectkit.batch.ray_engine`, Ray Data).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from affectkit import api
from affectkit.errors import InvalidInputError, StorageError
from affectkit.records import (
    ReadLimits,
    Record,
    check_output,
    csv_header,
    detect_format,
    encode_rows,
    flat_row,
    output_format,
    parquet_schema,
    read_records,
)
from affectkit.results import AffectResult, error_result

STATE_VERSION = 1


@dataclass(frozen=True)
class BatchJob:
    input: str
    output: str
    model: str = "auto"
    language: str = "auto"
    text_col: str = "text"  # the input column: texts, or media paths for another input_kind
    id_col: str | None = None
    input_format: str | None = None
    chunk_size: int = 1000
    explain: bool = False
    model_options: dict[str, Any] = field(default_factory=dict)  # not part of the fingerprint
    input_kind: str = "text"  # text, or audio/image/video: the column holds file paths
    # what the input may hold (decompressed bytes, rows, line length); not part of the
    # fingerprint: a run stopped by a limit resumes with a higher one
    limits: ReadLimits = field(default_factory=ReadLimits)

    def __post_init__(self) -> None:
        if not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise InvalidInputError(
                f"chunk_size must be a positive integer, got {self.chunk_size}."
            )
        if not isinstance(self.limits, ReadLimits):
            raise InvalidInputError(f"limits must be a ReadLimits, got {self.limits!r}.")
        out = Path(self.output)
        # the output, its progress file and its Parquet parts are written: none may be the input
        check_output(out, self.input)
        check_output(_State(out).path, self.input)
        output_format(self.output)  # .jsonl, .csv or .parquet

    @property
    def output_format(self) -> str:
        return detect_format(self.output)

    def fingerprint(self) -> dict[str, Any]:
        src = Path(self.input)
        try:
            st = src.stat()
        except OSError as exc:
            raise InvalidInputError(f"Cannot read the input {src}: {exc.strerror}.") from None
        d = asdict(self)
        d.pop("model_options")
        d.pop("limits")
        d.pop("chunk_size")  # a different chunk size continues the same job
        if d["input_kind"] == "text":
            d.pop("input_kind")  # as jobs written before media inputs existed
        d["input"] = str(src.resolve())
        d["output"] = str(Path(self.output).resolve())
        return {**d, "input_size": st.st_size, "input_mtime_ns": st.st_mtime_ns}


@dataclass
class BatchSummary:
    rows: int
    errors: int
    seconds: float
    resumed_from: int  # rows that were already done (0 for a fresh run)
    output: str


def analyze_records(
    records: Sequence[Record],
    *,
    model: str = "auto",
    language: str = "auto",
    model_options: dict | None = None,
    explain: bool = False,
) -> list[AffectResult]:
    """One result per record; unreadable records and failed analyses give error results."""
    ok = [i for i, r in enumerate(records) if r.error is None]
    out = api.analyze(
        [records[i].value for i in ok],
        model=model,
        language=language,
        errors="flag",
        model_options=model_options,
        explain=explain,
    )
    results: list[AffectResult | None] = [
        error_result(r.error, model) if r.error else None for r in records
    ]
    for i, res in zip(ok, out, strict=True):
        results[i] = res
    return results  # type: ignore[return-value]


def count_rows(path: str | Path, fmt: str | None = None) -> int | None:
    """About how many rows the input has (for the progress bar's ETA), cheaply; None if unknown."""
    fmt = detect_format(path, fmt)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(str(path)).metadata.num_rows
        if str(path).endswith(".gz"):
            return None
        n = 0
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                n += block.count(b"\n")
        return max(0, n - (1 if fmt == "csv" else 0))
    except (OSError, ValueError, ImportError):  # pyarrow's ArrowInvalid is a ValueError
        return None


class _State:
    """The ``.progress.json`` file: rows done and output bytes, replaced atomically."""

    def __init__(self, output: Path) -> None:
        self.path = output.with_name(output.name + ".progress.json")

    def load(self) -> dict | None:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def save(self, data: dict) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class _Progress:
    """Where a run stands: rows done, rows with errors, output bytes (where a rerun resumes)."""

    done: int = 0
    errors: int = 0
    nbytes: int = 0

    def save(self, state: _State, fp: dict, *, finished: bool) -> None:
        state.save(
            {
                "version": STATE_VERSION,
                "job": fp,
                "rows": self.done,
                "errors": self.errors,
                "bytes": self.nbytes,
                "done": finished,
            }
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _start(
    state: _State, fp: dict, out: Path, fmt: str, restart: bool, log: Callable[[str], None]
) -> _Progress | BatchSummary:
    """Where to start: afresh, after the rows a previous run of this job finished, or nowhere
    (a summary) when that run completed and its output is still there."""
    prev = state.load()
    if restart and prev:
        log(f"--restart: discarding the progress of {out}")
        prev = None
    if prev and prev.get("done") and not out.exists():
        prev = None  # the finished output was deleted: run again
    if prev and prev.get("job") == fp and prev.get("version") == STATE_VERSION:
        if prev.get("done"):
            log(f"{out} is complete ({prev['rows']:,} rows); --restart runs the job again.")
            return BatchSummary(prev["rows"], prev["errors"], 0.0, prev["rows"], str(out))
        if fmt != "parquet" and _size(out) < prev["bytes"]:  # parquet parts check themselves
            # the output was deleted or cut since: its rows are not all there to resume after
            log(f"{out} is shorter than the {prev['rows']:,} rows recorded: starting afresh")
            return _Progress()
        log(f"resuming {out}: {prev['rows']:,} rows already done")
        return _Progress(prev["rows"], prev["errors"], prev["bytes"])
    if prev:
        log(f"{state.path} belongs to another job: starting afresh")
    return _Progress()


def _bar(job: BatchJob, done: int):
    from tqdm import tqdm

    return tqdm(
        total=count_rows(job.input, job.input_format),
        initial=done,
        desc="batch",
        unit=" rows",
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def run_batch(
    job: BatchJob,
    *,
    progress: bool = True,
    restart: bool = False,
    log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
    analyze_chunk: Callable[[list[Record]], list[AffectResult]] | None = None,
) -> BatchSummary:
    """Run (or resume) a batch job; see the module docstring. `restart` ignores earlier
    progress. `analyze_chunk` replaces the in-process analysis."""
    t0 = time.time()
    out = Path(job.output)
    state = _State(out)
    fp = job.fingerprint()
    records = read_records(
        job.input, job.text_col, job.id_col, job.input_format, job.input_kind, job.limits
    )
    start = _start(state, fp, out, job.output_format, restart, log)
    if isinstance(start, BatchSummary):
        return start
    p, resumed = start, start.done
    analyze = analyze_chunk or (
        lambda chunk: analyze_records(
            chunk,
            model=job.model,
            language=job.language,
            model_options=job.model_options,
            explain=job.explain,
        )
    )
    try:
        _write(job, records, p, analyze, progress=progress,
               save=lambda finished: p.save(state, fp, finished=finished))  # fmt: skip
    except OSError as exc:
        raise StorageError(
            f"Cannot write {out}: {exc.strerror or exc}. Free some space, or choose an output in "
            f"a folder you can write to, and run the same command again: it continues after the "
            f"last complete chunk."
        ) from None
    secs = time.time() - t0
    log(f"wrote {p.done:,} rows to {out} ({p.errors:,} with errors) in {secs:.1f}s")
    return BatchSummary(p.done, p.errors, secs, resumed, str(out))


def _write(
    job: BatchJob,
    records: Iterator[Record],
    p: _Progress,
    analyze: Callable[[list[Record]], list[AffectResult]],
    *,
    progress: bool,
    save: Callable[[bool], None],
) -> None:
    """Analyse the rows after `p.done` chunk by chunk, appending to the output and recording
    progress after each chunk (OSError: the output could not be written)."""
    out, fmt = Path(job.output), job.output_format
    parts = out.with_name(out.name + ".parts")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        sink: _Sink = _ParquetParts(parts, p.done)
    else:
        sink = _AppendFile(out, p.nbytes, header=csv_header() if fmt == "csv" else b"")
    p.nbytes = sink.size
    for _ in itertools.islice(records, p.done):  # skip what is done: reading is cheap
        pass
    bar = _bar(job, p.done) if progress else None
    try:
        while chunk := list(itertools.islice(records, job.chunk_size)):
            results = analyze(chunk)
            p.errors += sum(1 for r, res in zip(chunk, results) if r.error or res.label == "error")
            p.nbytes = sink.append(fmt, chunk, results)
            p.done += len(chunk)
            save(False)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
        sink.close()
    if fmt == "parquet":
        _join_parts(parts, out)
    save(True)


class _Sink:
    size: int

    def append(self, fmt: str, recs, results) -> int: ...

    def close(self) -> None: ...


class _AppendFile(_Sink):
    """An output file opened for appending after cutting it to `size` bytes (0: fresh)."""

    def __init__(self, path: Path, size: int, header: bytes) -> None:
        exists = path.exists()
        self.f = open(path, "r+b" if exists and size else "wb")
        if exists and size:
            self.f.truncate(size)  # drop a chunk that was half written when the run died
            self.f.seek(size)
        elif header:
            self.f.write(header)
        self._sync()
        self.size = self.f.tell()

    def _sync(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())

    def append(self, fmt: str, recs, results) -> int:
        self.f.write(encode_rows(fmt, recs, results))
        self._sync()
        self.size = self.f.tell()
        return self.size

    def close(self) -> None:
        self.f.close()


class _ParquetParts(_Sink):
    """Parquet output as numbered part files, one per chunk (rows done = parts' rows)."""

    def __init__(self, folder: Path, done: int) -> None:
        import pyarrow.parquet as pq

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        kept = rows = 0
        for part in sorted(folder.glob("part-*.parquet")):
            n = pq.ParquetFile(str(part)).metadata.num_rows
            if rows < done and rows + n <= done:
                kept += 1
                rows += n
            else:
                part.unlink()  # written after the last recorded chunk
        for tmp in folder.glob("*.tmp"):
            tmp.unlink()
        if rows != done:
            raise StorageError(
                f"{folder} holds {rows} rows but the progress file says {done}; delete the "
                f"output, {folder} and the .progress.json file to start again."
            )
        self.index = kept
        self.size = 0

    def append(self, fmt: str, recs, results) -> int:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist(
            [flat_row(r, res) for r, res in zip(recs, results, strict=True)],
            schema=parquet_schema(),
        )
        target = self.folder / f"part-{self.index:06d}.parquet"
        tmp = target.with_suffix(".tmp")
        pq.write_table(table, str(tmp))
        os.replace(tmp, target)
        self.index += 1
        return 0

    def close(self) -> None:
        pass


def _join_parts(folder: Path, out: Path) -> None:
    import pyarrow.parquet as pq

    tmp = out.with_name(out.name + ".tmp")
    writer = pq.ParquetWriter(str(tmp), parquet_schema())
    for part in sorted(folder.glob("part-*.parquet")):
        writer.write_table(pq.read_table(str(part), schema=parquet_schema()))
    writer.close()
    os.replace(tmp, out)
    shutil.rmtree(folder)
