"""The dashboard's Reviews view in headless Chromium: a small CSV of English and Chinese reviews
pasted, its columns chosen from the header, posted to ``POST /v1/reviews/report`` and drawn as
summary figures, a diverging bar chart of the top aspects per group, a table with evidence words,
example sentences with the term marked, and valence over time; one text's aspects marked in the
text (``POST /v1/aspects``). Text is shown as text, never as markup; no script errors."""

import os
import shutil

import pytest

from tests.serving.test_playground import browser  # noqa: F401  (the Chromium fixture)

CSV = """review,product,date
"The battery life is great, but the screen scratches far too easily.",phone,2024-03-01
"Delivery was fast and the battery lasts two days.",phone,2024-03-02
这家店的菜很好吃，就是服务太慢了。,cafe,2024-03-01
"服务员态度很好，但是咖啡太贵了。",cafe,2024-03-03
"Cold coffee <img src=x onerror=""window.__injected=1""> and rude staff.",cafe,2024-03-02
"""

# a report as `affectkit.reviews.build_report` gives it, for the drawing alone (no model)
REPORT = {
    "summary": {"reviews": 3, "analysed": 3, "with_aspects": 3, "aspects": 4,
                "languages": {"en": 2, "zh": 1}, "model": "aspect-sentiment@1", "skipped": 0},
    "groups": [
        {"name": "phone <b>x</b>", "reviews": 2, "aspects_found": 3, "mean_valence": 0.1,
         "aspects": [
            {"term": "battery", "mentions": 2, "positive": 1, "neutral": 0, "negative": 1,
             "net": 0.0, "mean_valence": 0.0, "confidence": 0.9,
             "evidence_words": [["great", 1], ["<i>dies</i>", 1]],
             "examples": [{"row": 1, "text": "The battery 😀 is great.", "from": 4, "to": 11,
                           "polarity": "positive", "confidence": 0.95, "evidence": ["great"]},
                          {"row": 2, "text": "<script>x</script> battery dies", "from": 19,
                           "to": 26, "polarity": "negative", "confidence": 0.85,
                           "evidence": ["dies"]}]},
            {"term": "屏幕", "mentions": 1, "positive": 0, "neutral": 1, "negative": 0, "net": 0.0,
             "mean_valence": 0.02, "confidence": 0.7, "evidence_words": [],
             "examples": [{"row": 3, "text": "😀屏幕还行。", "from": 1, "to": 3,
                           "polarity": "neutral", "confidence": 0.7, "evidence": []}]},
        ]},
        {"name": "other", "pooled_groups": 2, "reviews": 1, "aspects_found": 0,
         "mean_valence": None, "aspects": []},
    ],
    "over_time": {"freq": "D", "points": [
        {"period": "2024-03-01", "group": "phone <b>x</b>", "reviews": 1, "aspects": 1,
         "positive": 1, "neutral": 0, "negative": 0, "mean_valence": 0.9},
        {"period": "2024-03-02", "group": "phone <b>x</b>", "reviews": 1, "aspects": 1,
         "positive": 0, "neutral": 0, "negative": 1, "mean_valence": -0.8},
        {"period": "2024-03-02", "group": "other", "reviews": 1, "aspects": 0,
         "positive": 0, "neutral": 0, "negative": 0, "mean_valence": None},
    ]},
    "skipped": [{"row": 4, "error": "no text (the cell is empty)"}],
}  # fmt: skip


def watch(page) -> list[str]:
    """The page's script errors and failed loads (the favicon, which the service has not, aside)."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error"
            and not m.location.get("url", "").endswith("/favicon.ico") else None)  # fmt: skip
    return errors


def keep(page, tmp_path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    copy = os.environ.get("AFFECTKIT_DASHBOARD_SCREENSHOTS")  # a folder to keep it in
    if copy:
        os.makedirs(copy, exist_ok=True)
        shutil.copy(shot, copy)
    assert shot.stat().st_size > 10_000


@pytest.mark.slow
def test_a_pasted_csv_shows_aspects_per_group_with_examples_and_time(
    browser,  # noqa: F811
    make_server,
    tmp_path,
):
    url, _ = make_server()
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors = watch(page)
    page.goto(url + "/")
    page.click("#nav a[data-view='reviews']")
    assert page.title() == "affectkit · Reviews"
    page.fill("#revinput", CSV)
    # the columns come from the header, guessed by name
    assert page.locator("#revtext option").all_inner_texts() == ["review", "product", "date"]
    assert (page.input_value("#revtext"), page.input_value("#revtime"),
            page.input_value("#revgroup")) == ("review", "date", "product")  # fmt: skip
    page.click("#gorev")
    page.wait_for_selector("#revresults .rev-chart", timeout=120_000)
    assert page.inner_text(".rev-fig[data-fig='reviews'] b") == "5"
    assert "zh" in page.inner_text("#revresults") and "en" in page.inner_text("#revresults")
    assert sorted(page.locator(".rev-group .rev-name").all_inner_texts()) == ["cafe", "phone"]
    assert page.locator(".rev-chart .rev-bar").count() >= 2  # one bar per top aspect
    assert page.locator(".rev-chart rect").count() >= 2
    assert (
        page.locator(".rev-table tbody tr").count() == page.locator(".rev-chart .rev-bar").count()
    )
    terms = page.locator("mark.rev-term").all_text_contents()  # some sit in a closed <details>
    assert terms and all(t.strip() for t in terms), terms  # examples, the term marked
    assert page.locator(".rev-time circle").count() >= 3  # valence over time, by day
    assert page.evaluate("window.__injected") is None
    assert page.locator("#revresults img").count() == 0
    keep(page, tmp_path, "reviews.png")

    page.fill(
        "#aspinput",
        "The battery life is great, but the screen is terrible.\n菜很好吃，服务太慢了。",
    )
    page.click("#goasp")
    page.wait_for_selector("#aspresult .asp-card", timeout=120_000)
    assert page.locator(".asp-card").count() == 2
    assert page.locator(".asp-card mark.asp-term").count() >= 2
    texts = page.locator(".asp-card .asp-text").all_inner_texts()
    assert texts == [
        "The battery life is great, but the screen is terrible.",
        "菜很好吃，服务太慢了。",
    ]
    assert errors == []
    page.close()


def test_a_report_is_drawn_with_its_text_as_text(browser, make_server, tmp_path):  # noqa: F811
    """The drawing alone, from a hand-built report (the request answered in the browser)."""
    url, _ = make_server()
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors = watch(page)
    sent = []

    def answer(route):
        sent.append(route.request.post_data_json)
        route.fulfill(json=REPORT)

    page.route("**/v1/reviews/report", answer)
    page.goto(url + "/#reviews")
    page.fill("#revinput", 'text,shop,when\n"a, b",s1,2024-03-01\n"multi\nline ""quoted""",s2,\n')
    page.select_option("#revgroup", "shop")
    page.click("#gorev")
    page.wait_for_selector("#revresults .rev-chart")
    assert sent == [{
        "rows": [{"text": "a, b", "shop": "s1", "when": "2024-03-01"},
                 {"text": 'multi\nline "quoted"', "shop": "s2", "when": ""}],
        "text_col": "text", "time_col": "when", "group_col": "shop",
    }]  # fmt: skip
    assert [f.split("\n")[0] for f in page.locator(".rev-fig").all_inner_texts()] == [
        "3", "3", "3", "4", "0"
    ]  # fmt: skip
    names = page.locator(".rev-name").all_inner_texts()
    assert names[0] == "phone <b>x</b>" and names[1].startswith("other")
    assert page.locator(".rev-chart .rev-bar").count() == 2
    bar = page.locator(".rev-chart .rev-bar").first
    assert bar.locator("rect.rev-neg").count() == 1 and bar.locator("rect.rev-pos").count() == 1
    assert bar.locator("rect.rev-neu").count() == 0  # no neutral mentions: no grey
    assert page.locator(".rev-chart .rev-bar").nth(1).locator("rect").count() == 1  # all neutral
    assert page.locator(".rev-table .rev-ev").all_inner_texts() == ["great ×1", "<i>dies</i> ×1"]
    # offsets count code points (an emoji before the term does not shift the mark)
    assert page.locator("mark.rev-term").all_inner_texts() == ["battery", "battery", "屏幕"]
    assert page.locator("mark.rev-term.mk-neg").count() == 1
    assert page.locator("#revresults script, #revresults i, #revresults b b").count() == 0
    assert page.locator(".rev-time circle").count() == 2  # the pooled group had no aspects
    assert page.locator(".rev-skipped li").all_text_contents() == [  # in a closed <details>
        "row 4: no text (the cell is empty)"
    ]  # fmt: skip

    page.fill("#revinput", 'text,shop\n"not closed,s1\n')
    page.click("#gorev")
    assert "line 2: a quoted field is not closed" in page.inner_text("#revstatus")
    page.fill("#revinput", "text,shop\na,b,c\n")
    page.click("#gorev")
    assert "line 2 has 3 fields, the header 2" in page.inner_text("#revstatus")
    assert len(sent) == 1
    keep(page, tmp_path, "reviews-drawn.png")
    assert errors == []
    page.close()
