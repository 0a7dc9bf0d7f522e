"""The alert rules judged on hand-made window counts (their statistics: test_stats.py)."""

import pytest

from affectkit.errors import InvalidInputError
from affectkit.monitor.rules import Rule, default_rules, judge, load_rules, parse_rules
from affectkit.monitor.stats import share_rise_p_value, two_proportion_z, z_of_upper_tail


def row(n, negative=0, **emotions):
    polar = {"negative": negative, "neutral": 0, "positive": n - negative}
    emo = {f"emo_{e}": 0 for e in ("anger", "disgust", "fear", "joy", "sadness", "surprise")}
    emo["emo_neutral"] = n - sum(emotions.values())
    emo.update({f"emo_{k}": v for k, v in emotions.items()})
    return {"n": n, **polar, **emo, "valence_sum": 0.0, "valence_n": 0}


def test_a_negative_spike_needs_volume_rise_and_significance():
    rule = Rule("negative_spike")
    base = {-300.0 * (i + 1): row(40, 10) for i in range(12)}  # 25% negative
    found = judge(rule, {**base, 0.0: row(40, 28)}, 0.0)  # 70%
    p = share_rise_p_value(28, 40, 120, 480)
    assert found is not None and found["statistic"] == pytest.approx(z_of_upper_tail(p), abs=1e-3)
    assert found["statistic"] > 3.5
    assert found["evidence"]["baseline"]["negative_share"] == 0.25
    assert found["evidence"]["window"]["negative_share"] == 0.7
    test = found["evidence"]["test"]
    assert test["method"] == "fisher_exact_one_sided" and test["threshold"] == 3.5
    assert test["p_threshold"] == pytest.approx(2.326e-4, rel=1e-3)
    assert test["windows"][0]["p_value"] == p and test["min_rise"] == 0.10
    assert judge(rule, {**base, 0.0: row(40, 12)}, 0.0) is None  # 30%: no real rise
    assert judge(rule, {**base, 0.0: row(10, 9)}, 0.0) is None  # under the minimum volume
    assert judge(rule, {0.0: row(40, 28)}, 0.0) is None  # no baseline yet


def test_near_the_minimum_volume_the_exact_test_decides():
    """30 events, 7 negative, against 24 of 480: the z-test said 4.1 (p 2e-5 by the normal
    law); the exact p is 1.2e-3, no alert. 8 of 30 is p 2.2e-4: an alert."""
    rule = Rule("negative_spike")
    base = {-300.0 * (i + 1): row(40, 2) for i in range(12)}  # 5% negative
    assert two_proportion_z(7, 30, 24, 480) > 4.0
    assert judge(rule, {**base, 0.0: row(30, 7)}, 0.0) is None
    found = judge(rule, {**base, 0.0: row(30, 8)}, 0.0)
    assert found is not None and found["evidence"]["test"]["windows"][0]["count"] == 8


def test_z_in_a_rule_file_is_the_one_sided_level():
    base = {-300.0 * (i + 1): row(40, 10) for i in range(12)}
    window = {**base, 0.0: row(40, 22)}  # p 1.1e-4: between the levels of z 3.5 and z 4
    assert 3.5 < z_of_upper_tail(share_rise_p_value(22, 40, 120, 480)) < 4.0
    assert judge(Rule("negative_spike"), window, 0.0) is not None
    assert judge(Rule("negative_spike", z=4.0), window, 0.0) is None


def test_the_default_hourly_rule_sees_a_damped_change():
    """A stream going from 30% to 60% negative texts, as the lexicons see it: 17.3% of a day
    of hourly windows, then 29.7% of an hour. Under the old floor of 0.15 nothing fired."""
    hourly = next(r for r in default_rules() if r.name == "negative_spike_1h")
    assert (hourly.width, hourly.baseline_windows, hourly.min_rise) == (3600, 24, 0.10)
    base = {-3600.0 * (i + 1): row(1200, 208) for i in range(24)}
    found = judge(hourly, {**base, 0.0: row(1200, 356)}, 0.0)
    assert found is not None and found["statistic"] > 10
    assert judge(hourly, {**base, 0.0: row(1200, 356)}, 0.0, first=-23 * 3600.0) is None
    old_floor = Rule("negative_spike", width=3600, baseline_windows=24, min_rise=0.15)
    assert judge(old_floor, {**base, 0.0: row(1200, 356)}, 0.0) is None
    small = {**base, 0.0: row(1200, 320)}  # +9.3 points: significant, under the floor
    assert share_rise_p_value(320, 1200, 4992, 28800) < 1e-12 and judge(hourly, small, 0.0) is None


def test_the_defaults_watch_two_horizons():
    rules = {r.name: r for r in default_rules()}
    assert len(rules) == len(default_rules())  # names are unique
    assert {r.width for r in rules.values()} == {300, 3600}
    anger = rules["emotion_rise:anger_1h"]
    assert (anger.width, anger.consecutive, anger.emotion) == (3600, 1, "anger")
    base = {-3600.0 * (i + 1): row(1200, anger=110) for i in range(24)}
    assert judge(anger, {**base, 0.0: row(1200, anger=250)}, 0.0) is not None  # one hour
    assert judge(anger, {**base, 0.0: row(1200, anger=200)}, 0.0) is None  # +7.5 points


def test_an_emotion_rise_must_be_sustained():
    rule = Rule("emotion_rise", emotion="anger")
    base = {-300.0 * (i + 2): row(40, anger=2) for i in range(12)}
    one = {**base, -300.0: row(40, anger=2), 0.0: row(40, anger=20)}
    assert judge(rule, one, 0.0) is None  # one window only
    two = {**base, -300.0: row(40, anger=18), 0.0: row(40, anger=20)}
    found = judge(rule, two, 0.0)
    assert found is not None and found["window_start"] == -300.0 and found["window_end"] == 300.0
    assert [t["count"] for t in found["evidence"]["test"]["windows"]] == [18, 20]


def test_an_emotion_rise_is_tested_on_its_windows_pooled():
    """English texts as text-affect-en saw them in the anger replay: 121 of 1,200 angry in the
    hour before, then 26 and 23 of 100. 23 alone is p 2.8e-4, over the level; the two windows
    together are p 9e-8, and each holds a rise of at least 0.10."""
    rule = Rule("emotion_rise", emotion="anger")
    base = {-300.0 * (i + 2): row(100, anger=10 + (i == 0)) for i in range(12)}
    assert share_rise_p_value(23, 100, 121, 1200) > 2.33e-4
    found = judge(rule, {**base, -300.0: row(100, anger=26), 0.0: row(100, anger=23)}, 0.0)
    assert found is not None
    test = found["evidence"]["test"]
    assert test["p_value"] == share_rise_p_value(49, 200, 121, 1200) < 1e-7
    assert found["statistic"] == test["z"] > 5 and test["share"] == 0.245
    assert [w["count"] for w in test["windows"]] == [26, 23] and test["windows"][1]["z"] < 3.5
    # pooled, 30 and 19 pass the test, but 19 is a rise of 0.09: not sustained
    assert judge(rule, {**base, -300.0: row(100, anger=30), 0.0: row(100, anger=19)}, 0.0) is None


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
    # rules stored before (their dicts, min_rise null or 0.15) load as they were
    old = {"kind": "negative_spike", "min_rise": None, "z": 3.5, "p_value": 1e-6}
    assert parse_rules([old, {**old, "name": "strict", "min_rise": 0.15}])[1].min_rise == 0.15
    assert parse_rules([old])[0].min_rise == 0.10
    assert Rule.from_dict(rules[1].to_dict()) == rules[1]
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
