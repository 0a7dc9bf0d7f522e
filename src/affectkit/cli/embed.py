"""Emotion embeddings: one vector per input from a trained text model, for clustering and search.

The vector is the fine-tuned encoder's mean-pooled output, the representation the classifier
head reads (its penultimate layer for a linear head): texts with similar affect lie close
together (see bench/embed_knn.py for the k-NN evidence).

Examples:
  affectkit embed --model text-emotion-en "so happy today" "this is awful" -o vectors.npy
  affectkit embed --model text-emotion-en --file posts.csv --text-col body -o vectors.npy
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "emotion embeddings of texts (from a trained text model)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*")
    p.add_argument("--model", "-m", default="text-emotion-en", help="trained text model")
    p.add_argument("--file", "-f", help="input file: .csv, .jsonl, .txt or .parquet")
    p.add_argument("--text-col", default="text")
    p.add_argument("--output", "-o", help=".npy (float32 matrix, rows in input order) or .jsonl")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from affectkit import api
    from affectkit.errors import InvalidInputError
    from affectkit.records import cannot_write, check_output, read_records

    if args.output:
        check_output(args.output, args.file)
    if args.file:
        recs = list(read_records(args.file, args.text_col))
        bad = [r for r in recs if r.error]
        if bad:
            raise InvalidInputError(f"{len(bad)} rows cannot be read, e.g. {bad[0].error}.")
        ids, texts = [r.id for r in recs], [r.text for r in recs]
    elif args.texts:
        ids, texts = [str(i) for i in range(1, len(args.texts) + 1)], args.texts
    else:
        raise InvalidInputError("Nothing to embed: give texts or --file FILE.")
    analyzer = api.get_analyzer(args.model)
    if not hasattr(analyzer, "embed"):
        raise InvalidInputError(f"{args.model!r} has no embeddings; use a trained text model.")
    vectors = analyzer.embed(texts)  # (N, H); NaN rows for empty texts
    empty = [i for i, v in zip(ids, vectors) if np.isnan(v).any()]
    if empty:
        print(f"no embedding for empty texts (NaN rows / null): {len(empty)}, e.g. id "
              f"{empty[0]}", file=sys.stderr)  # fmt: skip
    try:
        _write(args.output, ids, vectors)
    except OSError as exc:
        if args.output is None:
            raise  # stdout: a closed pipe is main's to handle
        raise cannot_write(args.output, exc) from None
    return 0


def _write(output: str | None, ids: list[str], vectors) -> None:
    import numpy as np

    if output and output.endswith(".npy"):
        with open(output, "wb") as f:  # np.save(path) would add .npy to another name
            np.save(f, vectors.astype(np.float32))
        print(f"wrote {vectors.shape[0]} x {vectors.shape[1]} to {output}", file=sys.stderr)
        return
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        for i, v in zip(ids, vectors):
            vec = None if np.isnan(v).any() else [round(float(x), 6) for x in v]
            out.write(json.dumps({"id": i, "embedding": vec}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
