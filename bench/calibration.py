"""Calibrations of 3-class English sentiment models, fitted on validation, measured on dev sets.

    python bench/calibration.py [--model FOLDER ...] [--ensemble] [--data ../shared/data]
                                [--threads 2]

Every calibration in `affectkit.training.calibration.CALIBRATIONS` is fitted on the model's own
validation split (rebuilt from the recipe in its config.json, as `affectkit calibrate` does) and
then applied unchanged to the dev sets, which are only measured:

- temperature: one T minimising validation NLL (Guo et al. 2017);
- temperature+bias: T and one logit offset per class, so the class prior a model learned can move
  towards the validation split's ("bias-corrected temperature scaling");
- balanced-*: the same, with every training file weighing the same in the fit (the validation
  split is as lopsided as the training mix: two-thirds SST-2 phrases for text-sentiment-en).

The second table is what `affectkit calibrate --method auto` chooses by: each method's ECE on a
training file left out of its fit, averaged over the files; the row marked "auto" in the first
table is that choice. The third counts each training file's validation rows under both
`drop_overlap_from` rules (a text in both splits leaves validation, or training). Binary dev
data restricts predictions to negative/positive, as `affectkit evaluate` does.

--ensemble adds ensembles of the first model and the others that share its validation split
(the same recipe and `seed`, another `train_seed`): every pair, and all of them when there are
more than two. An ensemble's scores are the mean of its members' uncalibrated log-probabilities,
calibrated like a single model's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["negative", "neutral", "positive"]
FIVE_TO_THREE = {"very negative": "negative", "very positive": "positive"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main() -> None:
    import pandas as pd

    from affectkit.text.classifier import TextModelAnalyzer
    from affectkit.training.calibration import (
        CALIBRATIONS,
        calibrated,
        choose_calibration,
        ece,
        ece_std_error,
        fit_calibration,
        uncalibrated_logits,
    )
    from affectkit.training.config import TrainingConfig
    from affectkit.training.metrics import report
    from affectkit.training.trainer import load_splits, restrict_scores, validation_masks

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT / "src/affectkit/models/text-sentiment-en"
    ap.add_argument("--model", type=Path, nargs="+", default=[default])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    ap.add_argument(
        "--ensemble",
        action="store_true",
        help="also measure the models together (mean of their log-probabilities)",
    )
    args = ap.parse_args()
    t = args.data / "text"
    dev_sets = {
        "SST-2 dev (binary)": t / "sst2/dev.csv",
        "SST-5 dev (3-class)": t / "sst5/dev.csv",
        "TweetEval-sentiment dev": t / "tweeteval_sentiment/dev.csv",
        "MELD dev": t / "meld/dev.csv",
    }
    rows, held_out, splits, members = [], [], [], []
    for folder in args.model:
        config = json.loads((folder / "config.json").read_text())
        if list(config["labels"]) != LABELS:
            raise SystemExit(f"{folder}: labels {config['labels']}, expected {LABELS}")
        cfg = TrainingConfig.from_dict(config["training"]["config"])
        # the texts as written: the model applies its own preprocessing (as recalibrate does)
        train_ex, val, labels, _ = load_splits(replace(cfg, preprocess=None), log=lambda m: None)
        # what each file puts in validation, under the recipe's split and the other overlap rule
        other = "training" if cfg.drop_overlap_from == "validation" else "validation"
        alt = TrainingConfig.from_dict({**cfg.to_dict(), "drop_overlap_from": other})
        alt_train, alt_val, _, _ = load_splits(alt, log=lambda m: None)
        for rule, tr, va in ((cfg.drop_overlap_from, train_ex, val), (other, alt_train, alt_val)):
            counts = {}
            for e in va:
                counts.setdefault(e.source, [0] * len(LABELS))[labels.index(e.labels[0])] += 1
            splits.append({"model": folder.name, "rule": rule, "recipe": tr is train_ex,
                           "train": len(tr), "validation": len(va), "files": counts})  # fmt: skip
        model = TextModelAnalyzer.from_pretrained(folder, threads=args.threads)
        log(f"{model.name}: {len(val)} validation texts")

        # partial_labels: a binary file's rows are scored over its labels, as in training
        z_val = uncalibrated_logits(model, [e.text for e in val])
        z_val = restrict_scores(z_val, validation_masks(cfg, train_ex, val, labels))
        y_val = np.array([labels.index(e.labels[0]) for e in val])
        src = np.array([e.source for e in val])
        sets = {"validation": (z_val, y_val)}
        for name, path in dev_sets.items():
            df = pd.read_csv(path)
            gold = df["sentiment" if "sentiment" in df else "label"]  # MELD: next to emotions
            y = np.array([LABELS.index(FIVE_TO_THREE.get(v, v)) for v in gold])
            sets[name] = (uncalibrated_logits(model, df["text"].tolist()), y)
        members.append((folder.name, [e.text for e in val], src, sets))
    if args.ensemble:  # the models whose validation split is the first model's
        same = [m for m in members if m[1] == members[0][1]]
        for m in members:
            if m not in same:
                log(f"--ensemble: {m[0]} left out (another validation split)")
        if len(same) < 2:
            raise SystemExit("--ensemble: no other model shares the first one's validation split")
        groups = [list(g) for g in itertools.combinations(same, 2)]
        if len(same) > 2:
            groups.append(same)
        for group in groups:
            sets = {  # mean log-probabilities: one logit vector per text, calibrated as a model's
                k: (np.mean([m[3][k][0] for m in group], axis=0), y)
                for k, (_, y) in members[0][3].items()
            }
            name = " + ".join(m[0] for m in group)
            members.append((f"ensemble of {name}", None, members[0][2], sets))
    for model_name, _, src, sets in members:
        z_val, y_val = sets["validation"]
        fits = {m: fit_calibration(z_val, y_val, m, src) for m in CALIBRATIONS}
        choice = choose_calibration(z_val, y_val, src)
        for m, row in choice["held_out_source_ece"].items():
            held_out.append({"model": model_name, "calibration": m, **row})
            log(f"  {model_name} {m}: T {fits[m][0]:.3f}, held-out ECE {row['mean']:.4f}")
        for name, (z, y) in sets.items():
            for method, (temp, bias) in fits.items():
                p = calibrated(z, temp, bias)
                names, yy = LABELS, y
                if 1 not in set(y.tolist()):  # binary data: negative vs positive only
                    p = p[:, [0, 2]] / p[:, [0, 2]].sum(1, keepdims=True)
                    names, yy = ["negative", "positive"], (y == 2).astype(int)
                pred = p.argmax(1)
                r = report(yy, pred, names)
                rows.append({
                    "model": model_name, "set": name, "n": len(y), "calibration": method,
                    "auto": method == choice["method"], "temperature": temp,
                    "accuracy": r["accuracy"], "macro_f1": r["macro_f1"],
                    "macro_recall": r["macro_recall"],
                    "ece": ece(p.max(1), pred == yy),
                    "ece_se": ece_std_error(p.max(1), pred == yy),
                    "neutral_share": float(np.mean(pred == 1)) if len(names) == 3 else 0.0,
                })  # fmt: skip
    lines = [
        "| model | set | calibration | accuracy | macro-F1 | macro-recall | ECE | "
        "ECE s.e. | predicted neutral |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        method = f"{r['calibration']} (T {r['temperature']:.3f})" + (
            " **auto**" if r["auto"] else ""
        )
        lines.append(
            f"| {r['model']} | {r['set']} (n={r['n']}) | {method} | "
            f"{r['accuracy']:.4f} | {r['macro_f1']:.4f} | {r['macro_recall']:.4f} | "
            f"{r['ece']:.4f} | {r['ece_se']:.4f} | {r['neutral_share']:.1%} |"
        )
    files = list(  # every model's training files, in order of first appearance
        dict.fromkeys(k for h in held_out for k in h if k not in ("model", "calibration", "mean"))
    )
    lines += [
        "",
        "ECE on a training file's validation rows when the calibration is fitted on the other "
        "files' (what `--method auto` minimises, column mean):",
        "",
        "| model | calibration | " + " | ".join(files) + " | mean |",
        "|---|---|" + "---:|" * (len(files) + 1),
    ]
    for h in held_out:
        cells = " | ".join(f"{h.get(f, float('nan')):.4f}" for f in files)
        lines.append(f"| {h['model']} | {h['calibration']} | {cells} | {h['mean']:.4f} |")
    lines += [
        "",
        "Validation rows per training file (negative / neutral / positive) when a text in both "
        "splits leaves validation or training (`drop_overlap_from`; the recipe's rule marked):",
        "",
        "| model | overlap leaves | training rows | validation rows | " + " | ".join(files) + " |",
        "|---|---|---:|---:|" + "---|" * len(files),
    ]
    for sp in splits:
        cells = " | ".join("/".join(map(str, sp["files"].get(f, []))) for f in files)
        rule = sp["rule"] + (" (recipe)" if sp["recipe"] else "")
        lines.append(
            f"| {sp['model']} | {rule} | {sp['train']:,} | {sp['validation']:,} | {cells} |"
        )
    shown = [m.relative_to(ROOT) if m.is_relative_to(ROOT) else m for m in args.model]
    cmd = (
        "python bench/calibration.py "
        + " ".join(f"--model {m}" if i == 0 else str(m) for i, m in enumerate(shown))
        + (" --ensemble" if args.ensemble else "")
        + (f" --out {args.out}" if args.out != ROOT / "bench/results" else "")
    )
    lines += ["", f"Calibrations fitted on each model's validation split. One run of `{cmd}`."]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.md").write_text("\n".join(lines) + "\n")
    results = {"dev": rows, "held_out_source": held_out, "validation_split": splits}
    (args.out / "calibration.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
