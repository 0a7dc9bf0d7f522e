"""Store a model folder's fine-tuned encoder layers in int8 (half the size of fp16) or as 4-bit
differences from the source encoder (`--dtype delta4`: a quarter of fp16), in place.

A single-label model's temperature and validation figures are then measured again on the
stored weights (its validation split is rebuilt from the recipe in config.json).

Example:
  affectkit compress --model models/reviews
  affectkit compress --model models/reviews --dtype delta4
"""

from __future__ import annotations

import argparse

HELP = "store a model's fine-tuned encoder layers smaller: int8 or 4-bit differences"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="model folder or registered name")
    p.add_argument(
        "--dtype",
        choices=("int8", "delta4"),
        default="int8",
        help="int8: one scale per row; delta4: 4-bit differences from the source encoder, "
        "one scale per 64 values (about half of int8's size, for fine-tuned layers)",
    )
    p.add_argument("--threads", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    from affectkit.training.compress import compress

    compress(args.model, dtype=args.dtype, threads=args.threads)
    return 0
