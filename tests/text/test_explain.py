"""Occlusion evidence: word deletion that keeps a sentence start, function words ranked last
unless removing them matters (`affectkit.text.explain`), and `explain_by_occlusion` on a
hand-built scorer; the shipped English model on the sentence from issue 28."""

import numpy as np
import pytest

from affectkit import registry
from affectkit.results import Evidence
from affectkit.text.classifier.inference import DocOut, explain_by_occlusion
from affectkit.text.classifier.outputs import LabelPlan, summarise
from affectkit.text.explain import (
    FUNCTION_WORD_MIN_DROP,
    FUNCTION_WORD_NOTE,
    delete_words,
    is_function_word,
    keep_words,
    least_drops,
    rank_evidence,
    word_deletions,
)
from affectkit.text.segment import word_spans

STAFF = "The staff were lovely but the room was filthy."


def span_of(text, word):
    s = text.index(word)
    return (s, s + len(word))


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        (STAFF, "The", " Staff were lovely but the room was filthy."),
        ("Good. The room was bad.", "The", "Good.  Room was bad."),
        ('"The food" was good.', "The", '" Food" was good.'),
        ("the staff were lovely", "the", " staff were lovely"),  # not capitalised: unchanged
        ("We liked it.", "liked", "We  it."),  # not a sentence start
        ("Is it 3 stars?", "Is", " It 3 stars?"),
        ("房间很干净。", "很", "房间干净。"),
    ],
)
def test_delete_words_keeps_a_capitalised_sentence_start(text, word, expected):
    assert delete_words(text, [span_of(text, word)]) == expected


def test_delete_words_capitalises_past_several_removed_words():
    spans = word_spans(STAFF)
    assert delete_words(STAFF, spans[:2]) == "  Were lovely but the room was filthy."
    assert delete_words(STAFF, spans) == "        ."
    assert delete_words(STAFF, []) == STAFF


def test_keep_words_joins_by_the_text_s_spacing():
    assert keep_words(STAFF, [span_of(STAFF, "filthy"), span_of(STAFF, "lovely")]) == (
        "lovely filthy"
    )
    zh = "房间很干净，服务也很好。"
    assert keep_words(zh, word_spans(zh)[3:5]) == "干净"


def test_function_words_exclude_negations():
    assert all(is_function_word(w) for w in ["The", "the", "of", "it's", "It’s", "的", "了"])
    assert not any(is_function_word(w) for w in ["not", "no", "never", "filthy", "不", "脏"])


def ev(text, weight, note=None):
    return Evidence(text, weight, kind="token", note=note)


def test_rank_evidence_puts_quiet_function_words_last():
    small = FUNCTION_WORD_MIN_DROP / 2
    ranked = rank_evidence(
        [ev("The", 0.04), ev("room", -0.01), ev("filthy", 0.3), ev("but", -0.2), ev("of", small)]
    )
    assert [e.text for e in ranked] == ["filthy", "but", "room", "The", "of"]
    # the weight stays the measured drop; a note says why the word is listed late
    assert ranked[3].weight == 0.04 and ranked[3].note == FUNCTION_WORD_NOTE
    assert ranked[0].note is None and ranked[1].note is None  # "but" moved the prediction
    assert [e.text for e in rank_evidence(ranked, top_k=2)] == ["filthy", "but"]
    kept = rank_evidence([ev("the", 0.01, note="negated")])[0]
    assert kept.note == "negated"  # an analyzer's own note is not overwritten


PLAN = LabelPlan(
    labels=("negative", "positive"),
    mapped=("negative", "positive"),
    kind="polarity",
    multi_label=False,
    thresholds=(0.5, 0.5),
    uncertain_below=0.5,
)


def toy_infer(texts):
    """A scorer with the casing habit of the cased encoders: "filthy" makes a text negative,
    "lovely" pulls it back a little, every missing word costs 0.01 and a lower-case start
    reads as a different, more positive text."""
    out = []
    for t in texts:
        neg = 0.5 + 0.35 * ("filthy" in t) - 0.1 * ("lovely" in t)
        neg -= 0.01 * (9 - len(word_spans(t)))
        if t.lstrip()[:1].islower():
            neg -= 0.4
        p = np.array([neg, 1 - neg])
        out.append(DocOut(p, p[None], [(0, len(t))], np.array([len(t)])))
    return out


def test_occlusion_does_not_put_the_first_the_first():
    outs = toy_infer([STAFF])
    fields = [summarise(outs[0].probs, PLAN)]
    assert fields[0]["label"] == "negative"
    ((evidence, note),) = explain_by_occlusion([STAFF], outs, fields, PLAN, toy_infer)
    assert note is None
    assert [e.text for e in evidence[:2]] == ["filthy", "lovely"]
    assert evidence[0].weight == pytest.approx(0.35 + 0.01)
    assert evidence[1].weight == pytest.approx(-0.1 + 0.01)
    the = next(e for e in evidence if e.text == "The")
    assert the.weight == pytest.approx(0.01) and the.note == FUNCTION_WORD_NOTE
    assert [e.text for e in evidence[2:4]] == ["staff", "room"]  # content words first
    assert {e.text for e in evidence[4:]} == {"The", "were", "but", "the", "was"}
    for e in evidence:
        assert STAFF[e.start : e.end] == e.text and e.kind == "token" and e.label == "negative"


@pytest.mark.slow
def test_shipped_english_model_does_not_rank_the_first():
    pytest.importorskip("torch")
    if "text-sentiment-en" not in {s.name for s in registry.list_models()}:
        pytest.skip("the English model folder is not in this checkout")
    model = registry.load("text-sentiment-en")
    (r,) = model.analyze([STAFF], explain=True)
    assert r.evidence[0].text != "The"
    first = r.evidence[0]
    assert not is_function_word(first.text) or abs(first.weight) >= FUNCTION_WORD_MIN_DROP
    # each weight is the drop in the label's confidence without the word, as documented: the
    # smaller of the two readings where the word starts the sentence
    variants = [v for *_, v in word_deletions(STAFF, [(first.start, first.end)])]
    before, *after = model.predict_proba([STAFF, *variants])
    drops = [model.plan.confidence_of(before, r.label) - model.plan.confidence_of(a, r.label)
             for a in after]  # fmt: skip
    assert first.weight == pytest.approx(min(drops, key=abs), abs=1e-6)


def test_a_sentence_start_is_read_both_ways_and_weighs_the_smaller_drop():
    text = "I'm furious."
    got = word_deletions(text, [(0, 3), (4, 11)])
    assert got == [(0, 3, " Furious."), (0, 3, " furious."), (4, 11, "I'm .")]
    keys = [(0, 0, 3), (0, 0, 3), (0, 4, 11)]
    # "Furious." alone reads neutral (a large drop), "furious." as the original: the smaller wins
    assert least_drops(keys, [0.52, -0.07, 0.79]) == {(0, 0, 3): -0.07, (0, 4, 11): 0.79}
    with pytest.raises(ValueError):
        least_drops(keys, [0.1])
