"""The pure scoring functions the lexicon analyzers share."""

import math

import pytest

from affectkit.errors import InvalidInputError
from affectkit.results import FLAG_EMPTY, FLAG_NO_EVIDENCE, FLAG_UNCERTAIN, FLAG_UNSUPPORTED
from affectkit.text.scoring import (
    PolarityCalibration,
    polarity_probs,
    sentiment_result,
    squash,
    triage,
)


def test_squash_is_odd_bounded_and_increasing():
    xs = [-100.0, -3.0, -0.5, 0.0, 0.5, 3.0, 100.0]
    ys = [squash(x) for x in xs]
    assert ys == sorted(ys) and all(-1 < y < 1 for y in ys)
    assert squash(0.0) == 0.0 and squash(-2.0) == -squash(2.0)
    assert squash(math.sqrt(15.0)) == pytest.approx(1 / math.sqrt(2))


def test_polarity_probs_are_a_distribution_symmetric_in_the_score():
    cal = PolarityCalibration()
    for s in (-1.0, -0.3, 0.0, 0.3, 1.0):
        p = polarity_probs(s, cal)
        assert sum(p) == pytest.approx(1.0) and min(p) > 0
        assert polarity_probs(-s, cal) == pytest.approx(p[::-1])
    n, z, p = polarity_probs(0.0, cal)
    assert z > n == pytest.approx(p)  # neutral leads at a zero score when b > 0
    assert polarity_probs(1.0, cal)[2] > 0.95


def test_sentiment_result_labels_flags_and_valence():
    cal = PolarityCalibration()
    r = sentiment_result(0.9, cal, model="m@1", language="en", evidence=(), raw={})
    assert r.label == "positive" and r.valence == r.score == 0.9
    assert FLAG_NO_EVIDENCE in r.flags and not r.uncertain
    r = sentiment_result(0.1, PolarityCalibration(uncertain_below=0.99), model="m@1",
                         language="en", evidence=(), raw={})  # fmt: skip
    assert r.uncertain and FLAG_UNCERTAIN in r.flags


def test_triage_settles_blank_and_unsupported_text():
    results, todo = triage(["good", "  ", "很好", "Привет"], "m@1", ("en",))
    assert FLAG_EMPTY in results[1].flags
    assert FLAG_UNSUPPORTED in results[2].flags and results[2].language == "zh"
    assert FLAG_UNSUPPORTED in results[3].flags
    assert results[0] is None and todo == [(0, "good", "en")]
    # a model for a language we cannot detect is not gated
    _, todo = triage(["Hola"], "m@1", ("es",))
    assert todo == [(0, "Hola", "en")]
    with pytest.raises(InvalidInputError, match="single text"):
        triage("good", "m@1", ("en",))
    with pytest.raises(InvalidInputError, match="item 1"):
        triage(["ok", 3], "m@1", ("en",))
