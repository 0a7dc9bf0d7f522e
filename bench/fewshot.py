"""Few-shot sentiment: 16 labelled examples per class from SST-2 train, accuracy on SST-2 dev.

    python bench/fewshot.py [--data ../shared/data] [--shots 16] [--seeds 1 2 3 4 5]
                            [--backbones minilm e5] [--threads 1]

For each seed, `affectkit train` draws `--shots` examples per label (`max_rows_per_label`) from
the SST-2 training sentences and trains, on exactly those examples:
- the few-shot mode (`fewshot = true`: contrastive pairs, then a logistic head), per backbone;
- the same without the contrastive stage (`pair_iterations = 0`): the frozen encoder +
  logistic regression baseline;
- the `tfidf` backbone (word + character n-grams, logistic regression).
Each model is scored with `affectkit evaluate` on SST-2 dev (872 sentences). The table gives the
mean and standard deviation over seeds.

SST-2's training file also holds every phrase of the treebank; the draw is from its complete
sentences (rows whose text is, lower-cased, a sentence of SST-5 train), as in SetFit's SST-2
few-shot setup, since a user labels whole texts.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sentences(data: Path, folder: Path) -> Path:
    """SST-2 training rows that are whole sentences (also in SST-5 train), as a CSV."""
    with (data / "text/sst5/train.csv").open(encoding="utf-8", newline="") as f:
        full = {r["text"].lower() for r in csv.DictReader(f)}  # SST-2 is lower-cased
    out = folder / "sst2_train_sentences.csv"
    with (
        (data / "text/sst2/train.csv").open(encoding="utf-8", newline="") as f,
        out.open("w", encoding="utf-8", newline="") as g,
    ):
        w = csv.writer(g)
        w.writerow(["text", "label"])
        n = 0
        for r in csv.DictReader(f):
            if r["text"] in full:
                w.writerow([r["text"], r["label"]])
                n += 1
    log(f"  {n:,} SST-2 training sentences to draw from")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--shots", type=int, default=16)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--backbones", nargs="+", default=["minilm", "e5"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    from affectkit.training.config import TrainingConfig
    from affectkit.training.evaluate import evaluate
    from affectkit.training.trainer import train

    tmp = Path(tempfile.mkdtemp(prefix="affectkit-fewshot-"))
    pool = sentences(args.data, tmp)
    dev = args.data / "text/sst2/dev.csv"
    systems = []
    for bb in args.backbones:
        systems.append(
            (
                f"few-shot mode, {bb} (contrastive pairs + logistic head)",
                {"backbone": bb, "fewshot": True},
            )
        )
        systems.append(
            (
                f"frozen {bb} + logistic regression (no pairs)",
                {"backbone": bb, "fewshot": True, "pair_iterations": 0},
            )
        )
    systems.append(("tfidf n-grams + logistic regression", {"backbone": "tfidf", "min_df": 1}))
    scores: dict[str, list[float]] = {name: [] for name, _ in systems}
    seconds: dict[str, list[float]] = {name: [] for name, _ in systems}
    for seed in args.seeds:
        for name, opts in systems:
            out = tmp / f"{abs(hash(name))}-{seed}"
            cfg = TrainingConfig(
                data=[str(pool)],
                max_rows_per_label=args.shots,
                seed=seed,
                batch_size=16,
                lr=2e-5,
                threads=args.threads,
                output=str(out),
                name="fewshot@1",
                **opts,
            )
            t0 = time.time()
            train(cfg, progress=False, log=lambda m: None)
            seconds[name].append(time.time() - t0)
            r = evaluate(str(out), dev, input_col="text", model_options={"threads": args.threads})
            scores[name].append(r["accuracy"])
            log(
                f"seed {seed} | {name}: SST-2 dev accuracy {r['accuracy']:.4f} "
                f"({seconds[name][-1]:.0f}s)"
            )
    lines = [
        f"SST-2 dev accuracy (n=872) after training on {args.shots} examples per class drawn "
        f"from SST-2 training sentences; mean ± sd over seeds {args.seeds}:",
        "",
        "| system | mean accuracy | sd | min | max | train s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, _ in systems:
        a = np.array(scores[name])
        lines.append(
            f"| {name} | {a.mean():.4f} | {a.std():.4f} | {a.min():.4f} | "
            f"{a.max():.4f} | {np.mean(seconds[name]):.0f} |"
        )
    flags = "" if args.backbones == ["minilm", "e5"] else " --backbones " + " ".join(args.backbones)
    lines.append(
        f"\nOne run of `python bench/fewshot.py{flags} --threads {args.threads}` on "
        f"{platform.machine()}, "
        f"Python {platform.python_version()}."
    )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fewshot.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "fewshot.json").write_text(json.dumps(scores, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
