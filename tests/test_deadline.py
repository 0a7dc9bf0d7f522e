"""`affectkit.deadline`: scopes, cancellation, threads, and the loops that check it."""

import threading
import time

import numpy as np
import pytest

from affectkit import api, deadline
from affectkit.errors import AffectError, DeadlineExceeded
from affectkit.text.classifier.inference import run_batches


def test_check_is_free_outside_a_scope_and_raises_past_the_deadline():
    deadline.check()  # no scope: never raises
    assert deadline.remaining() is None
    with deadline.scope(seconds=0.05) as d:
        deadline.check()
        assert 0 < deadline.remaining() <= 0.05
        time.sleep(0.06)
        with pytest.raises(DeadlineExceeded, match="past its deadline"):
            deadline.check()
        assert d.why() is not None
    deadline.check()  # the scope is closed
    assert issubclass(DeadlineExceeded, AffectError)


def test_cancel_flag_and_nested_scopes():
    flag = threading.Event()
    with deadline.scope(cancel=flag):
        with deadline.scope(seconds=60):  # the inner one also stops with the outer one
            deadline.check()
            flag.set()
            with pytest.raises(DeadlineExceeded, match="cancelled"):
                deadline.check()
    with deadline.scope(seconds=0.0), deadline.scope(seconds=60):
        with pytest.raises(DeadlineExceeded):
            deadline.check()
        assert deadline.remaining() <= 0


def test_a_scope_belongs_to_the_thread_that_opened_it():
    seen = []
    with deadline.scope(seconds=0.0):
        t = threading.Thread(target=lambda: seen.append(deadline.current()))
        t.start()
        t.join()
    assert seen == [None]


def test_the_classifier_stops_between_forward_passes():
    calls = []

    def run_batch(ids, mask):  # (B, T) -> logits (B, 3), pooled (B, 0)
        calls.append(len(ids))
        time.sleep(0.02)
        return np.zeros((len(ids), 3), np.float32), np.zeros((len(ids), 0), np.float32)

    seqs = [np.arange(5, dtype=np.int64)] * 100  # 100 passes of one sequence: 2 s
    kw = {"pad_id": 0, "batch_size": 1, "num_labels": 3, "hidden": None}
    t0 = time.perf_counter()
    with deadline.scope(seconds=0.2), pytest.raises(DeadlineExceeded):
        run_batches(seqs, run_batch, **kw)
    assert time.perf_counter() - t0 < 0.5 and len(calls) < 20
    logits, _ = run_batches(seqs[:3], run_batch, **kw)  # no scope: runs to the end
    assert logits.shape == (3, 3)


def test_analyze_raises_past_the_deadline_even_when_flagging_errors():
    with deadline.scope(seconds=0.0), pytest.raises(DeadlineExceeded):
        api.analyze(["good"], model="lexicon-en", errors="flag")
    assert api.analyze(["good"], model="lexicon-en", errors="flag")[0].label == "positive"


def test_the_ngram_analyzer_stops_between_texts():
    from pathlib import Path

    import affectkit
    from affectkit import registry

    folder = Path(affectkit.__file__).parent / "models" / "text-emotion-zh" / "ngram"
    ngram = registry.load(str(folder))
    assert ngram.analyze(["今天真开心"])[0].label != "error"
    with deadline.scope(seconds=0.0), pytest.raises(DeadlineExceeded):
        ngram.analyze(["今天真开心"] * 3)
