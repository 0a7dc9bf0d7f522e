"""The HTTP service against a real uvicorn server, through the Python client and raw HTTP."""

import asyncio
import csv
import gzip
import json
import socket

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from affectkit.client import Client, ServiceError  # noqa: E402
from affectkit.storage import Store  # noqa: E402


def test_analyze_models_health_docs_and_playground(make_server):
    url, _ = make_server()
    with Client(url) as c:
        [r] = c.analyze("I love this!", model="lexicon-en")
        assert r.label == "positive" and r.evidence and r.model == "lexicon-en@1"
        rs = c.analyze(["awful", "", "今天真开心"], model="lexicon-en")
        assert [x.label for x in rs] == ["negative", "empty", "unsupported"]
        names = {m["name"] for m in c.models()}
        assert {"lexicon-en@1", "lexicon-zh@1"} <= names
        health = c.health()
        assert health["status"] == "ok" and health["models_loaded"] == ["lexicon-en@1"]
    r = httpx.get(url + "/openapi.json")
    assert "/v1/analyze" in r.json()["paths"] and "/v1/jobs" in r.json()["paths"]
    page = httpx.get(url + "/")
    assert page.status_code == 200 and "affectkit playground" in page.text


def test_texts_are_stored_only_when_asked_and_can_be_deleted(make_server):
    url, _ = make_server()
    with Client(url) as c:
        c.analyze(["not stored"], model="lexicon-en")
        assert c.items() == []
        out = c.analyze_raw({"texts": ["keep me", "and me"], "model": "lexicon-en", "store": True})
        ids = [d["id"] for d in out]
        items = c.items()
        assert [i["text"] for i in items] == ["keep me", "and me"]
        assert items[0]["result"]["label"] == out[0]["label"]
        c.delete_item(ids[0])
        assert [i["id"] for i in c.items()] == ids[1:]
        with pytest.raises(ServiceError) as e:
            c.delete_item(ids[0])
        assert e.value.status == 404 and e.value.code == "not_found"


@pytest.mark.parametrize(
    "content,headers,status,code",
    [
        (b'{"texts": ["a"', {"content-type": "application/json"}, 400, "malformed_json"),
        (
            b'{"texts": ["\xff\xfe bad utf-8"]}',
            {"content-type": "application/json"},
            400,
            "malformed_json",
        ),
        (b"just text", {"content-type": "text/plain"}, 422, "invalid_request"),
        (  # half of an emoji's UTF-16 pair: valid JSON, not text (and SQLite cannot store it)
            b'{"text": "ok \\ud83d", "model": "lexicon-en", "store": true}',
            {"content-type": "application/json"},
            422,
            "invalid_input",
        ),
        (b'{"language": "en"}', {"content-type": "application/json"}, 422, "invalid_request"),
        (
            b'{"text": "x", "model": "no-such-model"}',
            {"content-type": "application/json"},
            404,
            "model_not_found",
        ),
        (
            b'{"text": "x", "model": "/etc/passwd"}',
            {"content-type": "application/json"},
            404,
            "model_not_found",
        ),
        (
            b'{"texts": ' + json.dumps(["x"] * 300).encode() + b"}",
            {"content-type": "application/json"},
            413,
            "too_many_texts",
        ),
        (
            b'{"text": "' + b"y" * 3000 + b'"}',
            {"content-type": "application/json"},
            413,
            "text_too_long",
        ),
        (
            b'{"text": "' + b"z" * 9000 + b'"}',
            {"content-type": "application/json"},
            413,
            "too_large",
        ),
    ],
)
def test_bad_requests_get_a_json_error_and_the_service_keeps_serving(
    make_server, content, headers, status, code
):
    url, _ = make_server(max_body_bytes=8000, max_text_chars=2000)
    r = httpx.post(url + "/v1/analyze", content=content, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and "Traceback" not in r.text
    assert httpx.get(url + "/healthz").json()["status"] == "ok"


def test_a_client_that_disconnects_mid_body_does_not_hurt_others(make_server):
    url, settings = make_server()
    with socket.create_connection((settings.host, settings.port)) as s:
        s.sendall(
            b"POST /v1/analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 5000\r\n\r\n{"texts": ["half'
        )
    with Client(url) as c:
        assert c.analyze("great", model="lexicon-en")[0].label == "positive"


def test_keys_items_and_jobs_live_in_postgresql_with_db_url(make_server, postgres_url, tmp_path):
    url, settings = make_server(db_url=postgres_url, require_keys=True)
    store = Store(postgres_url)
    token, _ = store.create_key("pg", rate_per_min=None)
    store.close()
    src = tmp_path / "in.csv"
    src.write_text("text\ngood\nbad\n", encoding="utf-8")
    with Client(url, api_key=token) as c:
        c.analyze_raw({"texts": ["keep me", "and me"], "model": "lexicon-en", "store": True})
        assert [i["text"] for i in c.items()] == ["keep me", "and me"]
        job = c.submit_job(src, model="lexicon-en")
        assert c.wait_job(job["id"], timeout=30)["status"] == "done"
        assert [j["id"] for j in c.jobs()] == [job["id"]]
    assert not settings.db_path.exists()  # no SQLite store beside it


def test_keys_are_required_beyond_loopback_hashed_and_rate_limited(make_server, tmp_path):
    url, settings = make_server(require_keys=True)
    store = Store(settings.db_path)
    limited, _ = store.create_key("tiny", rate_per_min=2)
    free, _ = store.create_key("load", rate_per_min=None)
    assert limited not in settings.db_path.read_bytes().decode("latin-1")  # only the hash
    r = httpx.post(url + "/v1/analyze", json={"text": "hi", "model": "lexicon-en"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "key_required"
    with Client(url, api_key="ak_wrong") as c, pytest.raises(ServiceError) as e:
        c.analyze("hi", model="lexicon-en")
    assert e.value.code == "invalid_key"
    with Client(url, api_key=limited) as c:
        c.analyze("one", model="lexicon-en")
        c.analyze("two", model="lexicon-en")
        with pytest.raises(ServiceError) as e:
            c.analyze("three", model="lexicon-en")
        assert e.value.status == 429 and e.value.code == "rate_limited"
    with Client(url, api_key=free) as c:  # another key is not slowed by the flood
        for _ in range(20):
            c.analyze("fine", model="lexicon-en")
    r = httpx.post(
        url + "/v1/analyze",
        json={"text": "x", "model": "lexicon-en"},
        headers={"Authorization": f"Bearer {limited}"},
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_loopback_needs_no_key_by_default(make_server):
    _, settings = make_server()
    assert not settings.keys_required
    from affectkit.serving.settings import ServeSettings

    assert ServeSettings(host="0.0.0.0").keys_required


def test_batch_job_upload_progress_results_and_delete(make_server, tmp_path):
    url, settings = make_server()
    src = tmp_path / "reviews.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["rid", "review"])
        for i in range(300):
            w.writerow([f"r{i}", ["great stay", "awful food", ""][i % 3]])
    with Client(url) as c:
        job = c.submit_job(src, text_col="review", id_col="rid", model="lexicon-en")
        assert job["status"] in ("queued", "running", "done") and job["rows_total"] == 300
        job = c.wait_job(job["id"], timeout=60)
        assert job["status"] == "done" and job["rows_done"] == 300
        rows = list(c.job_results(job["id"]))
        assert [r["id"] for r in rows] == [f"r{i}" for i in range(300)]
        assert rows[0]["label"] == "positive" and rows[2]["flags"] == ["empty"]
        assert [j["id"] for j in c.jobs()] == [job["id"]]
        uploads = list((settings.data_dir / "uploads").iterdir())
        assert len(uploads) == 1 and uploads[0].name.startswith(job["id"])  # not the user's name
        c.delete_job(job["id"])
        assert c.jobs() == [] and not list((settings.data_dir / "uploads").iterdir())
        with pytest.raises(ServiceError) as e:
            c.job(job["id"])
        assert e.value.status == 404


def test_gzipped_spreadsheet_upload_is_read(make_server, tmp_path):
    url, _ = make_server()
    src = tmp_path / "export.csv.gz"  # "CSV UTF-8" from a spreadsheet (byte-order mark), gzipped
    src.write_bytes(gzip.compress("review\r\ngreat stay\r\nawful food\r\n".encode("utf-8-sig")))
    with Client(url) as c:
        job = c.wait_job(c.submit_job(src, text_col="review", model="lexicon-en")["id"], 60)
        assert job["status"] == "done", job
        rows = list(c.job_results(job["id"]))
        assert [(r["text"], r["label"]) for r in rows] == [
            ("great stay", "positive"),
            ("awful food", "negative"),
        ]


def test_bad_uploads_are_refused(make_server, tmp_path):
    url, settings = make_server(max_upload_bytes=2000)
    bad = tmp_path / "../../evil.exe"
    r = httpx.post(url + "/v1/jobs", files={"file": ("../../evil.exe", b"x,y\n1,2\n")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_data"
    r = httpx.post(url + "/v1/jobs", files={"file": ("empty.csv", b"")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_upload"
    r = httpx.post(url + "/v1/jobs", files={"file": ("big.csv", b"text\n" + b"a" * 5000)})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    # checked at the door: a file that is not what its name says, a missing column
    r = httpx.post(url + "/v1/jobs", files={"file": ("x.parquet", b"junk")})
    assert r.status_code == 422 and "not a readable Parquet file" in r.json()["error"]["message"]
    r = httpx.post(url + "/v1/jobs", files={"file": ("r.csv", b"review\nhello\n")})
    assert r.status_code == 422 and "has no column 'text'" in r.json()["error"]["message"]
    assert httpx.get(url + "/v1/jobs").json()["results"] == []
    assert not list((settings.data_dir / "uploads").iterdir())  # nothing left behind
    del bad


def test_concurrent_requests_are_micro_batched_and_metrics_say_so(make_server):
    url, _ = make_server(batch_window_ms=50)

    async def flood():
        async with httpx.AsyncClient(base_url=url) as ac:
            rs = await asyncio.gather(
                *[
                    ac.post("/v1/analyze", json={"text": f"good {i}", "model": "lexicon-en"})
                    for i in range(24)
                ]
            )
        return rs

    rs = asyncio.run(flood())
    assert all(r.status_code == 200 for r in rs)
    assert [r.json()["results"][0]["label"] for r in rs] == ["positive"] * 24
    text = httpx.get(url + "/metrics").text
    count = next(
        float(x.split()[-1])
        for x in text.splitlines()
        if x.startswith("affectkit_batch_size_count")
    )
    assert 1 <= count < 24  # fewer model calls than requests
    assert 'affectkit_requests_total{method="POST",route="/v1/analyze",status="200"} 24' in text
    for made_up in ("/v1/zz1", "/v1/zz2", "/v1/jobs/job_0123/results"):  # 404s, any path
        httpx.get(url + made_up)
    text = httpx.get(url + "/metrics").text
    assert "zz1" not in text and "job_0123" not in text  # one series per route, not per path
    assert 'route="other",status="404"} 2' in text
    assert 'route="/v1/jobs/{job_id}/results",status="404"} 1' in text
    r = httpx.get(url + "/v1/items", params={"offset": 10**30})
    assert r.status_code == 200 and r.json()["results"] == []
    assert "affectkit_model_load_seconds" in text and "affectkit_request_seconds_bucket" in text


def test_a_truncated_upload_creates_no_job(make_server):
    url, settings = make_server()
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\ntext\ngood\nbad\n"
    )  # no closing boundary
    with socket.create_connection((settings.host, settings.port)) as s:
        s.sendall(
            b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
            b"Content-Length: 100000\r\n\r\n" + body
        )
    with Client(url) as c:
        assert c.health()["status"] == "ok"
        assert c.jobs() == []


def test_jobs_left_unfinished_by_a_stopped_service_resume_at_start_up(make_server, tmp_path):
    from affectkit.serving.jobs import JobRunner

    data = tmp_path / "data-restart"
    store = Store(data / "affectkit.sqlite3")
    runner = JobRunner(store, data)
    job_id, src, out = runner.new_job_paths("left.csv")
    src.write_text("text\ngood\nbad\nfine\n", encoding="utf-8")
    store.add_job(
        {
            "id": job_id,
            "created": 0.0,
            "key_id": None,
            "status": "running",
            "filename": "left.csv",
            "input_path": str(src),
            "output_path": str(out),
            "params": json.dumps(
                {"text_col": "text", "id_col": None, "model": "lexicon-en", "language": "auto"}
            ),
            "rows_total": 3,
        }
    )
    runner.close()
    store.close()
    url, _ = make_server(data_dir=data)
    with Client(url) as c:
        job = c.wait_job(job_id, timeout=30)
        assert job["status"] == "done" and job["rows_done"] == 3
        assert [r["label"] for r in c.job_results(job_id)][:2] == ["positive", "negative"]


def test_a_job_deleted_while_it_runs_leaves_no_files(tmp_path):
    import time

    from affectkit.serving.jobs import JobRunner

    data = tmp_path / "data-delete"
    store = Store(data / "affectkit.sqlite3")
    runner = JobRunner(store, data)
    job_id, src, out = runner.new_job_paths("big.csv")
    src.write_text("text\n" + "great stay, awful food\n" * 40_000, encoding="utf-8")
    params = {"text_col": "text", "id_col": None, "model": "lexicon-en", "language": "auto"}
    runner.submit(job_id, None, "big.csv", src, out, params)
    deadline = time.time() + 30
    while store.get_job(job_id, any_key=True)["status"] != "running" and time.time() < deadline:
        time.sleep(0.01)
    store.delete_job(job_id)  # what DELETE /v1/jobs/{id} does to a running job
    runner._pool.shutdown(wait=True)  # let the worker finish the batch it was running
    assert not src.exists() and not out.exists()
    assert list((data / "uploads").iterdir()) == list((data / "results").iterdir()) == []
    store.close()


def test_the_client_reports_an_error_page_from_a_proxy_the_same_on_every_call():
    # a gateway in front of the service answers with HTML, not the service's JSON error
    page = httpx.MockTransport(lambda request: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with Client("http://svc", transport=page) as c:
        for call in (lambda: c.job("job_1"), lambda: list(c.job_results("job_1"))):
            with pytest.raises(ServiceError) as e:
                call()
            assert e.value.status == 502 and e.value.code == "http_error"
            assert "Bad Gateway" in e.value.message


def test_inputs_of_any_kind_and_a_plugin_model_over_http(make_server):
    import base64

    url, _ = make_server()
    body = {
        "inputs": [
            {"kind": "text", "text": "I love it"},
            {"kind": "audio", "data": base64.b64encode(b"RIFF....WAVE").decode()},
        ],
        "model": "auto",
        "store": True,
    }
    r = httpx.post(url + "/v1/analyze", json={**body, "model": "lexicon-en"})
    assert r.status_code == 200, r.text
    text, audio = r.json()["results"]
    assert text["label"] == "positive" and audio["label"] == "unsupported"
    items = httpx.get(url + "/v1/items").json()["results"]
    assert [i["kind"] for i in items] == ["text", "audio"]
    assert items[1]["ref"].startswith("sha256:") and items[1]["text"] is None
    bad = httpx.post(url + "/v1/analyze", json={"inputs": [{"kind": "image", "data": "%%%"}]})
    assert bad.status_code == 422 and "base64" in bad.json()["error"]["message"]
    mixed = httpx.post(url + "/v1/analyze", json={"inputs": [{"kind": "text", "data": "aGk="}]})
    assert mixed.status_code == 422
    # a third-party analyzer registered by entry point (tests/plugins) answers by name
    r = httpx.post(url + "/v1/analyze", json={"text": "Help!!", "model": "demo-exclaim"})
    assert r.status_code == 200 and r.json()["results"][0]["model"] == "demo-exclaim@1"
    models = httpx.get(url + "/v1/models").json()
    assert any(m["source"] == "affectkit-demo-plugin" for m in models["results"])
