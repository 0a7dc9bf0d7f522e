"""Sentence splitting, word spans and chunk planning (pure functions, no model)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from affectkit.text.segment import plan_chunks, split_sentences, word_spans


def sentences(text: str) -> list[str]:
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans) == text  # a partition of the text
    return [text[s:e] for s, e in spans]


def test_english_sentences():
    text = "The room was clean. The staff? Rude! I paid $3.50 for tea... Never again"
    assert sentences(text) == [
        "The room was clean. ",
        "The staff? ",
        "Rude! ",
        "I paid $3.50 for tea... ",
        "Never again",
    ]


def test_abbreviations_and_quotes_do_not_split_wrongly():
    text = 'Dr. Smith said "it was great." Then e.g. nothing. Mr. Li left.'
    assert sentences(text) == [
        'Dr. Smith said "it was great." ',
        "Then e.g. nothing. ",
        "Mr. Li left.",
    ]


def test_chinese_sentences():
    text = "这家酒店很好。服务一般！为什么这么贵？算了吧…下次不来了"
    assert sentences(text) == [
        "这家酒店很好。",
        "服务一般！",
        "为什么这么贵？",
        "算了吧…",
        "下次不来了",
    ]


def test_chinese_quotes_and_repeated_marks_stay_with_the_sentence():
    assert sentences("他说：“太棒了！”真的吗？！好。") == ["他说：“太棒了！”", "真的吗？！", "好。"]


def test_mixed_english_chinese_and_line_breaks():
    text = "I love it!这家店很好。 Really good\n\nsecond paragraph"
    assert sentences(text) == ["I love it!", "这家店很好。 ", "Really good\n\n", "second paragraph"]


@pytest.mark.parametrize("text", ["", " ", "no end at all", "  leading space. trailing space.  "])
def test_edge_cases_still_partition(text):
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans) == text
    assert (spans == []) == (text == "")


def test_word_spans():
    text = "I don't like well-made 😊 things, 这家店 OK!"
    words = [text[s:e] for s, e in word_spans(text)]
    assert words == ["I", "don't", "like", "well-made", "😊", "things", "这", "家", "店", "OK"]


def whitespace_tokens(text: str) -> np.ndarray:
    """Start offsets of whitespace-separated 'tokens', standing in for a tokenizer."""
    return np.asarray([m.start() for m in re.finditer(r"\S+", text)], dtype=np.int64)


def check_chunks(chunks, n_tokens, window):
    assert all(0 < b - a <= window for a, b in chunks)
    covered = np.zeros(n_tokens, dtype=bool)
    for a, b in chunks:
        covered[a:b] = True
    assert covered.all()  # nothing truncated
    assert [a for a, _ in chunks] == sorted(a for a, _ in chunks)


def test_short_text_is_one_chunk():
    assert plan_chunks(np.arange(5), [(0, 5)], window=10) == [(0, 5)]
    assert plan_chunks(np.arange(0), [], window=10) == [(0, 0)]


def test_chunks_pack_whole_sentences_and_fit_the_window():
    text = " ".join(f"Sentence number {i} has exactly six words." for i in range(40))
    starts = whitespace_tokens(text)  # 7 tokens per sentence
    window = 20
    chunks = plan_chunks(starts, split_sentences(text), window)
    check_chunks(chunks, len(starts), window)
    assert all((b - a) % 7 == 0 for a, b in chunks)  # cut between sentences only
    assert [b - a for a, b in chunks[:-1]] == [14] * (len(chunks) - 1)  # greedy packing


def test_long_sentence_is_cut_by_tokens_with_overlap():
    text = "word " * 300  # one sentence, 300 tokens
    starts = whitespace_tokens(text)
    chunks = plan_chunks(starts, split_sentences(text), window=100, stride=10)
    check_chunks(chunks, 300, 100)
    assert chunks[0] == (0, 100)
    assert chunks[1][0] == 90  # overlaps the previous chunk by the stride


def test_long_sentence_cut_prefers_word_starts():
    starts = np.arange(50)
    word_starts = np.zeros(50, dtype=bool)
    word_starts[::3] = True  # every word is three sub-word tokens
    chunks = plan_chunks(starts, [(0, 50)], window=10, stride=2, word_starts=word_starts)
    check_chunks(chunks, 50, 10)
    assert all(word_starts[b] for _, b in chunks[:-1])  # never cut inside a word


def test_mixed_long_and_short_sentences():
    text = "Short one. " + "long " * 90 + "end. Another short one. And more here."
    starts = whitespace_tokens(text)
    chunks = plan_chunks(starts, split_sentences(text), window=32, stride=4)
    check_chunks(chunks, len(starts), 32)
    assert chunks[0] == (0, 2)  # the short sentence before the long one stays whole


def test_plan_chunks_rejects_bad_arguments():
    with pytest.raises(ValueError, match="window"):
        plan_chunks(np.arange(3), [(0, 3)], window=0)
    with pytest.raises(ValueError, match="stride"):
        plan_chunks(np.arange(30), [(0, 30)], window=10, stride=10)
