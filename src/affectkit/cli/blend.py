"""Blend a fine-tuned model with a character n-gram model (see affectkit.training.blend).

Reads a recipe with a [train] table (whose output folder holds the trained base model) and a
[blend] table (the ensemble's output and name, extra_data for the n-gram member, n-gram settings).
Trains the n-gram member, fits the blend weight and temperature on the base model's validation
split and writes the ensemble folder, which loads by path like any model folder.

Example:
  affectkit train recipes/text-sentiment-zh.toml   # the base model
  affectkit blend recipes/text-sentiment-zh.toml   # + n-grams, about 2 minutes
"""

from __future__ import annotations

import argparse

HELP = "blend a trained model with a character n-gram model (weight fitted on validation)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", help="TOML recipe with [train] and [blend] tables")
    p.add_argument("--threads", type=int, default=1)


def run(args: argparse.Namespace) -> int:
    import tomllib
    from pathlib import Path

    from affectkit.errors import InvalidInputError
    from affectkit.training.blend import BlendConfig, blend
    from affectkit.training.config import TrainingConfig

    try:
        data = tomllib.loads(Path(args.config).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"Cannot read {args.config}: {exc}") from None
    if "train" not in data or "blend" not in data:
        raise InvalidInputError(f"{args.config} needs a [train] and a [blend] table.")
    blend(
        TrainingConfig.from_dict(data["train"]),
        BlendConfig.from_dict(data["blend"]),
        threads=args.threads,
    )
    return 0
