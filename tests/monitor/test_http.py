"""The monitoring routes on a real server: events in (good and bad together), windows, the
events of a window, rules, alerts, and 429 past the ingestion limit."""

import threading

import httpx
import pytest

from tests.monitor.conftest import T0, mixed, window_of

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def test_a_batch_with_malformed_events_keeps_the_good_ones(make_server, tweets):
    url, _ = make_server(preload=("lexicon-en",))
    good = window_of(T0, tweets["negative"][:2] + tweets["calm"][:2], "g")
    batch = [
        good[0],
        {"id": "no-text", "time": T0},
        {"id": "bad-time", "text": "fine", "time": "15/11/2023"},
        good[1],
        {"id": "huge", "text": "a" * 1_000_001, "time": T0},
        {"id": "naive", "text": "fine", "time": "2023-11-15T00:01:00"},
        good[2],
        good[3],
    ]
    with httpx.Client(base_url=url, timeout=30) as http:
        r = http.post("/v1/streams/brand/events", json=batch)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["stored"], body["rejected"], body["duplicates"]) == (4, 4, 0)
        by_id = {e["id"]: e for e in body["results"]}
        assert by_id["no-text"]["reason"] == "no text: give a non-empty string"
        assert "not ISO-8601" in by_id["bad-time"]["reason"]
        assert by_id["huge"]["reason"] == "text has 1,000,001 bytes; the limit is 1,000,000"
        assert "no UTC offset" in by_id["naive"]["reason"]
        assert [e["index"] for e in body["results"]] == list(range(8))
        # stored before the answer said so: readable now, in their window
        one = http.post("/v1/streams/brand/events", json=good[0]).json()
        assert one["results"][0]["status"] == "duplicate"
        events = http.get("/v1/streams/brand/events", params={"window_start": T0}).json()
        assert [e["id"] for e in events["results"]] == [e["id"] for e in good]
        assert events["results"][0]["polarity_label"] == "negative"
        windows = http.get("/v1/streams/brand/windows", params={"width": 300}).json()["results"]
        assert len(windows) == 1 and windows[0]["events"] == 4
        assert windows[0]["polarity"]["negative"] == 2
        since = "2023-11-15T00:05:00Z"  # after the window
        later = http.get("/v1/streams/brand/windows", params={"since": since}).json()
        assert later["results"] == []
        streams = http.get("/v1/streams").json()["results"]
        assert [(s["name"], s["events"]) for s in streams] == [("brand", 4)]
        assert http.get("/v1/streams/nope/windows").status_code == 404
        assert http.post("/v1/streams/bad name!/events", json=good[0]).status_code == 422
        assert http.post("/v1/streams/brand/events", json=[]).status_code == 422


def test_rules_and_alerts_over_http_on_postgresql(make_server, postgres_url, tweets):
    url, _ = make_server(db_url=postgres_url)
    with httpx.Client(base_url=url, timeout=60) as http:
        r = http.put("/v1/streams/brand/rules", json={"rules": [{"kind": "negative_spike"}]})
        assert r.status_code == 200 and r.json()["results"][0]["z"] == 3.5
        bad = http.put("/v1/streams/brand/rules", json={"rules": [{"kind": "nope"}]})
        assert bad.status_code == 422 and "kind must be one of" in bad.json()["error"]["message"]
        events = []
        for i in range(12):
            events += window_of(T0 + 300 * i, mixed(tweets, 10, 30, 40 * i), f"w{i}")
        assert http.post("/v1/streams/brand/events", json=events).json()["stored"] == 480
        spike = window_of(T0 + 3600, mixed(tweets, 30, 10, 500), "spike")
        posted = http.post("/v1/streams/brand/events", json=spike).json()
        assert len(posted["alerts"]) == 1
        alerts = http.get("/v1/alerts", params={"stream": "brand"}).json()["results"]
        assert [a["id"] for a in alerts] == posted["alerts"]
        assert alerts[0]["rule"] == "negative_spike" and alerts[0]["window_start"] == T0 + 3600
        assert len(alerts[0]["evidence"]["most_negative"]) == 5
        assert http.get("/v1/alerts", params={"stream": "other"}).json()["results"] == []


def test_past_the_ingestion_limit_429_and_nothing_acknowledged_is_lost(make_server, tweets):
    url, _ = make_server(max_ingestions=1)
    texts = (tweets["calm"] + tweets["negative"]) * 2
    answers: list[httpx.Response] = []

    def send(n: int) -> None:
        batch = [{"id": f"b{n}-{i}", "text": t, "time": T0 + i} for i, t in enumerate(texts)]
        with httpx.Client(base_url=url, timeout=60) as http:
            answers.append(http.post("/v1/streams/flood/events", json=batch[:1000]))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = [a for a in answers if a.status_code == 429]
    ok = [a for a in answers if a.status_code == 200]
    assert busy and ok and len(busy) + len(ok) == 4
    assert busy[0].headers["Retry-After"] == "1" and busy[0].json()["error"]["code"] == "busy"
    with httpx.Client(base_url=url, timeout=30) as http:
        streams = http.get("/v1/streams").json()["results"]
    assert streams[0]["events"] == sum(a.json()["stored"] for a in ok) == 1000 * len(ok)
