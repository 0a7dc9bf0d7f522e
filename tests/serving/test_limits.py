"""Resource limits of the service: upload bombs, authentication before the body, request
deadlines, the cost of explain."""

import asyncio
import gzip
import time
import zlib

import numpy as np
import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from affectkit.storage import Store  # noqa: E402

MiB = 2**20


def gzip_of(blocks, n: int) -> bytes:
    """gzip of `n` repeats of `blocks` (bytes), compressed as it goes (no n-fold buffer)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header
    return b"".join([*(z.compress(blocks) for _ in range(n)), z.flush()])


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.jsonl.gz"])
def test_a_gzip_bomb_of_one_line_is_refused_at_once(make_server, name):
    url, settings = make_server()
    bomb = gzip_of(b"\0" * MiB, 64)  # 64 KiB that unpack to 64 MiB of NULs, no line break
    assert len(bomb) < 100_000
    t0 = time.perf_counter()
    r = httpx.post(url + "/v1/jobs", files={"file": (name, bomb)}, timeout=30)
    took = time.perf_counter() - t0
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large"
    assert "longer than 1,000,000 characters" in r.json()["error"]["message"]
    assert "--max-upload-line-chars" in r.json()["error"]["message"]
    assert took < 2.0
    assert not list((settings.data_dir / "uploads").iterdir())
    assert httpx.get(url + "/v1/jobs").json()["results"] == []


def test_a_gzip_of_too_many_rows_is_refused(make_server):
    url, _ = make_server()
    bomb = gzip_of(b"a\n" * 500_000, 11)  # 5.5 M one-letter rows, > the 5 M default
    r = httpx.post(url + "/v1/jobs", files={"file": ("rows.txt.gz", bomb)}, timeout=30)
    assert r.status_code == 413, r.text
    assert "more than 5,000,000 rows" in r.json()["error"]["message"]
    assert "--max-upload-rows" in r.json()["error"]["message"]


def test_decompressed_bytes_are_limited_and_a_gzip_upload_has_its_row_count(make_server):
    url, _ = make_server(max_upload_decompressed_bytes=1_000_000)
    big = gzip.compress(b"text\n" + b"a fine line of text\n" * 60_000)  # 1.2 MB unpacked
    r = httpx.post(url + "/v1/jobs", files={"file": ("big.csv.gz", big)})
    assert r.status_code == 413 and "--max-upload-decompressed-bytes" in r.text
    ok = gzip.compress(b"text\ngreat\nawful\nfine")  # the last line has no line break
    r = httpx.post(
        url + "/v1/jobs", files={"file": ("ok.csv.gz", ok)}, data={"model": "lexicon-en"}
    )
    assert r.status_code == 202, r.text
    assert r.json()["results"][0]["rows_total"] == 3


def test_the_job_reads_its_input_with_the_upload_limits(tmp_path, monkeypatch):
    from affectkit.records import ReadLimits
    from affectkit.serving import jobs

    seen = []
    monkeypatch.setattr(jobs, "run_batch", lambda job, **kw: seen.append(job.limits))
    store = Store(tmp_path / "d" / "db.sqlite3")
    limits = ReadLimits(max_bytes=10_000, max_rows=100, max_line_chars=50)
    runner = jobs.JobRunner(store, tmp_path / "d", limits=limits)
    job_id, src, out = runner.new_job_paths("a.csv")
    src.write_text("text\ngood\n")
    params = {"text_col": "text", "id_col": None, "model": "lexicon-en", "language": "auto"}
    runner.submit(job_id, None, "a.csv", src, out, params)
    runner._pool.shutdown(wait=True)
    assert seen == [limits]
    store.close()


# -- authentication before the body ---------------------------------------------------------


def _post_upload(app, headers: list[tuple[bytes, bytes]], size: int):
    """POST a `size`-byte multipart upload to the ASGI app, counting the bytes it reads."""
    head = (
        b'--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\nlexicon-en\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\ntext\n"
    )
    tail = b"\r\n--XyZ--\r\n"
    body_len = size - len(head) - len(tail)
    state = {"read": 0, "parts": [head, *([b"good\n" * 13107] * (body_len // 65535)), tail]}
    filler = body_len - (body_len // 65535) * 65535
    state["parts"].insert(1, b"x" * filler)
    sent: list[dict] = []

    async def receive():
        if not state["parts"]:
            await asyncio.sleep(3600)  # the client has nothing more to send
        part = state["parts"].pop(0)
        state["read"] += len(part)
        return {"type": "http.request", "body": part, "more_body": bool(state["parts"])}

    async def send(msg):
        sent.append(msg)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/jobs",
        "raw_path": b"/v1/jobs",
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"multipart/form-data; boundary=XyZ"),
            (b"content-length", str(size).encode()),
            *headers,
        ],
        "state": {},
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 60))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body, state["read"]


@pytest.fixture
def keyed_app(tmp_path):
    from affectkit.serving.app import create_app
    from affectkit.serving.settings import ServeSettings

    settings = ServeSettings(data_dir=tmp_path / "d", require_keys=True, preload=("lexicon-en",))
    app = create_app(settings)
    yield app, settings
    app.svc.jobs.close(wait_s=5)
    app.svc.store.close()


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(keyed_app):
    app, _ = keyed_app
    status, body, read = _post_upload(app, [], 50 * MiB)
    assert status == 401 and b"key_required" in body
    assert read < MiB, f"{read:,} bytes of the body were read before the 401"
    status, body, read = _post_upload(app, [(b"authorization", b"Bearer ak_nope")], 50 * MiB)
    assert status == 401 and b"invalid_key" in body and read < MiB


def test_a_spent_rate_limit_and_a_declared_size_over_the_limit_are_refused_before_the_body(
    keyed_app,
):
    app, settings = keyed_app
    store = Store(settings.db_path)
    token, _ = store.create_key("one", rate_per_min=1)
    free, _ = store.create_key("free", rate_per_min=None)
    store.close()
    auth = [(b"authorization", f"Bearer {token}".encode())]
    status, _, _ = _post_upload(app, auth, 10_000)  # the one request of this minute
    assert status == 202
    status, body, read = _post_upload(app, auth, 50 * MiB)
    assert status == 429 and b"rate_limited" in body and read < MiB
    auth = [(b"authorization", f"Bearer {free}".encode())]
    status, body, read = _post_upload(app, auth, settings.max_upload_bytes + 1)
    assert status == 413 and b"too_large" in body and read == 0


# -- deadlines and the cost of explain -------------------------------------------------------


class SlowAnalyzer:
    """Texts through the classifier's real batching loop, 50 ms a forward pass (one text a
    pass), then the English lexicon's results."""

    name = "test-slow@1"
    modality = "text"
    languages = ("en",)

    def analyze(self, batch, *, explain=False):
        from affectkit import api
        from affectkit.text.classifier.inference import run_batches

        def forward(ids, mask):  # (B, T) -> logits (B, 3), pooled
            time.sleep(0.05)
            return np.zeros((len(ids), 3), np.float32), None

        seqs = [np.arange(4, dtype=np.int64)] * len(batch)
        run_batches(seqs, forward, pad_id=0, batch_size=1, num_labels=3, hidden=None)
        return api.get_analyzer("lexicon-en").analyze(batch)


@pytest.fixture
def slow_model(monkeypatch):
    from affectkit import api, registry

    registry.list_models()  # the catalogs first
    spec = registry.ModelSpec(
        "test-slow", 1, "text", "sentiment", ("en",), ("negative", "neutral", "positive"),
        loader=lambda **_: SlowAnalyzer(),
    )  # fmt: skip
    monkeypatch.setitem(registry._REGISTRY, "test-slow", {1: spec})
    monkeypatch.setattr(api, "_loaded", dict(api._loaded))
    return "test-slow"


def test_a_timed_out_request_stops_and_the_next_one_is_served(make_server, slow_model):
    url, _ = make_server(request_timeout_s=1.0)
    t0 = time.perf_counter()
    r = httpx.post(
        url + "/v1/analyze", json={"texts": ["fine"] * 100, "model": slow_model}, timeout=30
    )  # 100 forward passes: 5 s of work
    assert r.status_code == 504 and r.json()["error"]["code"] == "timeout"
    assert time.perf_counter() - t0 < 2.0
    t1 = time.perf_counter()
    r = httpx.post(url + "/v1/analyze", json={"text": "good", "model": "lexicon-en"}, timeout=30)
    assert r.status_code == 200, r.text  # the inference thread is free again
    assert time.perf_counter() - t1 < 1.0


def test_explain_has_a_word_budget_per_request(make_server):
    url, _ = make_server(explain_max_words=10)
    words = "good " * 8
    body = {"texts": [words, words], "model": "lexicon-en", "explain": True}
    r = httpx.post(url + "/v1/analyze", json=body)
    assert r.status_code == 413 and r.json()["error"]["code"] == "explain_too_large"
    assert "at most 10 words" in r.json()["error"]["message"]
    assert httpx.post(url + "/v1/analyze", json={**body, "explain": False}).status_code == 200
    r = httpx.post(url + "/v1/analyze", json={**body, "texts": [words]})
    assert r.status_code == 200


def test_a_refused_upload_closes_the_connection_instead_of_draining_it(make_server):
    import socket

    _, settings = make_server(require_keys=True)
    with socket.create_connection((settings.host, settings.port), timeout=10) as s:
        s.sendall(
            b"POST /v1/jobs HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
            b"Content-Length: 52428800\r\n\r\n" + b"x" * 65536
        )
        answer = b""
        while chunk := s.recv(65536):  # the server closes after its answer
            answer += chunk
    head = answer.split(b"\r\n\r\n")[0].lower()
    assert head.startswith(b"http/1.1 401") and b"connection: close" in head


def test_a_key_has_a_bounded_number_of_pending_jobs(make_server, tmp_path):
    url, _ = make_server(max_pending_jobs=2)
    big = b"text\n" + b"great stay, awful food\n" * 200_000
    for _ in range(2):
        files = {"file": ("big.csv", big)}
        r = httpx.post(url + "/v1/jobs", files=files, data={"model": "lexicon-en"})
        assert r.status_code == 202
    r = httpx.post(url + "/v1/jobs", files={"file": ("c.csv", b"text\nok\n")})
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_jobs"
    for job in httpx.get(url + "/v1/jobs").json()["results"]:
        httpx.delete(url + f"/v1/jobs/{job['id']}")
