"""Polarity and emotions in one result: the default text analysis."""

import pytest

import affectkit
from affectkit.results import FLAG_EMPTY, AffectResult, Evidence
from affectkit.text.combined import SentimentEmotionAnalyzer, join


class Fixed:
    """A stand-in analyzer with fixed answers (for the joining rule alone)."""

    modality, languages = "text", ("en",)

    def __init__(self, name, result):
        self.name, self.result, self.seen = name, result, []

    def analyze(self, batch, *, explain=False):
        self.seen.append(list(batch))
        return [self.result if t else AffectResult("empty", 0.0, self.name, flags=(FLAG_EMPTY,))
                for t in batch]  # fmt: skip


def test_the_sentiment_result_gains_the_emotions():
    polar = AffectResult(
        "negative", 0.9, "s@1", polarity={"negative": 0.9, "neutral": 0.05, "positive": 0.05},
        score=-0.85, language="en", evidence=(Evidence("Furious", -1.0, 0, 7),),
    )  # fmt: skip
    emo = AffectResult(
        "anger", 0.8, "e@1", emotions={"anger": 0.8, "neutral": 0.2}, valence=-0.5, arousal=0.6
    )
    s, e = Fixed("s@1", polar), Fixed("e@1", emo)
    out = SentimentEmotionAnalyzer("both@1", s, e).analyze(["Furious.", ""])
    assert out[0] == join(polar, emo, "both@1")
    assert out[0].label == "negative" and out[0].polarity == polar.polarity
    assert out[0].emotions == {"anger": 0.8, "neutral": 0.2} and out[0].arousal == 0.6
    assert out[0].raw["emotion"]["label"] == "anger" and out[0].evidence == polar.evidence
    assert out[1].label == "empty" and e.seen == [["Furious."]]  # no emotion pass for it
    assert out[1].model == "both@1"  # it still names the analyzer that was asked


@pytest.mark.slow
def test_default_analysis_answers_polarity_and_emotions_in_both_languages():
    en, zh = affectkit.analyze(["I'm furious.", "气死我了，太过分了！"])
    assert en.model == "text-affect-en@1" and zh.model == "text-affect-zh@1"
    for r in (en, zh):
        assert r.label == "negative" and r.polarity is not None
        assert max(r.emotions, key=r.emotions.get) == "anger"
    # the polarity is exactly the sentiment model's: its published figures hold
    (alone,) = affectkit.analyze(["I'm furious."], model="text-sentiment-en")
    assert en.polarity == alone.polarity and en.confidence == alone.confidence
