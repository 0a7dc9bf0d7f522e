"""`affectkit aspects`: texts or a JSON Lines / .txt file in, each text's aspects out, in order,
with the input's ids; given aspects kept in their order; a bad line reported on stderr with its
line number while the others are analysed (exit status 1)."""

import json

import pytest

from affectkit.aspects import POLARITIES
from affectkit.cli.aspects import MAX_TEXT_CHARS, given_spans
from affectkit.cli.main import main

EN = "The battery life is great, but the screen scratches far too easily."
ZH = "这家店的菜很好吃，就是服务太慢了。"


def write_jsonl(path, rows) -> str:
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows)
        + "\n",
        encoding="utf-8",
    )
    return str(path)


def run(capsys, *args) -> tuple[int, list[dict], str]:
    rc = main(["aspects", *args])
    out, err = capsys.readouterr()
    return rc, [json.loads(line) for line in out.splitlines() if line.strip()], err


def check_aspect(text: str, a: dict) -> None:
    assert text[a["from"] : a["to"]] == a["term"]
    assert a["polarity"] in POLARITIES and 0.0 <= a["confidence"] <= 1.0
    for e in a["evidence"]:
        assert text[e["from"] : e["to"]] == e["word"]


@pytest.mark.slow
def test_a_jsonl_file_gives_one_row_per_line_in_order_with_its_id(tmp_path, capsys):
    path = write_jsonl(
        tmp_path / "s.jsonl",
        [{"id": "en-1", "text": EN}, {"id": 7, "text": ZH}, {"id": "none", "text": "Hello."}],
    )
    rc, rows, err = run(capsys, "--file", path, "--json", "-q")
    assert rc == 0, err
    assert [r["id"] for r in rows] == ["en-1", 7, "none"]
    assert [r["language"] for r in rows[:2]] == ["en", "zh"]
    assert rows[0]["aspects"] and rows[1]["aspects"]  # both name things they judge
    for row, text in zip(rows, (EN, ZH, "Hello.")):
        assert row["text"] == text
        for a in row["aspects"]:
            check_aspect(text, a)

    txt = tmp_path / "s.txt"
    txt.write_text(f"{EN}\n\n{ZH}\n", encoding="utf-8")  # ids: line numbers; blank lines skipped
    rc, rows, _ = run(capsys, "--file", str(txt), "--json", "-q", "--no-evidence")
    assert rc == 0 and [r["id"] for r in rows] == [1, 3]
    assert all(not a["evidence"] for r in rows for a in r["aspects"])


@pytest.mark.slow
def test_given_aspects_are_classified_in_the_order_given(tmp_path, capsys):
    given = [  # not in text order, on purpose
        {"term": "screen", "from": EN.index("screen"), "to": EN.index("screen") + 6},
        {"term": "battery life", "from": 4, "to": 16},
    ]
    zh_given = [{"term": "服务", "from": ZH.index("服务"), "to": ZH.index("服务") + 2},
                {"term": "菜", "from": ZH.index("菜"), "to": ZH.index("菜") + 1}]  # fmt: skip
    path = write_jsonl(
        tmp_path / "g.jsonl",
        [{"id": "a", "text": EN, "aspects": given}, {"id": "b", "text": ZH, "aspects": zh_given},
         {"id": "c", "text": ZH, "aspects": []}],
    )  # fmt: skip
    out = tmp_path / "out.jsonl"
    rc, _, err = run(capsys, "--file", path, "--given-aspects", "-o", str(out), "-q")
    assert rc == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [(a["term"], a["from"], a["to"]) for a in rows[0]["aspects"]] == [
        (g["term"], g["from"], g["to"]) for g in given
    ]
    assert [a["term"] for a in rows[1]["aspects"]] == ["服务", "菜"]
    assert rows[2]["aspects"] == []
    for row, text in zip(rows, (EN, ZH, ZH)):
        for a in row["aspects"]:
            check_aspect(text, a)


@pytest.mark.slow
def test_bad_lines_are_reported_with_their_numbers_and_the_rest_analysed(tmp_path, capsys):
    path = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"id": "ok-1", "text": EN},
            '{"id": "broken", "text": ',
            {"id": "no-text"},
            "",  # blank: skipped, but counted in the line numbers
            {"id": "long", "text": "x" * (MAX_TEXT_CHARS + 1)},
            {"id": "ok-2", "text": ZH},
        ],
    )
    rc, rows, err = run(capsys, "--file", path, "--json", "-q")
    assert rc == 1
    assert [r["id"] for r in rows] == ["ok-1", 2, "no-text", "long", "ok-2"]
    assert "aspects" in rows[0] and "aspects" in rows[4]
    assert [r["error"].split(" ")[:2] for r in rows[1:4]] == [
        ["line", "2"], ["line", "3"], ["line", "5:"]
    ]  # fmt: skip
    lines = err.splitlines()
    assert any(line.startswith("affectkit aspects: line 2 is not JSON") for line in lines)
    assert any(line.startswith('affectkit aspects: line 3 has no "text"') for line in lines)
    assert any(f"line 5: the text has {MAX_TEXT_CHARS + 1:,} characters" in line for line in lines)
    assert "Traceback" not in err

    bad_span = write_jsonl(
        tmp_path / "span.jsonl",
        [{"id": "x", "text": EN, "aspects": [{"term": "Battery", "from": 4, "to": 11}]},
         {"id": "y", "text": EN, "aspects": [{"term": "battery", "from": 4, "to": 11}]}],
    )  # fmt: skip
    rc, rows, err = run(capsys, "--file", bad_span, "--given-aspects", "--json", "-q")
    assert rc == 1 and [r["id"] for r in rows] == ["x", "y"]
    assert "line 1: aspect 1: the text at 4..11 is 'battery', not 'Battery'" in err
    assert [a["term"] for a in rows[1]["aspects"]] == ["battery"]


@pytest.mark.slow
def test_the_table_shows_each_aspect_with_its_polarity(capsys):
    assert main(["aspects", EN, ZH]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1  en  The battery life") and "\n2  zh  这家店" in out
    assert "polarity" in out and any(p in out for p in POLARITIES)


# -- without a model: what is refused before any analysis ---------------------------------------


def test_a_file_of_only_bad_lines_is_reported_without_a_traceback(tmp_path, capsys):
    path = write_jsonl(tmp_path / "bad.jsonl", ["[1, 2]", {"text": 5}, {"id": True, "text": "x"}])
    rc, rows, err = run(capsys, "--file", path, "--json", "-q")
    assert rc == 1 and len(rows) == 3 and all("error" in r for r in rows)
    assert [line.split(":")[1].strip().split(" ")[:2] for line in err.splitlines()[:3]] == [
        ["line", "1"], ["line", "2"], ["line", "3"]
    ]  # fmt: skip
    assert err.splitlines()[-1] == "3 of 3 texts could not be analysed"


def test_misuse_is_one_line_and_exit_status_2(tmp_path, capsys):
    for args, says in [
        (["--given-aspects", EN], "--given-aspects reads each line's aspects from a JSON Lines"),
        (["--file", str(tmp_path / "nope.jsonl")], "Cannot read"),
        ([EN, "--file", "x.jsonl"], "not both"),
        ([], "Nothing to analyse"),
        ([EN, "-o", str(tmp_path / "out.csv")], "FILE.jsonl"),
        ([EN, "--batch-size", "0"], "--batch-size must be a positive integer"),
    ]:
        assert main(["aspects", *args]) == 2
        err = capsys.readouterr().err
        assert err.startswith("affectkit aspects: error: ") and says in err, (args, err)
        assert len(err.strip().splitlines()) == 1


def test_given_spans_name_what_is_wrong():
    text = "The screen is dim."
    assert given_spans(text, [{"term": "screen", "from": 4, "to": 10}]) == [(4, 10)]
    assert given_spans(text, []) == []
    assert 'no "aspects" list' in given_spans(text, None)
    assert "must be a list" in given_spans(text, {"term": "screen"})
    assert given_spans(text, ["screen"]) == 'aspect 1 is not {"term", "from", "to"}'
    assert "character offsets" in given_spans(text, [{"term": "screen", "from": "4", "to": 10}])
    assert "0..40 is not a span" in given_spans(text, [{"term": "screen", "from": 0, "to": 40}])
    assert given_spans(text, [{"term": "Screen", "from": 4, "to": 10}]) == (
        "aspect 1: the text at 4..10 is 'screen', not 'Screen' (offsets count characters, from 0)"
    )
