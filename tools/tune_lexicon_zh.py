"""Tune `lexicon-zh@1` on training files only, and write its learned word weights.

    .venv/bin/python tools/tune_lexicon_zh.py [--data-root ../shared/data] [--quick] [--no-write]

Data (all from ``text/`` under the data root; no ``dev`` file is ever read):
- binary negative/positive: ``chnsenticorp/train.csv``, ``chnsenticorp_htl_all/all.csv``,
  ``waimai_10k/all.csv``, ``online_shopping_10_cats/all.csv``;
- ``smp2020_ewect/virus_train.csv``: happy -> positive, angry/sad/fear -> negative, neutral ->
  neutral (used for the 3-way calibration and the emotion settings only), surprise dropped.

Texts are de-duplicated across files, then split by a hash of the text: 15% validation (for
choosing settings and fitting the calibration), 85% fitting. Steps:

1. Segment every text once (`zh_tokens.tokenize`).
2. For a setting of the rules, `apply_rules` gives each text a vector of rule multipliers per
   word, ``x[word] = sum of multipliers``, so that ``total = x . w``.
3. Fit the dictionary combination by logistic regression without intercept on three features
   ``x . boson``, ``x . hownet_sign``, ``x[<NEG>]`` -> ``boson_scale``, ``hownet_weight``,
   ``unattached_negation``.
4. Fit per-word corrections ``delta`` for words in at least ``min_df`` fitting texts:
   logistic loss of ``x . (w0 + delta)`` plus ``lam/2 |delta|^2`` (shrinks towards the dictionary
   weights ``w0``); each data file weighs at most ``CAP`` texts so online_shopping does not drown
   the others.
5. Rules are chosen by coordinate search from the priors in ``Rules()`` on mean validation
   accuracy over the five files, a change kept only if it gains at least ``MIN_GAIN``; then
   ``lam``/``min_df``; then ``alpha`` and the calibration ``(a, b, c)`` by maximum likelihood on
   the validation part (binary files through P(pos | pos or neg), SMP2020 through all three
   classes); then the emotion settings on SMP2020 validation macro-F1.
6. Print the constants for ``RULES``/``CALIBRATION`` and write ``src/affectkit/data/
   zh_word_weights.tsv`` (words whose learned weight differs from the dictionary's).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

from affectkit import labels
from affectkit.text import scoring
from affectkit.text.lexicon.zh_lexicon import (
    WEIGHTS_FILE,
    Lexicon,
    Resources,
    build_lexicon,
    load_resources,
)
from affectkit.text.lexicon.zh_rules import apply_rules, emotions
from affectkit.text.lexicon.zh_tables import EMOJI, NEG_KEY, RULES, Rules
from affectkit.text.lexicon.zh_tokens import TAG_RE, tokenize

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
OUT_TSV = ROOT / "src" / "affectkit" / "data" / WEIGHTS_FILE
BINARY = {
    "chnsenticorp": "text/chnsenticorp/train.csv",
    "htl": "text/chnsenticorp_htl_all/all.csv",
    "waimai": "text/waimai_10k/all.csv",
    "shopping": "text/online_shopping_10_cats/all.csv",
}
SMP = "text/smp2020_ewect/virus_train.csv"
SMP_POLARITY = {"happy": 1, "angry": -1, "sad": -1, "fear": -1, "neutral": 0}
VAL_PERCENT = 15
CAP = 15000  # most texts' worth of weight one file gets in the regression
TAG_MIN_DF = 10  # Weibo tags seen in at least this many fitting texts get a learned weight
# A setting replaces the current one only if mean validation accuracy rises by this much (about
# 12 of 12,500 validation texts): smaller gains are noise, and the priors are kept.
MIN_GAIN = 1e-3


def log(*a) -> None:
    print(*a, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------ data


class Data:
    """All training texts, de-duplicated, with source, label and split."""

    def __init__(self, root: Path, quick: bool = False):
        seen: set[str] = set()
        self.text: list[str] = []
        self.y: list[int] = []  # -1 / 0 / +1
        self.src: list[str] = []
        self.emotion: list[str] = []  # SMP only, canonical emotion
        files = [*BINARY.items(), ("smp", SMP)]
        for name, rel in files:
            with open(root / rel, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            if quick:
                rows = rows[:3000]
            for row in rows:
                t = row["text"].strip()
                lab = row["label"]
                if not t or t in seen:
                    continue
                if name == "smp":
                    if lab not in SMP_POLARITY:
                        continue  # surprise: ambiguous polarity
                    y = SMP_POLARITY[lab]
                    emo = labels.SMP2020_TO_EKMAN[lab]
                else:
                    y = 1 if lab == "positive" else -1
                    emo = ""
                seen.add(t)
                self.text.append(t)
                self.y.append(y)
                self.src.append(name)
                self.emotion.append(emo)
        self.y_arr = np.array(self.y)
        self.src_arr = np.array(self.src)
        h = [int(hashlib.md5(t.encode()).hexdigest()[:8], 16) % 100 for t in self.text]
        self.val = np.array([x < VAL_PERCENT for x in h])
        self.names = [n for n, _ in files]
        log(f"{len(self.text)} texts; validation {self.val.sum()}; " + str(Counter(self.src)))


# ------------------------------------------------------------------------------- features


class Features:
    """Rule multipliers per word for every text, as a sparse matrix over a fixed vocabulary."""

    def __init__(self, data: Data, res: Resources):
        self.data = data
        self.res = res
        base = build_lexicon(res, RULES)
        t0 = time.time()
        # tags are discovered with every bracket tag allowed, then frozen into the lexicon
        tag_df: Counter[str] = Counter()
        for t, v in zip(data.text, data.val, strict=True):
            if not v:
                tag_df.update({m.group() for m in TAG_RE.finditer(t) if m.group()[0] == "["})
        self.tags = sorted(k for k, c in tag_df.items() if c >= TAG_MIN_DF and k not in EMOJI)
        self.base_lex = build_lexicon(res, RULES, extra_tags=self.tags)
        del base
        self.tokens = [tokenize(t, self.base_lex) for t in data.text]
        log(f"tokenized in {time.time() - t0:.0f}s; {len(self.tags)} extra Weibo tags")
        self.vocab: dict[str, int] = {NEG_KEY: 0}

    def lexicon(self, rules: Rules) -> Lexicon:
        return build_lexicon(self.res, rules, extra_tags=self.tags)

    def matrix(self, rules: Rules) -> sparse.csr_matrix:
        lex = self.lexicon(rules)
        rows, cols, vals = [], [], []
        vocab = self.vocab
        for d, (toks, text) in enumerate(zip(self.tokens, self.data.text, strict=True)):
            acc: dict[int, float] = {}
            for h in apply_rules(toks, text, lex):
                j = vocab.setdefault(h.key, len(vocab))
                acc[j] = acc.get(j, 0.0) + h.mult
            rows.extend([d] * len(acc))
            cols.extend(acc)
            vals.extend(acc.values())
        n = len(self.tokens)
        return sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocab)))

    def base_vectors(self, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(BosonNLP-scale weight, HowNet sign, <NEG> indicator) per vocabulary column."""
        b, h, g = np.zeros(n_cols), np.zeros(n_cols), np.zeros(n_cols)
        for key, j in self.vocab.items():
            if j >= n_cols:
                continue
            if key == NEG_KEY:
                g[j] = 1.0
            elif key in EMOJI:
                b[j] = EMOJI[key][0]
            else:
                b[j] = self.res.boson.get(key, 0.0)
                h[j] = self.res.hownet.get(key, 0)
        return b, h, g


# ---------------------------------------------------------------------------------- fitting


def sample_weights(data: Data, mask: np.ndarray) -> np.ndarray:
    w = np.zeros(len(data.text))
    for name in data.names:
        m = mask & (data.src_arr == name)
        n = m.sum()
        if n:
            w[m] = min(1.0, CAP / n)
    return w


def fit_base(F: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Unregularised logistic regression without intercept on a few aggregate features."""

    def f(beta):
        z = F @ beta
        yz = y * z
        loss = np.sum(w * np.logaddexp(0, -yz)) / w.sum()
        grad = F.T @ (w * -y * _sigmoid(-yz)) / w.sum()
        return loss, grad

    beta = optimize.minimize(f, np.array([0.3, 0.5, -0.3]), jac=True, method="L-BFGS-B").x
    return beta


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fit_delta(
    X: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, w0: np.ndarray, cols: np.ndarray, lam: float
) -> np.ndarray:
    """Per-word corrections on `cols`, L2-shrunk towards 0 (i.e. towards the dictionary)."""
    Xs = X[:, cols].tocsr()
    z0 = X @ w0
    wsum = w.sum()

    def f(delta):
        z = z0 + Xs @ delta
        yz = y * z
        loss = np.sum(w * np.logaddexp(0, -yz)) / wsum + 0.5 * lam * delta @ delta
        grad = Xs.T @ (w * -y * _sigmoid(-yz)) / wsum + lam * delta
        return loss, grad

    res = optimize.minimize(
        f, np.zeros(len(cols)), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return res.x


class Fit:
    """One fitted setting: rules, base weights, corrections and validation accuracy."""

    def __init__(self, feats: Features, rules: Rules, lam: float, min_df: int):
        data = feats.data
        X = feats.matrix(rules)
        b, h, g = feats.base_vectors(X.shape[1])
        train = ~data.val & (data.y_arr != 0)
        y = data.y_arr.astype(float)
        w = sample_weights(data, train)
        F = np.column_stack([X @ b, X @ h, X @ g])
        beta = fit_base(F[train], y[train], w[train])
        w0 = beta[0] * b + beta[1] * h + beta[2] * g
        df = np.asarray((X[train] != 0).sum(axis=0)).ravel()
        cols = np.flatnonzero(df >= min_df)
        delta = fit_delta(X[train], y[train], w[train], w0, cols, lam)
        weights = w0.copy()
        weights[cols] += delta
        self.rules = replace(
            rules,
            boson_scale=round(float(beta[0]), 4),
            hownet_weight=round(float(beta[1]), 4),
            unattached_negation=round(float(beta[2]), 4),
        )
        self.X, self.w0, self.weights, self.cols, self.delta = X, w0, weights, cols, delta
        self.total = X @ weights
        self.total_base = X @ w0
        self.lam, self.min_df = lam, min_df
        self.acc = self._accuracy(feats.data, self.total)
        self.acc_base = self._accuracy(feats.data, self.total_base)
        self.score = float(np.mean(list(self.acc.values())))

    @staticmethod
    def _accuracy(data: Data, total: np.ndarray) -> dict[str, float]:
        out = {}
        for name in data.names:
            m = data.val & (data.src_arr == name) & (data.y_arr != 0)
            pred = np.where(total[m] >= 0, 1, -1)
            out[name] = float((pred == data.y_arr[m]).mean())
        return out


# ------------------------------------------------------------------------------ calibration


def fit_calibration(
    data: Data, total: np.ndarray, alphas: list[float]
) -> tuple[float, scoring.PolarityCalibration, float]:
    """(alpha, calibration, mean validation log-likelihood) by maximum likelihood."""
    val = data.val
    best = None
    for alpha in alphas:
        s = total / np.sqrt(total * total + alpha)

        def nll(p, s=s):
            a, b, c = p
            zn, zz, zp = -a * s, b - c * np.abs(s), a * s
            lse3 = np.logaddexp(np.logaddexp(zn, zz), zp)
            out = 0.0
            for name in data.names:
                m = val & (data.src_arr == name)
                y = data.y_arr[m]
                if name == "smp":  # three classes
                    z = np.where(y > 0, zp[m], np.where(y < 0, zn[m], zz[m]))
                    out += -np.mean(z - lse3[m])
                else:  # restricted to the file's labels: P(pos | pos or neg)
                    z = np.where(y > 0, zp[m], zn[m])
                    out += -np.mean(z - np.logaddexp(zn[m], zp[m]))
            return out / len(data.names)

        r = optimize.minimize(nll, np.array([2.0, 0.5, 2.0]), method="Nelder-Mead",
                              options={"maxiter": 2000, "xatol": 1e-4, "fatol": 1e-7})  # fmt: skip
        if best is None or r.fun < best[2]:
            a, b, c = (round(float(v), 4) for v in r.x)
            best = (alpha, scoring.PolarityCalibration(a=a, b=b, c=c), float(r.fun))
        log(f"  alpha={alpha}: nll={r.fun:.4f} a,b,c={np.round(r.x, 3)}")
    assert best is not None
    return best


# --------------------------------------------------------------------------------- emotions


def tune_emotions(feats: Features, rules: Rules, weights: dict[str, float]) -> Rules:
    """neutral_pseudo and the 好/恶 weights by SMP2020 validation macro-F1 (5 emotions)."""
    data = feats.data
    idx = [i for i in range(len(data.text)) if data.src[i] == "smp" and data.val[i]]
    lex = build_lexicon(feats.res, rules, weights, extra_tags=feats.tags)
    hits = [apply_rules(feats.tokens[i], data.text[i], lex) for i in idx]
    gold = [data.emotion[i] for i in idx]
    best = (-1.0, rules)
    for pseudo in (0.25, 0.5, 1.0, 2.0):
        for w_good in (0.25, 0.5, 1.0):
            for w_bad in (0.5, 1.0):
                dw = dict(rules.dutir_weights) | {"好": w_good, "恶": w_bad}
                r = replace(rules, neutral_pseudo=pseudo, dutir_weights=dw)
                lex_r = replace(lex, rules=r)
                pred = [max(emotions(h, lex_r)[0].items(), key=lambda kv: kv[1])[0]
                        for h in hits]  # fmt: skip
                f1 = macro_f1(gold, pred)
                if f1 > best[0]:
                    best = (f1, r)
    log(f"emotions: SMP2020 validation macro-F1 {best[0]:.4f} with "
        f"neutral_pseudo={best[1].neutral_pseudo} dutir={dict(best[1].dutir_weights)}")  # fmt: skip
    return best[1]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for lab in sorted(set(gold)):
        tp = sum(g == lab and p == lab for g, p in zip(gold, pred, strict=True))
        fp = sum(g != lab and p == lab for g, p in zip(gold, pred, strict=True))
        fn = sum(g == lab and p != lab for g, p in zip(gold, pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


# ------------------------------------------------------------------------------------- main

GRID: dict[str, list] = {
    "negate_weak": [False, True],
    "strong_min": [0.5, 1.0, 1.5, 2.0],
    "negation": [0.5, 0.8, 1.0, 1.3],
    "negation_window": [1, 2, 3, 4],
    "negation_degree": [0.2, 0.4, 0.7],
    "degree_power": [0.5, 1.0, 1.5],
    "degree_window": [1, 2, 3],
    "contrast_before": [0.3, 0.6, 1.0],
    "contrast_after": [1.0, 1.4, 2.0],
    "exclaim": [1.0, 1.2, 1.5],
    "question": [0.5, 0.8, 1.0],
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-root", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--quick", action="store_true", help="3,000 rows per file, one search pass")
    ap.add_argument("--passes", type=int, default=1, help="coordinate-search passes")
    ap.add_argument("--no-search", action="store_true", help="keep the current RULES")
    ap.add_argument("--no-write", action="store_true", help="do not write the weights table")
    args = ap.parse_args(argv)

    data = Data(args.data_root, quick=args.quick)
    res = load_resources()
    feats = Features(data, res)
    lam, min_df = 3e-4, 5

    t0 = time.time()
    # The search starts from the class defaults (the linguistic priors), not from the shipped
    # RULES, so reruns give the same answer; --no-search refits the shipped RULES.
    best = Fit(feats, RULES if args.no_search else Rules(), lam, min_df)
    log(f"start: {best.score:.4f} {best.acc} ({time.time() - t0:.0f}s per fit)")
    if not args.no_search:
        for _ in range(args.passes):
            for name, values in GRID.items():
                for v in values:
                    if getattr(best.rules, name) == v:
                        continue
                    fit = Fit(feats, replace(best.rules, **{name: v}), lam, min_df)
                    log(f"  {name}={v}: {fit.score:.4f}")
                    if fit.score > best.score + MIN_GAIN:
                        best = fit
                log(f"{name} -> {getattr(best.rules, name)} ({best.score:.4f})")
        for lam_ in (1e-4, 3e-4, 1e-3, 3e-3):
            for df_ in (3, 5, 10, 20):
                if (lam_, df_) == (best.lam, best.min_df):
                    continue
                fit = Fit(feats, best.rules, lam_, df_)
                log(f"  lam={lam_} min_df={df_}: {fit.score:.4f}")
                if fit.score > best.score + MIN_GAIN:
                    best = fit
        log(f"lam -> {best.lam}, min_df -> {best.min_df} ({best.score:.4f})")

    log("validation accuracy, dictionary only:", _fmt(best.acc_base))
    log("validation accuracy, with learned weights:", _fmt(best.acc))

    # the table: learned weights of frequent words, where they differ from the dictionary's
    inv = {j: k for k, j in feats.vocab.items()}
    learned = {
        inv[j]: float(best.weights[j])
        for j in best.cols
        if abs(best.weights[j] - best.w0[j]) >= 0.01 and inv[j] != NEG_KEY
    }
    rules = replace(best.rules, unattached_negation=round(float(best.weights[0]), 4))

    alpha, cal, nll = fit_calibration(data, best.total, [2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    rules = replace(rules, alpha=alpha)
    rules = tune_emotions(feats, rules, learned)

    if not args.no_write:
        write_table(learned, rules)
    print("# Chosen by tools/tune_lexicon_zh.py (validation accuracy "
          f"{best.score:.4f}: {_fmt(best.acc)}; calibration NLL {nll:.4f})")  # fmt: skip
    fields = asdict(rules)
    body = ",\n".join(f"    {k}={v!r}" for k, v in fields.items())
    print(f"RULES = Rules(\n{body},\n)")
    print(f"CALIBRATION = scoring.PolarityCalibration(a={cal.a}, b={cal.b}, c={cal.c})")
    print(f"# {len(learned)} learned word weights -> {OUT_TSV.relative_to(ROOT)}")
    return 0


def _fmt(acc: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.4f}" for k, v in acc.items())


def write_table(learned: dict[str, float], rules: Rules) -> None:
    lines = [
        "# lexicon-zh@1 learned word weights, written by tools/tune_lexicon_zh.py.",
        "# word<TAB>weight: replaces boson_scale*BosonNLP + hownet_weight*HowNet for the word.",
        f"# Fitted on training files only; rules: boson_scale={rules.boson_scale} "
        f"hownet_weight={rules.hownet_weight}.",
    ]
    for k in sorted(learned, key=lambda k: (-abs(learned[k]), k)):
        if "\t" in k or "\n" in k:
            continue
        lines.append(f"{k}\t{learned[k]:.4f}")
    OUT_TSV.parent.mkdir(parents=True, exist_ok=True)
    OUT_TSV.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log(f"wrote {OUT_TSV} ({OUT_TSV.stat().st_size / 1024:.0f} KiB, {len(learned)} words)")


if __name__ == "__main__":
    raise SystemExit(main())
