"""Chunking, length-sorted batching and occlusion: pure batching first, then on the review model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from affectkit.results import FLAG_CHUNKED
from affectkit.text import classifier as tm
from tests.text.classifier.reviews import HELD_OUT, POSITIVE


def test_length_batches_cover_every_index_once_and_pad_little():
    rng = np.random.default_rng(0)
    lengths = rng.integers(3, 120, size=200)
    batches = tm.length_batches(lengths, batch_size=32)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(200))
    assert max(len(b) for b in batches) <= 32
    for b in batches:
        width, real = lengths[b].max(), lengths[b].sum()
        # a batch is cut once padding would pass the slack, unless it is still tiny
        assert len(b) <= tm.MIN_BATCH or width * len(b) <= (1 + tm.PAD_SLACK) * real
    # one micro-batch of mixed lengths pads far less than one padded batch would
    mixed = np.array([4, 5, 6, 40, 41, 42, 90, 95, 5, 44, 92, 6])
    cut = tm.length_batches(mixed, batch_size=32, min_batch=2)
    padded = sum(int(mixed[b].max()) * len(b) for b in cut)
    assert len(cut) == 3 and padded < 0.5 * int(mixed.max()) * len(mixed)
    # equal lengths stay in full batches; nothing to batch gives nothing
    assert [len(b) for b in tm.length_batches(np.full(70, 10), batch_size=32)] == [32, 32, 6]
    assert tm.length_batches(np.array([], dtype=np.int64), batch_size=8) == []


@pytest.mark.slow
def test_batch_order_does_not_change_results(analyzer):
    texts = [t for t, _ in HELD_OUT] + POSITIVE[:5] + ["", "ok"]
    forward = analyzer.analyze(texts)
    backward = analyzer.analyze(texts[::-1])[::-1]
    module = analyzer.torch_module()  # share the loaded weights
    small = tm.TextModelAnalyzer.from_pretrained(
        analyzer.folder, batch_size=3, encoder=module.encoder, head=module.head
    ).analyze(texts)
    for a, b, c in zip(forward, backward, small, strict=True):
        assert a.label == b.label == c.label
        assert a.confidence == pytest.approx(b.confidence, abs=1e-5)
        assert a.confidence == pytest.approx(c.confidence, abs=1e-5)


@pytest.mark.slow
def test_long_text_is_chunked_not_truncated(analyzer):
    good = "The staff were friendly and helpful and the food was delicious. "
    filler = "We arrived on a Tuesday and took the train into the old town. "
    bad = "Sadly the last night was ruined by a noisy, rude neighbour. "
    text = (good * 160 + filler * 60 + bad * 40).strip()  # ~3,000 words
    assert len(text.split()) > 2900
    (r,) = analyzer.analyze([text])
    assert FLAG_CHUNKED in r.flags
    assert r.label == "positive"
    agg = r.raw["aggregation"]
    assert agg["method"] == "token-weighted mean"
    chunks = r.raw["chunks"]
    assert agg["chunks"] == len(chunks) > 20
    assert all(c["tokens"] <= analyzer.window() for c in chunks)
    covered = np.zeros(len(text), dtype=bool)
    for c in chunks:
        covered[c["start"] : c["end"]] = True
    assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace())  # nothing dropped
    assert {c["label"] for c in chunks} == {"positive", "negative"}  # the end was read too
    json.dumps(r.to_dict())


@pytest.mark.slow
def test_explain_gives_token_evidence_with_offsets(analyzer):
    text = "The room was dirty but the breakfast was wonderful and the staff were lovely."
    (r,) = analyzer.analyze([text], explain=True)
    assert r.evidence
    for e in r.evidence:
        assert e.kind == "token" and e.label == r.label
        assert text[e.start : e.end] == e.text
    top = max(r.evidence, key=lambda e: e.weight)
    assert top.text in {"wonderful", "lovely"}
    (long,) = analyzer.analyze([" ".join(["good"] * 70)], explain=True)
    assert long.evidence == () and "skipped" in long.raw["explain"]
