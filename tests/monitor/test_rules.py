"""The statistics of the alert rules, and the rules judged on hand-made window counts."""

import math

import pytest

from affectkit.errors import InvalidInputError
from affectkit.monitor.rules import Rule, judge, load_rules, parse_rules
from affectkit.monitor.stats import normal_upper_tail, poisson_upper_tail, two_proportion_z


def test_two_proportion_z_matches_the_formula():
    # 30/50 against 100/400: p = 130/450
    p = 130 / 450
    expected = (0.6 - 0.25) / math.sqrt(p * (1 - p) * (1 / 50 + 1 / 400))
    assert two_proportion_z(30, 50, 100, 400) == pytest.approx(expected)
    assert two_proportion_z(0, 10, 0, 100) == 0.0  # no negatives anywhere: no evidence
    assert two_proportion_z(5, 0, 3, 10) == 0.0
    assert normal_upper_tail(3.5) == pytest.approx(2.326e-4, rel=1e-3)


def test_poisson_upper_tail_against_direct_sums():
    for k, lam in [(1, 0.5), (10, 4.0), (25, 10.0)]:
        direct = 1 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))
        assert poisson_upper_tail(k, lam) == pytest.approx(direct, rel=1e-9)
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(5000, 100.0) == 0.0  # below the smallest double


def row(n, negative=0, **emotions):
    polar = {"negative": negative, "neutral": 0, "positive": n - negative}
    emo = {f"emo_{e}": 0 for e in ("anger", "disgust", "fear", "joy", "sadness", "surprise")}
    emo["emo_neutral"] = n - sum(emotions.values())
    emo.update({f"emo_{k}": v for k, v in emotions.items()})
    return {"n": n, **polar, **emo, "valence_sum": 0.0, "valence_n": 0}


def test_a_negative_spike_needs_volume_rise_and_z():
    rule = Rule("negative_spike")
    base = {-300.0 * (i + 1): row(40, 10) for i in range(12)}  # 25% negative
    found = judge(rule, {**base, 0.0: row(40, 28)}, 0.0)  # 70%
    assert found is not None and found["statistic"] > 3.5
    assert found["evidence"]["baseline"]["negative_share"] == 0.25
    assert found["evidence"]["window"]["negative_share"] == 0.7
    assert judge(rule, {**base, 0.0: row(40, 12)}, 0.0) is None  # 30%: no real rise
    assert judge(rule, {**base, 0.0: row(10, 9)}, 0.0) is None  # under the minimum volume
    assert judge(rule, {0.0: row(40, 28)}, 0.0) is None  # no baseline yet


def test_an_emotion_rise_must_be_sustained():
    rule = Rule("emotion_rise", emotion="anger")
    base = {-300.0 * (i + 2): row(40, anger=2) for i in range(12)}
    one = {**base, -300.0: row(40, anger=2), 0.0: row(40, anger=20)}
    assert judge(rule, one, 0.0) is None  # one window only
    two = {**base, -300.0: row(40, anger=18), 0.0: row(40, anger=20)}
    found = judge(rule, two, 0.0)
    assert found is not None and found["window_start"] == -300.0 and found["window_end"] == 300.0
    assert [t["count"] for t in found["evidence"]["test"]["windows"]] == [18, 20]


def test_a_volume_burst_against_the_poisson_tail():
    rule = Rule("volume_burst")
    base = {-300.0 * (i + 1): row(20) for i in range(12)}
    found = judge(rule, {**base, 0.0: row(90)}, 0.0)
    assert found is not None and found["evidence"]["test"]["baseline_mean"] == 20
    assert judge(rule, {**base, 0.0: row(35)}, 0.0) is None


def test_rules_from_toml_and_their_errors(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rules]]\nkind = "negative_spike"\nz = 4.0\n\n'
        '[[rules]]\nkind = "emotion_rise"\nemotion = "fear"\nwidth = 3600\n'
    )
    rules = load_rules(path)
    assert [(r.name, r.z, r.width) for r in rules] == [
        ("negative_spike", 4.0, 300),
        ("emotion_rise:fear", 3.5, 3600),
    ]
    with pytest.raises(InvalidInputError, match="Unknown rule setting 'zz'"):
        parse_rules([{"kind": "negative_spike", "zz": 1}])
    with pytest.raises(InvalidInputError, match="needs emotion"):
        parse_rules([{"kind": "emotion_rise"}])
    with pytest.raises(InvalidInputError, match="width 60 is not one of"):
        parse_rules([{"kind": "volume_burst", "width": 60}])
    path.write_text("rules = [")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        load_rules(path)


def test_nothing_fires_before_the_stream_has_a_baseline():
    rule = Rule("volume_burst")
    base = {-300.0 * (i + 1): row(20) for i in range(12)}
    assert judge(rule, {**base, 0.0: row(90)}, 0.0, first=-3600.0) is not None
    assert judge(rule, {**base, 0.0: row(90)}, 0.0, first=-3300.0) is None  # 11 windows old
