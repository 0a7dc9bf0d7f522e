"""The shipped aspect model on real sentences: terms found with their spans, opposite
sentiments in one sentence told apart, evidence words, given terms, long texts, bad input."""

from __future__ import annotations

import pytest

from affectkit.errors import InvalidInputError, ModelLoadError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analyzer():
    from affectkit.aspects import load_model

    return load_model("aspect-sentiment")


def _by_term(result):
    return {a.term: a for a in result.aspects}


def test_english_sentence_with_two_opposite_aspects(analyzer):
    text = "The food was delicious but the service was painfully slow."
    (r,) = analyzer.analyze([text])
    found = _by_term(r)
    assert {"food", "service"} <= set(found)
    assert found["food"].polarity == "positive" and found["service"].polarity == "negative"
    for a in r.aspects:
        assert text[a.start : a.end] == a.term
        assert a.evidence and all(e.word != a.term for e in a.evidence)
        assert all(text[e.start : e.end] == e.word for e in a.evidence)
        assert sum(a.scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert r.language == "en"


def test_chinese_sentence_with_two_opposite_aspects(analyzer):
    text = "屏幕很清晰，但是电池太不耐用了"
    (r,) = analyzer.analyze([text])
    found = _by_term(r)
    assert "屏幕" in found and found["屏幕"].polarity == "positive"
    assert any(t.startswith("电池") and a.polarity == "negative" for t, a in found.items())
    assert r.language == "zh"


def test_given_terms_are_classified_in_their_order(analyzer):
    text = "Great battery life, but the keyboard feels cheap."
    spans = [(text.index("keyboard"), text.index("keyboard") + 8), (6, 18)]
    (r,) = analyzer.analyze([text], given=[spans], ids=["r1"])
    assert [a.term for a in r.aspects] == ["keyboard", "battery life"]
    assert [a.polarity for a in r.aspects] == ["negative", "positive"]
    assert not any(a.extracted for a in r.aspects) and r.id == "r1"
    assert r.to_dict()["aspects"][0]["from"] == spans[0][0]


def test_texts_without_aspects_and_long_texts(analyzer):
    filler = "We arrived at seven and sat down. " * 60
    long = filler + "The dessert was awful."
    empty, far = analyzer.analyze(["", long])
    assert empty.aspects == ()
    dessert = [a for a in far.aspects if a.term == "dessert"]
    assert dessert and dessert[0].start == long.index("dessert")
    assert dessert[0].polarity == "negative"


def test_bad_input_is_one_line(analyzer):
    with pytest.raises(InvalidInputError, match="outside the text"):
        analyzer.analyze(["Nice screen"], given=[[(5, 40)]])
    with pytest.raises(InvalidInputError, match="not a string"):
        analyzer.analyze([None])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError, match="limit"):
        analyzer.analyze(["a" * 20_001])


def test_a_folder_that_is_not_an_aspect_model(tmp_path):
    from affectkit.aspects import load_model

    with pytest.raises(ModelLoadError, match="not an aspect model"):
        load_model(tmp_path)
