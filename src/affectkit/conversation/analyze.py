"""`analyze_conversation`: every turn read by the text analyzer, every customer turn scored for
dissatisfaction in the light of what came before it, the conversation scored and summarised.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.api import analyze
from affectkit.conversation.dialogue import MAX_TURNS, Conversation, make_conversation
from affectkit.conversation.features import Reading, features, reading
from affectkit.conversation.model import DissatisfactionModel
from affectkit.conversation.summary import summarize

MODEL_NAME = "conversation-dissatisfaction"
CHUNK = 256  # turns per analyzer call: bounded memory for long conversations
DRIVERS = 3  # customer turns named as driving a conversation's score


def shipped_model_folder() -> Path:
    return Path(str(resources.files("affectkit"))) / "models" / MODEL_NAME


@functools.cache
def load_model(folder: str | None = None) -> DissatisfactionModel:
    """The dissatisfaction model in `folder` (default: the shipped one), loaded once."""
    return DissatisfactionModel.load(folder or shipped_model_folder())


@dataclass(frozen=True)
class TurnResult:
    index: int
    speaker: str
    role: str  # "customer" or "agent"
    text: str
    time: Any
    label: str | None  # the text analyzer's label (or "empty", "unsupported", "error")
    polarity: dict[str, float] | None
    emotions: dict[str, float] | None
    score: float | None
    language: str | None
    dissatisfaction: float | None = None  # customer turns only
    dissatisfied: bool | None = None  # dissatisfaction >= the model's threshold
    drivers: list[dict[str, float]] | None = None  # the features that raised it most


@dataclass(frozen=True)
class ConversationResult:
    id: str | None
    dissatisfaction: float | None  # None without customer turns
    dissatisfied: bool | None
    drivers: list[dict[str, Any]]  # the customer turns that drove the score, highest first
    turns: list[TurnResult]
    trajectory: list[dict[str, Any]]  # one point per customer turn
    summary: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    models: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["turns"] = [
            {k: v for k, v in t.items() if v is not None or k in _ALWAYS} for t in out["turns"]
        ]
        return out


_ALWAYS = {"polarity", "emotions", "score", "time"}


def analyze_conversation(
    turns: Sequence[Any],
    *,
    customer_role: str | None = None,
    id: str | int | None = None,
    model: str = "auto",
    language: str = "auto",
    model_options: dict | None = None,
    dissatisfaction_model: str | Path | None = None,
    max_turns: int = MAX_TURNS,
) -> ConversationResult:
    """Analyse one conversation.

    - `turns`: in order, each ``{"speaker" (or "role"), "text", "time"?}``; roles
      ``USER``/``SYSTEM``, ``customer``/``agent``, ``A``/``B`` are understood, or name the
      customer's role with `customer_role` (every other role is the agent's side).
    - `model`, `language`, `model_options`: the text analyzer, as `affectkit.analyze`
      (``"auto"``: the default of each turn's language).
    - `dissatisfaction_model`: a folder with another fitted model (default: the shipped one).
    - `max_turns`: longer conversations are an `InvalidInputError`.

    Each customer turn gets ``dissatisfaction`` (a probability) from its own reading and the
    turns before it; the conversation's pools them. A conversation without customer turns is
    analysed, with ``dissatisfaction`` None. See docs/conversations.md.
    """
    conv = make_conversation(turns, customer_role, id, max_turns)
    return analyze_checked(conv, model, language, model_options, dissatisfaction_model)


def analyze_checked(
    conv: Conversation,
    model: str = "auto",
    language: str = "auto",
    model_options: dict | None = None,
    dissatisfaction_model: str | Path | None = None,
) -> ConversationResult:
    """`analyze_conversation` of a conversation already checked (`make_conversation`,
    `read_conversations`)."""
    folder = None if dissatisfaction_model is None else str(dissatisfaction_model)
    return score_conversation(conv, _read(conv, model, language, model_options), load_model(folder))


def _read(conv: Conversation, model: str, language: str, options: dict | None):
    texts = [t.text for t in conv.turns]
    results = []
    for i in range(0, len(texts), CHUNK):
        results += analyze(
            texts[i : i + CHUNK],
            model=model,
            language=language,
            errors="flag",
            model_options=options,
        )
    return results


def score_conversation(
    conv: Conversation, results: Sequence[Any], dis: DissatisfactionModel
) -> ConversationResult:
    """The result of a conversation whose turns the text analyzer has read (`results`, one
    `AffectResult` per turn, in order)."""
    readings: list[Reading] = [reading(r) for r in results]
    cust = [t.index for t in conv.turns if t.is_customer]
    feats = features([t.text for t in conv.turns], readings, [t.is_customer for t in conv.turns])
    probs = dis.predict_proba(feats) if cust else np.zeros(0)
    shares = dis.contributions(feats) if cust else np.zeros((0, 0))
    scored = {i: (float(p), dis.drivers(c)) for i, p, c in zip(cust, probs, shares, strict=True)}

    out_turns = []
    for t, r, res in zip(conv.turns, readings, results, strict=True):
        p, why = scored.get(t.index, (None, None))
        out_turns.append(
            TurnResult(
                t.index, t.speaker, "customer" if t.is_customer else "agent", t.text, t.time,
                getattr(res, "label", None), r.get("polarity"), r.get("emotions"),
                r.get("score"), getattr(res, "language", None),
                None if p is None else round(p, 4),
                None if p is None else p >= dis.threshold_,
                why,
            )
        )  # fmt: skip
    conv_p = dis.dialogue_proba(probs)
    top = np.argsort(-probs, kind="stable")[:DRIVERS]
    drivers = [{"turn": cust[j], "dissatisfaction": round(float(probs[j]), 4)} for j in top]
    trajectory = [
        {"turn": i, "score": readings[i].get("score"), "dissatisfaction": round(float(p), 4)}
        for i, p in zip(cust, probs, strict=True)
    ]
    return ConversationResult(
        id=conv.id,
        dissatisfaction=None if conv_p is None else round(conv_p, 4),
        dissatisfied=None if conv_p is None else conv_p >= dis.dialogue_threshold_,
        drivers=drivers,
        turns=out_turns,
        trajectory=trajectory,
        summary=summarize(cust, [readings[i] for i in cust], list(probs), dis.threshold_),
        warnings=list(conv.warnings) + ([] if cust else ["no customer turns"]),
        models={
            "text": ",".join(sorted({r.model for r in results if getattr(r, "model", None)})),
            "dissatisfaction": f"{MODEL_NAME}@1",
        },
    )
