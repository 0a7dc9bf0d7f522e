"""Export a text model to ONNX (fp32 + dynamic int8), with accuracy and speed side by side.

Example:
  affectkit export --model models/reviews -o exported/ --data test.csv --input-col review
"""

from __future__ import annotations

import argparse
import json

from affectkit.cli.train import parse_map

HELP = "export a text model to ONNX fp32 and int8"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", "-m", required=True, help="registry name or model folder")
    p.add_argument("--output", "-o", required=True, help="folder for model.onnx, model.int8.onnx")
    p.add_argument("--data", "-d", help="labelled CSV to compare the backends on")
    p.add_argument("--input-col", default="input")
    p.add_argument("--label-col", default="label")
    p.add_argument("--label-map", help="data label -> model label, e.g. '0=negative,1=positive'")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--max-rows", type=int, default=2000, help="rows of --data to use")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    from affectkit.training.export import export

    s = export(
        args.model,
        args.output,
        data=args.data,
        input_col=args.input_col,
        label_col=args.label_col,
        label_map=parse_map(args.label_map) if args.label_map else None,
        threads=args.threads,
        max_rows=args.max_rows,
    )
    if args.json:
        print(json.dumps(s))
        return 0
    for name, size in s["files"].items():
        print(f"{args.output}/{name}: {size / 1e6:.1f} MB")
    if s["backends"]:
        base = s["backends"]["PyTorch fp32"]
        print(f"\n{'backend':<14} {'accuracy':>9} {'Δ acc':>7} {'macro-F1':>9} {'sent/s':>8} "
              f"{'speed-up':>8}")  # fmt: skip
        for name, b in s["backends"].items():
            print(
                f"{name:<14} {b['accuracy']:9.4f} {b['accuracy'] - base['accuracy']:+7.4f} "
                f"{b['macro_f1']:9.4f} {b['per_second']:8.0f} "
                f"{b['per_second'] / base['per_second']:7.2f}x"
            )
    return 0
