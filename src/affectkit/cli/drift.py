"""Compare a model's predictions on new data with its validation data (PSI) and say whether
retraining is advised (PSI >= 0.25 on predicted labels or on confidences).

Example:
  affectkit drift text-sentiment-en new_reviews.csv --text-col review
"""

from __future__ import annotations

import argparse
import json

HELP = "detect drift of new data against a model's validation data"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="trained model: registry name or folder")
    p.add_argument("data", help="new data: .csv, .jsonl, .txt or .parquet")
    p.add_argument("--text-col", default="text")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    from affectkit.errors import InvalidInputError
    from affectkit.records import read_records
    from affectkit.training.drift import drift

    texts = [r.text for r in read_records(args.data, args.text_col) if r.text]
    if not texts:
        raise InvalidInputError(f"{args.data} has no readable text in column {args.text_col!r}.")
    r = drift(args.model, texts, threads=args.threads)
    if args.json:
        print(json.dumps(r))
        return 0
    print(f"{r['model']} on {args.data} (n={r['n']}) vs its validation data "
          f"(n={r['reference']['n']})")  # fmt: skip
    print(f"{'label':<12} {'validation':>10} {'new':>8}")
    for lab, e in r["reference"]["labels"].items():
        print(f"{lab:<12} {e:10.3f} {r['new']['labels'][lab]:8.3f}")
    print(f"PSI labels {r['psi_labels']:.3f}, PSI confidence {r['psi_confidence']:.3f} -> "
          f"{r['verdict']}")  # fmt: skip
    return 0
