"""Weighted ensembles of single-label text models (a fine-tuned transformer + an n-gram model).

A fine-tuned encoder and a character n-gram model make different mistakes: the encoder reads
meaning and context, the n-gram model memorises the exact phrases of a domain (it can be trained
on far more text than the encoder in the same time). Their blend beats either one; on Chinese
reviews it is what lifts ChnSentiCorp past 0.92 (see the text-sentiment-zh model card).

The blend is a weighted sum of the members' log-probabilities (each member calibrated on its own),
divided by a temperature and renormalised:

    p(label | text) = softmax( sum_i w_i * log p_i(label | text) / T )

`affectkit blend` fits the weights and T on the base model's validation split
(`affectkit.training.blend`). An ensemble folder holds ``config.json`` (kind ``text-ensemble``)
and one sub-folder per member; members are ordinary model folders that also load on their own.

Results follow the contract of the members: the label, confidence and polarity come from the
blend, ``raw["members"]`` shows each member's own label and confidence, and the flags are the
union of the members' flags (``chunked`` for long text). Evidence is the n-gram member's
strongest n-grams (free, always given; weights are its logit contributions); with
``explain=True`` it is leave-one-word-out occlusion of the blend itself instead: how much
removing a word lowers the blend's confidence in its label (the transformer's own occlusion would
explain a member, and the two scales cannot be ranked together).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError, ModelLoadError
from affectkit.results import FLAG_UNCERTAIN, AffectResult, Evidence
from affectkit.text.classifier import (
    EXPLAIN_MAX_WORDS,
    EXPLAIN_TOP_K,
    LabelPlan,
    activate,
    summarise,
)
from affectkit.text.explain import least_drops, rank_evidence, word_deletions
from affectkit.text.scoring import triage
from affectkit.text.segment import word_spans

KIND = "text-ensemble"
CONFIG_FILE = "config.json"


@dataclass(frozen=True)
class Member:
    folder: str  # sub-folder of the ensemble folder
    weight: float


@dataclass(frozen=True)
class EnsembleConfig:
    """``config.json`` of an ensemble folder (the label fields match `TextModelConfig`)."""

    name: str
    labels: tuple[str, ...]
    members: tuple[Member, ...]
    task: str = "custom"
    canonical: Mapping[str, str | None] | None = None
    temperature: float = 1.0
    uncertain_below: float = 0.5
    languages: tuple[str, ...] = ("en",)
    multi_label: bool = False  # always False: blends are single-label; kept for `LabelPlan`
    thresholds: Mapping[str, float] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.members) < 2:
            raise InvalidInputError(f"An ensemble needs two or more members, got {self.members}.")
        weights = [m.weight for m in self.members]
        if any(not w >= 0 for w in weights) or not sum(weights) > 0:
            raise InvalidInputError(f"Member weights must be >= 0 and not all 0, got {weights}.")
        if not self.temperature > 0:
            raise InvalidInputError(f"temperature must be > 0, got {self.temperature!r}.")
        if self.multi_label:
            raise InvalidInputError("Ensembles blend single-label models only.")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EnsembleConfig:
        known = {"affectkit_kind", "name", "labels", "members", "task", "canonical",
                 "temperature", "uncertain_below", "languages", "multi_label"}  # fmt: skip
        try:
            return cls(
                name=d["name"],
                labels=tuple(d["labels"]),
                members=tuple(Member(str(m["folder"]), float(m["weight"])) for m in d["members"]),
                task=d.get("task", "custom"),
                canonical=d.get("canonical"),
                temperature=float(d.get("temperature", 1.0)),
                uncertain_below=float(d.get("uncertain_below", 0.5)),
                languages=tuple(d.get("languages") or ("en",)),
                multi_label=bool(d.get("multi_label", False)),
                extra={k: v for k, v in d.items() if k not in known},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"ensemble config is invalid: {exc!r}.") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "affectkit_kind": KIND,
            "name": self.name,
            "task": self.task,
            "labels": list(self.labels),
            "canonical": dict(self.canonical) if self.canonical is not None else None,
            "multi_label": False,
            "temperature": self.temperature,
            "uncertain_below": self.uncertain_below,
            "languages": list(self.languages),
            "members": [{"folder": m.folder, "weight": m.weight} for m in self.members],
            **self.extra,
        }


def blend_log_probs(member_probs: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """sum_i w_i * log p_i: the ensemble's logits (N, L) before the temperature."""
    return sum(
        w * np.log(np.clip(p, 1e-12, None)) for p, w in zip(member_probs, weights, strict=True)
    )


class EnsembleAnalyzer:
    """A weighted blend of single-label text analyzers over the same labels (module docstring).

    Members are analyzers with ``labels``, ``predict_proba(texts)`` and ``analyze(batch)``
    (`TextModelAnalyzer`, `NgramAnalyzer`); loader options (backend, quantize, threads...) go to
    every member that takes them.
    """

    modality = "text"

    def __init__(
        self, config: EnsembleConfig, members: Sequence[Any], folder: Path | None = None
    ) -> None:
        if len(members) != len(config.members):
            raise InvalidInputError(
                f"{config.name}: {len(config.members)} members configured, {len(members)} given."
            )
        for m in members:
            if list(m.labels) != list(config.labels):
                raise ModelLoadError(
                    f"{config.name}: member {m.name} has labels {list(m.labels)}, the ensemble "
                    f"{list(config.labels)}; members must share one label order."
                )
        self.config = config
        self.name = config.name
        self.labels = config.labels
        self.languages = config.languages
        self.members = list(members)
        self.weights = [m.weight for m in config.members]
        self.folder = folder
        self.plan = LabelPlan.from_config(config)  # duck-typed: same label fields

    @classmethod
    def from_pretrained(cls, path: str | Path, **options: Any) -> EnsembleAnalyzer:
        from affectkit.registry import inside, load_folder, read_json_object

        path = Path(path).expanduser()
        data = read_json_object(path / CONFIG_FILE)
        try:
            config = EnsembleConfig.from_dict(data)
        except InvalidInputError as exc:
            raise ModelLoadError(f"Cannot load the ensemble in {path}: {exc}") from None
        members = []
        for m in config.members:
            sub = path / m.folder
            if not inside(sub, path) or sub.resolve() == path.resolve():
                raise ModelLoadError(
                    f"{path / CONFIG_FILE}: member folder {m.folder!r} is not a sub-folder of the "
                    f"ensemble folder; an ensemble holds its members. Copy the whole folder as "
                    f"`affectkit blend` wrote it."
                )
            if not (sub / CONFIG_FILE).is_file():
                raise ModelLoadError(
                    f"{path}: member folder {m.folder!r} is missing or has no {CONFIG_FILE}; copy "
                    f"the whole ensemble folder (it holds its members)."
                )
            members.append(load_folder(sub, **options))
        return cls(config, members, folder=path)

    def save_config(self, path: str | Path) -> Path:
        """Write config.json (the members are folders of their own, saved by their trainers)."""
        path = Path(path).expanduser()
        text = json.dumps(self.config.to_dict(), indent=2, ensure_ascii=False) + "\n"
        (path / CONFIG_FILE).write_text(text, encoding="utf-8")
        return path

    def load(self) -> EnsembleAnalyzer:
        for m in self.members:
            m.load()
        return self

    def predict_proba(self, texts: Sequence[Any]) -> np.ndarray:
        """Blended probabilities (N, L) for every text (no language gate, no flags)."""
        probs = [m.predict_proba(texts) for m in self.members]
        return activate(
            blend_log_probs(probs, self.weights), multi_label=False,
            temperature=self.config.temperature,
        )  # fmt: skip

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        """One result per input, in order (module docstring). Evidence: the n-gram member's
        n-grams; with ``explain=True``, occlusion of the blend itself."""
        results, todo = triage(
            batch, self.name, self.languages, emoji_route=self.plan.kind == "polarity"
        )
        if not todo:
            return results  # type: ignore[return-value]
        subset = [t for _, t, _ in todo]
        per_member = [m.analyze(subset) for m in self.members]  # evidence: the free kind
        probs = []
        for m, rows in zip(self.members, per_member, strict=True):
            if any("labels" not in (r.raw or {}) for r in rows):  # a member flagged a text
                probs.append(m.predict_proba(subset))
            else:
                probs.append(
                    np.array([[r.raw["labels"][lab] for lab in self.labels] for r in rows])
                )
        blended = activate(
            blend_log_probs(probs, self.weights), multi_label=False,
            temperature=self.config.temperature,
        )  # fmt: skip
        occlusion = self._occlusion(subset, blended) if explain else None
        for k, (i, _text, lang) in enumerate(todo):
            fields = summarise(blended[k], self.plan)
            raw = fields.pop("raw")
            mine = [rows[k] for rows in per_member]
            raw["members"] = {
                m.name: {"label": r.label, "confidence": r.confidence, "weight": w}
                for m, r, w in zip(self.members, mine, self.weights, strict=True)
            }
            flags = [f for r in mine for f in r.flags if f not in (FLAG_UNCERTAIN,)]
            if fields["uncertain"]:
                flags.append(FLAG_UNCERTAIN)
            results[i] = AffectResult(
                model=self.name,
                modality=self.modality,
                language=lang,
                raw=raw,
                # long texts get no occlusion: the n-gram evidence stands in
                evidence=(occlusion[k] if occlusion and occlusion[k] else None)
                or tuple(ev for r in mine for ev in r.evidence),
                flags=tuple(dict.fromkeys(flags)),
                **fields,
            )
        return results  # type: ignore[return-value]

    def _occlusion(self, texts: list[str], probs: np.ndarray) -> list[tuple[Evidence, ...]]:
        """Leave-one-word-out occlusion of the blend (texts of at most EXPLAIN_MAX_WORDS words):
        a word's weight is how much the blend's confidence in its label drops without it
        (words removed and ranked as `explain_by_occlusion` does)."""
        variants, owners = [], []
        for k, text in enumerate(texts):
            spans = word_spans(text)
            if len(spans) <= EXPLAIN_MAX_WORDS:
                for s, e, variant in word_deletions(text, spans):
                    variants.append(variant)
                    owners.append((k, s, e))
        found: list[list[Evidence]] = [[] for _ in texts]
        labels = [summarise(p, self.plan)["label"] for p in probs]
        if variants:
            conf = self.plan.confidence_of
            drops = [
                conf(probs[k], labels[k]) - conf(p, labels[k])
                for (k, _, _), p in zip(owners, self.predict_proba(variants), strict=True)
            ]
            for (k, s, e), weight in least_drops(owners, drops).items():
                label = labels[k]
                found[k].append(
                    Evidence(texts[k][s:e], weight, start=s, end=e, kind="token", label=label)
                )
        return [rank_evidence(ev, EXPLAIN_TOP_K) for ev in found]

    def embed(self, texts: Sequence[Any]) -> np.ndarray:
        """The first embedding member's `embed` (the transformer's pooled encoder output)."""
        for m in self.members:
            if hasattr(m, "embed"):
                return m.embed(texts)
        raise InvalidInputError(f"{self.name} has no member that gives embeddings.")

    def __repr__(self) -> str:
        parts = ", ".join(
            f"{m.name} x{w:g}" for m, w in zip(self.members, self.weights, strict=True)
        )
        return f"EnsembleAnalyzer({self.name!r}, [{parts}], T={self.config.temperature:.3f})"
