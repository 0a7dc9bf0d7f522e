"""Canonical label sets and the documented maps from each dataset's labels onto them.

Canonical emotions are Ekman's six plus neutral; canonical polarity is negative/neutral/positive.
Every map lives here, in one place, so a model's labels, a dataset's labels and `affectkit
evaluate` all agree on what e.g. ``happiness`` means.

Sources of the maps:
- GoEmotions -> Ekman: the grouping published with the GoEmotions dataset (``ekman_mapping.json``
  of google-research/goemotions), neutral kept as neutral.
- RAVDESS: ``calm`` is a low-arousal neutral state, so it maps to ``neutral``; the raw label is
  kept in ``AffectResult.raw``.
- FER2013, MELD: already Ekman + neutral, only spelling differs (``angry``, ``happy``, ``sad``).
- SMP2020-EWECT: happy/angry/sad/fear/surprise/neutral (no disgust).
- TweetEval emotion: anger/joy/optimism/sadness; ``optimism`` is a positive, joy-family state.
- DUTIR (Dalian University of Technology affective lexicon) 7 classes: 乐 joy, 好 (liking,
  praise) joy, 怒 anger, 哀 sadness, 惧 fear, 恶 (disgust, blame) disgust, 惊 surprise.
- SST-5: very negative/negative -> negative, neutral, positive/very positive -> positive.
"""

from __future__ import annotations

from collections.abc import Mapping

EMOTIONS: tuple[str, ...] = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
POLARITIES: tuple[str, ...] = ("negative", "neutral", "positive")

GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

GOEMOTIONS_TO_EKMAN: dict[str, str] = {
    "anger": "anger", "annoyance": "anger", "disapproval": "anger",
    "disgust": "disgust",
    "fear": "fear", "nervousness": "fear",
    "joy": "joy", "amusement": "joy", "approval": "joy", "excitement": "joy",
    "gratitude": "joy", "love": "joy", "optimism": "joy", "relief": "joy", "pride": "joy",
    "admiration": "joy", "desire": "joy", "caring": "joy",
    "sadness": "sadness", "disappointment": "sadness", "embarrassment": "sadness",
    "grief": "sadness", "remorse": "sadness",
    "surprise": "surprise", "realization": "surprise", "confusion": "surprise",
    "curiosity": "surprise",
    "neutral": "neutral",
}  # fmt: skip

RAVDESS_TO_EKMAN: dict[str, str] = {
    "neutral": "neutral", "calm": "neutral", "happy": "joy", "sad": "sadness",
    "angry": "anger", "fearful": "fear", "disgust": "disgust", "surprised": "surprise",
}  # fmt: skip

FER2013_TO_EKMAN: dict[str, str] = {
    "angry": "anger", "disgust": "disgust", "fear": "fear", "happy": "joy",
    "neutral": "neutral", "sad": "sadness", "surprise": "surprise",
}  # fmt: skip

SMP2020_TO_EKMAN: dict[str, str] = {
    "happy": "joy", "angry": "anger", "sad": "sadness", "fear": "fear",
    "surprise": "surprise", "neutral": "neutral",
}  # fmt: skip

MELD_TO_EKMAN: dict[str, str] = {e: e for e in EMOTIONS}

TWEETEVAL_EMOTION_TO_EKMAN: dict[str, str] = {
    "anger": "anger",
    "joy": "joy",
    "optimism": "joy",
    "sadness": "sadness",
}

DUTIR_TO_EKMAN: dict[str, str] = {
    "乐": "joy",
    "好": "joy",
    "怒": "anger",
    "哀": "sadness",
    "惧": "fear",
    "恶": "disgust",
    "惊": "surprise",
}

SST5_TO_POLARITY: dict[str, str] = {
    "very negative": "negative", "negative": "negative", "neutral": "neutral",
    "positive": "positive", "very positive": "positive",
}  # fmt: skip

DATASET_MAPS: dict[str, Mapping[str, str]] = {
    "goemotions": GOEMOTIONS_TO_EKMAN,
    "ravdess": RAVDESS_TO_EKMAN,
    "fer2013": FER2013_TO_EKMAN,
    "smp2020": SMP2020_TO_EKMAN,
    "meld": MELD_TO_EKMAN,
    "tweeteval_emotion": TWEETEVAL_EMOTION_TO_EKMAN,
    "dutir": DUTIR_TO_EKMAN,
    "sst5": SST5_TO_POLARITY,
}

# Spellings that mean the same canonical label whatever the dataset (used by `evaluate`).
SYNONYMS: dict[str, str] = {
    "angry": "anger", "anger": "anger", "annoyed": "anger",
    "disgusted": "disgust", "disgust": "disgust",
    "fearful": "fear", "fear": "fear", "scared": "fear", "afraid": "fear",
    "happy": "joy", "happiness": "joy", "joy": "joy", "joyful": "joy",
    "sad": "sadness", "sadness": "sadness",
    "surprised": "surprise", "surprise": "surprise",
    "neutral": "neutral", "calm": "neutral",
    "neg": "negative", "negative": "negative",
    "pos": "positive", "positive": "positive",
}  # fmt: skip

# Emotion -> polarity, used when a model predicts emotions only.
EMOTION_POLARITY: dict[str, str] = {
    "anger": "negative", "disgust": "negative", "fear": "negative", "sadness": "negative",
    "joy": "positive", "surprise": "neutral", "neutral": "neutral",
}  # fmt: skip

# Emotion -> (valence, arousal) in [-1, 1]: approximate positions of each category on Russell's
# circumplex (as commonly drawn; e.g. fear: very unpleasant, highly aroused). A categorical
# model's valence/arousal is the probability-weighted mean of these points.
EMOTION_VA: dict[str, tuple[float, float]] = {
    "anger": (-0.6, 0.8), "disgust": (-0.7, 0.3), "fear": (-0.7, 0.7), "joy": (0.8, 0.5),
    "sadness": (-0.7, -0.4), "surprise": (0.2, 0.8), "neutral": (0.0, 0.0),
}  # fmt: skip


def canonical(label: str, dataset: str | None = None) -> str | None:
    """Map a label name to the canonical emotion or polarity set; ``None`` if no map covers it.

    ``dataset`` selects a dataset-specific map first (e.g. ``"goemotions"`` maps ``annoyance`` to
    ``anger``); otherwise only spelling synonyms apply.
    """
    key = label.strip().lower()
    if dataset is not None:
        try:
            table = DATASET_MAPS[dataset]
        except KeyError:
            raise KeyError(
                f"Unknown dataset map {dataset!r}. Expected one of {sorted(DATASET_MAPS)}."
            ) from None
        if key in table:
            return table[key]
    if key in SYNONYMS:
        return SYNONYMS[key]
    return key if key in EMOTIONS or key in POLARITIES else None


def emotions_to_polarity(emotions: Mapping[str, float]) -> dict[str, float]:
    """Sum canonical emotion probabilities into a polarity distribution."""
    out = dict.fromkeys(POLARITIES, 0.0)
    for name, p in emotions.items():
        out[EMOTION_POLARITY[name]] += p
    return out


def valence_arousal(emotions: Mapping[str, float]) -> tuple[float, float]:
    """Probability-weighted circumplex position of a canonical emotion distribution."""
    v = sum(p * EMOTION_VA[e][0] for e, p in emotions.items())
    a = sum(p * EMOTION_VA[e][1] for e, p in emotions.items())
    return v, a
