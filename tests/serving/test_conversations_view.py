"""The dashboard's Conversations view in headless Chromium: a real USS dialogue (ReDial) pasted,
posted to ``POST /v1/conversations`` with the English lexicon, and shown as a score, a trajectory
chart with one point per customer turn, the turns as a chat (text as text, not markup) and a
summary; a line that is not a dialogue is refused in words."""

import json
import os
import shutil

import pytest

from tests.serving.test_playground import browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def redial_dialogue(shared_data) -> dict:
    """The first ReDial dialogue, with markup put in one turn to check it is shown as text."""
    with open(shared_data / "dialogue" / "uss_redial.jsonl", encoding="utf-8") as f:
        d = json.loads(f.readline())
    d["turns"][1]["text"] = "<b>hello</b> & welcome!"
    return d


def test_a_dialogue_shows_its_score_trajectory_chat_and_summary(
    browser,  # noqa: F811
    make_server,
    shared_data,
    tmp_path,
):
    url, _ = make_server()
    d = redial_dialogue(shared_data)
    customer = sum(t["speaker"] == "USER" for t in d["turns"])
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    page.goto(url + "/#conversations")
    assert page.title() == "affectkit · Conversations"
    page.wait_for_selector("#convmodel option[value='lexicon-en']", state="attached")
    page.select_option("#convmodel", "lexicon-en")
    page.fill("#convinput", json.dumps(d) + "\nnot a dialogue")  # the bad line is refused first
    page.click("#goconv")
    page.wait_for_selector("#convstatus .error")
    assert "line 2 is not JSON" in page.inner_text("#convstatus")

    page.fill("#convinput", json.dumps(d))
    page.click("#goconv")
    page.wait_for_selector("#convresults .conv .conv-chat", timeout=60_000)
    card = page.locator("#convresults .conv")
    assert card.count() == 1 and page.inner_text(".conv-title") == d["id"]
    assert "%" in page.inner_text(".conv-score-big")
    assert page.inner_text(".conv-label") in ("dissatisfied", "not flagged")
    # the chart: one point per customer turn in each series, turning points marked
    assert page.locator(".conv-chart circle.conv-score").count() == customer
    assert page.locator(".conv-chart circle.conv-dis").count() == customer
    assert page.locator(".conv-chart .conv-turning").count() == page.locator(".conv-tp").count()
    # the chat: every turn, in order, the text as text; the customer's turns with their drivers
    turns = page.locator(".conv-turn")
    assert turns.count() == len(d["turns"])
    said = page.locator(".conv-turn .said").all_inner_texts()
    assert said == [t["text"] for t in d["turns"]]
    assert page.locator(".conv-turn b").filter(has_text="hello").count() == 0  # not bold markup
    assert page.locator(".conv-turn.customer").count() == customer
    assert page.locator(".conv-turn.customer .feat code").count() >= customer
    summary = page.inner_text(".conv-summary")
    assert "entered" in summary and "left" in summary and "The customer entered" in summary

    shot = tmp_path / "conversations.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot: {shot}")
    copy = os.environ.get("AFFECTKIT_DASHBOARD_SCREENSHOTS")  # a folder to keep it in
    if copy:
        os.makedirs(copy, exist_ok=True)
        shutil.copy(shot, copy)
    assert shot.stat().st_size > 10_000
    page.close()
