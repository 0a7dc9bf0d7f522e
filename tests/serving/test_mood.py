"""Mood over HTTP (``/v1/mood/...``) and the dashboard's Mood view in headless Chromium:
entries posted, a bad date rejected alone, the chart and a notice shown, a person deleted."""

import httpx
import pytest

from tests.mood.diary import diary, sst2
from tests.serving.test_playground import browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def entries(rows):
    return [{"person": p, "time": t, "text": x} for p, t, x in rows]


def test_entries_in_trend_out_and_a_person_deleted(shared_data, make_server):
    url, _ = make_server()
    http = httpx.Client(base_url=url, timeout=60)
    bad_date = {"person": "ana", "time": "2024-02-31", "text": "no such day"}
    body = [*entries(diary(sst2(shared_data), low=True)), bad_date]
    r = http.post("/v1/mood/entries", json={"entries": body})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["rejected"] == 1 and got["stored"] == len(body) - 1
    assert "2024-02-31" in got["results"][-1]["reason"]
    assert http.post("/v1/mood/entries", json={"entries": body[:3]}).json()["duplicates"] == 3
    people = http.get("/v1/mood/people").json()["results"]
    assert [(p["person"], p["notices"]) for p in people] == [("ana", 1)]
    person = http.get("/v1/mood/people/ana").json()["results"][0]
    assert (
        len(person["series"]) == 54 and "someone you trust" in person["notice_list"][0]["message"]
    )
    bad = http.get("/v1/mood/people/ana", params={"window_days": 0})
    assert bad.status_code == 422 and "window_days" in bad.json()["error"]["message"]
    assert http.post("/v1/mood/entries", json={"entries": []}).status_code == 422
    assert http.delete("/v1/mood/people/ana").json()["results"][0]["deleted"] == len(body) - 1
    assert http.get("/v1/mood/people/ana").status_code == 404
    assert http.get("/v1/mood/people").json()["results"] == []


def test_the_mood_view_shows_the_chart_and_the_notice(browser, make_server, shared_data):  # noqa: F811
    url, _ = make_server()
    rows = diary(sst2(shared_data), low=True, person="<b>ana</b>")
    r = httpx.post(url + "/v1/mood/entries", json={"entries": entries(rows)}, timeout=60)
    assert r.json()["stored"] == len(rows)
    page = browser.new_page()
    page.goto(url + "/#mood")
    page.wait_for_selector("#moodlist .mood-row")
    assert page.inner_text("#moodlist .mood-row td") == "<b>ana</b>"  # text, not markup
    page.click("#moodlist .mood-row a")
    page.wait_for_selector("#moodchart circle.mood-notice-day", state="attached")
    assert page.locator("#moodchart circle").count() == 54
    assert page.locator("#moodchart circle.mood-low").count() >= 5
    notice = page.inner_text(".mood-notice")
    assert "someone you trust" in notice and "not an assessment" in notice
    assert page.title() == "affectkit · Mood"
    page.close()
