"""Turns checked and roles resolved (`affectkit.conversation.dialogue`): the bad inputs of
issue 25 each get a one-line error or a warning, never a traceback."""

import json

import pytest

from affectkit.conversation import make_conversation, read_conversations
from affectkit.conversation.dialogue import seconds
from affectkit.errors import DataFormatError, InvalidInputError
from tests.conversation.data import everyday, unhappy


def test_uss_roles_user_is_the_customer(shared_data):
    conv = make_conversation(unhappy(shared_data)["turns"])
    assert [t.is_customer for t in conv.turns] == [True, False] * 3 + [True]
    assert conv.warnings == ()


def test_dailydialog_a_is_the_customer_and_role_is_a_synonym_of_speaker(shared_data):
    turns = [{"role": t["speaker"], "text": t["text"]} for t in everyday(shared_data)["turns"]]
    conv = make_conversation(turns)
    assert [t.speaker for t in conv.turns[:2]] == ["A", "B"]
    assert [t.is_customer for t in conv.turns[:2]] == [True, False]


def test_customer_agent_roles_case_insensitive():
    turns = [{"speaker": "Agent", "text": "Hi"},
             {"speaker": "CUSTOMER", "text": "My card was charged twice."}]  # fmt: skip
    conv = make_conversation(turns)
    assert [t.is_customer for t in conv.turns] == [False, True]


def test_unknown_roles_name_the_roles_found_and_the_flag():
    turns = [{"speaker": "Alice", "text": "Hello"}, {"speaker": "Bob", "text": "Hi"}]
    with pytest.raises(InvalidInputError) as exc:
        make_conversation(turns)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "'Alice', 'Bob'" in msg and "--customer-role NAME" in msg
    conv = make_conversation(turns, customer_role="alice")
    assert [t.is_customer for t in conv.turns] == [True, False]


def test_one_turn_and_no_customer_turns_are_conversations():
    assert len(make_conversation([{"speaker": "USER", "text": "hello"}]).turns) == 1
    conv = make_conversation([{"speaker": "SYSTEM", "text": "How can I help?"}])
    assert conv.customer_turns == []


def test_times_unordered_missing_or_unreadable_are_warnings_not_errors():
    conv = make_conversation([
        {"speaker": "USER", "text": "a", "time": "2024-03-01T10:00:05Z"},
        {"speaker": "SYSTEM", "text": "b", "time": 1709287200},  # 10:00:00: backwards
        {"speaker": "USER", "text": "c"},
        {"speaker": "SYSTEM", "text": "d", "time": "yesterday"},
    ])  # fmt: skip
    assert [t.text for t in conv.turns] == ["a", "b", "c", "d"]  # the order given
    assert conv.warnings == (
        "1 of 4 turns have no time",
        "turn 1: its time is before the previous turn's; turns are kept in the order given",
        "turn 3: time 'yesterday' is not epoch seconds or ISO-8601; ignored",
    )
    assert seconds("2024-03-01T10:00:00+00:00") == 1709287200.0
    assert seconds(True) is None and seconds(float("nan")) is None


def test_a_100000_turn_conversation_is_refused_before_any_work():
    turns = [{"speaker": "USER", "text": "hi"}] * 100_000
    with pytest.raises(InvalidInputError, match="100,000 turns; the limit is 10,000"):
        make_conversation(turns)


@pytest.mark.parametrize(
    ("turns", "message"),
    [
        ([], "no turns"),
        ("USER: hi", "list of {'speaker', 'text'} objects, got str"),
        ([["USER", "hi"]], "Turn 0: expected an object"),
        ([{"text": "hi"}], "Turn 0: expected a 'speaker'"),
        ([{"speaker": "USER", "text": None}], "Turn 0: 'text' must be a string"),
        ([{"speaker": "USER", "text": 3}], "'text' must be a string, got '3'"),
    ],
)
def test_bad_turns_are_one_line_errors(turns, message):
    with pytest.raises(InvalidInputError, match=message.replace("{", r"\{").replace("[", r"\[")):
        make_conversation(turns)


def test_empty_texts_are_turns():
    conv = make_conversation([{"speaker": "USER", "text": ""}, {"speaker": "SYSTEM", "text": " "}])
    assert [t.text for t in conv.turns] == ["", " "]


def test_reading_a_file_reports_bad_lines_and_reads_on(tmp_path, shared_data):
    path = tmp_path / "chats.jsonl"
    good = unhappy(shared_data)
    path.write_text(
        "\n".join([
            json.dumps(good), "{not json", json.dumps({"id": 7, "turns": [
                {"speaker": "Alice", "text": "hi"}]}), "[1]", "", json.dumps(good),
        ]) + "\n", encoding="utf-8",
    )  # fmt: skip
    got = list(read_conversations(path))
    assert [cid for cid, _ in got] == ["uss_mwoz_0180", None, "7", None, "uss_mwoz_0180"]
    assert got[1][1].startswith("line 2: not valid JSON")
    assert got[2][1].startswith("line 3: Unknown speaker roles")
    assert got[3][1] == 'line 4: expected an object {"id", "turns": [...]}'
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match="empty"):
        read_conversations(empty)
