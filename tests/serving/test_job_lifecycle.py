"""Batch jobs that are deleted while they run, and files left behind by a crash."""

import json
import time

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

from affectkit.client import Client  # noqa: E402
from affectkit.storage import Store  # noqa: E402


def _files(settings) -> list[str]:
    return sorted(p.name for d in ("uploads", "results") for p in (settings.data_dir / d).iterdir())


def test_deleting_a_running_job_stops_it_and_the_next_job_runs(make_server, tmp_path):
    url, settings = make_server()
    big = tmp_path / "big.csv"
    big.write_text("text\n" + "great stay, awful food\n" * 300_000, encoding="utf-8")
    small = tmp_path / "small.csv"
    small.write_text("text\ngood\nbad\n", encoding="utf-8")
    with Client(url) as c:
        job = c.submit_job(big, model="lexicon-en")
        deadline = time.time() + 30
        while c.job(job["id"])["rows_done"] == 0 and time.time() < deadline:
            time.sleep(0.05)  # it has written its first chunk
        c.delete_job(job["id"])
        t0 = time.time()
        nxt = c.submit_job(small, model="lexicon-en")
        done = c.wait_job(nxt["id"], timeout=10)
        assert done["status"] == "done" and time.time() - t0 < 5
        # the deleted job's upload, results and progress file are gone
        assert _files(settings) == sorted([f"{nxt['id']}.csv", f"{nxt['id']}.jsonl",
                                           f"{nxt['id']}.jsonl.progress.json"])  # fmt: skip
        assert [j["id"] for j in c.jobs()] == [nxt["id"]]


def test_files_of_no_job_are_removed_at_start_up(make_server, tmp_path):
    from affectkit.serving.jobs import JobRunner

    data = tmp_path / "data-orphans"
    store = Store(data / "affectkit.sqlite3")
    runner = JobRunner(store, data)
    job_id, src, out = runner.new_job_paths("kept.csv")
    src.write_text("text\ngood\n", encoding="utf-8")
    store.add_job(
        {
            "id": job_id, "created": 0.0, "key_id": None, "status": "done",
            "filename": "kept.csv", "input_path": str(src), "output_path": str(out),
            "params": json.dumps({"text_col": "text", "model": "lexicon-en", "language": "auto"}),
            "rows_total": 1,
        }
    )  # fmt: skip
    out.write_text("{}\n")
    # what a job deleted while it ran leaves when the service is killed before it stops
    (data / "uploads" / "job_0123456789abcdef.csv").write_text("text\nx\n")
    (data / "results" / "job_0123456789abcdef.jsonl").write_text("{}\n")
    (data / "results" / "job_0123456789abcdef.jsonl.progress.json").write_text("{}")
    (data / "results" / "job_0123456789abcdef.jsonl.parts").mkdir()
    runner.close()
    store.close()
    url, settings = make_server(data_dir=data)
    assert _files(settings) == sorted([src.name, out.name])
    with Client(url) as c:
        assert [j["id"] for j in c.jobs()] == [job_id]


def test_an_upload_on_a_full_disk_is_a_507_and_leaves_nothing_behind(make_server, monkeypatch):
    import errno

    from affectkit.serving import jobs

    url, settings = make_server()

    def full(src, dst, length=0):
        dst.write(src.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(jobs.shutil, "copyfileobj", full)
    r = httpx.post(url + "/v1/jobs", files={"file": ("a.csv", b"text\ngood\n")})
    assert r.status_code == 507 and r.json()["error"]["code"] == "storage", r.text
    assert "No space left" in r.json()["error"]["message"] and _files(settings) == []
    monkeypatch.undo()
    files = {"file": ("a.csv", b"text\ngood\n")}
    r = httpx.post(url + "/v1/jobs", files=files, data={"model": "lexicon-en"})
    assert r.status_code == 202  # space again: uploads work again
