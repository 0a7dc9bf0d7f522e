"""`affectkit mood`: a journal in, a table, JSON and a plot out; bad rows reported one line
each; file-level problems one line; a person deleted."""

import csv
import json

import pytest

from affectkit.cli.main import main
from tests.mood.diary import diary, sst2

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def write_csv(path, rows, header=("who", "date", "text")):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_a_journal_gives_a_table_json_a_plot_and_a_notice(shared_data, tmp_path, capsys):
    texts = sst2(shared_data)
    rows = diary(texts, low=True) + diary(texts, low=False, person="bo")
    rows += [("ana", "2024-13-45", "a day that never was"), ("bo", "yesterday", "hm")]
    path = write_csv(tmp_path / "journal.csv", rows)
    data = ["--data-dir", str(tmp_path / "data")]
    code = main(["mood", str(path), "--time-col", "date", "--person-col", "who", *data,
                 "--plot", str(tmp_path / "mood.png")])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    bad = [line for line in err.splitlines() if "left out" in line and "row " in line]
    assert len(bad) == 2 and "2024-13-45" in bad[0] and "yesterday" in bad[1]
    assert out.splitlines()[0].split()[:3] == ["person", "days", "entries"]
    assert "ana" in out and "someone you trust" in out
    assert (tmp_path / "mood.png").stat().st_size > 10_000
    # again, as JSON: nothing stored twice
    assert main(["mood", str(path), "--time-col", "date", "--person-col", "who", *data,
                 "--json"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    people = {p["person"]: p for p in map(json.loads, out.splitlines())}
    assert people["ana"]["entries"] == len(rows) // 2 - 1 and "already stored" in err
    assert people["ana"]["notices"] == 1 and people["bo"]["notices"] == 0
    assert any(d["notice"] for d in people["ana"]["series"])
    # delete a person: their entries are gone, the other's stay
    assert main(["mood", "--delete-person", "ana", *data]) == 0
    assert main(["mood", "--json", *data]) == 0
    out, _ = capsys.readouterr()
    assert [json.loads(line)["person"] for line in out.splitlines()] == ["bo"]


@pytest.mark.parametrize(
    "content, args, message",
    [("", ["--time-col", "date"], "is empty"),
     ("when,text\n2024-01-01,hello\n", ["--time-col", "date"], "no column 'date'"),
     ("date,body\n2024-01-01,hello\n", ["--time-col", "date"], "no column 'text'"),
     ("date,text\n2024-01-01,hello\n", [], "--time-col")],
)  # fmt: skip
def test_file_level_problems_are_one_line_errors(tmp_path, capsys, content, args, message):
    path = tmp_path / "j.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["mood", str(path), *args, "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_jsonl_journal_and_its_missing_field(tmp_path, capsys):
    path = tmp_path / "j.jsonl"
    path.write_text('{"day": "2024-01-01", "text": "I love this"}\n{"day": "nope", "text": "x"}\n')
    assert main(["mood", str(path), "--time-col", "day", "--data-dir", str(tmp_path / "d")]) == 0
    out, err = capsys.readouterr()
    assert "line 2: date 'nope'" in err and out.splitlines()[1].startswith("me ")
    assert main(["mood", str(path), "--time-col", "when", "--data-dir", str(tmp_path / "d")]) == 2
    assert "no field 'when'" in capsys.readouterr().err
