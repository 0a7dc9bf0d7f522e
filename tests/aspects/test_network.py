"""The aspect model's text handling and scoring, without the network: token spans, O/B/I
labels, decoding tags back to character spans, the data splits and the metrics."""

from __future__ import annotations

import json

import numpy as np
import pytest

from affectkit.aspects.metrics import polarity_scores, span_f1
from affectkit.aspects.network import IGNORE, bio_labels, decode_terms, encode, span_mask
from affectkit.errors import InvalidInputError


@pytest.fixture(scope="module")
def tk():
    from affectkit.text import e5
    from affectkit.text.classifier.encoder import EncoderTokenizer

    return EncoderTokenizer.from_folder(e5.encoder_dir()).tk


def test_spans_cover_the_text_only_and_drop_leading_spaces(tk):
    text = "The fish tacos were great"
    enc = encode(tk, text)
    words = [text[s:e] for s, e in (sp for sp in enc.spans if sp)]
    assert "".join(words) == text.replace(" ", "")
    assert enc.spans[0] is None  # <s>
    assert all(not text[s].isspace() for s, e in (sp for sp in enc.spans if sp))


def test_pair_marks_only_text_tokens_and_the_term_in_the_text(tk):
    text = "Great food but the service was dreadful"
    start = text.index("service")
    enc = encode(tk, text, "service")
    mask = span_mask(enc.spans, start, start + len("service"))
    marked = [text[sp[0] : sp[1]] for sp, m in zip(enc.spans, mask) if m]
    assert "".join(marked) == "service"
    assert len(enc.ids) > len(encode(tk, text).ids)  # the term's side is there, unmarked


def test_bio_labels_round_trip_through_decoding(tk):
    for text, terms in [
        ("The fish tacos were great but the wine list was short", ["fish tacos", "wine list"]),
        ("外观很漂亮，拍照效果不错", ["外观", "拍照效果"]),
    ]:
        spans = [(text.index(t), text.index(t) + len(t)) for t in terms]
        enc = encode(tk, text)
        labels = bio_labels(enc.spans, spans)
        assert labels[0] == IGNORE
        onehot = np.zeros((len(labels), 3))
        for i, lab in enumerate(labels):
            onehot[i, max(lab, 0)] = 1.0
        decoded = [(s, e) for s, e, _ in decode_terms(enc.spans, onehot)]
        assert decoded == spans


def test_adjacent_terms_stay_apart():
    spans = [None, (0, 3), (4, 8), (9, 12)]
    probs = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    assert [(s, e) for s, e, _ in decode_terms(spans, probs)] == [(0, 3), (4, 12)]


def test_metrics():
    f = span_f1([[(0, 3), (5, 9)], []], [[(0, 3), (5, 8)], [(1, 2)]])
    assert f["precision"] == pytest.approx(1 / 3) and f["recall"] == pytest.approx(0.5)
    s = polarity_scores(["positive", "negative", "positive"], ["positive", "positive", "positive"])
    assert s["accuracy"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((0.8 + 0.0) / 2)


def test_splits_are_per_file_and_disjoint(tmp_path):
    from affectkit.training.aspects import read_file, split

    rows = []
    for i in range(100):
        text = f"The pasta number {i} was good"
        rows.append(
            {
                "id": str(i),
                "text": text,
                "aspects": [{"term": "pasta", "from": 4, "to": 9, "polarity": "positive"}],
            }
        )
    path = tmp_path / "toy_train.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    parts = split(read_file(path))
    assert [len(parts[k]) for k in ("train", "validation", "heldout")] == [85, 5, 10]
    ids = [{s.id for s in parts[k]} for k in parts]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert parts["train"][0].source == "toy"


def test_a_term_off_its_span_is_a_one_line_error(tmp_path):
    from affectkit.training.aspects import read_file

    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"text": "Nice screen", "aspects": [{"term": "screen", "from": 0, "to": 6}]})
    )
    with pytest.raises(InvalidInputError, match=r"bad.jsonl:1: text\[0:6\] is not 'screen'"):
        read_file(path)


def test_tagged_pieces_widen_to_whole_words_and_overlaps_merge():
    from affectkit.aspects.analyzer import _no_overlaps, _whole_words

    text = "the screen scratches easily; 屏幕很好"
    s = text.index("scratches")
    assert _whole_words(text, s + 7, s + 9, 0.9)[:2] == (s, s + 9)  # "es" -> "scratches"
    z = text.index("屏幕")
    assert _whole_words(text, z + 1, z + 2, 0.9)[:2] == (z + 1, z + 2)  # Han: no word gaps
    assert _no_overlaps([(4, 10, 0.5), (0, 3, 0.9), (8, 12, 0.7)]) == [(0, 3, 0.9), (4, 12, 0.7)]
