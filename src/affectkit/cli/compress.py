"""Store a model folder's fine-tuned encoder layers in int8 (half the size of fp16), in place.

A single-label model's temperature and validation figures are then measured again on the
stored weights (its validation split is rebuilt from the recipe in config.json).

Example:
  affectkit compress --model models/reviews
"""

from __future__ import annotations

import argparse

HELP = "store a model's fine-tuned encoder layers in int8 (half the size)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="model folder or registered name")
    p.add_argument("--threads", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    from affectkit.training.compress import compress

    compress(args.model, threads=args.threads)
    return 0
