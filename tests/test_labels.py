"""Label maps: every dataset label maps onto the canonical sets."""

import pytest

from affectkit import labels


def test_goemotions_map_covers_all_28_labels():
    assert set(labels.GOEMOTIONS_TO_EKMAN) == set(labels.GOEMOTIONS_LABELS)
    assert set(labels.GOEMOTIONS_TO_EKMAN.values()) == set(labels.EMOTIONS)


def test_goemotions_labels_match_the_dataset_file(shared_data):
    names = (shared_data / "text/goemotions/labels.txt").read_text().split()
    assert tuple(names) == labels.GOEMOTIONS_LABELS


@pytest.mark.parametrize(
    ("dataset", "label", "expected"),
    [
        ("ravdess", "calm", "neutral"),
        ("ravdess", "fearful", "fear"),
        ("fer2013", "happy", "joy"),
        ("smp2020", "angry", "anger"),
        ("tweeteval_emotion", "optimism", "joy"),
        ("goemotions", "annoyance", "anger"),
        ("dutir", "恶", "disgust"),
        ("sst5", "very positive", "positive"),
        (None, "Happiness", "joy"),
        (None, "angry", "anger"),
        (None, "pos", "positive"),
    ],
)
def test_canonical(dataset, label, expected):
    assert labels.canonical(label, dataset) == expected


def test_unknown_labels_are_not_guessed():
    assert labels.canonical("optimism") is None
    with pytest.raises(KeyError, match="Unknown dataset map"):
        labels.canonical("x", "nope")


def test_every_map_targets_canonical_labels():
    allowed = set(labels.EMOTIONS) | set(labels.POLARITIES)
    for name, table in labels.DATASET_MAPS.items():
        assert set(table.values()) <= allowed, name


def test_derived_polarity_and_valence():
    emo = dict.fromkeys(labels.EMOTIONS, 0.0) | {"joy": 0.7, "anger": 0.3}
    pol = labels.emotions_to_polarity(emo)
    assert pol == pytest.approx({"negative": 0.3, "neutral": 0.0, "positive": 0.7})
    v, a = labels.valence_arousal(emo)
    assert v == pytest.approx(0.7 * 0.8 - 0.3 * 0.6)
    assert -1 <= a <= 1
