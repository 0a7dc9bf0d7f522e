"""Events checked one by one: times in every form, and a reason for each bad one."""

import pytest

from affectkit.monitor.events import MS_THRESHOLD, BadEvent, parse_events, parse_time

NOW = 1_750_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-11-15T00:00:00Z", 1_700_006_400.0),
        ("2023-11-15T08:00:00+08:00", 1_700_006_400.0),
        ("2023-11-14T19:30:00-04:30", 1_700_006_400.0),
        (1_700_006_400, 1_700_006_400.0),
        (1_700_006_400.5, 1_700_006_400.5),
        (1_700_006_400_500, 1_700_006_400.5),  # milliseconds, told apart by magnitude
        ("1700006400", 1_700_006_400.0),
        ("1700006400500", 1_700_006_400.5),
        (0, 0.0),
    ],
)
def test_times_in_any_form_are_utc_epoch_seconds(value, expected):
    assert parse_time(value) == pytest.approx(expected)


def test_the_millisecond_threshold_separates_real_times():
    assert parse_time(MS_THRESHOLD) == MS_THRESHOLD / 1000  # milliseconds: March 1973
    with pytest.raises(BadEvent, match="outside 1970-2200"):
        parse_time(MS_THRESHOLD - 1)  # seconds: the year 5138


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2023-11-15T00:00:00", "no UTC offset"),
        ("yesterday", "not ISO-8601"),
        (True, "ISO-8601 or epoch"),
        (float("nan"), "finite"),
        (-5, "outside 1970-2200"),
        ([1], "string or a number"),
    ],
)
def test_bad_times_say_why(value, why):
    with pytest.raises(BadEvent, match=why):
        parse_time(value)


def test_a_batch_gets_an_event_or_a_reason_each():
    got = parse_events(
        [
            {
                "id": "a",
                "text": "fine",
                "time": "2023-11-15T00:00:00Z",
                "author": "x",
                "meta": {"lang": "en"},
            },
            {"id": "b", "text": "  "},
            {"id": "c", "text": "ok", "time": "not a time"},
            {"id": "d", "text": "x" * 1_000_001},
            {"text": "no id"},
            {"id": "f", "text": "no time given"},
            "not an object",
            {"id": "h", "text": "ok", "meta": [1]},
        ],
        received=NOW,
    )
    assert got[0].id == "a" and got[0].time == 1_700_006_400.0 and got[0].meta == {"lang": "en"}
    assert got[1] == "no text: give a non-empty string"
    assert "not ISO-8601" in got[2]
    assert got[3] == "text has 1,000,001 bytes; the limit is 1,000,000"
    assert got[4].startswith("no id")
    assert got[5].time == NOW  # no time: when it was received
    assert got[6] == "an event must be a JSON object, got str"
    assert got[7] == "meta must be a JSON object"
