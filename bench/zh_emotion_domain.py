"""Why text-emotion-zh slips on everyday Weibo posts (SMP2020-EWECT usual) after training on the
virus-domain file: a diagnosis on the dev sets (reporting only; nothing here is tuned on them).

    python bench/zh_emotion_domain.py [--threads 1] [--skip-frozen]

1. The shipped model on usual dev and virus dev: per-label precision / recall / F1 and how often
   each label is predicted against the gold counts.
2. Class priors: its probabilities times the virus training file's label shares raised to
   a in {0, 0.25, 0.5, 0.75, 1} (a = 1 undoes the balanced class weights it was trained with).
   If the slip were the training prior (half the virus posts are happy; a quarter of usual
   posts are angry), some a would recover it.
3. More varied data: frozen multilingual-e5-small embeddings (mean-pooled) + logistic
   regression fitted on the virus file alone, and with English emotion data mapped to the six
   labels (TweetEval-emotion train; single-label GoEmotions train, at most 1,200 per label),
   with and without balanced class weights: does data from other domains (in another language,
   through the multilingual encoder) carry over to everyday Chinese posts?

Results: bench/results/zh_emotion_domain.json and a printed report.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "text"
OUT = ROOT / "bench" / "results" / "zh_emotion_domain.json"
LABELS = ["angry", "fear", "happy", "neutral", "sad", "surprise"]
TWEETEVAL = {"anger": "angry", "joy": "happy", "optimism": "happy", "sadness": "sad"}
GOEMOTIONS = {
    "anger": "angry", "annoyance": "angry", "disapproval": "angry", "disgust": "angry",
    "fear": "fear", "nervousness": "fear", "joy": "happy", "amusement": "happy",
    "excitement": "happy", "love": "happy", "gratitude": "happy", "admiration": "happy",
    "optimism": "happy", "neutral": "neutral", "sadness": "sad", "grief": "sad",
    "disappointment": "sad", "remorse": "sad", "surprise": "surprise", "realization": "surprise",
}  # fmt: skip
PER_LABEL_CAP = 1200


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read(rel: str) -> list[tuple[str, str]]:
    with (DATA / rel).open(encoding="utf-8", newline="") as f:
        return [(r["text"], r["label"]) for r in csv.DictReader(f) if r["text"].strip()]


def english() -> tuple[list, list]:
    te = [(t, TWEETEVAL[label]) for t, label in read("tweeteval_emotion/train.csv")]
    names = (DATA / "goemotions/labels.txt").read_text().split()
    go = []
    with (DATA / "goemotions/train.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            ids = r["labels"].split(",")
            if len(ids) == 1 and names[int(ids[0])] in GOEMOTIONS:
                go.append((r["text"], GOEMOTIONS[names[int(ids[0])]]))
    random.Random(0).shuffle(go)
    kept, count = [], {}
    for t, label in go:
        if count.get(label, 0) < PER_LABEL_CAP:
            kept.append((t, label))
            count[label] = count.get(label, 0) + 1
    return te, kept


def shipped(threads: int) -> dict:
    import torch
    from sklearn.metrics import classification_report, f1_score

    from affectkit import registry

    torch.set_num_threads(threads)
    model = registry.load("text-emotion-zh")
    assert list(model.labels) == LABELS, model.labels
    train = read("smp2020_ewect/virus_train.csv")
    prior = np.bincount([LABELS.index(y) for _, y in train], minlength=6) / len(train)
    out = {"training_prior": dict(zip(LABELS, prior.round(4).tolist()))}
    for name in ("usual_dev", "virus_dev"):
        rows = read(f"smp2020_ewect/{name}.csv")
        probs = model.predict_proba([t for t, _ in rows])
        y = np.array([LABELS.index(label) for _, label in rows])
        rep = classification_report(y, probs.argmax(1), target_names=LABELS, output_dict=True)
        out[name] = {
            "n": len(rows),
            "macro_f1": round(f1_score(y, probs.argmax(1), average="macro"), 4),
            "per_label": {k: {m: round(v, 3) for m, v in rep[k].items()} for k in LABELS},
            "gold_counts": np.bincount(y, minlength=6).tolist(),
            "predicted_counts": np.bincount(probs.argmax(1), minlength=6).tolist(),
            "prior_corrections": {
                str(a): round(f1_score(y, (probs * prior**a).argmax(1), average="macro"), 4)
                for a in (0, 0.25, 0.5, 0.75, 1.0)
            },
        }
        log(f"{name}: macro-F1 {out[name]['macro_f1']}")
    return out


def frozen(threads: int) -> dict:
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    from affectkit.text.classifier import (
        EncoderConfig,
        TextModelAnalyzer,
        TextModelConfig,
        torch_classes,
    )
    from affectkit.training.config import BACKBONES

    torch.set_num_threads(threads)
    config = TextModelConfig(
        name="frozen@0", labels=tuple(LABELS), languages=("zh", "en"),
        encoder=EncoderConfig(source=BACKBONES["e5"], max_length=128),
    )  # fmt: skip
    head = torch_classes().ClassifierHead(384, len(LABELS))
    enc = TextModelAnalyzer(config, head=head, threads=threads)

    def embed(rows):
        t0 = time.time()
        x = enc.embed([t for t, _ in rows])
        log(f"  embedded {len(rows)} texts in {time.time() - t0:.0f} s")
        return x, np.array([LABELS.index(label) for _, label in rows])

    te, go = english()
    xv, yv = embed(read("smp2020_ewect/virus_train.csv"))
    xu, yu = embed(read("smp2020_ewect/usual_dev.csv"))
    xd, yd = embed(read("smp2020_ewect/virus_dev.csv"))
    xt, yt = embed(te)
    xg, yg = embed(go)
    mixes = {
        "virus": ([xv], [yv]),
        "virus + TweetEval-emotion": ([xv, xt], [yv, yt]),
        "virus + GoEmotions": ([xv, xg], [yv, yg]),
        "virus + both": ([xv, xt, xg], [yv, yt, yg]),
    }
    out = {"english_rows": {"tweeteval_emotion": len(te), "goemotions": len(go)}, "runs": []}
    for weights in (None, "balanced"):
        for name, (xs, ys) in mixes.items():
            clf = LogisticRegression(C=1.0, max_iter=3000, class_weight=weights)
            clf.fit(np.vstack(xs), np.concatenate(ys))
            row = {
                "training": name, "class_weight": weights or "none",
                "usual_dev_macro_f1": round(f1_score(yu, clf.predict(xu), average="macro"), 4),
                "virus_dev_macro_f1": round(f1_score(yd, clf.predict(xd), average="macro"), 4),
            }  # fmt: skip
            out["runs"].append(row)
            log(str(row))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--skip-frozen", action="store_true")
    args = ap.parse_args()
    result = {"command": "python bench/zh_emotion_domain.py " + " ".join(sys.argv[1:])}
    result["shipped"] = shipped(args.threads)
    if not args.skip_frozen:
        result["frozen"] = frozen(args.threads)
    OUT.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    s = result["shipped"]
    print("| dev set | label | precision | recall | F1 | gold | predicted |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name in ("usual_dev", "virus_dev"):
        d = s[name]
        for i, label in enumerate(LABELS):
            p = d["per_label"][label]
            gold, predicted = d["gold_counts"][i], d["predicted_counts"][i]
            print(f"| {name} | {label} | {p['precision']:.3f} | {p['recall']:.3f} | "
                  f"{p['f1-score']:.3f} | {gold} | {predicted} |")  # fmt: skip
    print(
        "\nprior corrections (macro-F1):",
        {n: s[n]["prior_corrections"] for n in ("usual_dev", "virus_dev")},
    )
    for row in result.get("frozen", {}).get("runs", []):
        print(row)


if __name__ == "__main__":
    main()
