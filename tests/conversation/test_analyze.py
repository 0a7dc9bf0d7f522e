"""`affectkit.analyze_conversation` end to end on real dialogues, with the lexicon analyzers
behind ``model="auto"`` (fast; the shipped transformers: the slow test at the end)."""

import json

import pytest

import affectkit
from affectkit.errors import InvalidInputError
from tests.conversation.data import content, everyday, unhappy

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def test_every_turn_read_customer_turns_scored(shared_data):
    d = unhappy(shared_data)
    res = affectkit.analyze_conversation(d["turns"], id=d["id"])
    out = res.to_dict()
    json.dumps(out)  # JSON-safe
    assert out["id"] == "uss_mwoz_0180" and len(out["turns"]) == 7
    for t in out["turns"]:
        assert {"speaker", "text", "polarity", "emotions", "score"} <= set(t)
        assert ("dissatisfaction" in t) == (t["role"] == "customer")
    assert out["turns"][0]["polarity"]["negative"] >= 0  # lexicon-en: polarity, no emotions
    assert 0 < out["dissatisfaction"] < 1
    assert [p["turn"] for p in out["trajectory"]] == [0, 2, 4, 6]
    assert {d["turn"] for d in out["drivers"]} <= {0, 2, 4, 6} and len(out["drivers"]) == 3
    s = out["summary"]
    assert s["customer_turns"] == 4 and s["entered"]["turn"] == 0 and s["left"]["turn"] == 6
    assert s["text"].startswith("The customer entered ")
    assert out["models"] == {"text": "lexicon-en@1",
                             "dissatisfaction": "conversation-dissatisfaction@1"}  # fmt: skip
    # lexicon-en gives no emotions: they are unknown, so no emotion read by it is ever named a
    # driver (the first customer turn's "no turn before", which reads neutral, may be)
    named = [f["feature"] for t in out["turns"][1:] for f in t.get("drivers") or []]
    assert named and not [f for f in named if ".emo_" in f], named


def test_the_repeated_request_scores_higher_than_a_smooth_dialogue(shared_data):
    bad = affectkit.analyze_conversation(unhappy(shared_data)["turns"])
    good = affectkit.analyze_conversation(content(shared_data)["turns"])
    assert bad.dissatisfaction > good.dissatisfaction


def test_a_turn_score_does_not_change_when_later_turns_arrive(shared_data):
    turns = unhappy(shared_data)["turns"]
    full = affectkit.analyze_conversation(turns)
    part = affectkit.analyze_conversation(turns[:5])
    assert [t.dissatisfaction for t in part.turns] == [t.dissatisfaction for t in full.turns[:5]]


def test_dailydialog_and_chinese(shared_data):
    res = affectkit.analyze_conversation(everyday(shared_data)["turns"])
    assert res.turns[0].role == "customer" and res.turns[1].role == "agent"
    zh = affectkit.analyze_conversation([
        {"speaker": "客户", "text": "我的订单三天了还没发货"},
        {"speaker": "客服", "text": "非常抱歉，我帮您查一下"},
        {"speaker": "客户", "text": "太差了，我要退款！"},
    ], customer_role="客户")  # fmt: skip
    assert [t.language for t in zh.turns] == ["zh"] * 3
    assert zh.turns[2].polarity["negative"] > 0.5
    assert zh.summary["left"]["polarity"] == "negative"


def test_one_turn_no_customer_and_empty_texts():
    one = affectkit.analyze_conversation([{"speaker": "customer", "text": "Where is my order?"}])
    assert one.dissatisfaction is not None and one.summary["turning_points"] == []
    none = affectkit.analyze_conversation([{"speaker": "agent", "text": "Hello, how can I help?"}])
    assert none.dissatisfaction is None and none.trajectory == [] and none.drivers == []
    assert none.summary["text"] == "No customer turns: nothing to follow."
    assert none.warnings == ["no customer turns"]
    empty = affectkit.analyze_conversation(
        [{"speaker": "USER", "text": ""}, {"speaker": "SYSTEM", "text": ""}]
    )
    assert empty.turns[0].label == "empty" and empty.turns[0].polarity is None
    assert empty.dissatisfaction is not None
    assert empty.summary["text"] == "The customer's turns have no text to read."


def test_times_are_kept_and_their_problems_reported():
    res = affectkit.analyze_conversation([
        {"speaker": "USER", "text": "hi", "time": 20},
        {"speaker": "SYSTEM", "text": "hello", "time": 10},
    ])  # fmt: skip
    assert [t.time for t in res.turns] == [20, 10]
    assert res.warnings == [
        "turn 1: its time is before the previous turn's; turns are kept in the order given"
    ]


def test_unknown_roles_and_too_many_turns_are_errors():
    with pytest.raises(InvalidInputError, match="--customer-role"):
        affectkit.analyze_conversation([{"speaker": "me", "text": "hi"}])
    with pytest.raises(InvalidInputError, match="limit is 10"):
        affectkit.analyze_conversation([{"speaker": "USER", "text": "x"}] * 11, max_turns=10)


def test_importing_affectkit_leaves_the_conversation_package_unloaded():
    import subprocess
    import sys

    loaded = "print('affectkit.conversation' in sys.modules)"
    code = f"import sys, affectkit; {loaded}; affectkit.analyze_conversation; {loaded}"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
