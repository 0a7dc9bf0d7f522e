"""How faithful is the evidence `explain=True` returns? ERASER comprehensiveness and sufficiency.

    OMP_NUM_THREADS=1 python bench/faithfulness.py [--n 150] [--data ../shared/data]
                                                   [--out bench/results] [--ig-steps 8]

For the default sentiment route of each language (text-sentiment-en, the polarity half of
text-affect-en; text-sentiment-zh, an e5 + n-gram blend) and ~150 dev texts each of SST-2,
TweetEval sentiment and ChnSentiCorp, every evidence method scores every word of a text (higher
= supports the label the model predicted), and the words are ranked by that score. Then, with
the model's confidence c(x) in its originally predicted label y (DeYoung et al. 2020, ERASER):

- comprehensiveness = c(x) - c(x without the top-k words): high = the evidence was needed;
- sufficiency = c(x) - c(the top-k words alone): low = the evidence is enough;

each averaged over k in {1, 3, 5, 20% of the words} (an AOPC over those bins). Words are removed
with `affectkit.text.explain.delete_words` (a capitalised sentence start stays capitalised, so
the metric does not reward the casing artefact of plain deletion) and kept with `keep_words`.

Methods:
- occlusion: what `explain=True` shipped before: leave-one-word-out plain deletion, the drop in
  c; the list ordered by |drop|;
- occlusion+case: the same with `delete_words` (sentence start kept capitalised);
- occlusion+case+fw: that, with function words of small drop listed after the other words
  (`rank_evidence`);
- occlusion+both+fw: a sentence start read both ways (capitalised next word and plain
  deletion, `word_deletions`), the smaller drop kept (`least_drops`), then the function-word
  rule: what ships now;
- grad x input: d log p(y) / d embedding . embedding, summed over a word's word pieces
  (the transformer; for the zh blend its e5 member, the n-gram member has no gradient);
- integrated gradients: the same along a straight path from zero embeddings (`--ig-steps`
  midpoints), special tokens kept;
- lexicon: lexicon-en / lexicon-zh word weights, signed towards the transformer's label
  (|weight| for neutral); words the lexicon does not score follow in random order;
- random: a random order of the words (the floor every method should beat).

Also: the share of texts whose first listed word (largest |score|, as the evidence list shows
it) is a function word (`affectkit.text.explain.is_function_word`), and milliseconds per text
to compute the scores, one text at a time. Texts that occlusion does not cover (more than
EXPLAIN_MAX_WORDS words, or longer than one encoder window) are left out before sampling; the
share of each dev set that occlusion covers is reported. Writes faithfulness.json and
faithfulness.md to --out.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KS = (1, 3, 5, "20%")
DATASETS = {  # name: (folder under text/, language, sentiment model)
    "sst2": ("sst2", "en", "text-sentiment-en"),
    "tweeteval": ("tweeteval_sentiment", "en", "text-sentiment-en"),
    "chnsenticorp": ("chnsenticorp", "zh", "text-sentiment-zh"),
}
METHODS = (
    "occlusion",
    "occlusion+case",
    "occlusion+case+fw",
    "occlusion+both+fw",
    "grad x input",
    "integrated gradients",
    "lexicon",
    "random",
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Model:
    """The black box the metrics query (predict_proba of the shipped analyzer) and the torch
    transformer the gradient methods differentiate (the analyzer, or an ensemble's member)."""

    def __init__(self, name: str) -> None:
        from affectkit.api import get_analyzer

        self.analyzer = get_analyzer(name, threads=1)
        self.analyzer.load()
        self.plan = self.analyzer.plan
        tm = self.analyzer
        self.scale = 1.0  # d blend-log-prob / d member-log-prob
        if hasattr(tm, "members"):  # ensemble: differentiate its transformer member
            k = next(i for i, m in enumerate(tm.members) if hasattr(m, "torch_module"))
            self.scale = tm.weights[k] / tm.config.temperature
            tm = tm.members[k]
        self.tm = tm
        self.module = tm.torch_module()
        self.tok = tm._load_tokenizer()

    def probs(self, texts: list[str]) -> np.ndarray:
        return self.analyzer.predict_proba(texts)

    def conf(self, probs: np.ndarray, label: str) -> float:
        return float(self.plan.confidence_of(probs, label))

    def label(self, probs: np.ndarray) -> str:
        from affectkit.text.classifier import summarise

        return summarise(probs, self.plan)["label"]

    def gradients(self, text: str, label: str, steps: int) -> np.ndarray:
        """Per-word attribution of log p(label): grad x input (steps=0) or integrated gradients
        (steps > 0 midpoints from zero embeddings). (W,) in `word_spans(text)` order."""
        import torch

        from affectkit.text.preprocess import encoder_text
        from affectkit.text.segment import word_spans

        cfg = self.tm.config
        text_in = encoder_text(text, cfg.preprocess)
        enc = self.tok.tk.encode(text_in, add_special_tokens=False)
        pre, suf = list(self.tok.prefix), list(self.tok.suffix)
        ids = torch.tensor([pre + list(enc.ids) + suf])  # (1, T)
        mask = torch.ones_like(ids)
        emb_layer = self.module.encoder.get_input_embeddings()
        with torch.no_grad():
            x = emb_layer(ids)  # (1, T, H)
        text_tok = torch.zeros(ids.shape[1], dtype=torch.bool)
        text_tok[len(pre) : len(pre) + len(enc.ids)] = True
        if steps:
            alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps  # (S,)
            base = x.clone()
            base[:, text_tok] = 0.0
            inp = base + alphas[:, None, None] * (x - base)  # (S, T, H)
        else:
            inp = x.clone()
        inp.requires_grad_(True)
        y = list(self.tm.plan.mapped).index(label)
        out = self.module.encoder(
            inputs_embeds=inp, attention_mask=mask.expand(inp.shape[0], -1)
        ).last_hidden_state  # (S, T, H)
        pooled = out[:, 0] if self.module.pooling == "cls" else out.mean(1)  # no padding here
        if self.module.normalize:
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        z = self.module.head(pooled) / cfg.temperature  # (S, L)
        if cfg.class_bias is not None:
            z = z + torch.tensor(cfg.class_bias, dtype=z.dtype)
        torch.log_softmax(z, -1)[:, y].sum().backward()
        grad = inp.grad.mean(0) if steps else inp.grad[0]  # (T, H)
        tok_attr = ((x[0] - (base[0] if steps else 0.0)) * grad).sum(-1).detach().numpy()
        tok_attr = tok_attr[text_tok.numpy()] * self.scale  # (N,)
        spans = word_spans(text)
        offsets = np.asarray(enc.offsets).reshape(-1, 2)
        scores = np.zeros(len(spans))
        for j, (s, e) in enumerate(spans):
            inside = (offsets[:, 0] < e) & (offsets[:, 1] > s)
            scores[j] = tok_attr[inside].sum()
        return scores


def occlusion_scores(model: Model, text: str, spans, label: str, base: float, case: bool):
    from affectkit.text.explain import delete_words

    if case:
        variants = [delete_words(text, [sp]) for sp in spans]
    else:
        variants = [text[:s] + text[e:] for s, e in spans]
    return np.array([base - model.conf(p, label) for p in model.probs(variants)])


def occlusion_both(model: Model, text: str, spans, label: str, base: float) -> np.ndarray:
    from affectkit.text.explain import least_drops, word_deletions

    found = word_deletions(text, spans)
    keys = [(0, s, e) for s, e, _ in found]
    drops = [base - model.conf(p, label) for p in model.probs([v for *_, v in found])]
    least = least_drops(keys, drops)
    return np.array([least[(0, s, e)] for s, e in spans])


def lexicon_scores(lexicon, text: str, spans, label: str, rng) -> np.ndarray:
    (r,) = lexicon.analyze([text])
    scores = np.zeros(len(spans))
    for ev in r.evidence:
        if ev.start is None:
            continue
        w = (
            ev.weight
            if label == "positive"
            else -ev.weight
            if label == "negative"
            else abs(ev.weight)
        )
        for j, (s, e) in enumerate(spans):
            if s < ev.end and e > ev.start and abs(w) > abs(scores[j]):
                scores[j] = w
    # words the lexicon does not score: a random order below the scored ones
    return scores + (scores == 0) * rng.uniform(-1e-6, 1e-6, len(spans))


def top_k(n: int, k) -> int:
    return max(1, math.ceil(0.2 * n)) if k == "20%" else min(k, n)


def evaluate(model: Model, lexicon, texts: list[str], n: int, ig_steps: int, seed: int) -> dict:
    from affectkit.text.classifier import EXPLAIN_MAX_WORDS
    from affectkit.text.explain import (
        FUNCTION_WORD_MIN_DROP,
        delete_words,
        is_function_word,
        keep_words,
    )
    from affectkit.text.segment import word_spans

    rng = np.random.default_rng(seed)
    window = model.tm.window()
    covered = []
    for t in texts:
        n_tok = len(model.tok.tk.encode(t, add_special_tokens=False).ids)
        if 0 < len(word_spans(t)) <= EXPLAIN_MAX_WORDS and n_tok <= window:
            covered.append(t)
    pick = rng.permutation(len(covered))[:n]
    kept = [covered[j] for j in sorted(pick)]
    comp = {m: [] for m in METHODS}
    suff = {m: [] for m in METHODS}
    comp_k = {m: {str(k): [] for k in KS} for m in METHODS}
    top_fw = {m: [] for m in METHODS}
    ms = {m: [] for m in METHODS}
    for i, text in enumerate(kept):
        spans = word_spans(text)
        p0 = model.probs([text])[0]
        label = model.label(p0)
        c0 = model.conf(p0, label)
        scores, shown = {}, {}
        t = time.perf_counter()
        occ = occlusion_scores(model, text, spans, label, c0, case=False)
        ms["occlusion"].append(time.perf_counter() - t)
        t = time.perf_counter()
        occ_case = occlusion_scores(model, text, spans, label, c0, case=True)
        ms["occlusion+case"].append(time.perf_counter() - t)
        ms["occlusion+case+fw"].append(ms["occlusion+case"][-1])
        scores["occlusion"], scores["occlusion+case"] = occ, occ_case
        fw = np.array([is_function_word(text[s:e]) for s, e in spans])
        quiet = fw & (np.abs(occ_case) < FUNCTION_WORD_MIN_DROP)
        # quiet function words come last in the list, and after every supporting word in the
        # top-k (those that argue against the label stay below them)
        scores["occlusion+case+fw"] = np.where(quiet, np.minimum(occ_case, 0.0) - 1e-9, occ_case)
        shown["occlusion+case+fw"] = np.where(quiet, np.abs(occ_case) - 10.0, np.abs(occ_case))
        t = time.perf_counter()
        both = occlusion_both(model, text, spans, label, c0)
        ms["occlusion+both+fw"].append(time.perf_counter() - t)
        quiet = fw & (np.abs(both) < FUNCTION_WORD_MIN_DROP)
        scores["occlusion+both+fw"] = np.where(quiet, np.minimum(both, 0.0) - 1e-9, both)
        shown["occlusion+both+fw"] = np.where(quiet, np.abs(both) - 10.0, np.abs(both))
        t = time.perf_counter()
        scores["grad x input"] = model.gradients(text, label, 0)
        ms["grad x input"].append(time.perf_counter() - t)
        t = time.perf_counter()
        scores["integrated gradients"] = model.gradients(text, label, ig_steps)
        ms["integrated gradients"].append(time.perf_counter() - t)
        t = time.perf_counter()
        scores["lexicon"] = lexicon_scores(lexicon, text, spans, label, rng)
        ms["lexicon"].append(time.perf_counter() - t)
        scores["random"] = rng.uniform(size=len(spans))
        ms["random"].append(0.0)

        variants, slots = [], []
        for m in METHODS:
            order = np.argsort(-scores[m], kind="stable")
            first = int(np.argmax(shown.get(m, np.abs(scores[m]))))
            top_fw[m].append(bool(fw[first]) if m != "random" else bool(fw[order[0]]))
            for k in KS:
                chosen = [spans[j] for j in order[: top_k(len(spans), k)]]
                variants += [delete_words(text, chosen), keep_words(text, chosen)]
                slots.append((m, str(k)))
        probs = model.probs(variants)
        per = {m: ([], []) for m in METHODS}
        for j, (m, k) in enumerate(slots):
            c_del, c_keep = model.conf(probs[2 * j], label), model.conf(probs[2 * j + 1], label)
            per[m][0].append(c0 - c_del)
            per[m][1].append(c0 - c_keep)
            comp_k[m][k].append(c0 - c_del)
        for m in METHODS:
            comp[m].append(float(np.mean(per[m][0])))
            suff[m].append(float(np.mean(per[m][1])))
        if (i + 1) % 25 == 0:
            log(f"  {i + 1}/{len(kept)}")
    return {
        "dev_texts": len(texts),
        "dev_share_covered": len(covered) / max(len(texts), 1),
        "covered": len(kept),
        "methods": {
            m: {
                "comprehensiveness": float(np.mean(comp[m])),
                "comprehensiveness_se": float(np.std(comp[m]) / math.sqrt(len(kept))),
                "sufficiency": float(np.mean(suff[m])),
                "sufficiency_se": float(np.std(suff[m]) / math.sqrt(len(kept))),
                "comprehensiveness_at_k": {k: float(np.mean(v)) for k, v in comp_k[m].items()},
                "top_word_function_share": float(np.mean(top_fw[m])),
                "ms_per_text": 1000 * float(np.mean(ms[m])),
            }
            for m in METHODS
        },
    }


def read_texts(path: Path) -> list[str]:
    import pandas as pd

    texts = pd.read_csv(path)["text"].astype(str)
    return texts[texts.str.strip() != ""].tolist()


def table(results: dict) -> str:
    lines = [
        "| data | method | comprehensiveness ↑ | sufficiency ↓ | comp@1 | top word a function "
        "word | ms/text |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results["datasets"].items():
        for m, v in r["methods"].items():
            lines.append(
                f"| {name} ({r['covered']}) | {m} | {v['comprehensiveness']:.3f} ± "
                f"{v['comprehensiveness_se']:.3f} | {v['sufficiency']:.3f} ± "
                f"{v['sufficiency_se']:.3f} | {v['comprehensiveness_at_k']['1']:.3f} | "
                f"{100 * v['top_word_function_share']:.0f}% | {v['ms_per_text']:.0f} |"
            )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--n", type=int, default=150, help="covered texts sampled per dev set")
    ap.add_argument("--ig-steps", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", nargs="*", choices=list(DATASETS), help="these dev sets only")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)

    import torch

    from affectkit.api import get_analyzer
    from affectkit.text.classifier import EXPLAIN_MAX_WORDS

    torch.set_num_threads(1)
    results = {
        "ks": [str(k) for k in KS],
        "ig_steps": args.ig_steps,
        "n_per_dataset": args.n,
        "seed": args.seed,
        "machine": f"{platform.processor() or platform.machine()}, torch threads 1",
        "datasets": {},
    }
    models: dict[str, Model] = {}
    for name, (folder, lang, model_name) in DATASETS.items():
        if args.only and name not in args.only:
            continue
        if model_name not in models:
            models[model_name] = Model(model_name)
        texts = read_texts(args.data / "text" / folder / "dev.csv")
        log(f"{name}: {len(texts)} dev texts, {model_name}")
        lexicon = get_analyzer(f"lexicon-{lang}")
        r = evaluate(models[model_name], lexicon, texts, args.n, args.ig_steps, args.seed)
        results["datasets"][name] = {"model": model_name, **r}
    md = (
        table(results)
        + "\n\n"
        + "\n".join(
            f"- {name}: {r['model']}; occlusion covers {100 * r['dev_share_covered']:.0f}% of the "
            f"{r['dev_texts']} dev texts (at most {EXPLAIN_MAX_WORDS} words, one window)"
            for name, r in results["datasets"].items()
        )
    )
    print(md)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "faithfulness.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "faithfulness.md").write_text(
        "# Faithfulness of evidence (ERASER)\n\n"
        f"`python bench/faithfulness.py --n {args.n} --ig-steps {args.ig_steps}`; "
        "comprehensiveness and sufficiency are averaged over k in {1, 3, 5, 20%} words (± one "
        "standard error); the number after each data set is the texts measured.\n\n" + md + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
