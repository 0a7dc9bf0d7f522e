"""The review report without a model: hand-written aspect results of real-looking English
and Chinese reviews in, the report dict, the HTML page and the command's files out; every bad
input (a missing column, bad dates, empty texts, thousands of groups) handled."""

import json

import pytest

from affectkit.cli.main import main
from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.reviews import build_report, read_table, render_html
from affectkit.reviews.report import OTHER, period, pick_freq, sentence_around
from tests.reviews.reviews import REVIEWS, result, rows_and_results


def report_of(reviews=REVIEWS, **kwargs):
    rows, results = rows_and_results(reviews)
    kwargs = {"text_col": "review", "group_col": "product", **kwargs}
    return build_report(rows, results, **kwargs)


def test_groups_aspects_and_summary():
    rep = report_of()
    s = rep["summary"]
    assert s == {"reviews": 7, "analysed": 7, "with_aspects": 6, "aspects": 10,
                 "languages": {"en": 4, "zh": 3}, "model": "aspect-sentiment@1",
                 "skipped": 0}  # fmt: skip
    assert [g["name"] for g in rep["groups"]] == ["phone-a", "phone-b"]  # largest first
    a, b = rep["groups"]
    assert (a["reviews"], a["aspects_found"]) == (4, 5)
    # "battery life", "Battery  life" and "Battery life" are one aspect, named by its most
    # frequent surface form after collapsing whitespace
    battery = a["aspects"][0]
    assert battery["term"] == "Battery life" and battery["mentions"] == 3
    assert (battery["positive"], battery["neutral"], battery["negative"]) == (2, 0, 1)
    assert battery["net"] == pytest.approx(1 / 3, abs=1e-4)
    assert battery["mean_valence"] == pytest.approx((0.87 + 0.87 - 0.8) / 3, abs=1e-4)
    assert battery["confidence"] == pytest.approx((0.95 + 0.8 + 0.85) / 3, abs=1e-4)
    assert battery["evidence_words"] == [["amazing", 1], ["great", 1], ["poor", 1]]
    # Chinese terms are keys as they are; mentions first, then the term
    assert [x["term"] for x in b["aspects"]] == ["屏幕", "拍照", "物流", "电池续航"]
    screen = b["aspects"][0]
    assert (screen["positive"], screen["negative"], screen["net"]) == (1, 1, 0.0)
    assert a["mean_valence"] == pytest.approx(sum([0.87, -0.8, -0.8, 0.87, 0.87]) / 5, abs=1e-4)


def test_examples_are_sentences_most_confident_first_with_both_polarities():
    battery = report_of()["groups"][0]["aspects"][0]
    ex = battery["examples"]
    # the best positive (0.95) and the only negative (0.8) are both in, then the next best
    assert [(e["row"], e["polarity"]) for e in ex] == [(1, "positive"), (3, "positive"),
                                                       (2, "negative")]  # fmt: skip
    first = ex[0]
    assert first["text"] == "The battery life is great."  # its sentence, not the review
    assert first["text"][first["from"] : first["to"]] == "battery life"
    assert first["evidence"] == ["great"] and first["confidence"] == 0.95
    assert report_of(examples=1)["groups"][0]["aspects"][0]["examples"][0]["row"] == 1
    zh = report_of()["groups"][1]["aspects"][0]["examples"]
    assert {e["text"] for e in zh} == {
        "电池续航很好，但是屏幕太暗了。",
        "屏幕很清晰，拍照也不错。",
    }  # "，" ends no sentence
    for e in zh:
        assert e["text"][e["from"] : e["to"]] == "屏幕"


def test_sentence_around_cuts_long_sentences_and_keeps_offsets():
    text = "Short one. " + "word " * 200 + "the keyboard rattles " + "word " * 200 + "end."
    start = text.index("keyboard")
    s, a, b = sentence_around(text, start, start + 8)
    assert s[a:b] == "keyboard" and s.startswith("…") and s.endswith("…") and len(s) <= 302
    assert sentence_around("一句。屏幕太暗了！", 3, 5) == ("屏幕太暗了！", 0, 2)


def test_reviews_without_aspects_are_counted_not_skipped():
    reviews = [("x", "2024-01-01", "Arrived on Tuesday.", []), ("x", "2024-01-02", "OK.", [])]
    rep = report_of(reviews)
    assert rep["summary"]["analysed"] == 2 and rep["summary"]["with_aspects"] == 0
    assert rep["groups"][0]["aspects"] == [] and rep["groups"][0]["mean_valence"] is None
    assert "No aspects were found" in render_html(rep)


def test_no_group_column_is_one_group_named_all():
    rep = report_of(group_col=None)
    assert [(g["name"], g["reviews"]) for g in rep["groups"]] == [("all", 7)]


def test_a_missing_column_names_the_columns_that_exist():
    with pytest.raises(DataFormatError, match=r"no column 'stars'.*\['product', 'date', "
                                              r"'review'\].*--group-col"):  # fmt: skip
        report_of(group_col="stars")
    with pytest.raises(DataFormatError, match=r"no column 'text'.*--text-col"):
        report_of(text_col="text")


def test_empty_texts_are_skipped_per_row_and_counted():
    rows, results = rows_and_results()
    rows[1]["review"], results[1] = "", None
    rows[3]["review"], results[3] = "   ", None
    rows[5]["review"], results[5] = None, None
    rep = build_report(rows, results, text_col="review", group_col="product")
    assert rep["skipped"] == [{"row": 2, "error": "no text (the cell is empty)"},
                              {"row": 4, "error": "no text (the cell is empty)"},
                              {"row": 6, "error": "no text (the cell is empty)"}]  # fmt: skip
    s = rep["summary"]
    assert (s["reviews"], s["analysed"], s["skipped"]) == (7, 4, 3)
    assert sum(g["reviews"] for g in rep["groups"]) == 4
    # a row the file could not be read as (bad quoting) is reported with its reason
    rep = build_report(rows, results, text_col="review", row_errors={0: "line 2: bad quoting"})
    assert rep["skipped"][0] == {"row": 1, "error": "line 2: bad quoting"}


def test_bad_dates_are_reported_per_row_and_the_rest_used():
    reviews = list(REVIEWS)
    reviews[1] = ("phone-a", "2024-13-45", *REVIEWS[1][2:])
    reviews[4] = ("phone-b", "last tuesday", *REVIEWS[4][2:])
    rep = report_of(reviews, time_col="date")
    assert [s["row"] for s in rep["skipped"]] == [2, 5]
    assert "'2024-13-45'" in rep["skipped"][0]["error"]
    assert "not in the sentiment over time" in rep["skipped"][1]["error"]
    assert rep["summary"]["skipped"] == 0 and rep["summary"]["analysed"] == 7  # used elsewhere
    ot = rep["over_time"]
    assert ot["freq"] == "D"
    assert sum(p["reviews"] for p in ot["points"]) == 5
    first = ot["points"][0]
    assert first == {"period": "2024-03-01", "group": "phone-a", "reviews": 1, "aspects": 2,
                     "positive": 1, "neutral": 0, "negative": 1,
                     "mean_valence": pytest.approx((0.87 - 0.8) / 2, abs=1e-4)}  # fmt: skip
    # every date bad: no over-time view, every row still analysed
    rows, results = rows_and_results()
    for r in rows:
        r["date"] = "n/a"
    rep = build_report(rows, results, text_col="review", time_col="date")
    assert rep["over_time"] is None and len(rep["skipped"]) == 7
    assert rep["summary"]["analysed"] == 7


def test_thousands_of_groups_become_top_n_and_other():
    rows, results = [], []
    for i in range(2000):
        name = "big" if i < 300 else "mid" if i < 400 else f"shop-{i}"
        text = f"The coffee was cold at shop {i}."
        rows.append({"shop": name, "text": text, "day": f"2024-0{1 + i % 3}-1{i % 10}"})
        results.append(result(text, ("coffee", "negative", 0.8, ("cold",))))
    rep = build_report(rows, results, text_col="text", group_col="shop", time_col="day",
                       top_n_groups=5)  # fmt: skip
    names = [g["name"] for g in rep["groups"]]
    assert names[:2] == ["big", "mid"] and len(names) == 6 and names[-1] == OTHER
    other = rep["groups"][-1]
    assert other["pooled_groups"] == 1602 - 5 and other["reviews"] == 2000 - 300 - 100 - 3
    assert sum(g["reviews"] for g in rep["groups"]) == 2000
    assert all("pooled_groups" not in g for g in rep["groups"][:-1])
    assert {p["group"] for p in rep["over_time"]["points"]} == set(names)
    page = render_html(rep)
    assert page.count("<section id=") == 6 and "1,597 smaller groups pooled" in page


def test_freq_auto_keeps_at_most_60_periods():
    import datetime as dt

    d0 = dt.date(2024, 1, 1)
    assert pick_freq([d0, d0 + dt.timedelta(days=59)]) == "D"
    assert pick_freq([d0, d0 + dt.timedelta(days=200)]) == "W"
    assert pick_freq([d0, d0 + dt.timedelta(days=3 * 365)]) == "M"
    assert pick_freq([d0], "M") == "M"
    assert period(dt.date(2024, 3, 5), "W") == "2024-W10"
    assert period(dt.date(2024, 3, 5), "M") == "2024-03"
    assert report_of(time_col="date", freq="W")["over_time"]["points"][0]["period"] == "2024-W09"
    with pytest.raises(InvalidInputError, match="freq must be one of"):
        report_of(freq="Y")


def test_the_report_is_json_with_the_documented_keys():
    rep = json.loads(json.dumps(report_of(time_col="date"), ensure_ascii=False))
    assert list(rep) == ["summary", "groups", "over_time", "skipped"]
    g = rep["groups"][0]
    assert list(g) == ["name", "reviews", "aspects_found", "mean_valence", "aspects"]
    assert list(g["aspects"][0]) == ["term", "mentions", "positive", "neutral", "negative", "net",
                                     "mean_valence", "confidence", "evidence_words",
                                     "examples"]  # fmt: skip
    assert list(g["aspects"][0]["examples"][0]) == ["row", "text", "from", "to", "polarity",
                                                    "confidence", "evidence"]  # fmt: skip
    assert list(rep["over_time"]) == ["freq", "points"]


def test_html_is_self_contained_escaped_and_renders_chinese():
    reviews = [
        *REVIEWS,
        ("<script>alert(1)</script>", "2024-03-05",
         'The case is <b>flimsy</b> & "cheap", see https://evil.example',
         [("case", "negative", 0.9, ("flimsy",))]),
    ]  # fmt: skip
    page = render_html(report_of(reviews, time_col="date"), title="Reviews <of> phones")
    assert "http://" not in page.replace("https://evil.example", "")
    assert "https://" not in page.replace("https://evil.example", "")
    assert "<script" not in page and "src=" not in page and "url(" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>flimsy" not in page
    assert "Reviews &lt;of&gt; phones" in page
    assert '<mark>battery life</mark> is <u class="ev">great</u>' in page
    assert '但是<mark>屏幕</mark><u class="ev">太暗</u>了。' in page
    assert 'lang="zh"' in page and "Noto Sans CJK SC" in page and '<meta charset="utf-8">' in page
    assert page.count("<svg") == 1 + 3  # over time, and one bar chart per group
    assert "Sentiment over time" in page and "Rows left out" in page


def test_read_table_keeps_row_numbers_past_unreadable_rows(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text('product,review\na,"fine"\nb,"bad "quote" here\nc,good screen\n\nd,ok\n',
                    encoding="utf-8")  # fmt: skip
    t = read_table(path)
    assert t.columns == ["product", "review"]
    assert [r.get("product") for r in t.rows] == ["a", None, "c", "d"]
    assert list(t.errors) == [1] and t.errors[1].startswith("line 3: ")
    assert len(read_table(path, limit=2).rows) == 2
    jl = tmp_path / "reviews.jsonl"
    jl.write_text('{"review": "好"}\n\nnot json\n[1]\n{"review": "ok", "stars": 4}\n',
                  encoding="utf-8")  # fmt: skip
    t = read_table(jl)
    assert t.columns == ["review", "stars"] and len(t.rows) == 4
    assert t.errors[1].startswith("line 3: not valid JSON") and "got list" in t.errors[2]
    tsv = tmp_path / "reviews.tsv"
    tsv.write_text("review\tproduct\nthe lens, sadly, is soft\tcam\n", encoding="utf-8")
    assert read_table(tsv).rows == [{"review": "the lens, sadly, is soft", "product": "cam"}]


# --- the command, with a stand-in for the model ------------------------------------------------

TERMS = {"battery": ("positive", ("great",)), "screen": ("negative", ("dim",)),
         "电池": ("positive", ("很好",)), "屏幕": ("negative", ("太暗",))}  # fmt: skip


@pytest.fixture
def fake_model(monkeypatch):
    """`analyze_aspects` as a lookup of a few terms (the real one is tested in
    test_report_cli.py, with the model)."""
    import affectkit.aspects

    calls = []

    def analyze_aspects(texts, *, model="aspect-sentiment", evidence=True, batch_size=32,
                        progress=None):  # fmt: skip
        calls.append(list(texts))
        out = []
        for t in texts:
            found = [(term, pol, None, tuple(w for w in ev if w in t))
                     for term, (pol, ev) in TERMS.items() if term in t]  # fmt: skip
            out.append(result(t, *found))
        return out

    monkeypatch.setattr(affectkit.aspects, "analyze_aspects", analyze_aspects, raising=False)
    return calls


def write_csv(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


CSV = (
    "id,date,product,review\n"
    "1,2024-03-01,a,The battery is great but the screen is dim.\n"
    "2,2024-13-01,a,The screen is dim.\n"
    "3,2024-03-02,b,电池很好，屏幕太暗。\n"
    "4,2024-03-02,b,\n"
    "5,2024-03-03,b,Arrived on time.\n"
)


def test_the_command_writes_html_and_json(tmp_path, capsys, fake_model):
    src = write_csv(tmp_path / "reviews.csv", CSV)
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    code = main(["report", src, "--text-col", "review", "--time-col", "date", "--group-col",
                 "product", "--id-col", "id", "-o", str(html), "--json", str(js)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert fake_model == [[CSV.splitlines()[i].split(",", 3)[3] for i in (1, 2, 3, 5)]]
    rep = json.loads(js.read_text(encoding="utf-8"))
    assert rep["summary"]["languages"] == {"en": 3, "zh": 1}
    assert rep["summary"]["skipped"] == 1 and rep["summary"]["with_aspects"] == 3
    assert [(s["row"], s["id"]) for s in rep["skipped"]] == [(2, "2"), (4, "4")]
    assert rep["groups"][0]["aspects"][0]["examples"][0]["id"] in {"1", "2"}
    page = html.read_text(encoding="utf-8")
    assert "<mark>电池</mark>" in page and "http" not in page
    assert "5 reviews: 4 analysed (en 3, zh 1)" in err and "row 4: no text" in err
    assert "report written to" in err and "Traceback" not in err


def test_an_output_ending_in_json_writes_json_only(tmp_path, fake_model):
    src = write_csv(tmp_path / "reviews.csv", CSV)
    out = tmp_path / "report.json"
    assert main(["report", src, "--text-col", "review", "-o", str(out), "--limit", "3"]) == 0
    rep = json.loads(out.read_text(encoding="utf-8"))
    assert rep["summary"]["reviews"] == 3 and rep["over_time"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "reviews.csv"]


@pytest.mark.parametrize(
    "content, args, message",
    [("date,product,review\n2024-01-01,a,ok\n", ["--text-col", "text"],
      "no column 'text' (given with --text-col); its columns are ['date', 'product', 'review']"),
     ("date,product,review\n2024-01-01,a,ok\n", ["--text-col", "review", "--group-col", "shop"],
      "no column 'shop' (given with --group-col)"),
     ("", ["--text-col", "review"], "is empty"),
     ("review\n\"\"\n \n", ["--text-col", "review"], "No review in reviews.csv can be analysed"),
     ("review\nok\n", ["--text-col", "review", "--top-groups", "0"], "--top-groups must be"),
     ("review\nok\n", ["--text-col", "review", "-o", "r.pdf"], "FILE.html"),
     ("review\nok\n", ["--text-col", "review", "--json", "IN"], "would destroy the input")],
)  # fmt: skip
def test_bad_input_is_a_one_line_error(tmp_path, capsys, fake_model, content, args, message):
    src = write_csv(tmp_path / "reviews.csv", content)
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "r.html")]
    args = [src if a == "IN" else a for a in args]
    assert main(["report", src, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("affectkit report: error: ")
    assert message in err
    assert fake_model == []  # nothing analysed
