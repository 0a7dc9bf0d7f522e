"""Analyse a large file: streaming in chunks with bounded memory, resumable after a crash.

Examples:
  affectkit batch reviews.csv -o results.jsonl --text-col review
  affectkit batch posts.parquet -o results.parquet --model lexicon-en --chunk-size 5000

One output row per input row, in order, with its id; a row that cannot be read or analysed
gets an `error` value. If the run stops (Ctrl-C, a crash, kill -9), the same command continues
after the last complete chunk; the output is then byte-identical to an uninterrupted run.
"""

from __future__ import annotations

import argparse

from affectkit.cli.analyze import add_input_arguments

HELP = "analyse a large file (resumable, bounded memory)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", help="input file: .csv, .jsonl, .txt or .parquet (.gz allowed)")
    p.add_argument("--output", "-o", required=True, help="output: .jsonl, .csv or .parquet")
    add_input_arguments(p)
    p.add_argument("--model", "-m", default="auto", help="registry name or model folder")
    p.add_argument("--language", "-l", default="auto", help="auto (detect), en or zh")
    p.add_argument("--chunk-size", type=int, default=1000, help="rows per chunk (default 1000)")
    p.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"), default=None)
    p.add_argument("--explain", action="store_true", help="token evidence for transformer models")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local (this process) or ray (Ray Data: local or a cluster)",
    )
    p.add_argument("--restart", action="store_true", help="ignore earlier progress, start over")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from affectkit.batch import BatchJob, run_batch
    from affectkit.cli.analyze import limits_from, model_options_from

    job = BatchJob(
        input=args.input,
        output=args.output,
        model=args.model,
        language=args.language,
        text_col=args.text_col,
        id_col=args.id_col,
        input_format=args.format,
        chunk_size=args.chunk_size,
        explain=args.explain,
        model_options=model_options_from(args),
        input_kind=args.input_kind,
        limits=limits_from(args),
    )
    if args.engine == "ray":
        from affectkit.batch.ray_engine import run_batch_ray

        run_batch_ray(job, progress=not args.quiet, restart=args.restart)
    else:
        run_batch(job, progress=not args.quiet, restart=args.restart)
    return 0
