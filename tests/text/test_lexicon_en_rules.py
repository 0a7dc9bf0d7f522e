"""`affectkit.text.lexicon.en_rules.scan`, the rule pass, on a hand-made lexicon."""

import pytest

from affectkit.text.lexicon.en_lexicon import token_regex
from affectkit.text.lexicon.en_rules import RuleParams, scan

WORDS = {"good": 1.9, "bad": -2.5, "kind": 2.0}
SYMBOLS = {":)": 2.0, "😊": 1.5}
REGEX = token_regex(SYMBOLS)
P = RuleParams()


def hits(text, words=WORDS):
    return scan(text, words, SYMBOLS, REGEX, P)[0]


def emphasis(text):
    return scan(text, WORDS, SYMBOLS, REGEX, P)[1]


def test_plain_words_and_symbols():
    assert hits("good day :) 😊") == [
        ["good", 1.0, 0, 4, None],
        [":)", 1.0, 9, 11, None],
        ["😊", 1.0, 12, 13, None],
    ]
    assert emphasis("good day") == 1.0


def test_negation_scope_is_three_words_and_ends_at_punctuation():
    assert hits("not good") == [["good", P.neg_factor, 4, 8, "negated"]]
    assert hits("didn't like it very much , good")[0][4] is None
    assert hits("not a b c good")[0][1] == 1.0  # out of scope after three words


def test_intensifiers_and_two_word_dampeners():
    assert hits("very good") == [["good", 1.3, 5, 9, "x1.3 by intensifier"]]
    assert hits("kind of good") == [["good", 0.7, 8, 12, "x0.7 by intensifier"]]
    assert hits("a kind man")[0][0] == "kind"  # "kind" without "of" is a word


def test_contrast_and_concessive_clauses():
    (good, bad) = hits("good but bad")
    assert good[1] == P.before and good[4] == "before contrast"
    assert bad[1] == P.after and bad[4] == "after contrast"
    (bad, good) = hits("although bad, good")
    assert bad[1] == P.before and good[1] == P.after


def test_caps_only_count_in_mixed_case_text():
    assert hits("GOOD day") == [["good", P.caps, 0, 4, "ALL CAPS"]]
    assert hits("GOOD DAY")[0][1] == 1.0


def test_exclamation_and_question_scale_the_whole_text():
    assert emphasis("good!!") == pytest.approx(1 + 2 * P.exclaim)
    assert emphasis("good!!!!!!") == pytest.approx(1 + 4 * P.exclaim)  # at most four
    assert emphasis("good?") == pytest.approx(P.question)


def test_without_a_lexicon_every_word_is_a_hit():
    got = hits("the food was not good", words=None)
    assert [h[0] for h in got] == ["the", "food", "was", "good"]
    assert got[-1][4] == "negated"
