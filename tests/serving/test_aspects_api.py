"""``POST /v1/aspects`` and ``POST /v1/reviews/report`` on a running server: the answers with the
aspect model, and what is refused before any analysis (bad bodies, limits, no key)."""

import httpx
import pytest

from affectkit.aspects import POLARITIES

EN = "The battery life is great, but the screen scratches far too easily."
ZH = "这家店的菜很好吃，就是服务太慢了。"
ROWS = [
    {"review": EN, "product": "phone", "date": "2024-03-01"},
    {"review": "Delivery was fast and the battery lasts two days.", "product": "phone",
     "date": "2024-03-02"},
    {"review": ZH, "product": "cafe", "date": "2024-03-01"},
    {"review": "服务员态度很好，但是咖啡太贵了。", "product": "cafe", "date": "2024-03-03"},
    {"review": "", "product": "cafe", "date": "2024-03-03"},
]  # fmt: skip


def error(http, path, body, headers=None) -> tuple[int, str, str]:
    r = http.post(path, json=body, headers=headers)
    e = r.json()["error"]
    return r.status_code, e["code"], e["message"]


@pytest.mark.slow
def test_texts_and_items_in_aspects_out(make_server):
    url, _ = make_server()
    http = httpx.Client(base_url=url, timeout=120)
    r = http.post("/v1/aspects", json={"texts": [EN, ZH]})
    assert r.status_code == 200, r.text
    en, zh = r.json()["results"]
    assert (en["text"], en["language"], zh["language"]) == (EN, "en", "zh")
    assert en["aspects"] and zh["aspects"]
    for res in (en, zh):
        for a in res["aspects"]:
            assert res["text"][a["from"] : a["to"]] == a["term"]
            assert a["polarity"] in POLARITIES and a["evidence"] is not None

    screen, battery = EN.index("screen"), 4
    items = [
        {"id": "p1", "text": EN, "aspects": [{"term": "screen", "from": screen, "to": screen + 6},
                                             {"term": "battery life", "from": battery, "to": 16}]},
        {"id": 2, "text": ZH},  # no aspects given: extracted
    ]  # fmt: skip
    r = http.post("/v1/aspects", json={"items": items, "evidence": False})
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert (first["id"], second["id"]) == ("p1", 2)
    assert [a["term"] for a in first["aspects"]] == ["screen", "battery life"]  # the given order
    assert all(a["evidence"] == [] for a in first["aspects"] + second["aspects"])
    assert second["aspects"]


@pytest.mark.slow
def test_rows_in_report_out(make_server):
    url, _ = make_server()
    http = httpx.Client(base_url=url, timeout=120)
    body = {"rows": ROWS, "text_col": "review", "group_col": "product", "time_col": "date"}
    r = http.post("/v1/reviews/report", json=body)
    assert r.status_code == 200, r.text
    rep = r.json()
    s = rep["summary"]
    assert (s["reviews"], s["analysed"], s["skipped"]) == (5, 4, 1)
    assert s["languages"] == {"en": 2, "zh": 2} and s["aspects"] >= 2
    assert sorted(g["name"] for g in rep["groups"]) == ["cafe", "phone"]
    for g in rep["groups"]:
        for a in g["aspects"]:
            assert a["mentions"] == a["positive"] + a["neutral"] + a["negative"]
            for ex in a["examples"]:
                said = ex["text"][ex["from"] : ex["to"]]
                assert " ".join(said.split()).lower() == a["term"].lower()
    assert rep["skipped"] == [{"row": 5, "error": "no text (the cell is empty)"}]
    assert rep["over_time"]["freq"] == "D"
    assert {p["period"] for p in rep["over_time"]["points"]} == {
        "2024-03-01", "2024-03-02", "2024-03-03"
    }  # fmt: skip
    r = http.post("/v1/reviews/report", json={**body, "top_groups": 1, "top_aspects": 1})
    groups = r.json()["groups"]
    assert [g.get("pooled_groups") for g in groups] == [None, 1] and groups[1]["name"] == "other"
    assert all(len(g["aspects"]) <= 1 for g in groups)


def test_bad_bodies_and_limits_are_refused_before_any_analysis(make_server):
    url, _ = make_server(max_texts=3, max_text_chars=100, max_events=4)
    http = httpx.Client(base_url=url, timeout=30)

    def post(body):
        return error(http, "/v1/aspects", body)

    one = "Give exactly one of `texts` or `items`."
    assert post({}) == (422, "invalid_request", one)
    assert post({"texts": ["a"], "items": [{"text": "a"}]}) == (422, "invalid_request", one)
    assert post({"texts": []}) == (422, "invalid_request", "The list of texts is empty.")
    assert post({"texts": [" "]}) == (422, "invalid_request", "Text 0 is empty.")
    assert post({"texts": ["a"] * 4}) == (413, "too_many_texts", "At most 3 texts per request.")
    assert post({"texts": ["ok", "x" * 101]}) == (
        413, "text_too_long", "Text 1 has 101 characters; the limit is 100."
    )  # fmt: skip
    assert post({"texts": [5]})[:2] == (422, "invalid_request")
    assert post({"texts": ["a"], "model": "nope"})[:2] == (404, "model_not_found")
    assert post({"texts": ["a"], "model": "/etc"})[:2] == (404, "model_not_found")

    def given(aspects):
        return post({"items": [{"text": "The screen is dim.", "aspects": aspects}]})

    assert given([{"term": "Screen", "from": 4, "to": 10}]) == (
        422, "invalid_request", "Item 0, aspect 1: the text at 4..10 is 'screen', not 'Screen' "
        "(offsets count characters, from 0)."
    )  # fmt: skip
    assert given([{"term": "screen", "from": 4, "to": 99}]) == (
        422, "invalid_request", "Item 0, aspect 1 ('screen'): 4..99 is not a span of the text "
        "(18 characters)."
    )  # fmt: skip
    status, _, msg = given([{"term": "screen", "from": -1, "to": 10}])
    assert status == 422 and msg.startswith("items.0.aspects.0.from:")
    status, _, msg = given([{"term": "screen", "to": 10}])
    assert status == 422 and msg.startswith("items.0.aspects.0.from: Field required")

    def report(**kw):
        return error(http, "/v1/reviews/report", {"rows": ROWS[:3], "text_col": "review", **kw})

    assert report(rows=[]) == (422, "invalid_request", "The list of rows is empty.")
    assert report(rows=ROWS) == (413, "too_many_rows", "At most 4 rows per request.")
    assert report(text_col="text") == (
        422, "invalid_request", "No row has the column 'text' given as `text_col`; the rows' "
        "columns are ['review', 'product', 'date']."
    )  # fmt: skip
    assert report(group_col="shop")[2].startswith("No row has the column 'shop' given as `group")
    assert report(time_col="when")[2].startswith("No row has the column 'when' given as `time_")
    rows = [{"review": "short"}, {"review": "y" * 101}]
    assert report(rows=rows) == (
        413, "text_too_long", "Row 2's text has 101 characters; the limit is 100."
    )  # fmt: skip
    assert report(top_groups=0)[:2] == (422, "invalid_request")
    assert report(top_aspects=1000)[:2] == (422, "invalid_request")
    assert report(rows=["not an object"])[:2] == (422, "invalid_request")
    assert report(model="nope")[:2] == (404, "model_not_found")


def test_a_report_of_rows_without_text_needs_no_model(make_server):
    url, _ = make_server()
    r = httpx.post(url + "/v1/reviews/report", json={"rows": [{"review": ""}, {"review": None}],
                                                     "text_col": "review"}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["summary"]["analysed"] == 0 and rep["groups"] == [] and rep["over_time"] is None
    assert [s["row"] for s in rep["skipped"]] == [1, 2]


def test_both_routes_need_a_key_where_keys_are_required(make_server):
    url, settings = make_server(require_keys=True)
    from affectkit.storage import Store

    store = Store(settings.database)
    try:
        token, _ = store.create_key("reviews", None)
    finally:
        store.close()
    with httpx.Client(base_url=url, timeout=30) as http:
        for path, body in [
            ("/v1/aspects", {"texts": ["The screen is dim."]}),
            ("/v1/reviews/report", {"rows": [{"review": "ok"}], "text_col": "review"}),
        ]:
            assert error(http, path, body)[:2] == (401, "key_required")
            bad = {"Authorization": "Bearer ak_not_a_key"}
            assert error(http, path, body, bad)[:2] == (401, "invalid_key")
            # with the key, the body is checked (and refused here: no analysis needed)
            auth = {"Authorization": f"Bearer {token}"}
            refused = error(http, path, {**body, "model": "nope"}, auth)
            assert refused[:2] == (404, "model_not_found")


def test_the_routes_document_their_error_answers(make_server):
    url, _ = make_server()
    spec = httpx.get(url + "/openapi.json").json()
    for path in ("/v1/aspects", "/v1/reviews/report"):
        answers = spec["paths"][path]["post"]["responses"]
        for status in ("401", "404", "413", "422", "429"):
            schema = answers[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
