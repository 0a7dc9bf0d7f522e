"""`affectkit analyze --conversation FILE`: one JSON object per conversation, in order; a bad
line is that conversation's error, never the file's; wrong flags are one-line errors."""

import json

import pytest

from affectkit.cli.main import main
from tests.conversation.data import everyday, unhappy

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")  # fmt: skip
    return str(path)


def test_json_one_object_per_conversation_in_order(tmp_path, shared_data, capsys):
    big = {"id": "huge", "turns": [{"speaker": "USER", "text": "hi"}] * 100_000}
    alice = {"id": "alice", "turns": [{"speaker": "Alice", "text": "hi"}]}
    path = write(tmp_path / "chats.jsonl", [unhappy(shared_data), big, alice, "nope",
                                            everyday(shared_data)])  # fmt: skip
    assert main(["analyze", "--conversation", path, "--json"]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [
        "uss_mwoz_0180",
        "huge",
        "alice",
        None,
        "dd_validation_00000",
    ]
    assert rows[0]["turns"][2]["dissatisfaction"] >= 0 and "summary" in rows[0]
    assert rows[1]["error"] == ("line 2: The conversation has 100,000 turns; the limit is 10,000. "
                                "Split it into parts (or raise max_turns).")  # fmt: skip
    assert "'Alice'" in rows[2]["error"] and "--customer-role NAME" in rows[2]["error"]
    assert "3 of 5 conversations had errors" in err
    assert all("Traceback" not in x for x in (out, err))


def test_customer_role_and_the_table(tmp_path, capsys):
    path = write(tmp_path / "c.jsonl", [{"id": 1, "turns": [
        {"speaker": "client", "text": "My parcel never arrived and nobody answers!"},
        {"speaker": "Sam", "text": "I am sorry to hear that."}]}])  # fmt: skip
    assert main(["analyze", "--conversation", path, "--customer-role", "Sam"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1  dissatisfaction ")
    assert "summary: The customer entered " in out
    out_file = str(tmp_path / "o.jsonl")
    assert (
        main(["analyze", "--conversation", path, "--customer-role", "client", "-o", out_file]) == 0
    )
    row = json.loads((tmp_path / "o.jsonl").read_text())
    assert [t["role"] for t in row["turns"]] == ["customer", "agent"]
    assert main(["analyze", "--conversation", path, "-o", out_file]) == 0  # Sam: unknown
    assert "Unknown speaker roles" in json.loads((tmp_path / "o.jsonl").read_text())["error"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", "hello", "--conversation", "c.jsonl"], "Give --conversation FILE alone"),
        (["analyze", "hello", "--customer-role", "A"], "--customer-role goes with --conversation"),
        (["analyze", "--conversation", "missing.jsonl"], "does not exist"),
        (["analyze", "--conversation", "c.jsonl", "-o", "o.csv"], "writes JSON Lines"),
    ],
)
def test_bad_flags_are_one_line_errors(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "c.jsonl", [{"id": 1, "turns": [{"speaker": "USER", "text": "hi"}]}])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
