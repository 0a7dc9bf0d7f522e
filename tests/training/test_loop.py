"""The training loop: an interrupted run resumes from its checkpoint, a full disk is a clear
error."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from affectkit.training.config import TrainingConfig

EXE = Path(sys.executable).with_name("affectkit")

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


def test_interrupted_run_resumes_from_its_checkpoint(tmp_path, fixtures):
    out = tmp_path / "m"
    args = [
        str(EXE),
        "train",
        "--data",
        str(fixtures / "train_reviews.csv"),
        "-o",
        str(out),
        "--epochs",
        "4",
        "--batch-size",
        "4",
        "--evals-per-epoch",
        "3",
        "--patience",
        "20",
        "--name",
        "resume@1",
        "--val-ratio",
        "0.25",
        "-q",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # SIGINT at its default in the child even when this test runs in a background job (which
    # starts with SIGINT ignored, and Python then never raises KeyboardInterrupt)
    p = subprocess.Popen(
        args,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.2)
    assert (out / "checkpoint.pt").exists(), "no checkpoint was written"
    # at once: the checkpoint is written atomically, and on an idle machine the rest of this
    # tiny run can finish in well under a second
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2, err
    assert "Progress is saved" in err and "Traceback" not in err
    second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "resuming from" in second.stderr
    history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
    assert history[-1]["epoch"] == pytest.approx(4.0)
    assert [h["step"] for h in history] == sorted(h["step"] for h in history)


def test_a_full_disk_is_a_clear_error_and_the_rerun_resumes(tmp_path, fixtures, monkeypatch):
    torch = pytest.importorskip("torch")
    import errno

    from affectkit.errors import StorageError
    from affectkit.training.trainer import train

    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=2,
                         batch_size=16, evals_per_epoch=1, output=str(tmp_path / "m"),
                         name="disk@1")  # fmt: skip
    real_save, calls = torch.save, []

    def save(obj, f, *a, **k):  # the filesystem is the boundary: the 2nd write finds it full
        calls.append(f)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(StorageError, match=r"No space left on device.*resumes"):
        train(cfg, progress=False, log=lambda m: None)
    assert (tmp_path / "m" / "checkpoint.pt").is_file()  # the first checkpoint is intact
    assert not (tmp_path / "m" / "checkpoint.tmp").exists()
    monkeypatch.setattr(torch, "save", real_save)
    logs = []
    train(cfg, progress=False, log=logs.append)
    assert any("resuming from" in m for m in logs)
    assert (tmp_path / "m" / "config.json").is_file()
