"""Calibration: temperature scaling and expected calibration error, as pure numpy functions.

Temperature scaling (Guo et al., 2017) divides the logits by one scalar T fitted to minimise the
negative log-likelihood on the *validation* split; it changes confidences, never the argmax.
ECE is the support-weighted mean |accuracy - confidence| over equal-width confidence bins.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, y: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.log(p[np.arange(len(y)), y].clip(1e-12)).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray, lo: float = 0.05, hi: float = 20.0) -> float:
    """T minimising validation NLL: golden-section search on log T (NLL is unimodal in T)."""
    a, b = np.log(lo), np.log(hi)
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if nll(logits, y, np.exp(c)) < nll(logits, y, np.exp(d)):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return float(np.exp((a + b) / 2))


def raw_logits(probs: np.ndarray, temperature: float = 1.0, bias=None) -> np.ndarray:
    """Logits (up to a per-row constant) behind calibrated probabilities: undo a class bias,
    then a temperature, so a model can be calibrated again from scratch."""
    z = np.log(np.clip(probs, 1e-12, None))
    if bias is not None:
        z = z - np.asarray(bias, dtype=np.float64)
    return z * float(temperature or 1.0)


def fit_temperature_bias(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """(T, b) minimising validation NLL of softmax(logits / T + b), with b[0] = 0.

    "Bias-corrected temperature scaling": the per-label offsets move the class prior a model
    learned (inverse-frequency class weights, a training mix unlike the data it is used on)
    towards the validation split's, which a temperature alone cannot. The NLL is convex in
    (1/T, b); L-BFGS from (1, 0).
    """
    from scipy.optimize import minimize

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    rows = np.arange(len(y))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z * w[0] + np.r_[0.0, w[1:]]
        s = s - s.max(1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(1, keepdims=True))
        g = np.exp(logp)
        g[rows, y] -= 1.0  # d loss / d s, (N, L)
        grad = np.r_[(g * z).sum() / len(y), g[:, 1:].mean(0)]
        return float(-logp[rows, y].mean()), grad

    w = minimize(loss, np.r_[1.0, np.zeros(z.shape[1] - 1)], jac=True, method="L-BFGS-B",
                 bounds=[(1e-3, None)] + [(None, None)] * (z.shape[1] - 1)).x  # fmt: skip
    return float(1.0 / w[0]), np.r_[0.0, w[1:]]


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error over `bins` equal-width confidence bins."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for k in range(bins):
        m = idx == k
        if m.any():
            total += m.sum() * abs(correct[m].mean() - confidence[m].mean())
    return float(total / max(1, len(confidence)))


def reliability_plot(confidence, correct, path: str | Path, title: str = "", bins: int = 15):
    """Save a reliability diagram (accuracy per confidence bin vs the diagonal) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    centers = (edges[:-1] + edges[1:]) / 2
    acc = [correct[idx == k].mean() if (idx == k).any() else np.nan for k in range(bins)]
    fig, ax = plt.subplots(figsize=(4, 4), dpi=120)
    ax.plot([0, 1], [0, 1], "--", color="grey", lw=1)
    ax.bar(centers, acc, width=1 / bins, edgecolor="black", alpha=0.7)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{title}  ECE {ece(confidence, correct, bins):.3f}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
