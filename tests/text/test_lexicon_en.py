"""lexicon-en@1, the analyzer (`affectkit.text.lexicon.en`): rules, evidence, calibration,
edge cases."""

import json

import pytest

from affectkit.errors import InvalidInputError
from affectkit.results import SCHEMA_VERSION
from affectkit.text.lexicon.en import EnglishLexiconAnalyzer


@pytest.fixture(scope="module")
def en():
    return EnglishLexiconAnalyzer().load()


def score(en, text):
    return en.analyze_one(text).score


def test_clear_polarity(en):
    assert en.analyze_one("I love this, it is wonderful").label == "positive"
    assert en.analyze_one("This is terrible and I hate it").label == "negative"


def test_negation_flips_and_is_clause_bounded(en):
    assert score(en, "The food was good") > 0
    assert score(en, "The food was not good") < 0
    # negation ends at the comma: "great" keeps its sign
    r = en.analyze_one("It is not cheap, but the staff are great")
    great = next(e for e in r.evidence if e.text == "great")
    assert great.weight > 0 and "negated" not in (great.note or "")


def test_intensifier_and_dampener(en):
    base = score(en, "The hotel was good")
    assert score(en, "The hotel was extremely good") > base
    assert score(en, "The hotel was slightly good") < base
    # "kind of" is a dampener, not the adjective "kind"
    r = en.analyze_one("kind of good")
    assert [e.text for e in r.evidence] == ["good"]


def test_contrast_weights_the_second_clause(en):
    assert score(en, "The room was lovely but the service was awful") < 0
    assert score(en, "The service was awful but the room was lovely") > 0
    assert score(en, "Although the service was awful, the room was lovely") > 0


def test_caps_and_exclamation_emphasis(en):
    plain = score(en, "The view is great")
    assert score(en, "The view is GREAT") > plain
    assert score(en, "The view is great!!!") > plain


def test_emoji_and_emoticons(en):
    assert en.analyze_one("😊").label == "positive"
    assert en.analyze_one("😡").label == "negative"
    assert en.analyze_one("see you tomorrow :)").score > 0
    assert en.analyze_one("see you tomorrow :(").score < 0


def test_evidence_offsets_point_at_the_words(en):
    text = "Great location, but the bed was UNCOMFORTABLE and dirty :("
    r = en.analyze_one(text)
    assert r.evidence
    for e in r.evidence:
        assert text[e.start : e.end] == e.text
    assert {"Great", "UNCOMFORTABLE", "dirty", ":("} <= {e.text for e in r.evidence}
    assert sum(e.weight for e in r.evidence) == pytest.approx(r.raw["sum"])


def test_probabilities_are_a_distribution(en):
    for text in ("fine", "I love it", "meh", "worst day ever"):
        r = en.analyze_one(text)
        assert sum(r.polarity.values()) == pytest.approx(1.0)
        assert r.confidence == max(r.polarity.values())
        assert -1 <= r.score <= 1
        assert r.uncertain == (r.confidence < 0.5)


def test_no_sentiment_words_is_neutral_and_flagged(en):
    r = en.analyze_one("The meeting is at 3 pm in room 12.")
    assert r.label == "neutral"
    assert "no_evidence" in r.flags


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "...", "!!!"])
def test_blank_inputs_are_flagged_empty(en, text):
    r = en.analyze_one(text)
    assert r.label == "empty" and "empty" in r.flags and r.confidence == 0.0


def test_control_characters_and_huge_text(en):
    r = en.analyze_one("good\x00\x07 day\x1b")
    assert r.label == "positive"
    big = "This hotel is great. " * 50_000  # ~1 MB
    r = en.analyze_one(big)
    assert r.label == "positive" and len(r.evidence) == 50_000


def test_wrong_types_raise_with_the_index(en):
    with pytest.raises(InvalidInputError, match="item 1"):
        en.analyze(["fine", None])
    with pytest.raises(InvalidInputError, match="UTF-8"):
        en.analyze([b"caf\xe9"])
    assert en.analyze([b"caf\xc3\xa9 is great"])[0].label == "positive"


def test_order_invariance_and_empty_batch(en):
    texts = ["I love it", "I hate it", "", "it is ok"]
    fwd = en.analyze(texts)
    rev = en.analyze(texts[::-1])
    assert fwd == rev[::-1]
    assert en.analyze([]) == []


def test_json_round_trip(en):
    r = en.analyze_one("Not bad at all! 😊")
    d = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
    assert d["schema_version"] == SCHEMA_VERSION
    assert d["model"] == "lexicon-en@1"
    assert d["evidence"][0]["text"] in ("bad", "😊")


def test_emoji_only_text_takes_the_sign_of_its_emoji(en):
    # one emoji squashes to a small score; with nothing to weigh it against, its sign decides
    labels = [r.label for r in en.analyze(["👍", "😊", "❤️", ":)", "😡", "👎", ":(", "🤔"])]
    assert labels == ["positive"] * 4 + ["negative"] * 3 + ["neutral"]
    # in a sentence the usual calibration holds: a faint emoji does not make it positive
    assert en.analyze_one("The parcel came on Tuesday 🙂").label == "neutral"


def test_negation_idioms(en):
    # general English idioms (`en_rules.IDIOMS`), not the behaviour suite's sentences
    positive = [
        "We honestly can't complain about the hotel.",
        "No complaints here.",
        "There was never a dull moment on the tour.",
        "Not one boring moment in the whole season.",
        "The sequel is anything but dull.",
        "I cannot recommend this dentist highly enough.",
        "You can't go wrong with their pasta.",
        "Their support is second to none.",
    ]
    negative = [
        "I cannot recommend this dentist.",
        "Honestly, not worth the price.",
        "The service leaves a lot to be desired.",
        "The ending falls short.",
    ]
    labels = [r.label for r in en.analyze(positive + negative)]
    assert labels == ["positive"] * len(positive) + ["negative"] * len(negative)
    r = en.analyze_one("We can't complain.")
    assert [(e.text, e.note) for e in r.evidence] == [("can't complain", "idiom")]


def test_yes_no_questions_about_quality_are_neutral(en):
    asks = ["Is the pizza excellent?", "Are the rooms dirty?", "Was the concert amazing?",
            "Does anyone know if the gym is any good?", "Can the battery last a day?"]  # fmt: skip
    assert [r.label for r in en.analyze(asks)] == ["neutral"] * len(asks)
    assert en.analyze_one("Why is the bathroom always so terrible?").label == "negative"
