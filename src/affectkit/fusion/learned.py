"""Learned fusion: a small network over the modalities' outputs, trained with modality dropout.

Input, per modality in a fixed order: its values, and a flag saying it is present (a missing
modality is zeros with the flag off). A modality whose first ``len(labels)`` values are
probabilities over the labels (found at `fit`: in [0, 1], summing to 1) also gives their
logarithms and its confidence (largest probability), and enters the output twice:

    z = Σ_m a_m ⊙ log p_m  +  MLP(features)

a **log-linear pooling** of the modalities (``a_m`` one weight per modality and label: how far
each is trusted on each label; independent experts combine by adding log-probabilities) plus a
one-hidden-layer network that learns what the pooling misses (interactions, embeddings). So the
model starts from, and can always fall back to, a weighted product of experts: a modality that
knows nothing (RAVDESS's fixed sentences) gets a weight near 0 rather than dragging the others.
Softmax output, class-balanced cross-entropy, Adam with weight decay; numpy only, so fusion
runs wherever affectkit does. ``hidden="auto"`` fits the pooling alone and with the network and
keeps the one with the lower validation loss.

**Modality dropout**: during training each present modality of each row is hidden with
probability `dropout` (never all of a row's), so the network learns to judge from whatever is
left, and degrades gracefully when a channel is missing at run time. Training stops early on a
validation split carved from the rows given (by group where groups are given: a speaker, a
dialogue), which also fits the temperature.

`fit(inputs, y, groups=None)`, `predict_proba(inputs)`, `save(path)`, `load(path)`: ``inputs``
maps modality → [n, d] with a row of NaN where the modality is missing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from affectkit.errors import DataFormatError

AUTO_HIDDEN = (0, 32)  # the sizes `hidden="auto"` chooses from


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


class LearnedFusion:
    """See the module's docstring."""

    def __init__(
        self,
        labels: Sequence[str],
        modalities: Sequence[str],
        hidden: int | str = "auto",
        dropout: float = 0.3,
        weight_decay: float = 1e-3,
        lr: float = 0.01,
        epochs: int = 300,
        patience: int = 25,
        batch_size: int = 256,
        balanced: bool = True,
        val_ratio: float = 0.15,
        seed: int = 0,
    ) -> None:
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must be in [0, 1). Got {dropout}.")
        self.labels = tuple(labels)
        self.modalities = tuple(modalities)
        self.hidden, self.dropout, self.weight_decay, self.lr = hidden, dropout, weight_decay, lr
        self.epochs, self.patience, self.batch_size = epochs, patience, batch_size
        self.balanced, self.val_ratio, self.seed = balanced, val_ratio, seed
        self.dims: dict[str, int] = {}
        self.probabilities: dict[str, bool] = {}  # first len(labels) values are probabilities
        self.params: dict[str, np.ndarray] = {}
        self.temperature = 1.0
        self.history: list[dict] = []

    # -- features -------------------------------------------------------------------------
    def _features(self, inputs: Mapping[str, np.ndarray], keep: np.ndarray | None = None):
        """Features [n, F], the log-probabilities [n, M, k] (0 where a modality is absent or
        gives no probabilities) and, per modality, whether it is present; `keep` [n, M] hides
        some."""
        missing = [m for m in self.modalities if m not in inputs]
        if missing and not self.dims:
            raise DataFormatError(f"no rows for modalities {missing}.")
        n = len(next(iter(inputs.values())))
        k = len(self.labels)
        blocks, present = [], []
        logs = np.zeros((n, len(self.modalities), k))
        for j, m in enumerate(self.modalities):
            x = inputs.get(m)
            if x is None:
                x = np.full((n, self.dims[m]), np.nan)
            x = np.asarray(x, dtype=float)
            if self.dims and x.shape[1] != self.dims[m]:
                raise DataFormatError(f"{m}: {x.shape[1]} values a row, trained on {self.dims[m]}.")
            here = ~np.isnan(x).any(1)
            if keep is not None:
                here = here & keep[:, j]
            x = np.where(here[:, None], np.nan_to_num(x), 0.0)
            blocks.append(x)
            if self.probabilities.get(m):
                p = x[:, :k]
                logs[:, j] = np.where(here[:, None], np.log(np.clip(p, 1e-4, None)), 0.0)
                conf = np.where(here, p.max(1), 0.0)
                blocks += [logs[:, j], conf[:, None]]
            blocks.append(here[:, None].astype(float))
            present.append(here)
        return np.hstack(blocks), logs, np.stack(present, 1)

    def _forward(self, x: np.ndarray, logs: np.ndarray, p: dict[str, np.ndarray]):
        h = np.maximum(0, x @ p["w1"] + p["b1"])
        return h, h @ p["w2"] + p["b2"] + np.einsum("nmk,mk->nk", logs, p["a"])

    # -- training -------------------------------------------------------------------------
    def fit(
        self, inputs: Mapping[str, np.ndarray], y: np.ndarray, groups: np.ndarray | None = None
    ) -> LearnedFusion:
        """Fit on labelled rows; with ``hidden="auto"`` (the default) the pooling alone and the
        pooling with a 32-unit network are both fitted and the one with the lower validation
        loss is kept (on a few hundred rows the network only adds noise)."""
        if self.hidden == "auto":
            best = None
            for size in AUTO_HIDDEN:
                trial = LearnedFusion(
                    self.labels, self.modalities, size, self.dropout, self.weight_decay,
                    self.lr, self.epochs, self.patience, self.batch_size, self.balanced,
                    self.val_ratio, self.seed,
                )  # fmt: skip
                trial.fit(inputs, y, groups)
                loss = min(h["validation_loss"] for h in trial.history)
                if best is None or loss < best[0]:
                    best = (loss, trial)
            self.__dict__.update(best[1].__dict__)
            return self
        if not isinstance(self.hidden, int) or self.hidden < 0:
            raise ValueError(f"hidden must be 'auto' or a size ≥ 0. Got {self.hidden!r}.")
        y = np.asarray(y, dtype=int)
        k = len(self.labels)
        self.dims = {m: np.asarray(inputs[m]).shape[1] for m in self.modalities if m in inputs}
        if set(self.dims) != set(self.modalities):
            raise DataFormatError(f"fit needs every modality of {self.modalities}.")
        self.probabilities = {
            m: _are_probabilities(np.asarray(inputs[m]), k) for m in self.modalities
        }
        rng = np.random.default_rng(self.seed)
        n = len(y)
        if groups is None:
            order = rng.permutation(n)
            val = order[: max(1, int(n * self.val_ratio))]
        else:
            groups = np.asarray(groups)
            names = rng.permutation(np.unique(groups))
            held = set(names[: max(1, int(len(names) * self.val_ratio))].tolist())
            val = np.array([i for i in range(n) if groups[i] in held])
        train = np.setdiff1d(np.arange(n), val)
        if len(train) < 2 or len(val) < 1:
            raise DataFormatError(f"{n} labelled rows are too few to fit a fusion model.")
        tr = {m: np.asarray(x)[train] for m, x in inputs.items()}
        va = {m: np.asarray(x)[val] for m, x in inputs.items()}
        x_val, logs_val, _ = self._features(va)
        counts = np.bincount(y[train], minlength=k).astype(float)
        cw = np.where(counts > 0, counts.sum() / (k * np.maximum(counts, 1)), 0.0)
        if not self.balanced:
            cw = np.ones(k)
        d = x_val.shape[1]
        p = {
            "w1": rng.normal(0, np.sqrt(2 / d), (d, self.hidden)),
            "b1": np.zeros(self.hidden),
            "w2": rng.normal(0, np.sqrt(1 / max(1, self.hidden)), (self.hidden, k)),
            "b2": np.zeros(k),
            # the log-linear pooling starts as an even product of the modalities' experts
            "a": np.full((len(self.modalities), k), 1.0 / max(1, sum(self.probabilities.values())))
            * np.array([[float(self.probabilities[m])] for m in self.modalities]),
        }
        m1 = {key: np.zeros_like(v) for key, v in p.items()}
        m2 = {key: np.zeros_like(v) for key, v in p.items()}
        step, best, best_p, waited = 0, np.inf, None, 0
        _, _, present_tr = self._features(tr)
        for epoch in range(self.epochs):
            # modality dropout: hide each present modality with probability `dropout`, keeping
            # at least one per row
            keep = rng.random(present_tr.shape) >= self.dropout
            none = ~(keep & present_tr).any(1)
            for i in np.where(none)[0]:
                options = np.where(present_tr[i])[0]
                if len(options):
                    keep[i, rng.choice(options)] = True
            x_tr, logs_tr, _ = self._features(tr, keep)
            order = rng.permutation(len(train))
            for s in range(0, len(order), self.batch_size):
                b = order[s : s + self.batch_size]
                xb, lb, yb = x_tr[b], logs_tr[b], y[train][b]
                h, z = self._forward(xb, lb, p)
                g = _softmax(z)
                g[np.arange(len(b)), yb] -= 1
                g *= cw[yb][:, None] / cw[yb].sum()
                grads = {"w2": h.T @ g, "b2": g.sum(0)}
                gh = (g @ p["w2"].T) * (h > 0)
                grads |= {"w1": xb.T @ gh, "b1": gh.sum(0)}
                grads["a"] = np.einsum("nk,nmk->mk", g, lb)
                step += 1
                for key in p:
                    gk = grads[key] + (self.weight_decay * p[key] if key.startswith("w") else 0)
                    m1[key] = 0.9 * m1[key] + 0.1 * gk
                    m2[key] = 0.999 * m2[key] + 0.001 * gk**2
                    mhat = m1[key] / (1 - 0.9**step)
                    vhat = m2[key] / (1 - 0.999**step)
                    p[key] = p[key] - self.lr * mhat / (np.sqrt(vhat) + 1e-8)
            _, z = self._forward(x_val, logs_val, p)
            prob = _softmax(z)
            w = cw[y[val]]
            loss = float(-(w * np.log(prob[np.arange(len(val)), y[val]] + 1e-12)).sum() / w.sum())
            self.history.append({"epoch": epoch + 1, "validation_loss": loss})
            if loss < best - 1e-5:
                best, best_p, waited = loss, {key: v.copy() for key, v in p.items()}, 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        self.params = best_p or p
        _, z = self._forward(x_val, logs_val, self.params)
        self.temperature = _fit_temperature(z, y[val])
        return self

    # -- use ------------------------------------------------------------------------------
    def predict_proba(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        if not self.params:
            raise DataFormatError("this fusion model is not fitted: call fit() or load().")
        x, logs, _ = self._features(inputs)
        return _softmax(self._forward(x, logs, self.params)[1] / self.temperature)

    def save(self, path: str | Path) -> Path:
        """One ``.npz`` (weights and a JSON header; no pickle)."""
        path = Path(path)
        meta = {
            "kind": "learned-fusion",
            "labels": list(self.labels),
            "modalities": list(self.modalities),
            "dims": self.dims,
            "probabilities": self.probabilities,
            "hidden": self.hidden,
            "dropout": self.dropout,
            "temperature": self.temperature,
        }
        with path.open("wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **self.params)
        return path

    @classmethod
    def load(cls, path: str | Path) -> LearnedFusion:
        try:
            with np.load(path, allow_pickle=False) as d:
                meta = json.loads(str(d["meta"]))
                params = {k: d[k] for k in ("w1", "b1", "w2", "b2", "a")}
            if meta.get("kind") != "learned-fusion":
                raise ValueError("not a learned-fusion file")
        except (OSError, ValueError, KeyError) as exc:
            raise DataFormatError(f"{path}: cannot read a learned-fusion model ({exc}).") from None
        model = cls(
            meta["labels"], meta["modalities"], hidden=meta["hidden"], dropout=meta["dropout"]
        )
        model.dims, model.params = {m: int(v) for m, v in meta["dims"].items()}, params
        model.probabilities = {m: bool(v) for m, v in meta["probabilities"].items()}
        model.temperature = float(meta["temperature"])
        return model


def _are_probabilities(x: np.ndarray, k: int) -> bool:
    """Are the first `k` values of the present rows probabilities (in [0, 1], summing to 1)?"""
    rows = x[~np.isnan(x).any(1)]
    if x.shape[1] < k or not len(rows):
        return False
    p = rows[:, :k]
    return bool(
        (p >= -1e-6).all() and (p <= 1 + 1e-6).all() and np.allclose(p.sum(1), 1, atol=1e-3)
    )


def _fit_temperature(z: np.ndarray, y: np.ndarray) -> float:
    """The temperature minimising the negative log-likelihood (a grid, then refined)."""

    def nll(t: float) -> float:
        p = _softmax(z / t)
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    grid = np.exp(np.linspace(np.log(0.25), np.log(8), 41))
    best = min(grid, key=nll)
    fine = best * np.exp(np.linspace(-0.1, 0.1, 21))
    return float(min(fine, key=nll))
