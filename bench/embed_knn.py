"""Do emotion embeddings put texts with the same emotion together? k-NN accuracy on a dev set.

    python bench/embed_knn.py [--data ../shared/data] [--k 10]

For GoEmotions dev rows whose labels map to a single Ekman emotion, each text's label is
predicted by a majority vote of its k nearest neighbours (cosine, leave-one-out) among the other
dev texts, in two spaces: the raw MiniLM encoder (mean-pooled, not fine-tuned) and the
`text-emotion-en` embedding (`affectkit embed`). Higher is better; chance is the majority rate.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def knn_accuracy(x: np.ndarray, y: np.ndarray, k: int) -> float:
    x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    sims = x @ x.T  # (N, N)
    np.fill_diagonal(sims, -np.inf)  # leave one out
    nn = np.argpartition(-sims, k, axis=1)[:, :k]
    votes = [Counter(y[row]).most_common(1)[0][0] for row in nn]
    return float(np.mean(np.array(votes) == y))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--k", type=int, default=10)
    args = ap.parse_args(argv)
    from affectkit import api
    from affectkit.labels import GOEMOTIONS_TO_EKMAN
    from affectkit.text.classifier import TextModelAnalyzer, TextModelConfig, torch_classes

    with (args.data / "text/goemotions/dev.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts, labels = [], []
    for r in rows:
        ekman = {GOEMOTIONS_TO_EKMAN[n] for n in r["label_names"].split(",")}
        if len(ekman) == 1:
            texts.append(r["text"])
            labels.append(ekman.pop())
    y = np.array(labels)
    raw = TextModelAnalyzer(
        TextModelConfig(name="raw-minilm@0", labels=("a", "b")),
        head=torch_classes().ClassifierHead(384, 2),
    )
    tuned = api.get_analyzer("text-emotion-en")
    chance = Counter(labels).most_common(1)[0][1] / len(labels)
    print(f"GoEmotions dev, single-Ekman rows: n={len(y)}, k={args.k}", file=sys.stderr)
    lines = ["| space | k-NN accuracy |", "|---|---:|", f"| majority class | {chance:.4f} |"]
    for name, model in (("raw MiniLM (not fine-tuned)", raw), ("text-emotion-en@1", tuned)):
        acc = knn_accuracy(model.embed(texts), y, args.k)
        lines.append(f"| {name} | {acc:.4f} |")
    table = "\n".join(lines)
    print(table)
    out = ROOT / "bench/results/embed_knn.md"
    out.write_text(f"GoEmotions dev, single-Ekman rows (n={len(y)}), k={args.k}\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
