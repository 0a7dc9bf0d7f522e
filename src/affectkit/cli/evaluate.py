"""Evaluate a model on a labelled CSV: accuracy, macro-F1, per-class figures, confusion matrix.

Examples:
  affectkit evaluate --data posts.csv --input-col text      # each row's default model, as analyze
  affectkit evaluate --model lexicon-en --data sst2_dev.csv --input-col text
  affectkit evaluate --model models/reviews --data test.csv --label-map 0=negative,1=positive --json
  affectkit evaluate --model models/goemotions --data ekman.csv --match canonical

With --json, stdout is exactly one JSON object: n, accuracy, macro_f1, macro_recall, micro_f1,
per_class, excluded (data labels no map covers, with counts), model, models (rows each model
read), label_space, seconds; plus skipped (empty, unreadable or unsupported inputs) and, for
single-label data, ece (expected calibration error).
"""

from __future__ import annotations

import argparse
import sys

from affectkit.cli import json_line, printable
from affectkit.cli.analyze import model_options_from
from affectkit.cli.train import parse_map

HELP = "evaluate a model on a labelled CSV"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--model",
        "-m",
        default="auto",
        help="registry name or model folder (default: auto, each row's language detected and "
        "sent to its default model, as `affectkit analyze` does)",
    )
    p.add_argument("--language", "-l", default="auto", help="auto (detect per row), en or zh")
    p.add_argument("--data", "-d", required=True, help="CSV with an input and a label column")
    p.add_argument("--input-col", default="input", help="column with the input (default: input)")
    p.add_argument("--label-col", default="label", help="column with the label (default: label)")
    p.add_argument("--label-map", help="data label -> model label, e.g. '0=negative,1=positive'")
    p.add_argument("--multi-label", action="store_true", default=None,
                   help="labels are comma-separated sets (default: detected)")  # fmt: skip
    p.add_argument(
        "--match",
        choices=("auto", "own", "canonical"),
        default="auto",
        help="match the data's labels to the model's own label names (own), to the canonical "
        "polarity or Ekman emotion groups every result carries (canonical), or to whichever "
        "covers more data labels, own names on a tie (auto, the default)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.add_argument("--confusion-png", help="save the confusion matrix as a PNG")
    p.add_argument("--reliability-png", help="save a reliability diagram (calibration) as a PNG")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from affectkit.records import check_output
    from affectkit.training.evaluate import evaluate, plot_confusion
    from affectkit.training.metrics import format_report

    for png in (args.confusion_png, args.reliability_png):
        if png:
            check_output(png, args.data)
    result = evaluate(
        args.model,
        args.data,
        input_col=args.input_col,
        label_col=args.label_col,
        label_map=parse_map(args.label_map) if args.label_map else None,
        multi_label=args.multi_label,
        match=args.match,
        language=args.language,
        progress=not args.quiet and not args.json,
        model_options=model_options_from(args),
    )
    for note in result.get("warnings", ()):
        print(f"affectkit evaluate: warning: {printable(note)}", file=sys.stderr)
    if args.confusion_png and "confusion" in result:
        path = plot_confusion(result, args.confusion_png)
        print(f"confusion matrix: {path}", file=sys.stderr)
    if args.reliability_png and "confidence" in result:
        from affectkit.training.calibration import reliability_plot

        path = reliability_plot(result["confidence"], result["correct"], args.reliability_png,
                                title=result["model"])  # fmt: skip
        print(f"reliability diagram: {path}", file=sys.stderr)
    hidden = ("confusion", "labels", "confidence", "correct", "warnings")
    status = 0
    if not result["n"]:  # every row skipped or excluded: no figure means anything
        print(f"affectkit evaluate: nothing to evaluate in {args.data}: no row has both an input "
              f"and a label the model covers (skipped: {result['skipped']}, excluded: "
              f"{result['excluded']}).", file=sys.stderr)  # fmt: skip
        status = 1
    if args.json:
        out = {k: v for k, v in result.items() if k not in hidden}
        print(json_line(out))
        return status
    if status:
        return status
    print(printable(f"model {result['model']} on {args.data} ({result['label_space']} labels)"))
    if args.model == "auto":
        routed = ", ".join(f"{name} {n} rows" for name, n in sorted(result["models"].items()))
        print(printable(f"routed: {routed or 'no row'}"))
    print("\n".join(printable(line) for line in format_report(result).split("\n")))
    if "ece" in result:
        print(f"{'ECE':>12}  {result['ece']:9.4f}   (expected calibration error, 15 bins)")
    if result["excluded"]:
        print(f"excluded (labels the model cannot predict): {printable(str(result['excluded']))}")
    if result["skipped"]:
        print(f"skipped: {printable(str(result['skipped']))}")
    print(f"{result['seconds']:.1f} s")
    return status
