"""A review report: the aspects a file of reviews talks about, per group, with their sentiment,
the words that carried it, example sentences, and sentiment over time (docs/reviews.md).

Reads a CSV, TSV or JSON Lines file with a column of review texts (English and Chinese, mixed
in one file is fine), finds the aspects of each review and the sentiment towards each
(`aspect-sentiment`), and writes one self-contained HTML page (charts inline, no network
needed to open it) and, with --json or an -o ending in .json, the same report as JSON. Rows
that cannot be used (no text, an unreadable row) are counted and listed in the report; a row
whose date cannot be read is used everywhere but over time. Nothing leaves this machine.

Examples:
  affectkit report reviews.csv --text-col review -o report.html
  affectkit report reviews.csv --text-col review --time-col date --group-col product \\
      -o report.html --json report.json
  affectkit report reviews.jsonl --text-col text -o report.json     # JSON only
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from affectkit.cli import printable
from affectkit.errors import InvalidInputError

HELP = "a report of the aspects reviews talk about: per group, over time, as HTML and JSON"
CHUNK = 256  # texts analysed between progress updates
SHOWN_PROBLEMS = 10  # rows left out named on stderr (all are in the report)


def add_arguments(p: argparse.ArgumentParser) -> None:
    from affectkit.reviews.report import EXAMPLES, FREQS, TOP_ASPECTS, TOP_GROUPS

    p.add_argument("file", help="a .csv, .tsv or .jsonl file of reviews (gzip too)")
    p.add_argument("--text-col", required=True, help="the column with the review text")
    p.add_argument("--time-col", help="the column with each review's date: sentiment over time")
    p.add_argument("--group-col", help="the column to group by (a product, a shop...)")
    p.add_argument("--id-col", help="the column with each review's id (shown with examples)")
    p.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="FILE",
        help="the report: FILE.html (or FILE.json for JSON only)",
    )
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON to FILE")
    p.add_argument(
        "--top-groups",
        type=int,
        default=TOP_GROUPS,
        help=f"groups shown; the rest are pooled as 'other' (default {TOP_GROUPS})",
    )
    p.add_argument(
        "--top-aspects",
        type=int,
        default=TOP_ASPECTS,
        help=f"aspects shown per group (default {TOP_ASPECTS})",
    )
    p.add_argument(
        "--examples",
        type=int,
        default=EXAMPLES,
        help=f"example sentences per aspect (default {EXAMPLES})",
    )
    p.add_argument(
        "--freq",
        choices=FREQS,
        default="auto",
        help="periods over time: day, week, month (default: at most ~60 periods)",
    )
    p.add_argument("--model", default="aspect-sentiment", help="the aspect model")
    p.add_argument("--batch-size", type=int, default=32, help="texts per model call")
    p.add_argument("--limit", type=int, metavar="N", help="read only the first N rows")
    p.add_argument("--title", help="the page's title (default: Reviews: FILE)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from affectkit.records import check_output
    from affectkit.reviews import build_report, check_columns, read_table, render_html
    from affectkit.reviews.report import analysable

    for flag, value in (
        ("--top-groups", args.top_groups),
        ("--top-aspects", args.top_aspects),
        ("--examples", args.examples),
        ("--batch-size", args.batch_size),
        ("--limit", args.limit if args.limit is not None else 1),
    ):
        if value < 1:
            raise InvalidInputError(f"{flag} must be a positive integer. Got {value} instead.")
    json_only = args.output.lower().endswith(".json")
    if not json_only and not args.output.lower().endswith((".html", ".htm")):
        raise InvalidInputError(
            f"-o writes FILE.html (or FILE.json for JSON only). Got {args.output!r}."
        )
    for out in (args.output, args.json):
        if out is not None:
            check_output(out, args.file)

    table = read_table(args.file, limit=args.limit)
    check_columns(
        table.name,
        table.columns,
        text_col=args.text_col,
        time_col=args.time_col,
        group_col=args.group_col,
        id_col=args.id_col,
    )
    todo = analysable(table.rows, args.text_col, table.errors)
    if not todo:
        raise InvalidInputError(
            f"No review in {table.name} can be analysed: every row of {len(table.rows)} has no "
            f"text in column {args.text_col!r} or cannot be read. Check --text-col."
        )
    results: list = [None] * len(table.rows)
    for i, r in zip(todo, _analyse([table.rows[i][args.text_col] for i in todo], args)):
        results[i] = r
    report = build_report(
        table.rows,
        results,
        text_col=args.text_col,
        time_col=args.time_col,
        group_col=args.group_col,
        id_col=args.id_col,
        top_n_groups=args.top_groups,
        top_n_aspects=args.top_aspects,
        examples=args.examples,
        freq=args.freq,
        row_errors=table.errors,
    )
    text = json.dumps(report, ensure_ascii=False, indent=1)
    written = []
    if json_only:
        written.append(_write(args.output, text))
    else:
        title = args.title or f"Reviews: {Path(args.file).name}"
        written.append(_write(args.output, render_html(report, title=title)))
        if args.json:
            written.append(_write(args.json, text))
    _tell(report, written)
    return 0


def _analyse(texts: list[str], args: argparse.Namespace) -> list:
    """The aspects of each text, in chunks, with a progress bar on stderr for long files."""
    from affectkit.aspects import analyze_aspects

    bar = None
    if not args.quiet and len(texts) > CHUNK:
        from tqdm import tqdm

        bar = tqdm(
            total=len(texts), desc="report", unit=" reviews", file=sys.stderr, dynamic_ncols=True
        )
    out = []
    it = iter(texts)
    try:
        while chunk := list(itertools.islice(it, CHUNK)):
            out.extend(
                analyze_aspects(chunk, model=args.model, evidence=True, batch_size=args.batch_size)
            )
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()
    return out


def _write(path: str, text: str) -> str:
    from affectkit.records import cannot_write

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    return path


def _tell(report: dict, written: list[str]) -> None:
    """A few lines on stderr: the counts, the first rows left out, where the report went."""
    s = report["summary"]
    langs = ", ".join(f"{k} {v}" for k, v in s["languages"].items())
    print(
        f"{s['reviews']} reviews: {s['analysed']} analysed ({langs}), {s['with_aspects']} with "
        f"aspects, {s['aspects']} aspect mentions; {s['skipped']} left out",
        file=sys.stderr,
    )
    for item in report["skipped"][:SHOWN_PROBLEMS]:
        print(printable(f"row {item['row']}: {item['error']}"), file=sys.stderr)
    listed = len(report["skipped"])
    if listed > SHOWN_PROBLEMS:
        print(f"... and more: the report lists the first {listed} problem rows", file=sys.stderr)
    print(printable(f"report written to {', '.join(written)}"), file=sys.stderr)
