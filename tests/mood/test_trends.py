"""The statistics of mood trends, on hand-made series and on a diary of real texts."""

import datetime as dt

import numpy as np
import pytest

from affectkit.errors import InvalidInputError
from affectkit.mood import NOTICE_TEXT, NOTICE_TITLE, MoodSettings, daily, robust_baseline, trend
from affectkit.mood.wording import ABOUT, notice_message
from tests.mood.diary import LOW_DAYS, START, STEADY_DAYS, diary, low_start, sst2


def days_of(values, start=dt.date(2024, 1, 1)):
    return daily(((start + dt.timedelta(i)).isoformat(), v, None) for i, v in enumerate(values))


def test_a_day_is_the_mean_of_its_entries_and_of_their_emotion_mixes():
    joy = {"joy": 1.0}
    days = daily([("2024-01-02", 0.5, joy), ("2024-01-01", -0.2, None), ("2024-01-02", 0.1, None)])
    assert [d.day for d in days] == ["2024-01-01", "2024-01-02"]
    assert days[1].entries == 2 and days[1].valence == pytest.approx(0.3)
    assert days[0].emotions is None and days[1].emotions["joy"] == 1.0


def test_the_baseline_is_median_and_scaled_mad_with_a_floor():
    m, s = robust_baseline([0.1, 0.2, 0.3, 0.4, 5.0], 0.0)
    assert m == 0.3 and s == pytest.approx(1.4826 * 0.1)
    assert robust_baseline([0.2] * 10, 0.1) == (0.2, 0.1)


def test_no_baseline_and_no_notice_before_the_minimum_history():
    series, notices = trend("p", days_of([0.5] * 6 + [-0.9] * 8))  # 14 days: 13 before the last
    assert all(d.baseline is None for d in series) and notices == []


def test_a_low_run_fires_one_notice_on_its_configured_day_and_grows_with_it():
    values = [0.5, 0.4, 0.6] * 10 + [-0.5] * 8 + [0.5] * 3
    series, notices = trend("p", days_of(values), MoodSettings(consecutive_days=4))
    assert len(notices) == 1
    n = notices[0]
    assert (n.start, n.fired, n.end, n.days) == ("2024-01-31", "2024-02-03", "2024-02-07", 8)
    assert [d.day for d in series if d.notice] == ["2024-02-03"]
    assert n.baseline == pytest.approx(0.5)  # the run's own days did not lower it


def test_a_gap_longer_than_allowed_starts_the_count_again():
    start = dt.date(2024, 1, 1)
    rows = [((start + dt.timedelta(i)).isoformat(), 0.5, None) for i in range(20)]
    lows = [20, 21, 22, 26, 27, 28]  # three low days, a 3-day gap, three more
    rows += [((start + dt.timedelta(i)).isoformat(), -0.5, None) for i in lows]
    s = MoodSettings(consecutive_days=4, max_gap_days=2)
    assert trend("p", daily(rows), s)[1] == []
    assert len(trend("p", daily(rows), MoodSettings(consecutive_days=4, max_gap_days=3))[1]) == 1


@pytest.mark.parametrize(
    "kwargs",
    [{"window_days": 0}, {"k": -1}, {"consecutive_days": 1.5}, {"min_history_days": 40},
     {"max_gap_days": -1}, {"min_spread": "x"}],
)  # fmt: skip
def test_bad_settings_say_what_was_expected(kwargs):
    with pytest.raises(InvalidInputError, match=r"must be|cannot be"):
        MoodSettings(**kwargs)


def test_the_wording_never_diagnoses_labels_or_claims_clinical_validity():
    text = " ".join([NOTICE_TITLE, NOTICE_TEXT, notice_message(5), ABOUT]).lower()
    for word in ("depress", "disorder", "illness", "diagnos", "symptom", "patient", "disease",
                 "mental health condition", "you are ", "you have ", "suffer", "bipolar",
                 "anxiety", "suicid", "clinically proven", "validated"):  # fmt: skip
        if word == "validated":
            assert "not clinically validated" in text
            continue
        assert word not in text, word
    assert "someone you trust" in text and "professional" in text


def _valences(rows):
    from affectkit import api

    results = api.analyze([t for _, _, t in rows], model="lexicon-en")
    return [(when[:10], r.valence, r.emotions) for (_, when, _), r in zip(rows, results)]


def test_a_planted_low_stretch_fires_within_the_configured_days_and_a_steady_diary_none(
    shared_data,
):
    texts = sst2(shared_data)
    settings = MoodSettings()
    _, notices = trend("ana", daily(_valences(diary(texts, low=True))), settings)
    assert len(notices) == 1
    n = notices[0]
    assert n.start >= low_start()  # nothing before the low stretch
    # on the run's configured day, inside the low stretch (docs/mood.md: on 200 such diaries
    # a notice came in 161, on the stretch's 5th day in 99; a false one in 7 of 400 steady runs)
    first = START + dt.timedelta(STEADY_DAYS + settings.consecutive_days - 1)
    last = START + dt.timedelta(STEADY_DAYS + LOW_DAYS - 1)
    assert first.isoformat() <= n.fired <= last.isoformat()
    assert n.days >= settings.consecutive_days
    assert "someone you trust" in n.message
    for seed in range(3):
        _, steady = trend("bo", daily(_valences(diary(texts, low=False, seed=seed))), settings)
        assert steady == []
    assert np.isfinite(n.mean_valence)
