"""Probabilities -> result fields (pure numpy): label plans, summarise, activate."""

from __future__ import annotations

import numpy as np
import pytest

from affectkit.text import classifier as tm


def plan_for(**kw) -> tm.LabelPlan:
    return tm.LabelPlan.from_config(tm.TextModelConfig(name="t@1", **kw))


def test_three_way_polarity_mapping():
    plan = plan_for(labels=("neg", "neu", "pos"))  # synonyms map neg/pos; neu -> None
    assert plan.kind == "custom"
    plan = plan_for(labels=("neg", "neu", "pos"), canonical={"neu": "neutral"})
    assert plan.kind == "polarity"
    f = tm.summarise(np.array([0.1, 0.2, 0.7]), plan)
    assert (f["label"], f["confidence"]) == ("positive", pytest.approx(0.7))
    assert f["polarity"] == pytest.approx({"negative": 0.1, "neutral": 0.2, "positive": 0.7})
    assert f["score"] == pytest.approx(0.6)
    assert f["emotions"] is None


def test_emotion_labels_fill_emotions_polarity_and_valence():
    plan = plan_for(labels=("happy", "angry", "sad", "neutral"), task="emotion")
    assert plan.kind == "emotion"
    f = tm.summarise(np.array([0.6, 0.1, 0.1, 0.2]), plan)
    assert f["label"] == "joy"
    assert sum(f["emotions"].values()) == pytest.approx(1.0)
    assert set(f["emotions"]) == {
        "anger",
        "disgust",
        "fear",
        "joy",
        "sadness",
        "surprise",
        "neutral",
    }
    assert f["polarity"] == pytest.approx({"negative": 0.2, "neutral": 0.2, "positive": 0.6})
    assert f["valence"] == pytest.approx(0.6 * 0.8 + 0.1 * -0.6 + 0.1 * -0.7)
    assert f["raw"]["labels"]["happy"] == pytest.approx(0.6)


def test_goemotions_style_labels_sum_into_canonical_emotions():
    labels = ("admiration", "annoyance", "anger", "neutral")
    canonical = {"admiration": "joy", "annoyance": "anger", "anger": "anger"}
    f = tm.summarise(np.array([0.3, 0.25, 0.25, 0.2]), plan_for(labels=labels, canonical=canonical))
    assert (f["label"], f["confidence"]) == ("anger", pytest.approx(0.5))
    assert f["raw"]["label"] == "admiration"  # the model's own top label stays in raw


def test_multi_label_thresholds_and_derived_emotions():
    plan = plan_for(
        labels=("joy", "surprise", "fear"),
        multi_label=True,
        thresholds={"joy": 0.5, "surprise": 0.3, "fear": 0.5},
        task="multilabel",
    )
    f = tm.summarise(np.array([0.2, 0.4, 0.9]), plan)
    assert f["raw"]["over_threshold"] == ["fear", "surprise"]
    assert (f["label"], f["confidence"]) == ("fear", pytest.approx(0.9))
    assert f["emotions"]["fear"] == pytest.approx(0.9 / 1.5)
    assert sum(f["emotions"].values()) == pytest.approx(1.0)
    nothing = tm.summarise(np.array([0.1, 0.2, 0.3]), plan)
    assert nothing["raw"]["over_threshold"] == []
    assert nothing["uncertain"] is True


def test_custom_labels_keep_model_names():
    f = tm.summarise(np.array([0.3, 0.7]), plan_for(labels=("spam", "ham")))
    assert (f["label"], f["emotions"], f["polarity"]) == ("ham", None, None)


def test_activate_temperature_and_sigmoid():
    logits = np.array([[2.0, 0.0]])
    sharp = tm.activate(logits, multi_label=False)
    soft = tm.activate(logits, multi_label=False, temperature=4.0)
    assert sharp.sum() == pytest.approx(1.0) and soft[0, 0] < sharp[0, 0]
    assert tm.activate(np.array([[0.0, 1000.0, -1000.0]]), multi_label=True) == pytest.approx(
        np.array([[0.5, 1.0, 0.0]])
    )
    # a class bias is added after the temperature: log-odds move by exactly the offset
    biased = tm.activate(logits, multi_label=False, temperature=4.0, bias=[0.0, 1.0])
    assert np.log(biased[0, 1] / biased[0, 0]) == pytest.approx(np.log(soft[0, 1] / soft[0, 0]) + 1)
    config = tm.TextModelConfig.from_dict(
        {"name": "x@1", "labels": ["a", "b"], "class_bias": [0, 1]}
    )
    assert config.class_bias == (0.0, 1.0) and config.to_dict()["class_bias"] == [0.0, 1.0]
    assert "class_bias" not in tm.TextModelConfig(name="x@1", labels=("a", "b")).to_dict()
