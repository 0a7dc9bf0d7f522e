"""Aspect-based sentiment: the shipped aspect model against simple references, per data set.

    python bench/aspects.py                 # figures: bench/results/aspects.json + a table
    python bench/aspects.py --model FOLDER  # another aspect model folder

Data: ../shared/data/absa/ (SemEval-2014 restaurants and laptops, MAMS, the Chinese camera /
car / notebook / phone sets). The figures are on the **held-out** 10 % of each training file
(`affectkit.training.aspects.split`, seed 13: never trained on, never used to pick the
checkpoint or fit the temperature, which use a separate 5 % validation split) and on MAMS's dev
file.

- Term extraction: exact-span precision / recall / F1. Reference: a dictionary of every term in
  the training split, matched longest-first on word boundaries (what a term list gives you).
- Polarity given the gold terms: accuracy and macro-F1. Reference (the issue's naive baseline):
  the whole sentence's polarity from the shipped text model (`text-affect-en` / `-zh`) for every
  aspect in it.
- Speed: sentences per second for extraction + polarity + evidence, one thread and two.

    python bench/aspects.py --priors        # is a domain's polarity error a matter of priors?

`--priors` (bench/results/aspects_priors.json, a table): the polarity given the gold terms on
each file's validation and held-out splits, the held-out confusion matrix per file, and the
held-out accuracy after a class-prior correction (one logit offset per class, fitted by
likelihood on the validation split): fitted on all files' validation together, on each file's
own, and on all but MAMS (45 % neutral by design). If a file's errors came from the neutral
share the model learned from MAMS, its own offset would recover them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "absa"
OUT = ROOT / "bench" / "results" / "aspects.json"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def dictionary_terms(train, rows) -> list[list[tuple[int, int]]]:
    """Every training term found in each row's text, longest first, no overlaps, on word
    boundaries for Latin script (Chinese has none)."""
    terms = sorted({s.text[a:b].lower() for s in train for a, b in s.terms}, key=len, reverse=True)
    by_lang: dict[str, re.Pattern] = {}
    out = []
    for s in rows:
        lang = "zh" if s.language == "zh" else "en"
        if lang not in by_lang:
            pool = [
                t for t in terms if (re.search(r"[\u4e00-\u9fff]", t) is not None) == (lang == "zh")
            ]
            alts = "|".join(re.escape(t) for t in pool)
            by_lang[lang] = re.compile(alts if lang == "zh" else rf"(?<!\w)(?:{alts})(?!\w)", re.I)
        out.append([m.span() for m in by_lang[lang].finditer(s.text)])
    return out


def sentence_baseline(rows) -> list[str]:
    """The shipped text model's polarity of the whole sentence, for each gold aspect."""
    import affectkit

    texts = [s.text for s in rows]
    results = affectkit.analyze(texts)
    out = []
    for s, r in zip(rows, results):
        label = max(r.polarity, key=r.polarity.get) if r.polarity else "neutral"
        out += [label for p in s.polarities if p]
    return out


def gold_probs(analyzer, rows):
    """The polarity probabilities of every gold (non-conflict) term, its label and source."""
    import numpy as np

    from affectkit.aspects.types import POLARITIES

    items, y, src = [], [], []
    for s in rows:
        for (a, b), p in zip(s.terms, s.polarities):
            if p is not None:
                items.append((s.text, a, b))
                y.append(POLARITIES.index(p))
                src.append(s.source)
    probs = np.array([p for p, _ in analyzer.classify(items, evidence=False)])
    return probs, np.array(y), np.array(src)


def fit_offsets(probs, y):
    """One logit offset per class (the first fixed at 0) maximising the likelihood of `y`."""
    import numpy as np
    from scipy.optimize import minimize

    logp = np.log(probs + 1e-9)

    def nll(b):
        z = logp + np.r_[0.0, b]
        z = z - z.max(1, keepdims=True)
        return -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))).mean()

    return np.r_[0.0, minimize(nll, np.zeros(probs.shape[1] - 1)).x]


def run_priors(analyzer, parts) -> dict:
    import numpy as np

    from affectkit.aspects.types import POLARITIES

    val, held = gold_probs(analyzer, parts["validation"]), gold_probs(analyzer, parts["heldout"])

    def acc(m, offsets):
        return round(
            float((np.argmax(np.log(held[0][m] + 1e-9) + offsets, 1) == held[1][m]).mean()), 4
        )

    everyone = fit_offsets(val[0], val[1])
    not_mams = ~np.char.startswith(val[2].astype(str), "mams")
    no_mams = fit_offsets(val[0][not_mams], val[1][not_mams])
    out = {"labels": list(POLARITIES), "offsets_all": everyone.round(3).tolist(),
           "offsets_without_mams": no_mams.round(3).tolist(), "sources": {}}  # fmt: skip
    for source in sorted(set(held[2])):
        mv, mh = val[2] == source, held[2] == source
        own = fit_offsets(val[0][mv], val[1][mv])
        pred = held[0][mh].argmax(1)
        confusion = np.zeros((3, 3), int)
        np.add.at(confusion, (held[1][mh], pred), 1)
        out["sources"][source] = {
            "validation_aspects": int(mv.sum()), "heldout_aspects": int(mh.sum()),
            "accuracy": acc(mh, np.zeros(3)), "with_offsets_all": acc(mh, everyone),
            "with_own_offsets": acc(mh, own), "with_offsets_without_mams": acc(mh, no_mams),
            "own_offsets": own.round(3).tolist(),
            "confusion_gold_by_predicted": confusion.tolist(),
        }  # fmt: skip
    return out


def print_priors(res: dict) -> None:
    print("| data (held-out) | aspects | accuracy | offsets: all files | own file | all but MAMS "
          "| confusion (rows gold, columns predicted: negative, neutral, positive) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---|")
    for source, f in res["sources"].items():
        print(
            f"| {source} | {f['heldout_aspects']} | {f['accuracy']:.3f} | "
            f"{f['with_offsets_all']:.3f} | {f['with_own_offsets']:.3f} | "
            f"{f['with_offsets_without_mams']:.3f} | {f['confusion_gold_by_predicted']} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="aspect-sentiment")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--priors", action="store_true", help="only the class-prior check")
    args = ap.parse_args()
    import torch

    from affectkit.aspects import load_model
    from affectkit.aspects.metrics import polarity_scores, span_f1
    from affectkit.training.aspects import evaluate, read_file, split

    torch.set_num_threads(args.threads)
    files = sorted(DATA.glob("*_train.jsonl"))
    parts = split([s for f in files for s in read_file(f)])
    if args.priors:
        res = run_priors(load_model(args.model), parts)
        res["model"] = str(args.model)
        OUT.with_name("aspects_priors.json").write_text(json.dumps(res, indent=1), "utf-8")
        print_priors(res)
        return
    dev = read_file(DATA / "mams_atsa_dev.jsonl")
    for s in dev:
        s.source = "mams_atsa (dev)"
    analyzer = load_model(args.model)
    rows_all = parts["heldout"] + dev
    t0 = time.time()
    ours = evaluate(analyzer, rows_all)
    log(f"model evaluated in {time.time() - t0:.0f} s")
    by_source: dict[str, list] = {}
    for s in rows_all:
        by_source.setdefault(s.source, []).append(s)
    table = {}
    for source, rows in sorted(by_source.items()):
        dict_ext = span_f1([s.terms for s in rows], dictionary_terms(parts["train"], rows))
        gold = [p for s in rows for p in s.polarities if p]
        base = polarity_scores(gold, sentence_baseline(rows))
        table[source] = {
            "sentences": len(rows),
            "aspects": len(gold),
            "model": ours[source],
            "dictionary_extraction": dict_ext,
            "sentence_polarity_baseline": base,
        }
        log(f"{source}: done")
    # speed: whole analysis with evidence on 200 held-out English sentences
    sample = [s.text for s in parts["heldout"] if s.language == "en"][:200]
    speed = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        t0 = time.time()
        analyzer.analyze(sample, evidence=True)
        speed[f"{threads}_threads_sentences_per_s"] = round(len(sample) / (time.time() - t0), 1)
    result = {
        "model": analyzer.name,
        "figures": table,
        "speed": speed,
        "split": {k: len(v) for k, v in parts.items()},
    }
    OUT.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(
        "| data (held-out) | sentences | term F1 (model) | term F1 (dictionary) | polarity acc "
        "(model) | macro-F1 (model) | acc (sentence baseline) | macro-F1 (baseline) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for source, f in table.items():
        m = f["model"]
        b = f["sentence_polarity_baseline"]
        print(
            f"| {source} | {f['sentences']} | {m['extraction']['f1']:.3f} | "
            f"{f['dictionary_extraction']['f1']:.3f} | {m['polarity']['accuracy']:.3f} | "
            f"{m['polarity']['macro_f1']:.3f} | {b['accuracy']:.3f} | {b['macro_f1']:.3f} |"
        )
    print(f"speed (extraction + polarity + evidence): {speed}")


if __name__ == "__main__":
    main()
