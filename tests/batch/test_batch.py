"""`affectkit batch`: one row out per row in, errors in a column, resumable byte for byte."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from affectkit.batch import BatchJob, run_batch

EXE = Path(sys.executable).with_name("affectkit")


def write_csv(path: Path, n: int) -> Path:
    words = ["great", "awful", "fine", "not bad", "terrible!!", "I love it", "meh", "好极了"]
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(n):
            w.writerow([f"r{i}", f"{words[i % len(words)]} number {i}"])
    return path


def quiet(_msg):
    pass


def test_every_row_comes_out_once_in_order_with_errors_in_a_column(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": "a", "text": "I love it"}\n'
        b"not json\n"
        b'{"id": "c", "body": "no text field"}\n'
        b'{"id": "d", "text": "\\u4eca\\u5929\\u771f\\u5f00\\u5fc3"}\n'
        b'{"id": "e", "text": ""}\n'
    )
    out = tmp_path / "out.csv"
    s = run_batch(
        BatchJob(str(src), str(out), model="lexicon-en", id_col="id", chunk_size=2),
        progress=False,
        log=quiet,
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a", "2", "c", "d", "e"]  # the row number when no id
    assert rows[0]["label"] == "positive" and not rows[0]["error"]
    assert "JSON" in rows[1]["error"] and "text" in rows[2]["error"]
    assert rows[3]["flags"] == "unsupported" and rows[4]["flags"] == "empty"
    assert s.rows == 5 and s.errors == 2


def test_a_crash_mid_chunk_resumes_to_identical_bytes(tmp_path):
    src = write_csv(tmp_path / "in.csv", 1000)
    golden = tmp_path / "golden.jsonl"
    run_batch(
        BatchJob(str(src), str(golden), model="lexicon-en", id_col="id", chunk_size=100),
        progress=False,
        log=quiet,
    )
    # the state a kill -9 leaves: 3 chunks recorded, the 4th half written after them
    out = tmp_path / "out.jsonl"
    job = BatchJob(str(src), str(out), model="lexicon-en", id_col="id", chunk_size=100)
    full = golden.read_bytes()
    cut = sum(len(line) for line in full.splitlines(keepends=True)[:300])
    out.write_bytes(full[:cut] + full[cut : cut + 777])
    state = {
        "version": 1,
        "job": job.fingerprint(),
        "rows": 300,
        "errors": 0,
        "bytes": cut,
        "done": False,
    }
    Path(str(out) + ".progress.json").write_text(json.dumps(state))
    logs = []
    s = run_batch(job, progress=False, log=logs.append)
    assert any("resuming" in m for m in logs) and s.resumed_from == 300
    assert out.read_bytes() == full


def test_kill_9_then_rerun_gives_the_uninterrupted_output(tmp_path):
    src = write_csv(tmp_path / "in.csv", 60_000)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    args = ["--model", "lexicon-en", "--id-col", "id", "--chunk-size", "500", "-q"]
    golden = tmp_path / "golden.csv"
    subprocess.run([str(EXE), "batch", str(src), "-o", str(golden), *args], check=True, env=env)
    out = tmp_path / "out.csv"
    progress = Path(str(out) + ".progress.json")
    proc = subprocess.Popen([str(EXE), "batch", str(src), "-o", str(out), *args], env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        if progress.exists() and json.loads(progress.read_text() or "{}").get("rows", 0) >= 5000:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows_at_kill = json.loads(progress.read_text())["rows"]
    assert 0 < rows_at_kill < 60_000, "the kill must land mid-run"
    subprocess.run([str(EXE), "batch", str(src), "-o", str(out), *args], check=True, env=env)
    assert out.read_bytes() == golden.read_bytes()


def test_parquet_output_resumes_from_its_parts(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    src = write_csv(tmp_path / "in.csv", 250)
    out = tmp_path / "out.parquet"
    job = BatchJob(str(src), str(out), model="lexicon-en", id_col="id", chunk_size=100)

    calls = []

    def flaky(chunk):  # the third chunk's analysis dies like a crashed process
        from affectkit.batch import analyze_records

        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return analyze_records(chunk, model="lexicon-en")

    with pytest.raises(KeyboardInterrupt):
        run_batch(job, progress=False, log=quiet, analyze_chunk=flaky)
    assert not out.exists() and len(list((tmp_path / "out.parquet.parts").iterdir())) == 2
    s = run_batch(job, progress=False, log=quiet)
    assert s.resumed_from == 200
    table = pq.read_table(out)
    assert table.column("id").to_pylist() == [f"r{i}" for i in range(250)]
    assert not (tmp_path / "out.parquet.parts").exists()


def test_another_job_on_the_same_output_starts_afresh_and_restart_reruns(tmp_path):
    src = write_csv(tmp_path / "in.csv", 50)
    out = tmp_path / "out.jsonl"
    run_batch(BatchJob(str(src), str(out), model="lexicon-en"), progress=False, log=quiet)
    logs = []
    s = run_batch(BatchJob(str(src), str(out), model="lexicon-en"), progress=False, log=logs.append)
    assert s.rows == 50 and any("complete" in m for m in logs)
    s = run_batch(
        BatchJob(str(src), str(out), model="lexicon-en", language="en"),
        progress=False,
        log=logs.append,
    )
    assert s.resumed_from == 0 and any("another job" in m for m in logs)
    s = run_batch(
        BatchJob(str(src), str(out), model="lexicon-en", language="en"),
        progress=False,
        restart=True,
        log=quiet,
    )
    assert s.resumed_from == 0 and len(out.read_text().splitlines()) == 50


def test_bad_jobs_are_clear_errors(tmp_path):
    from affectkit.errors import InvalidInputError

    src = write_csv(tmp_path / "in.csv", 3)
    with pytest.raises(InvalidInputError, match="another file"):
        BatchJob(str(src), str(src))
    with pytest.raises(InvalidInputError, match=r"not \.txt"):
        BatchJob(str(src), str(tmp_path / "o.txt"))
    with pytest.raises(InvalidInputError, match="Cannot read the input"):
        run_batch(
            BatchJob(str(tmp_path / "missing.csv"), str(tmp_path / "o.csv")),
            progress=False,
            log=quiet,
        )


def test_a_column_of_media_paths_becomes_inputs_of_that_kind(tmp_path):
    from affectkit.records import read_records

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "a.wav").write_bytes(b"RIFF")
    src = tmp_path / "calls.csv"
    src.write_text("id,path\n1,clips/a.wav\n2,clips/missing.wav\n", encoding="utf-8")
    a, b = read_records(src, "path", "id", kind="audio")
    assert a.kind == "audio" and a.value.path == str((tmp_path / "clips" / "a.wav").resolve())
    assert b.value is None and "not found" in b.error
    out = tmp_path / "out.jsonl"
    summary = run_batch(
        BatchJob(str(src), str(out), text_col="path", id_col="id", input_kind="audio"),
        progress=False,
    )
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.rows == 2 and [r["id"] for r in rows] == ["1", "2"]
    assert rows[0]["label"] == "error" and rows[0]["text"].endswith("a.wav")
    assert "not a readable audio" in rows[0]["error"]  # the speech model read it, and said why
    assert rows[1]["label"] == "error" and "not found" in rows[1]["error"]


@pytest.mark.parametrize("link", ["hard", "symlink", "dotted"])
def test_an_output_that_is_the_input_by_another_name_is_refused(tmp_path, link):
    from affectkit.errors import InvalidInputError

    src = write_csv(tmp_path / "work.csv", 20)
    before = src.read_bytes()
    out = tmp_path / "hard.csv"
    if link == "hard":
        os.link(src, out)
    elif link == "symlink":
        out.symlink_to(src)
    else:
        (tmp_path / "sub").mkdir()
        out = tmp_path / "sub" / ".." / "work.csv"
    with pytest.raises(InvalidInputError, match="would destroy the input"):
        run_batch(BatchJob(str(src), str(out), model="lexicon-en"), progress=False, log=quiet)
    p = subprocess.run([str(EXE), "batch", str(src), "-o", str(out), "-m", "lexicon-en", "-q"],
                       capture_output=True, text=True)  # fmt: skip
    assert p.returncode == 2 and "would destroy the input" in p.stderr
    assert "Traceback" not in p.stderr and src.read_bytes() == before


def test_read_limits_reach_the_reader_and_stay_out_of_the_fingerprint(tmp_path):
    from affectkit.errors import DataFormatError
    from affectkit.records import ReadLimits

    src = write_csv(tmp_path / "in.csv", 50)
    out = tmp_path / "out.jsonl"
    job = BatchJob(str(src), str(out), model="lexicon-en", chunk_size=10,
                   limits=ReadLimits(max_rows=25))  # fmt: skip
    with pytest.raises(DataFormatError, match=r"more than 25 rows.*row 26.*--max-rows"):
        run_batch(job, progress=False, log=quiet)
    assert job.fingerprint() == BatchJob(str(src), str(out), model="lexicon-en").fingerprint()
    # the same job with a higher limit resumes after the chunks the first run finished
    s = run_batch(BatchJob(str(src), str(out), model="lexicon-en", chunk_size=10),
                  progress=False, log=quiet)  # fmt: skip
    assert s.resumed_from == 20 and s.rows == 50 and len(out.read_text().splitlines()) == 50


def test_limit_flags_on_the_command_line(tmp_path):
    src = write_csv(tmp_path / "in.csv", 30)
    args = [str(EXE), "batch", str(src), "-o", str(tmp_path / "o.jsonl"), "-m", "lexicon-en", "-q"]
    for flags, message in (
        (["--max-rows", "10"], "has more than 10 rows (the max_rows limit), at row 11"),
        (["--max-line-chars", "8"], "line longer than 8 characters"),
        (["--max-input-bytes", "100"], "more than 100 bytes once decompressed"),
    ):
        p = subprocess.run([*args, *flags], capture_output=True, text=True)
        assert p.returncode == 2 and message in p.stderr, p.stderr
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    p = subprocess.run([*args, "--max-rows", "none", "--restart"], capture_output=True, text=True)
    assert p.returncode == 0 and "wrote 30 rows" in p.stderr


@pytest.mark.parametrize("damage", ["deleted", "emptied"])
def test_a_partial_output_deleted_or_cut_is_not_resumed_after(tmp_path, damage):
    from affectkit.batch.local import analyze_records

    src = tmp_path / "in.txt"
    src.write_text("".join(f"good text {i}\n" for i in range(10)), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    job = BatchJob(str(src), str(out), model="lexicon-en", chunk_size=3)
    calls = []

    def stop_at_third(chunk):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return analyze_records(chunk, model="lexicon-en")

    with pytest.raises(KeyboardInterrupt):
        run_batch(job, progress=False, analyze_chunk=stop_at_third)
    if damage == "deleted":
        out.unlink()
    else:
        out.write_bytes(b"")
    summary = run_batch(job, progress=False, log=lambda m: None)
    raw = out.read_bytes()
    assert b"\x00" not in raw and summary.rows == 10 and summary.resumed_from == 0
    assert [json.loads(line)["id"] for line in raw.splitlines()] == [str(i) for i in range(1, 11)]
