"""TF-IDF word and character n-grams + a linear classifier: the baseline for tiny data.

No encoder, no torch: it trains in seconds on a laptop (`affectkit train --backbone tfidf`,
scikit-learn's logistic regression at training time only) and runs with numpy alone. Character
n-grams make it work on Chinese without segmentation. Every result carries its evidence: the
n-grams that pushed the decision most (weight = coefficient x tf-idf value).

A model folder holds::

    config.json            affectkit_kind "text-ngram-linear"; labels, canonical map,
                           multi_label, thresholds, temperature, languages (as a transformer
                           folder) and "features" (the featurizer's settings below)
    vocab.json             the n-gram strings, in column order
    weights.safetensors    idf (V,), coef (L, V), intercept (L,)   float32

Features of a text (`NgramFeaturizer`): the text is cleaned and lower-cased; word tokens are
runs of letters/digits (one token per Han character, and one per punctuation mark); word n-grams
``w:<tokens joined by space>`` for n in `word` (inclusive range) and character n-grams
``c:<chars>`` over the text with whitespace collapsed and a space at each end, for n in `char`.
Counts become ``1 + log(count)`` (sublinear tf), are multiplied by the idf and L2-normalised.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit import deadline
from affectkit.errors import InvalidInputError, ModelLoadError, require
from affectkit.registry import read_json_object
from affectkit.results import FLAG_UNCERTAIN, AffectResult, Evidence
from affectkit.text.classifier.outputs import LabelPlan, activate, summarise
from affectkit.text.preprocess import PREPROCESSORS, check_preprocess, clean_text
from affectkit.text.scoring import triage
from affectkit.text.weights import check_safetensors

KIND = "text-ngram-linear"
VOCAB_FILE = "vocab.json"
WEIGHTS_FILE = "weights.safetensors"
EVIDENCE_TOP_K = 8

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]|[^\W_{_HAN}]+(?:'[^\W_{_HAN}]+)*|[^\w\s]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NgramFeaturizer:
    """Text -> {feature: (sublinear tf, first start, first end)}; see the module docstring."""

    word: tuple[int, int] = (1, 2)
    char: tuple[int, int] | None = (1, 3)
    lowercase: bool = True

    def __post_init__(self) -> None:
        for name in ("word", "char"):
            rng = getattr(self, name)
            if rng is None:
                continue
            rng = tuple(rng)
            if (
                len(rng) != 2
                or not all(isinstance(x, int) for x in rng)
                or not 1 <= rng[0] <= rng[1] <= 8
            ):
                raise InvalidInputError(
                    f"features.{name} must be [min_n, max_n] with 1 <= min_n <= max_n <= 8, "
                    f"got {getattr(self, name)!r}."
                )
            object.__setattr__(self, name, rng)

    def to_dict(self) -> dict[str, Any]:
        return {
            "word": list(self.word),
            "char": list(self.char) if self.char else None,
            "lowercase": self.lowercase,
        }

    def counts(self, text: str) -> dict[str, tuple[int, int, int]]:
        """{feature: (count, start, end)} with the character span of its first occurrence
        (word n-grams only; character n-grams get (-1, -1))."""
        if self.lowercase:
            text = text.lower()  # keeps the length for almost all text, so spans still fit
        out: dict[str, list[int]] = {}
        toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        lo, hi = self.word
        for n in range(lo, hi + 1):
            for i in range(len(toks) - n + 1):
                key = "w:" + " ".join(t for t, _, _ in toks[i : i + n])
                if key in out:
                    out[key][0] += 1
                else:
                    out[key] = [1, toks[i][1], toks[i + n - 1][2]]
        if self.char:
            s = " " + _SPACE.sub(" ", text).strip() + " "
            lo, hi = self.char
            for n in range(lo, hi + 1):
                for i in range(len(s) - n + 1):
                    gram = s[i : i + n]
                    if gram == " " * n:
                        continue
                    key = "c:" + gram
                    if key in out:
                        out[key][0] += 1
                    else:
                        out[key] = [1, -1, -1]
        return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def build_vocabulary(
    featurizer: NgramFeaturizer, texts: Iterable[str], *, min_df: int, max_features: int
) -> tuple[list[str], np.ndarray]:
    """(features, idf): features in at least `min_df` texts, the `max_features` most frequent
    (ties by name); idf = ln((1 + N) / (1 + df)) + 1."""
    df: Counter = Counter()
    n = 0
    for text in texts:
        df.update(featurizer.counts(text).keys())
        n += 1
    kept = sorted((f for f, c in df.items() if c >= min_df), key=lambda f: (-df[f], f))
    kept = kept[:max_features]
    idf = np.array([math.log((1 + n) / (1 + df[f])) + 1.0 for f in kept], dtype=np.float32)
    return kept, idf


def transform(
    featurizer: NgramFeaturizer, index: Mapping[str, int], idf: np.ndarray, texts: Sequence[str]
):
    """A scipy CSR matrix (N, V) of L2-normalised tf-idf rows (scipy comes with scikit-learn)."""
    sparse = require("scipy.sparse", "train")
    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        idx, val = _row(featurizer, index, idf, text)
        rows += [r] * len(idx)
        cols += idx.tolist()
        vals += val.tolist()
    return sparse.csr_matrix(
        (np.array(vals, np.float32), (np.array(rows, np.int64), np.array(cols, np.int64))),
        shape=(len(texts), len(index)),
    )


def _row(featurizer, index, idf, text, spans: dict | None = None):
    """(column indices, values) of one text's normalised tf-idf row."""
    idx, val = [], []
    for feat, (count, start, end) in featurizer.counts(text).items():
        j = index.get(feat)
        if j is not None:
            idx.append(j)
            val.append((1.0 + math.log(count)) * float(idf[j]))
            if spans is not None:
                spans[j] = (feat, start, end)
    idx_a = np.array(idx, dtype=np.int64)
    val_a = np.array(val, dtype=np.float32)
    norm = float(np.linalg.norm(val_a))
    return idx_a, (val_a / norm if norm > 0 else val_a)


@dataclass(frozen=True)
class NgramModelConfig:
    """``config.json`` of an n-gram model folder (the label fields match `TextModelConfig`)."""

    name: str
    labels: tuple[str, ...]
    task: str = "custom"
    canonical: Mapping[str, str | None] | None = None
    multi_label: bool = False
    thresholds: Mapping[str, float] | None = None
    temperature: float = 1.0
    uncertain_below: float = 0.5
    languages: tuple[str, ...] = ("en",)
    preprocess: str | None = None  # a `preprocess.PREPROCESSORS` name, as in training
    features: NgramFeaturizer = field(default_factory=NgramFeaturizer)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NgramModelConfig:
        known = {
            "affectkit_kind",
            "name",
            "labels",
            "task",
            "canonical",
            "multi_label",
            "thresholds",
            "temperature",
            "uncertain_below",
            "languages",
            "preprocess",
            "features",
        }
        preprocess = d.get("preprocess")
        check_preprocess(preprocess)
        try:
            feats = NgramFeaturizer(**(d.get("features") or {}))
            return cls(
                name=d["name"],
                labels=tuple(d["labels"]),
                task=d.get("task", "custom"),
                canonical=d.get("canonical"),
                multi_label=bool(d.get("multi_label", False)),
                thresholds=d.get("thresholds"),
                temperature=float(d.get("temperature", 1.0)),
                uncertain_below=float(d.get("uncertain_below", 0.5)),
                languages=tuple(d.get("languages") or ("en",)),
                preprocess=preprocess,
                features=feats,
                extra={k: v for k, v in d.items() if k not in known},
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(f"n-gram model config is invalid: {exc!r}.") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "affectkit_kind": KIND,
            "name": self.name,
            "task": self.task,
            "labels": list(self.labels),
            "canonical": dict(self.canonical) if self.canonical is not None else None,
            "multi_label": self.multi_label,
            "thresholds": dict(self.thresholds) if self.thresholds is not None else None,
            "temperature": self.temperature,
            "uncertain_below": self.uncertain_below,
            "languages": list(self.languages),
            **({"preprocess": self.preprocess} if self.preprocess is not None else {}),
            "features": self.features.to_dict(),
            **self.extra,
        }


class NgramAnalyzer:
    """Linear classifier over TF-IDF n-grams (see the module docstring)."""

    modality = "text"

    def __init__(
        self,
        config: NgramModelConfig,
        vocab: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
    ) -> None:
        if coef.shape != (len(config.labels), len(vocab)) or idf.shape != (len(vocab),):
            raise ModelLoadError(
                f"n-gram weights do not fit: coef {coef.shape}, idf {idf.shape}, "
                f"{len(config.labels)} labels, {len(vocab)} features."
            )
        self.config = config
        self.name = config.name
        self.labels = config.labels
        self.languages = config.languages
        self.vocab = list(vocab)
        self.index = {f: i for i, f in enumerate(self.vocab)}
        # C order: safetensors writes the raw buffer (scikit-learn's coef_ may be Fortran-ordered)
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)  # (L, V)
        self.intercept = np.ascontiguousarray(intercept, dtype=np.float32)  # (L,)
        self.plan = LabelPlan.from_config(config)  # duck-typed: same label fields

    @classmethod
    def from_pretrained(cls, path: str | Path, **_options: Any) -> NgramAnalyzer:
        """Load a model folder. Transformer loader options (backend, threads...) are ignored."""
        path = Path(path).expanduser()
        data = read_json_object(path / "config.json")
        try:
            config = NgramModelConfig.from_dict(data)
            vocab = read_json_object(path / VOCAB_FILE, max_bytes=2**31, kind=list)
        except (TypeError, ValueError) as exc:  # InvalidInputError, or a value of another type
            raise ModelLoadError(f"Cannot load the n-gram model in {path}: {exc}") from None
        if not all(isinstance(f, str) for f in vocab):
            raise ModelLoadError(f"{path / VOCAB_FILE} must be a JSON list of n-gram strings.")
        tensors = check_safetensors(path / WEIGHTS_FILE)
        missing = [k for k in ("idf", "coef", "intercept") if k not in tensors]
        if missing:
            raise ModelLoadError(f"{path / WEIGHTS_FILE} has no tensor(s) {missing}.")
        st = require("safetensors.numpy", "models")
        try:
            w = st.load_file(str(path / WEIGHTS_FILE))
        except Exception as exc:  # safetensors raises its own error type for damaged files
            raise ModelLoadError(f"Cannot read {path / WEIGHTS_FILE}: {exc}") from None
        return cls(config, vocab, w["idf"], w["coef"], w["intercept"])

    def save_pretrained(self, path: str | Path) -> Path:
        st = require("safetensors.numpy", "models")
        path = Path(path).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        st.save_file(
            {"idf": self.idf, "coef": self.coef, "intercept": self.intercept},
            str(path / WEIGHTS_FILE),
        )
        (path / VOCAB_FILE).write_text(json.dumps(self.vocab, ensure_ascii=False), "utf-8")
        text = json.dumps(self.config.to_dict(), indent=2, ensure_ascii=False) + "\n"
        (path / "config.json").write_text(text, encoding="utf-8")  # last: the folder is complete
        return path

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """(N, L) raw scores before the temperature and softmax/sigmoid."""
        out = np.empty((len(texts), len(self.labels)), dtype=np.float64)
        for i, text in enumerate(texts):
            idx, val = _row(self.config.features, self.index, self.idf, self._prepare(text))
            out[i] = self.coef[:, idx] @ val + self.intercept
        return out

    def _prepare(self, text: str) -> str:
        """The text as training saw it (`preprocess` keeps offsets, so spans stay the user's)."""
        pp = self.config.preprocess
        return text if pp is None else PREPROCESSORS[pp](text)

    def load(self) -> NgramAnalyzer:
        """Nothing to do (the weights load with the folder); the analyzers share this call."""
        return self

    def predict_proba(self, texts: Sequence[Any]) -> np.ndarray:
        """Label probabilities (N, L), temperature applied, for every text (no language gate)."""
        if isinstance(texts, (str, bytes)):
            raise InvalidInputError("predict_proba() takes a sequence of texts. Wrap it: [text].")
        cleaned = [clean_text(x, i) for i, x in enumerate(texts)]
        return activate(
            self.logits(cleaned),
            multi_label=self.config.multi_label,
            temperature=self.config.temperature,
        )

    def analyze(self, batch: Sequence[Any], *, explain: bool = True) -> list[AffectResult]:
        """One result per input, in order; evidence = the strongest n-grams (always given)."""
        del explain  # evidence is free here
        results, todo = triage(
            batch, self.name, self.languages, emoji_route=self.plan.kind == "polarity"
        )
        for i, text, lang in todo:
            deadline.check()
            results[i] = self._analyze_one(text, lang)
        return results  # type: ignore[return-value]

    def _analyze_one(self, text: str, lang: str) -> AffectResult:
        spans: dict[int, tuple[str, int, int]] = {}
        idx, val = _row(self.config.features, self.index, self.idf, self._prepare(text), spans)
        z = self.coef[:, idx] @ val + self.intercept  # (L,)
        probs = activate(
            z[None, :], multi_label=self.config.multi_label, temperature=self.config.temperature
        )[0]
        fields = summarise(probs, self.plan)
        raw = fields.pop("raw")
        top = self.labels.index(raw["label"])
        contrib = self.coef[top, idx] * val  # (k,) how much each n-gram pushed the top label
        if not self.config.multi_label and len(self.labels) > 1:
            others = np.delete(np.arange(len(self.labels)), top)
            contrib = contrib - (self.coef[others][:, idx] * val).mean(axis=0)
        evidence = self._evidence(text, [spans[int(j)] for j in idx], contrib, fields["label"])
        flags = (FLAG_UNCERTAIN,) if fields["uncertain"] else ()
        return AffectResult(
            model=self.name,
            modality=self.modality,
            language=lang,
            raw=raw,
            evidence=tuple(evidence),
            flags=flags,
            **fields,
        )

    def _evidence(
        self, text: str, feats: list[tuple[str, int, int]], contrib: np.ndarray, label: str
    ) -> tuple[Evidence, ...]:
        """The strongest n-grams as text spans. A word n-gram and a character n-gram with the
        same surface (e.g. a Han character) are one piece of evidence: their weights add up."""
        lowered = text.lower() if self.config.features.lowercase else text
        merged: dict[tuple[int, int] | str, list] = {}
        for (feat, start, end), w in zip(feats, contrib.tolist(), strict=True):
            if start < 0:  # a character n-gram: find it in the text
                gram = feat[2:].strip()
                pos = lowered.find(gram) if gram else -1
                start, end = (pos, pos + len(gram)) if pos >= 0 else (-1, -1)
            key = (start, end) if start >= 0 else feat[2:]
            if key in merged:
                merged[key][1] += w
            else:
                surface = text[start:end] if start >= 0 else feat[2:]
                merged[key] = [surface, w, start, end]
        top = sorted(merged.values(), key=lambda m: -abs(m[1]))[:EVIDENCE_TOP_K]
        return tuple(
            Evidence(
                surface,
                float(w),
                start=start if start >= 0 else None,
                end=end if end >= 0 else None,
                kind="ngram",
                label=label,
            )
            for surface, w, start, end in top
        )

    def __repr__(self) -> str:
        return f"NgramAnalyzer({self.name!r}, {len(self.vocab):,} features, labels={self.labels})"
