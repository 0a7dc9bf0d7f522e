"""Error answers: right status, JSON, a message that says what happened; and the OpenAPI
description documents them."""

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from affectkit.serving.settings import ServeSettings
    from tests.serving.conftest import free_port, running

    settings = ServeSettings(
        port=free_port(), data_dir=tmp_path_factory.mktemp("data"), preload=("lexicon-en",)
    )
    with running(settings) as url:
        yield url


def test_head_healthz_is_allowed(server):
    r = httpx.head(server + "/healthz")
    assert r.status_code == 200 and r.content == b""


def test_json_nested_too_deeply_is_not_called_bad_utf8(server):
    deep = b'{"texts": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    headers = {"content-type": "application/json"}
    r = httpx.post(server + "/v1/analyze", content=deep, headers=headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    assert "nested too deeply" in r.json()["error"]["message"]
    bad = b'{"texts": ["\xff\xfe bad"]}'
    r = httpx.post(server + "/v1/analyze", content=bad, headers=headers)
    assert r.status_code == 400 and "not valid UTF-8" in r.json()["error"]["message"]


@pytest.mark.parametrize("model", ["m" * 300, "a" * 256 + "/b", "x\x00y", "../../etc", "é" * 200])
def test_a_model_name_that_cannot_be_one_is_a_json_404(server, model):
    r = httpx.post(server + "/v1/analyze", json={"text": "hi", "model": model})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found", r.text
    files = {"file": ("a.csv", b"text\nhi\n")}
    r = httpx.post(server + "/v1/jobs", files=files, data={"model": model})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found", r.text


def test_a_wrong_method_says_which_are_allowed(server):
    r = httpx.put(server + "/v1/analyze", json={})
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert r.headers["allow"] == "POST"


def test_a_broken_form_is_not_called_bad_json(server):
    r = httpx.post(
        server + "/v1/jobs",
        content=b'--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\n' + b"x" * 2_000_000,
        headers={"content-type": "multipart/form-data; boundary=XyZ"},
    )  # a form field (no file name) over the parser's 1 MB
    assert r.status_code == 400 and "JSON" not in r.json()["error"]["message"], r.text
    assert httpx.get(server + "/healthz").json()["status"] == "ok"


def test_every_route_documents_its_error_answers_with_the_error_schema(server):
    spec = httpx.get(server + "/openapi.json").json()
    error_ref = "#/components/schemas/ErrorResponse"
    expected = {
        ("/v1/analyze", "post"): {400, 401, 404, 413, 422, 429, 504},
        ("/v1/jobs", "post"): {401, 404, 413, 422, 429},
        ("/v1/jobs", "get"): {401, 429},
        ("/v1/jobs/{job_id}", "get"): {401, 404, 429},
        ("/v1/jobs/{job_id}/results", "get"): {401, 404, 409, 429},
        ("/v1/jobs/{job_id}", "delete"): {401, 404, 429},
        ("/v1/items", "get"): {401, 422, 429},
        ("/v1/items/{item_id}", "delete"): {401, 404, 429},
        ("/v1/models", "get"): {401, 429},
        ("/metrics", "get"): {401, 429},
    }
    for (path, method), statuses in expected.items():
        answers = spec["paths"][path][method]["responses"]
        for status in statuses:
            schema = answers[str(status)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": error_ref}, (path, method, status)
        assert "HTTPValidationError" not in str(answers), (path, method)
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
