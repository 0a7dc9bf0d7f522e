"""The dissatisfaction model: a logistic regression over a customer turn's features, and how
turn scores pool into one score per conversation.

Small on purpose: about fifty features (`affectkit.conversation.features`), standardised, one
weight each, fitted by Newton's method with an L2 penalty; the probabilities are those of the
data it was fitted on (no class weighting), so ``p = 0.3`` means roughly 3 in 10 such turns
were rated dissatisfied. Each weight times its standardised feature is that feature's share of
the turn's log-odds: `drivers` lists the largest ones, which is how a turn says why.

A conversation's score pools its customer turns' probabilities (`POOLINGS`: the max, mean,
last, mean of the top two, noisy-or, or ``learned``: a regression over several of them; the
shipped model says which, chosen by cross-validated AUC on the training dialogues) and maps it
through a logistic fit to a conversation-level probability.

The fitted model is one readable JSON file (`save`/`load`): feature names, means, scales,
weights, the decision threshold, the pooling. No pickle.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.conversation.features import GROUPS
from affectkit.conversation.metrics import auc
from affectkit.errors import ModelLoadError

KIND = "conversation-dissatisfaction"


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """(weights (d,), intercept) of an L2-penalised logistic regression by Newton's method.

    `x` (n, d) is already standardised; `l2` penalises the weights (not the intercept).
    """
    n, d = x.shape
    a = np.hstack([x, np.ones((n, 1))])  # (n, d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0

    def loss(w: np.ndarray) -> float:
        z = a @ w
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * np.sum(penalty * w * w))

    w = np.zeros(d + 1)
    w[-1] = np.log((y.mean() + 1e-6) / (1 - y.mean() + 1e-6))
    current = loss(w)
    for _ in range(iterations):
        p = _sigmoid(a @ w)
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-6)
        step = np.linalg.solve(hess, grad)
        t = 1.0  # halve the step until the loss goes down (Newton can overshoot)
        while t > 1e-4 and loss(w - t * step) > current:
            t /= 2
        w -= t * step
        new = loss(w)
        if current - new < 1e-9 * max(1.0, abs(current)):
            break
        current = new
    return w[:-1], float(w[-1])


def pool(p: np.ndarray, how: str) -> float:
    """One conversation's turn probabilities pooled into one number."""
    if p.size == 0:
        return float("nan")
    if how == "max":
        return float(p.max())
    if how == "mean":
        return float(p.mean())
    if how == "last":
        return float(p[-1])
    if how == "top2":
        return float(np.sort(p)[-2:].mean())
    if how == "noisy_or":
        return float(1 - np.exp(np.log1p(-np.clip(p, 0, 1 - 1e-9)).sum()))
    raise ValueError(f"pooling must be one of {POOLINGS}, got {how!r}")


POOLINGS = ("max", "mean", "last", "top2", "noisy_or", "learned")


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def dialogue_features(p: np.ndarray, how: str) -> list[float]:
    """What the conversation-level fit sees of one conversation's turn probabilities: one
    pooled value, or for ``"learned"`` the logits of max, mean, last and top-2 mean and the
    log of the number of customer turns (a regression over them is the pooling)."""
    if how != "learned":
        return [pool(p, how)]
    return [*(_logit(pool(p, h)) for h in ("max", "mean", "last", "top2")), float(np.log(p.size))]


def _cv_auc(x: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0) -> float:
    """AUC of a logistic fit over `x`, each conversation scored by a fit without its fold."""
    fold = np.random.default_rng(seed).permutation(len(y)) % folds
    score = np.zeros(len(y))
    for k in range(folds):
        fit, held = fold != k, fold == k
        mean, scale = x[fit].mean(0), np.where(x[fit].std(0) > 1e-9, x[fit].std(0), 1.0)
        w, b = fit_logistic((x[fit] - mean) / scale, y[fit].astype(float))
        score[held] = (x[held] - mean) / scale @ w + b
    return auc(y, score)


@dataclass
class DissatisfactionModel:
    """Logistic regression over the feature groups `groups` (``("turn", "context")``)."""

    groups: tuple[str, ...] = ("turn", "context")
    l2: float = 1.0
    # learned state
    names_: tuple[str, ...] = ()
    mean_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale_: np.ndarray = field(default_factory=lambda: np.ones(0))
    coef_: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intercept_: float = 0.0
    threshold_: float = 0.5  # a turn at or above it counts as dissatisfied
    pooling_: str = "max"
    # conversation level: a logistic fit over `dialogue_features` (standardised)
    dialogue_mean_: np.ndarray = field(default_factory=lambda: np.zeros(1))
    dialogue_scale_: np.ndarray = field(default_factory=lambda: np.ones(1))
    dialogue_coef_: np.ndarray = field(default_factory=lambda: np.ones(1))
    dialogue_intercept_: float = 0.0
    dialogue_threshold_: float = 0.5
    meta_: dict[str, Any] = field(default_factory=dict)

    def matrix(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        """The model's columns of `features` output: (n, d)."""
        return np.hstack([feats[g] for g in self.groups])

    def fit(self, feats: dict[str, np.ndarray], y: np.ndarray) -> DissatisfactionModel:
        x = self.matrix(feats)
        self.names_ = tuple(n for g in self.groups for n in GROUPS[g])
        self.mean_ = np.nanmean(x, 0)
        std = np.nanstd(x, 0)
        self.scale_ = np.where(std > 1e-9, std, 1.0)
        z = np.nan_to_num((x - self.mean_) / self.scale_, nan=0.0)
        self.coef_, self.intercept_ = fit_logistic(z, y, self.l2)
        return self

    def contributions(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        """Each feature's share of each turn's log-odds: (n, d). A value the text model did not
        give (NaN: emotions from a polarity-only model) is imputed at the training mean, so it
        contributes nothing and is never named a driver."""
        z = (self.matrix(feats) - self.mean_) / self.scale_
        return np.nan_to_num(z, nan=0.0) * self.coef_

    def predict_proba(self, feats: dict[str, np.ndarray]) -> np.ndarray:
        """P(dissatisfied) per customer turn: (n,)."""
        return _sigmoid(self.contributions(feats).sum(1) + self.intercept_)

    def drivers(self, contributions: np.ndarray, k: int = 3) -> list[dict[str, float]]:
        """The `k` features pushing one turn's score up the most (positive shares only)."""
        order = np.argsort(-contributions)[:k]
        return [
            {"feature": self.names_[j], "weight": round(float(contributions[j]), 3)}
            for j in order
            if contributions[j] > 0.05
        ]

    def fit_dialogue(
        self, turn_probs: Sequence[np.ndarray], y: np.ndarray, poolings: Sequence[str] = POOLINGS
    ) -> dict[str, float]:
        """Choose the pooling by cross-validated AUC on these conversations (5 folds) and fit
        the conversation-level regression over it; returns each pooling's AUC."""
        x = {h: np.array([dialogue_features(p, h) for p in turn_probs]) for h in poolings}
        aucs = {h: _cv_auc(x[h], y) for h in poolings}
        self.pooling_ = max(aucs, key=aucs.get)
        xb = x[self.pooling_]
        self.dialogue_mean_ = xb.mean(0)
        self.dialogue_scale_ = np.where(xb.std(0) > 1e-9, xb.std(0), 1.0)
        std = (xb - self.dialogue_mean_) / self.dialogue_scale_
        self.dialogue_coef_, self.dialogue_intercept_ = fit_logistic(std, y.astype(float))
        return aucs

    def dialogue_proba(self, turn_probs: np.ndarray) -> float | None:
        """P(dissatisfied) of one conversation from its customer turns' probabilities."""
        if turn_probs.size == 0:
            return None
        x = np.array(dialogue_features(turn_probs, self.pooling_)) - self.dialogue_mean_
        z = x / self.dialogue_scale_ @ self.dialogue_coef_ + self.dialogue_intercept_
        return float(_sigmoid(np.array(z)))

    # -- files -------------------------------------------------------------------------------

    def to_config(self) -> dict[str, Any]:
        return {
            "affectkit_kind": KIND,
            "version": 1,
            "groups": list(self.groups),
            "l2": self.l2,
            "features": list(self.names_),
            "mean": [round(float(v), 6) for v in self.mean_],
            "scale": [round(float(v), 6) for v in self.scale_],
            "coef": [round(float(v), 6) for v in self.coef_],
            "intercept": round(self.intercept_, 6),
            "threshold": round(self.threshold_, 4),
            "pooling": self.pooling_,
            "dialogue_mean": [round(float(v), 6) for v in self.dialogue_mean_],
            "dialogue_scale": [round(float(v), 6) for v in self.dialogue_scale_],
            "dialogue_coef": [round(float(v), 6) for v in self.dialogue_coef_],
            "dialogue_intercept": round(self.dialogue_intercept_, 6),
            "dialogue_threshold": round(self.dialogue_threshold_, 4),
            **({"meta": self.meta_} if self.meta_ else {}),
        }

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "config.json"
        path.write_text(json.dumps(self.to_config(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: str | Path) -> DissatisfactionModel:
        path = Path(folder) / "config.json"
        try:
            c = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(f"Cannot read the dissatisfaction model {path}: {exc}") from None
        if not isinstance(c, dict) or c.get("affectkit_kind") != KIND:
            raise ModelLoadError(f"{path} is not a {KIND} model (affectkit_kind).")
        try:
            m = cls._from_config(c)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(f"{path}: missing or malformed field ({exc}).") from None
        d = len(m.names_)
        if m.names_ != tuple(n for g in m.groups for n in GROUPS[g]):
            raise ModelLoadError(f"{path}: its features do not match this affectkit's.")
        if any(v.shape != (d,) for v in (m.mean_, m.scale_, m.coef_)) or m.pooling_ not in POOLINGS:
            raise ModelLoadError(f"{path}: its weights do not match its features.")
        return m

    @classmethod
    def _from_config(cls, c: dict[str, Any]) -> DissatisfactionModel:
        m = cls(groups=tuple(c["groups"]), l2=float(c["l2"]))
        if not set(m.groups) <= set(GROUPS):
            raise ValueError(f"groups {list(m.groups)}")
        m.names_ = tuple(c["features"])
        m.mean_, m.scale_, m.coef_ = (
            np.array(c[k], dtype=float) for k in ("mean", "scale", "coef")
        )
        m.intercept_, m.threshold_ = float(c["intercept"]), float(c["threshold"])
        m.pooling_ = str(c["pooling"])
        m.dialogue_mean_, m.dialogue_scale_, m.dialogue_coef_ = (
            np.array(c[k], dtype=float)
            for k in ("dialogue_mean", "dialogue_scale", "dialogue_coef")
        )
        m.dialogue_intercept_ = float(c["dialogue_intercept"])
        m.dialogue_threshold_ = float(c["dialogue_threshold"])
        m.meta_ = dict(c.get("meta", {}))
        return m
