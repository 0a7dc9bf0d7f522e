"""Analyse texts given as arguments or from a file (CSV, JSONL, TXT, Parquet).

Examples:
  affectkit analyze "I love this" "这家酒店太差了"
  affectkit analyze --file reviews.csv --text-col review -o results.jsonl
  affectkit analyze --model lexicon-en --json "Not bad at all!"

Every input row gives exactly one output row, in order, with its row id; a row that cannot be
analysed carries an error message instead of being dropped.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
from pathlib import Path

from affectkit.config import Settings
from affectkit.errors import InvalidInputError
from affectkit.inputs import KINDS, Input
from affectkit.records import Record, RecordWriter, evidence_summary, json_row, read_records

HELP = "analyse text from arguments or a file"
CHUNK = 512  # rows analysed per call: bounded memory for files of any size


def add_input_arguments(p: argparse.ArgumentParser) -> None:
    """What `analyze` and `batch` share: the input column, its kind, the id column, the format."""
    p.add_argument(
        "--text-col",
        "--input-col",
        dest="text_col",
        default="text",
        help="column/field with the input (default: text)",
    )
    p.add_argument(
        "--input-kind",
        choices=KINDS,
        default="text",
        help="what the arguments or the column hold: text (default), or paths to audio, image "
        "or video files (in a file's column: relative to the file's folder)",
    )
    p.add_argument(
        "--id-col", default=None, help="column/field with a row id (default: row number)"
    )
    p.add_argument("--format", choices=("csv", "jsonl", "txt", "parquet"), help="input format")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", help="texts to analyse")
    p.add_argument("--file", "-f", help="input file: .csv, .jsonl, .txt or .parquet")
    add_input_arguments(p)
    p.add_argument("--model", "-m", default="auto", help="registry name or model folder")
    p.add_argument("--language", "-l", default="auto", help="auto (detect), en or zh")
    p.add_argument("--output", "-o", help="write results to .jsonl, .csv or .parquet")
    p.add_argument("--json", action="store_true", help="JSON Lines on stdout, one per input")
    p.add_argument(
        "--backend",
        choices=("torch", "onnx", "onnx-int8"),
        default=None,
        help="inference backend of transformer models (default: torch)",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="token evidence for transformer models (occlusion, slower); lexicons always explain",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _record(i: int, value: str, kind: str) -> Record:
    if kind == "text":
        return Record(str(i), value)
    if not Path(value).is_file():
        return Record(str(i), None, f"{kind} file {value!r} not found")
    return Record(str(i), Input.from_path(value, kind))


def run(args: argparse.Namespace) -> int:
    if args.texts and args.file:
        raise InvalidInputError("Give texts as arguments or --file, not both.")
    if args.file:
        records = read_records(args.file, args.text_col, args.id_col, args.format, args.input_kind)
        source = args.file
    elif args.texts:
        records = (_record(i, t, args.input_kind) for i, t in enumerate(args.texts, start=1))
        source = None
    else:
        raise InvalidInputError("Nothing to analyse: give texts as arguments or --file FILE.")

    progress = None
    if source and not args.quiet:
        from tqdm import tqdm

        progress = tqdm(desc="analysing", unit=" rows", file=sys.stderr, dynamic_ncols=True)
    writer = RecordWriter(args.output).__enter__() if args.output else None
    n = n_err = 0
    try:
        while chunk := list(itertools.islice(records, CHUNK)):
            results = _analyze_chunk(chunk, args)
            n += len(chunk)
            n_err += sum(1 for r, res in zip(chunk, results) if r.error or "error" in res.flags)
            if writer is not None:
                writer.write(chunk, results)
            elif args.json:
                for rec, res in zip(chunk, results):
                    print(json.dumps(json_row(rec, res), ensure_ascii=False))
            else:
                _print_table(chunk, results)
            if progress is not None:
                progress.update(len(chunk))
    finally:
        if progress is not None:
            progress.close()
        if writer is not None:
            writer.__exit__(None, None, None)
    if writer is not None:
        print(f"wrote {n} rows to {args.output} ({n_err} with errors)", file=sys.stderr)
    elif n_err:
        print(f"{n_err} of {n} rows had errors", file=sys.stderr)
    return 0


def _analyze_chunk(chunk: list[Record], args: argparse.Namespace):
    from affectkit.batch import analyze_records

    return analyze_records(
        chunk,
        model=args.model,
        language=args.language,
        model_options=model_options_from(args),
        explain=args.explain,
    )


def model_options_from(args: argparse.Namespace) -> dict:
    """Loader options for transformer models, from the environment (AFFECTKIT_HOME, _THREADS)
    and --backend; rule-based analyzers ignore them."""
    settings = Settings.from_env()
    opts = {"cache_dir": settings.cache_dir, "threads": settings.threads}
    if args.backend:
        opts["backend"] = "onnx" if args.backend.startswith("onnx") else args.backend
        opts["quantize"] = args.backend == "onnx-int8"
    return opts


def _print_table(chunk, results) -> None:
    width = shutil.get_terminal_size((120, 20)).columns
    for rec, res in zip(chunk, results):
        if rec.error or "error" in res.flags:
            print(f"{rec.id:>4}  ERROR  {rec.error or res.raw.get('error')}")
            continue
        conf = f"{res.confidence:.2f}"
        score = "" if res.score is None else f"score {res.score:+.2f}"
        emo = ""
        if res.emotions:
            top = max(res.emotions, key=res.emotions.get)
            if top != "neutral":
                emo = f"emotion {top} {res.emotions[top]:.2f}"
        flags = ",".join(f for f in res.flags if f != "uncertain")
        line = f"{rec.id:>4}  {res.language or '-':<3} {res.label:<11} {conf:<5} {score:<12} {emo}"
        print(line.rstrip() + (f"  [{flags}]" if flags else ""))
        text = (rec.reference or "").replace("\n", " ")
        limit = max(20, width - 8)
        print(f"      {text[:limit]}{'…' if len(text) > limit else ''}")
        ev = evidence_summary(res)
        if ev:
            print(f"      evidence: {ev}")
