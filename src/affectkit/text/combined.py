"""One text analysis that answers both questions: polarity from a sentiment model, emotions
from an emotion model, in one result.

The default analyzer of each language (`affectkit.text.catalog`): "I'm furious." comes back
negative *and* angry. The result is the sentiment model's (label, confidence, polarity, score,
evidence, flags: so every sentiment figure of the shipped models holds for it) with the emotion
model's `emotions`, valence and arousal added and its own result kept in ``raw["emotion"]``.
The two shipped models of a language are different encoders, so this costs two forward passes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from affectkit.protocols import Analyzer
from affectkit.registry import load
from affectkit.results import FLAG_EMPTY, FLAG_ERROR, FLAG_UNSUPPORTED, AffectResult

# Results with these flags carry no emotions to add: they pass through as the sentiment model
# gave them.
PASS_THROUGH = {FLAG_EMPTY, FLAG_ERROR, FLAG_UNSUPPORTED}


class SentimentEmotionAnalyzer:
    """`Analyzer` joining a sentiment analyzer and an emotion analyzer of the same languages."""

    modality = "text"

    def __init__(self, name: str, sentiment: Analyzer, emotion: Analyzer) -> None:
        self.name = name
        self.sentiment, self.emotion = sentiment, emotion
        self.languages = tuple(sentiment.languages)

    def load(self) -> SentimentEmotionAnalyzer:
        for member in (self.sentiment, self.emotion):
            if hasattr(member, "load"):
                member.load()
        return self

    def analyze(self, batch: Sequence[Any], *, explain: bool = False) -> list[AffectResult]:
        polar = (
            self.sentiment.analyze(batch, explain=explain)
            if explain
            else (self.sentiment.analyze(batch))
        )
        todo = [i for i, r in enumerate(polar) if not PASS_THROUGH & set(r.flags)]
        emo = self.emotion.analyze([batch[i] for i in todo]) if todo else []
        # results with nothing to join still name the analyzer that was asked
        out = [dataclasses.replace(r, model=self.name) for r in polar]
        for i, e in zip(todo, emo, strict=True):
            out[i] = join(polar[i], e, self.name)
        return out


def join(polar: AffectResult, emo: AffectResult, name: str) -> AffectResult:
    """The sentiment result with the emotion result's emotions, valence and arousal."""
    raw = {
        **polar.raw,
        "sentiment_model": polar.model,
        "emotion": {
            "model": emo.model,
            "label": emo.label,
            "confidence": emo.confidence,
            "uncertain": emo.uncertain,
            "raw": dict(emo.raw),
        },
    }
    return dataclasses.replace(
        polar,
        model=name,
        emotions=emo.emotions,
        valence=emo.valence if emo.valence is not None else polar.valence,
        arousal=emo.arousal if emo.arousal is not None else polar.arousal,
        raw=raw,
    )


def loader(name: str, sentiment: str, emotion: str):
    """A registry loader for the pair (load options reach both members)."""

    def load_pair(**options: Any) -> SentimentEmotionAnalyzer:
        return SentimentEmotionAnalyzer(name, load(sentiment, **options), load(emotion, **options))

    return load_pair
