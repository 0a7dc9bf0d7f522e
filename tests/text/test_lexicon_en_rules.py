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


def test_idioms_are_found_before_the_word_pass_and_score_as_one_word():
    from affectkit.text.lexicon.en_rules import find_idioms

    assert find_idioms("we can’t complain, no complaints") == [
        (3, 17, "can't complain"),
        (19, 32, "no complaints"),
    ]
    # at one start the longer idiom is listed first and wins
    assert [n for *_, n in find_idioms("i couldn't recommend this place enough")] == [
        "can't recommend enough"
    ]
    assert [n for *_, n in find_idioms("i wouldn't recommend this place")] == ["can't recommend"]
    assert find_idioms("no complaint-free day") == [] and find_idioms("a dull moment") == []
    # the idiom's words (its negator, "bad") are neither scored nor left pending
    words = {**WORDS, "nothing bad to say": 2.0}
    assert hits("nothing bad to say, good", words) == [
        ["nothing bad to say", 1.0, 0, 18, "idiom"],
        ["good", 1.0, 20, 24, None],
    ]
    assert hits("never fails to be good")[1] == ["good", 1.0, 18, 22, None]  # not negated
    # a negation from before the idiom still reaches it
    assert hits("not never again")[0][1:] == [P.neg_factor, 4, 15, "idiom, negated"]


def test_anything_but_and_far_from_negate_instead_of_contrasting():
    assert hits("anything but bad") == [["bad", P.neg_factor, 13, 16, "negated"]]
    assert hits("far from good")[0][1] == P.neg_factor
    assert hits("good but bad")[0][4] == "before contrast"  # plain "but" still contrasts


def test_a_yes_no_question_is_damped_and_other_questions_are_not():
    damp = P.yes_no * P.question
    for text in ("is it good?", "Was the food good when you tried it?", "Do you think it's good?"):
        hit, g = scan(text, WORDS, SYMBOLS, REGEX, P)
        assert hit[0][1] * g == pytest.approx(damp) and hit[0][4] == "yes/no question", text
    for text in ("why is it good?", "it is good. is it?", "good?"):
        hit, g = scan(text, WORDS, SYMBOLS, REGEX, P)
        assert hit[0][1] * g == pytest.approx(P.question) and hit[0][4] is None, text
    assert hits("isn't it good?")[0][4] == "negated"  # rhetorical: not a yes/no question
    # only the question's own sentence is damped
    assert [h[1] for h in hits("good. is it bad?")] == [1.0, P.yes_no]


def test_every_idiom_starts_with_a_head_word_so_scan_finds_it():
    from affectkit.text.lexicon.en_rules import IDIOM_HEADS, IDIOMS, find_idioms

    examples = """we can't complain. i cannot complain. no complaints. not a single complaint.
    nothing to complain about. nothing bad to say. never a dull moment. not one boring moment.
    you can't go wrong. couldn't be happier. could not have asked for more. can not recommend
    it enough. can't fault it. no regrets. wouldn't hesitate. don't hesitate. can't wait.
    cant get enough. second to none. never fails to. won't recommend. isn't worth it. not
    worth it. never again. leaves much to be desired. left a lot to be desired. not up to
    par. wasn't up to scratch. falls short. fell short."""
    found = find_idioms(examples)
    assert {name for *_, name in found} == {name for name, _, _ in IDIOMS}
    for start, _, _ in found:
        assert examples[start:].split()[0].rstrip(".") in IDIOM_HEADS
    assert [h[0] for h in hits(examples) if h[4] == "idiom"] == [name for *_, name in found]
