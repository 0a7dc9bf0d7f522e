"""Calibration: temperature scaling and expected calibration error, as pure numpy functions.

Temperature scaling (Guo et al., 2017) divides the logits by one scalar T fitted to minimise the
negative log-likelihood on the *validation* split; it changes confidences, never the argmax.
ECE is the support-weighted mean |accuracy - confidence| over equal-width confidence bins.

A validation split carved from several training files is as lopsided as the mix (the English
sentiment model's is two-thirds SST-2 phrases), and a temperature fitted on it suits the big
source. `source_weights` lets every file count equally, and `choose_calibration` picks among
temperature / temperature + class bias, fitted per example or per source, the one whose
confidences hold best on a source it was not fitted on (leave one source out): the situation of
a user whose data comes from none of the training files.

Multi-label heads keep their scores and get per-label decision thresholds tuned on
validation instead (`tune_thresholds`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, y: np.ndarray, temperature: float, weights=None) -> float:
    """Mean negative log-likelihood (weighted by `weights` (N,) when given)."""
    p = softmax(logits, temperature)
    return float(np.average(-np.log(p[np.arange(len(y)), y].clip(1e-12)), weights=weights))


def source_weights(sources) -> np.ndarray:
    """(N,) example weights under which every source (training file) counts equally; mean 1."""
    _, index, counts = np.unique(np.asarray(sources), return_inverse=True, return_counts=True)
    w = 1.0 / counts[index]
    return w * (len(w) / w.sum())


def fit_temperature(
    logits: np.ndarray, y: np.ndarray, lo: float = 0.05, hi: float = 20.0, weights=None
) -> float:
    """T minimising validation NLL: golden-section search on log T (NLL is unimodal in T)."""
    a, b = np.log(lo), np.log(hi)
    g = (np.sqrt(5) - 1) / 2
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if nll(logits, y, np.exp(c), weights) < nll(logits, y, np.exp(d), weights):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    return float(np.exp((a + b) / 2))


def fit_and_measure(logits: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The temperature fitted on (logits, y) and the ECE before and after it: what training
    stores in a model's validation report."""
    t = fit_temperature(logits, y)
    correct = logits.argmax(1) == y
    return {
        "temperature": t,
        "ece_before": ece(softmax(logits).max(1), correct),
        "ece": ece(softmax(logits, t).max(1), correct),
    }


def uncalibrated_logits(analyzer, texts) -> np.ndarray:
    """Logits (N, L) in the model's label order, up to a per-row constant, for `texts` as the
    model reads them (its preprocessing and chunking), with its stored calibration left out.

    The model runs with temperature 1 and no class bias rather than having its calibrated
    probabilities inverted afterwards: a long text's probabilities are the token-weighted mean
    of its chunks' *calibrated* probabilities, which no per-text transform undoes, so inverting
    them made a fresh calibration depend on the one stored before it.
    """
    probs = analyzer.predict_proba(texts, calibrated=False)
    return np.log(np.clip(probs, 1e-12, None))


def fit_temperature_bias(
    logits: np.ndarray, y: np.ndarray, weights=None
) -> tuple[float, np.ndarray]:
    """(T, b) minimising validation NLL of softmax(logits / T + b), with b[0] = 0 (weighted by
    `weights` (N,) when given).

    "Bias-corrected temperature scaling": the per-label offsets move the class prior a model
    learned (inverse-frequency class weights, a training mix unlike the data it is used on)
    towards the validation split's, which a temperature alone cannot. The NLL is convex in
    (1/T, b); L-BFGS from (1, 0).
    """
    from scipy.optimize import minimize

    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y)
    rows = np.arange(len(y))
    v = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    v = v / v.sum()  # (N,)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = z * w[0] + np.r_[0.0, w[1:]]
        s = s - s.max(1, keepdims=True)
        logp = s - np.log(np.exp(s).sum(1, keepdims=True))
        g = np.exp(logp)
        g[rows, y] -= 1.0  # d loss / d s, (N, L)
        g *= v[:, None]
        grad = np.r_[(g * z).sum(), g[:, 1:].sum(0)]
        return float(-(v * logp[rows, y]).sum()), grad

    w = minimize(loss, np.r_[1.0, np.zeros(z.shape[1] - 1)], jac=True, method="L-BFGS-B",
                 bounds=[(1e-3, None)] + [(None, None)] * (z.shape[1] - 1)).x  # fmt: skip
    return float(1.0 / w[0]), np.r_[0.0, w[1:]]


# (class bias?, weighting) of each calibration `choose_calibration` compares, simplest first
CALIBRATIONS = {
    "temperature": (False, "examples"),
    "balanced-temperature": (False, "sources"),  # fitted with every source weighing the same
    "temperature+bias": (True, "examples"),
    "balanced-temperature+bias": (True, "sources"),
}
TIE_ECE = 0.005  # mean held-out ECEs closer than this count as equal


def fit_calibration(logits, y, method: str = "temperature", sources=None):
    """(T, class bias or None) of one of `CALIBRATIONS`; per-source ones need `sources` (N,)."""
    if method not in CALIBRATIONS:
        raise ValueError(f"method must be one of {list(CALIBRATIONS)}, got {method!r}.")
    bias, weighting = CALIBRATIONS[method]
    weights = None
    if weighting == "sources":
        if sources is None:
            raise ValueError(f"{method!r} needs the source of every example.")
        weights = source_weights(sources)
    if bias:
        return fit_temperature_bias(logits, y, weights)
    return fit_temperature(logits, y, weights=weights), None


def calibrated(logits: np.ndarray, temperature: float, bias=None) -> np.ndarray:
    """softmax(logits / T + bias): the probabilities a calibration gives."""
    return softmax(logits / temperature + (0.0 if bias is None else np.asarray(bias)))


def choose_calibration(logits, y, sources) -> dict:
    """The calibration among `CALIBRATIONS` with the lowest mean held-out-source ECE (the
    simplest one within `TIE_ECE` of it).

    For each source s and each method: fit on the other sources' examples, measure ECE on s.
    The chosen method is then fitted on every example. Needs at least two sources. Returns
    ``{"method", "temperature", "class_bias", "held_out_source_ece": {method: {source: ece,
    "mean": m}}}``.
    """
    z, y, sources = np.asarray(logits, dtype=np.float64), np.asarray(y), np.asarray(sources)
    names = sorted(set(sources.tolist()))
    if len(names) < 2:
        raise ValueError("choosing a calibration by held-out source needs at least two sources.")
    table: dict[str, dict[str, float]] = {}
    for method in CALIBRATIONS:
        row = {}
        for s in names:
            held, rest = sources == s, sources != s
            t, b = fit_calibration(z[rest], y[rest], method, sources[rest])
            p = calibrated(z[held], t, b)
            row[s] = ece(p.max(1), p.argmax(1) == y[held])
        row["mean"] = float(np.mean([row[s] for s in names]))
        table[method] = row
    lowest = min(row["mean"] for row in table.values())
    # the simplest method (CALIBRATIONS order) within TIE_ECE of the lowest: near-ties are noise
    best = next(m for m in CALIBRATIONS if table[m]["mean"] <= lowest + TIE_ECE)
    t, b = fit_calibration(z, y, best, sources)
    return {
        "method": best,
        "temperature": t,
        "class_bias": None if b is None else [float(x) for x in b],
        "held_out_source_ece": table,
    }


def aggregated_logits(chunks, method: str) -> np.ndarray:
    """Logits (N, L) of N texts from their chunks, combined as aggregation `method` says
    (`affectkit.text.classifier.config.AggregationConfig`) with weights by token count, before
    any aggregation temperature: what that temperature is fitted on (softmax(logits / T) is
    then the text's distribution). `chunks`: per text, (chunk probabilities (K, L), tokens per
    chunk (K,)), e.g. a `DocOut`'s ``chunk_probs`` and ``chunk_tokens``."""
    from affectkit.text.classifier.config import AggregationConfig
    from affectkit.text.classifier.inference import pool_chunks

    spec = AggregationConfig(method)
    rows = []
    for probs, tokens in chunks:
        w = np.asarray(tokens, dtype=np.float64)
        rows.append(pool_chunks(np.asarray(probs), w / w.sum(), spec))
    return np.log(np.clip(np.asarray(rows, dtype=np.float64), 1e-300, None))


def tune_thresholds(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-label probability threshold maximising validation F1 (grid 0.05..0.95): a
    multi-label head's decisions are tuned on validation instead of its temperature."""
    probs = 1 / (1 + np.exp(-logits))
    grid = np.arange(0.05, 0.96, 0.05)
    best = np.full(y.shape[1], 0.5)
    for k in range(y.shape[1]):
        t = y[:, k] > 0.5
        f1s = []
        for g in grid:
            p = probs[:, k] >= g
            tp = (p & t).sum()
            f1s.append(2 * tp / max(1, p.sum() + t.sum()))
        best[k] = grid[int(np.argmax(f1s))]
    return best


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


def ece_std_error(confidence, correct, bins: int = 15, n_boot: int = 1000, seed: int = 0) -> float:
    """Bootstrap standard error of `ece`: the spread of the ECE over `n_boot` resamples of the
    examples (with replacement; `seed` fixes them).

    How far a measured ECE moves from one sample of the same kind of data to the next. ECE is
    biased upwards on small samples (|acc - conf| per bin is never negative), and a resample
    is noisier than the sample, so a percentile interval of the resampled ECEs sits above the
    estimate; their spread is the part that can be read as noise.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    rng = np.random.default_rng(seed)
    n = len(confidence)
    draws = [ece(confidence[i], correct[i], bins) for i in rng.integers(0, n, (n_boot, n))]
    return float(np.std(draws, ddof=1))


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
    return save_figure(fig, path)


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure (and close it); an unwritable place is a `StorageError`, a name
    matplotlib has no format for an `InvalidInputError`, each saying what to do."""
    import matplotlib.pyplot as plt

    from affectkit.errors import InvalidInputError
    from affectkit.records import cannot_write

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        raise cannot_write(path, exc) from None
    except ValueError as exc:  # an extension matplotlib does not write
        raise InvalidInputError(f"Cannot save {str(path)!r}: {exc}. Name it .png.") from None
    finally:
        plt.close(fig)
    return path
