"""``POST /v1/conversations`` on a running server (lexicons behind ``model: "auto"``)."""

import httpx
import pytest

from tests.conversation.data import unhappy

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


def test_a_conversation_in_its_analysis_out(shared_data, make_server):
    url, _ = make_server(max_events=50, max_text_chars=500)
    http = httpx.Client(base_url=url, timeout=60)
    d = unhappy(shared_data)
    r = http.post("/v1/conversations", json={"id": d["id"], "turns": d["turns"]})
    assert r.status_code == 200, r.text
    (got,) = r.json()["results"]
    assert got["id"] == d["id"] and len(got["turns"]) == 7 and got["summary"]["customer_turns"] == 4

    def error(body):
        r = http.post("/v1/conversations", json=body)
        return r.status_code, r.json()["error"]["message"]

    status, msg = error({"turns": [{"speaker": "Alice", "text": "hi"}]})
    assert status == 422 and "'Alice'" in msg and "customer_role" in msg
    assert error({"turns": []}) == (422, "The list of turns is empty.")
    assert error({"turns": [{"speaker": "USER", "text": "x"}] * 51})[0] == 413
    assert error({"turns": [{"speaker": "USER", "text": "x" * 501}]})[0] == 413
    assert error({"turns": [{"speaker": "USER", "text": "x"}], "model": "nope"})[0] == 404
    ok = http.post("/v1/conversations", json={"turns": [{"role": "Alice", "text": "hi"}],
                                              "customer_role": "Alice"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["results"][0]["turns"][0]["role"] == "customer"
