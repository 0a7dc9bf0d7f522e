"""`affectkit.analyze_conversation` with the shipped text models (slow: transformers load)."""

import pytest

import affectkit
from tests.conversation.data import dialogue


@pytest.mark.slow
def test_the_shipped_models(shared_data):
    """uss_redial_0188's first six turns: the user asks for "something horrible" (a horror
    film; rated 3) and then finds the suggestions "all terrible!" (rated 1.5). Both read as
    negative to the sentiment model; the context (the second complaint, after three
    suggestions) puts the later turn higher."""
    turns = dialogue(shared_data, "uss_redial", "uss_redial_0188")["turns"][:6]
    res = affectkit.analyze_conversation(turns)
    assert res.models["text"] == "text-affect-en@1"
    assert all(t.emotions is not None and t.polarity is not None for t in res.turns)
    assert [t.role for t in res.turns] == ["agent", "customer", "agent", "agent", "agent",
                                           "customer"]  # fmt: skip
    assert res.turns[5].dissatisfaction > res.turns[1].dissatisfaction
    assert res.turns[5].drivers and 0 < res.dissatisfaction < 1
    assert res.summary["left"]["polarity"] == "negative"
