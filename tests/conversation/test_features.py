"""What the dissatisfaction model sees (`affectkit.conversation.features`): pure functions."""

import numpy as np

from affectkit.conversation.features import (
    CONTEXT_FEATURES,
    TURN_FEATURES,
    features,
    overlap,
    reading,
)
from affectkit.results import AffectResult


def r(neg, pos):
    return {"polarity": {"negative": neg, "neutral": 1 - neg - pos, "positive": pos},
            "emotions": None, "score": pos - neg}  # fmt: skip


def test_reading_keeps_the_canonical_outputs_and_nothing_for_an_empty_text():
    polarity = {"negative": 0.7, "neutral": 0.2, "positive": 0.1}
    res = AffectResult(label="negative", confidence=0.7, model="m", polarity=polarity, score=-0.6)
    assert reading(res) == {"polarity": {"negative": 0.7, "neutral": 0.2, "positive": 0.1},
                            "score": -0.6}  # fmt: skip
    assert reading(AffectResult(label="empty", confidence=0.0, model="m")) == {}
    assert reading({"polarity": {"negative": 1.0}, "score": None})["score"] == -1.0


def test_overlap_counts_words_and_han_characters():
    assert overlap("I need a cheap hotel", "a CHEAP hotel, I need") == 1.0
    assert overlap("", "anything") == 0.0
    assert overlap("我要退款", "退款在哪") == 2 / 6


def test_one_row_per_customer_turn_and_context_only_looks_back():
    texts = ["Book a table", "Done.", "No, that's the wrong day!", "Sorry.", "Thanks"]
    readings = [r(0, 0), r(0, 0.3), r(0.8, 0), {}, r(0, 0.9)]
    who = [True, False, True, False, True]
    f = features(texts, readings, who)
    assert (
        f["turn"].shape == (3, len(TURN_FEATURES))
        and f["context"].shape == (3, len(CONTEXT_FEATURES))
        and len(CONTEXT_FEATURES) == 30
    )
    ctx = dict(zip(CONTEXT_FEATURES, f["context"][2]))
    assert ctx["agent_before.empty"] == 1.0  # "Sorry." had no reading
    assert ctx["customer_before.pol_negative"] == 0.8
    assert ctx["context.min_score"] == -0.8 and ctx["context.first_turn"] == 0.0
    first = dict(zip(CONTEXT_FEATURES, f["context"][0]))
    assert first["context.first_turn"] == 1.0  # no turn before: neutral, not "empty"
    assert first["customer_before.empty"] == 0.0 and first["agent_before.pol_neutral"] == 1.0
    earlier = features(texts[:3], readings[:3], who[:3])
    np.testing.assert_array_equal(earlier["context"], f["context"][:2])


def test_no_customer_turns_give_empty_matrices():
    f = features(["Hello"], [r(0, 0)], [False])
    assert f["turn"].shape == (0, len(TURN_FEATURES)) and f["context"].shape == (
        0,
        len(CONTEXT_FEATURES),
    )
