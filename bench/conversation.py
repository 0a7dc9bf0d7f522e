"""Customer dissatisfaction in conversations: the shipped model against the turn's own sentiment.

    python bench/conversation.py cache       # the default text analyzer over every USS turn
                                             # (about 16 minutes on one thread; cached, resumable)
    python bench/conversation.py             # figures: bench/results/conversation.json + table
    python bench/conversation.py --ship      # also write the model fitted on the training part
                                             # to src/affectkit/models/conversation-dissatisfaction

Data: ../shared/data/dialogue/uss_{sgd,mwoz,redial,ccpe}.jsonl (User Satisfaction Simulation,
Sun et al. 2021). A user turn is *dissatisfied* when the mean of its annotators' 1-5 ratings is
at most 2.5; a dialogue when its overall rating's mean is. Validation: 20% of the dialogues of
each file (seed 0), whole dialogues; everything is fitted and every threshold chosen on the rest.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from affectkit.training.terms import CardTerms, render_section

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "dialogue"
CACHE = ROOT / "bench" / "out" / "conversation"
OUT = ROOT / "bench" / "results" / "conversation.json"
CORPORA = ("sgd", "mwoz", "redial", "ccpe")
TRAINING_FILES = tuple(f"dialogue/uss_{c}.jsonl" for c in CORPORA)  # under ../shared/data
SEED, VALIDATION = 0, 0.2
DIALOGUES_PER_CALL = 16  # batched per analyzer call


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def dialogues(corpus: str) -> list[dict]:
    with open(SHARED / f"uss_{corpus}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cache(corpus: str, threads: int = 1) -> None:
    """Every turn's reading (`affectkit.conversation.features.reading` of the default text
    analyzer's result), one dialogue a line; dialogues already cached are skipped."""
    import affectkit
    from affectkit.conversation.features import reading

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"readings_{corpus}.jsonl"
    done = set()
    if path.exists():
        with open(path, encoding="utf-8") as f:
            done = {json.loads(line)["id"] for line in f if line.endswith("\n")}
    todo = [d for d in dialogues(corpus) if d["id"] not in done]
    log(f"{corpus}: {len(done)} cached, {len(todo)} to analyse")
    start = time.time()
    with open(path, "a", encoding="utf-8") as out:
        for i in range(0, len(todo), DIALOGUES_PER_CALL):
            part = todo[i : i + DIALOGUES_PER_CALL]
            texts = [t["text"] for d in part for t in d["turns"]]
            results = affectkit.analyze(texts, errors="flag", model_options={"threads": threads})
            k = 0
            for d in part:
                n = len(d["turns"])
                rows = [reading(r) for r in results[k : k + n]]
                k += n
                out.write(json.dumps({"id": d["id"], "readings": rows}) + "\n")
            out.flush()
            log(f"{corpus}: {i + len(part)}/{len(todo)} dialogues, {time.time() - start:.0f}s")


def load(corpus: str) -> list[tuple[dict, list]]:
    """(dialogue, its turns' cached readings) for every cached dialogue of a corpus."""
    path = CACHE / f"readings_{corpus}.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as f:
        cached = {o["id"]: o["readings"] for o in map(json.loads, f)}
    return [(d, cached[d["id"]]) for d in dialogues(corpus) if d["id"] in cached]


def split(items: list, seed: int = SEED) -> tuple[list, list]:
    """(training, validation): `VALIDATION` of the dialogues, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(items))
    n_val = round(len(items) * VALIDATION)
    val = set(order[:n_val].tolist())
    return [x for i, x in enumerate(items) if i not in val], [items[i] for i in sorted(val)]


def table(items: list[tuple[dict, list]]) -> dict:
    """Every user turn's features, label and dialogue, and each dialogue's label."""
    from affectkit.conversation.features import features

    turn, context, y, group, dialogue_y, corpus = [], [], [], [], [], []
    for g, (d, readings) in enumerate(items):
        turns = d["turns"]
        is_user = [t["speaker"] == "USER" for t in turns]
        f = features([t["text"] for t in turns], readings, is_user)
        labels = [t.get("satisfaction_mean") for t, u in zip(turns, is_user) if u]
        keep = np.array([v is not None for v in labels])
        turn.append(f["turn"][keep])
        context.append(f["context"][keep])
        y += [v <= 2.5 for v in labels if v is not None]
        group += [g] * int(keep.sum())
        dialogue_y.append(d["overall_satisfaction_mean"] <= 2.5)
        corpus.append(d["source_corpus"])
    return {
        "feats": {"turn": np.vstack(turn), "context": np.vstack(context)},
        "y": np.array(y),
        "group": np.array(group),
        "dialogue_y": np.array(dialogue_y),
        "corpus": np.array(corpus),
    }


def per_dialogue(scores: np.ndarray, group: np.ndarray, n: int) -> list[np.ndarray]:
    return [scores[group == g] for g in range(n)]


def bootstrap_ci(metric, n_dialogues: int, draws: int = 1000, seed: int = 0) -> list[float]:
    """95% interval of `metric(dialogue indices)` over resamples of whole dialogues."""
    rng = np.random.default_rng(seed)
    values = [metric(rng.integers(0, n_dialogues, n_dialogues)) for _ in range(draws)]
    values = [v for v in values if not np.isnan(v)]
    return [round(float(np.quantile(values, q)), 3) for q in (0.025, 0.975)]


def figures(ship: bool, fusion: bool = True) -> dict:
    from affectkit.conversation.metrics import auc, best_threshold, macro_f1
    from affectkit.conversation.model import POOLINGS, DissatisfactionModel

    items = {c: load(c) for c in CORPORA}
    train_items, val_items = [], []
    for c in CORPORA:
        tr, va = split(items[c])
        train_items += tr
        val_items += va
    tr, va = table(train_items), table(val_items)
    log(
        f"training: {len(train_items)} dialogues, {len(tr['y'])} user turns "
        f"({tr['y'].mean():.1%} dissatisfied); validation: {len(val_items)} dialogues, "
        f"{len(va['y'])} user turns ({va['y'].mean():.1%})"
    )
    neg = 0  # column 0 of the turn group: P(negative)

    def sentiment(t):  # (a) the turn's own negative probability
        return t["feats"]["turn"][:, neg]

    def dialogue_level(p_tr: np.ndarray, poolings=POOLINGS) -> DissatisfactionModel:
        """A conversation-level fit over these training turn scores (pooling chosen by CV)."""
        d = DissatisfactionModel()
        d.fit_dialogue(per_dialogue(p_tr, tr["group"], len(train_items)), tr["dialogue_y"],
                       poolings)  # fmt: skip
        return d

    systems: dict[str, dict] = {}
    fitted = {}
    for name, groups in (("with_context", ("turn", "context")), ("without_context", ("turn",))):
        m = DissatisfactionModel(groups=groups).fit(tr["feats"], tr["y"].astype(float))
        p_tr = m.predict_proba(tr["feats"])
        m.threshold_ = best_threshold(tr["y"], p_tr)
        dialog_tr = per_dialogue(p_tr, tr["group"], len(train_items))
        m.fit_dialogue(dialog_tr, tr["dialogue_y"])
        p_dialog = np.array([m.dialogue_proba(p) for p in dialog_tr])
        m.dialogue_threshold_ = best_threshold(tr["dialogue_y"], p_dialog)
        fitted[name] = m
        systems[name] = {"turn": lambda t, m=m: m.predict_proba(t["feats"]), "p_tr": p_tr}
    if fusion:  # the same features through affectkit.fusion.LearnedFusion (measured, not shipped)
        from affectkit.fusion import LearnedFusion

        lf = LearnedFusion(("satisfied", "dissatisfied"), ("turn", "context"), seed=SEED)
        lf.fit(tr["feats"], tr["y"].astype(int), groups=tr["group"])
        systems["learned_fusion"] = {"turn": lambda t, lf=lf: lf.predict_proba(t["feats"])[:, 1]}
    systems["sentiment_only"] = {"turn": sentiment}
    for s in systems.values():
        s.setdefault("p_tr", s["turn"](tr))
        s["threshold"] = best_threshold(tr["y"], s["p_tr"])
        s["dialogue"] = dialogue_level(s["p_tr"])
        s["pooling"] = s["dialogue"].pooling_
    fitted["with_context"].threshold_ = systems["with_context"]["threshold"]

    result: dict = {
        "data": {
            "training": {
                "dialogues": len(train_items),
                "user_turns": len(tr["y"]),
                "dissatisfied_turns": int(tr["y"].sum()),
                "dissatisfied_dialogues": int(tr["dialogue_y"].sum()),
            },
            "validation": {
                "dialogues": len(val_items),
                "user_turns": len(va["y"]),
                "dissatisfied_turns": int(va["y"].sum()),
                "dissatisfied_dialogues": int(va["dialogue_y"].sum()),
            },
            "split": f"{VALIDATION:.0%} of the dialogues of each USS file, seed {SEED}",
            "positive": "user turn: mean rating <= 2.5; dialogue: overall mean rating <= 2.5",
        },
        "systems": {},
    }
    for name, s in systems.items():
        p_va = s["turn"](va)
        dialog = per_dialogue(p_va, va["group"], len(val_items))
        row = {
            "turn_auc": round(auc(va["y"], p_va), 4),
            "turn_macro_f1": round(macro_f1(va["y"], p_va >= s["threshold"]), 4),
            "threshold": round(float(s["threshold"]), 4),
            "dialogue_pooling": s["pooling"],
            "dialogue_auc": None,
            "dialogue_auc_by_pooling": {},
            "turn_auc_by_corpus": {},
        }
        for h in POOLINGS:
            d = dialogue_level(s["p_tr"], (h,))
            row["dialogue_auc_by_pooling"][h] = round(
                auc(va["dialogue_y"], np.array([d.dialogue_proba(p) for p in dialog])), 4
            )
        row["dialogue_auc"] = row["dialogue_auc_by_pooling"][s["pooling"]]
        turn_idx = [np.flatnonzero(va["group"] == g) for g in range(len(val_items))]
        pooled = np.array([s["dialogue"].dialogue_proba(p) for p in dialog])

        def turn_auc(sample, p_va=p_va, turn_idx=turn_idx):
            idx = np.concatenate([turn_idx[g] for g in sample])
            return auc(va["y"][idx], p_va[idx])

        row["turn_auc_ci95"] = bootstrap_ci(turn_auc, len(val_items))
        row["dialogue_auc_ci95"] = bootstrap_ci(
            lambda sample, pooled=pooled: auc(va["dialogue_y"][sample], pooled[sample]),
            len(val_items),
        )
        for c in sorted(set(va["corpus"])):
            dialogues_c = np.flatnonzero(va["corpus"] == c)
            mask = np.isin(va["group"], dialogues_c)
            row["turn_auc_by_corpus"][c] = round(auc(va["y"][mask], p_va[mask]), 4)
        result["systems"][name] = row
    if ship:
        from affectkit.conversation.analyze import shipped_model_folder

        m = fitted["with_context"]
        m.meta_ = {
            "data": "USS (sgd, mwoz, redial, ccpe), training part: " + result["data"]["split"],
            "validation": result["systems"]["with_context"],
        }
        folder = shipped_model_folder()
        m.save(folder)
        (folder / "metrics.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        (folder / "MODEL_CARD.md").write_text(card(result, m), encoding="utf-8")
        log(f"wrote {folder}")
    return result


def card(result: dict, m) -> str:
    """The model card of the shipped model, from its figures."""
    d, r = result["data"], result["systems"]
    rows = "\n".join(
        f"| {name} | {x['turn_auc']:.3f} ({x['turn_auc_ci95'][0]:.3f}-{x['turn_auc_ci95'][1]:.3f})"
        f" | {x['turn_macro_f1']:.3f} | {x['dialogue_auc']:.3f} ({x['dialogue_auc_ci95'][0]:.3f}-"
        f"{x['dialogue_auc_ci95'][1]:.3f}) |"
        for name, x in r.items()
    )
    top = sorted(zip(m.names_, m.coef_), key=lambda nc: -abs(nc[1]))[:8]
    weights = ", ".join(f"`{n}` {c:+.2f}" for n, c in top)
    reads = (
        "**The text analyzers it reads**: its features are the outputs of `text-affect-en` / "
        "`text-affect-zh`, which run whenever this model runs, and it was fitted on their "
        "outputs. So their terms apply to this route too: MELD (GPL-3.0) and research releases "
        "without a licence for English, research releases for Chinese."
    )
    terms = "\n".join(
        render_section(
            CardTerms(
                "conversation-dissatisfaction", dict.fromkeys(TRAINING_FILES), bullets=[reads]
            )
        )
    )
    return f"""# conversation-dissatisfaction@1

P(the customer is dissatisfied) per customer turn of a conversation, from the text analyzer's
outputs for the turn and the turns before it, and per conversation by pooling the turns
(`affectkit.conversation`; docs/conversations.md).

## Model

- Logistic regression (L2 {m.l2}, Newton's method, no class weighting) over {len(m.names_)}
  standardised features: the turn's polarity, emotions, score, length, question mark; the
  agent's previous turn's and the customer's previous turn's polarity, emotions and score; first
  turn, position, word overlap with the customer's previous turn, the customer's running minimum
  and mean score, the count of their clearly negative turns. Features come from the canonical
  outputs of the default text analyzers (`text-affect-en`, `text-affect-zh`).
- Largest weights (per standard deviation): {weights}.
- Turn threshold {m.threshold_:.4f} (best macro-F1 on the training dialogues). Conversation:
  pooling `{m.pooling_}` (best 5-fold AUC on the training dialogues among max, mean, last,
  top-2 mean, noisy-or and `learned`: a logistic fit over the logits of the max, mean, last and
  top-2 mean and the log number of customer turns); conversation threshold
  {m.dialogue_threshold_:.4f}.
- One JSON file (`config.json`), no pickle; `metrics.json` holds the figures below.

## Training

- Data: User Satisfaction Simulation (Sun et al., SIGIR 2021), `../shared/data/dialogue/uss_{{sgd,
  mwoz,redial,ccpe}}.jsonl`; a user turn is dissatisfied when its annotators' mean rating (1-5)
  is at most 2.5, a dialogue when its overall mean rating is.
- Fitted on {d["training"]["dialogues"]} dialogues ({d["training"]["user_turns"]} user turns,
  {d["training"]["dissatisfied_turns"]} dissatisfied); validation: {d["split"]}.
- Rebuild: `python bench/conversation.py cache && python bench/conversation.py --ship`
  (the text analyzer over every turn, cached under bench/out/, about 15 minutes on one thread).

## Figures

Validation: {d["validation"]["dialogues"]} dialogues, {d["validation"]["user_turns"]} user turns
({d["validation"]["dissatisfied_turns"]} dissatisfied), {d["validation"]["dissatisfied_dialogues"]}
dissatisfied dialogues. 95% intervals from 1,000 resamples of whole dialogues.

| system | turn AUC | turn macro-F1 (binary) | dialogue AUC |
|---|---|---:|---|
{rows}

`with_context` is this model; `without_context` the same regression on the turn's own features;
`sentiment_only` the text analyzer's P(negative) for the turn (dialogue: its maximum);
`learned_fusion` the same features through `affectkit.fusion.LearnedFusion` (not shipped).

{terms}
## Limitations

- Trained on English task-oriented dialogues with an automatic assistant (bookings, weather,
  movie recommendations), not human customer-service chats; scores there are unmeasured.
- Chinese conversations get the same features from the Chinese analyzers, but the model has
  seen no Chinese dialogue and the Chinese sentiment model has no neutral class: unmeasured.
- Ratings are third-party annotators' judgements of a simulated user's satisfaction, not the
  customer's own; dissatisfied turns are rare (about 6%), dissatisfied dialogues rarer.
"""


def print_table(result: dict) -> None:
    d = result["data"]
    print(
        f"USS validation: {d['validation']['dialogues']} dialogues, "
        f"{d['validation']['user_turns']} user turns "
        f"({d['validation']['dissatisfied_turns']} dissatisfied; "
        f"{d['validation']['dissatisfied_dialogues']} dissatisfied dialogues)"
    )
    print(
        f"{'system':<16} {'turn AUC (95% CI)':>22} {'turn macro-F1':>14} "
        f"{'dialogue AUC (95% CI)':>26}  pooling"
    )
    for name, r in result["systems"].items():
        t, dl = r["turn_auc_ci95"], r["dialogue_auc_ci95"]
        print(
            f"{name:<16} {r['turn_auc']:>7.3f} ({t[0]:.3f}-{t[1]:.3f}) {r['turn_macro_f1']:>14.3f} "
            f"{r['dialogue_auc']:>11.3f} ({dl[0]:.3f}-{dl[1]:.3f})  {r['dialogue_pooling']}"
        )
    print(
        "per corpus, turn AUC: "
        + "; ".join(
            f"{n}: " + ", ".join(f"{c} {v:.3f}" for c, v in r["turn_auc_by_corpus"].items())
            for n, r in result["systems"].items()
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("step", nargs="?", default="figures", choices=("cache", "figures"))
    ap.add_argument("--ship", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-fusion", action="store_true", help="skip the LearnedFusion row")
    args = ap.parse_args()
    if args.step == "cache":
        for corpus in CORPORA:
            cache(corpus, args.threads)
        return
    start = time.time()
    result = figures(args.ship, not args.no_fusion)
    result["seconds"] = round(time.time() - start, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print_table(result)


if __name__ == "__main__":
    main()
