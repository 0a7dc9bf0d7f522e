"""Sentence splitting, word spans and chunk planning for texts longer than a model's window.

Pure functions (str / numpy in, spans out); the transformer analyzer (`affectkit.text.classifier`)
uses them, and they are tested alone.

- `split_sentences` partitions a text into sentence spans (English and Chinese punctuation,
  line breaks); the spans are contiguous and together cover the whole text.
- `word_spans` finds the words of a text for occlusion (a Han character counts as one word).
- `plan_chunks` packs whole sentences into token windows of at most `window` tokens; a sentence
  longer than the window is cut by tokens with a small overlap (`stride`). Every token lands in
  at least one chunk: nothing is truncated.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import numpy as np

# Sentence ends: ASCII . ! ? when followed by whitespace, the end or a Han character (so "3.14"
# stays whole, and mixed English/Chinese text splits); CJK 。！？ and the ellipsis … wherever they
# are (Chinese puts no space after them). Closing quotes/brackets after the punctuation belong to
# the sentence. Line breaks end a sentence too (lists, reviews without punctuation).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CLOSERS = "\"'”’」』）)\\]"
_BOUNDARY = re.compile(
    rf"[.!?]+[{_CLOSERS}]*(?=\s|$|[{_HAN}])|[。！？…][.!?。！？…]*[{_CLOSERS}]*|\n+",
)
# Abbreviations after which a period does not end a sentence (lower case, without the period).
ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "jr", "sr"}
)
_WORD_BEFORE = re.compile(r"([\w.]+)$")

# A Han character alone, or a run of letters/digits (apostrophes and hyphens inside a word
# keep it whole: "don't", "well-made"), or one symbol such as an emoji.
_WORD = re.compile(
    rf"[{_HAN}]|(?:(?![{_HAN}])[^\W_])+(?:['’\-](?:(?![{_HAN}])[^\W_])+)*|[^\w\s]",
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Partition `text` into sentence spans ``(start, end)`` (character offsets).

    The spans are contiguous and cover the whole text: whitespace after a sentence end belongs
    to the sentence before it, so ``"".join(text[s:e] for s, e in spans) == text``. An empty
    text has no spans; a text without any sentence end is one span.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if end <= start:  # inside whitespace already swallowed by the previous sentence
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start()):
            continue
        while end < n and text[end].isspace():
            end += 1
        if text[start:end].strip():
            spans.append((start, end))
            start = end
    if start < n:
        if spans and not text[start:].strip():
            spans[-1] = (spans[-1][0], n)
        else:
            spans.append((start, n))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at `dot` closes a known abbreviation ("Dr.", "e.g.")."""
    if dot + 1 < len(text) and text[dot + 1] == ".":  # "..." is an ellipsis, not "etc."
        return False
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot)  # bounded: no O(n^2) on 1 MB
    return m is not None and m.group(1).lower().strip(".") in ABBREVIATIONS


def word_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the words of `text`: letter/digit runs, single Han characters, single symbols.

    Punctuation is not a word (occluding a comma says little); emoji and other symbols are.
    """
    out = []
    for m in _WORD.finditer(text):
        s, e = m.span()
        if e - s == 1 and unicodedata.category(text[s]).startswith("P"):
            continue
        out.append((s, e))
    return out


def plan_chunks(
    token_starts: np.ndarray,
    sentences: list[tuple[int, int]],
    window: int,
    *,
    stride: int | None = None,
    word_starts: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Token ranges ``[a, b)`` of at most `window` tokens, aligned to sentences where possible.

    - `token_starts`: (N,) character offset where each token of the text starts, ascending.
    - `sentences`: sentence spans from `split_sentences` (character offsets).
    - `word_starts`: optional (N,) bool, True where a token begins a word; a sentence cut by
      tokens is then cut before a word rather than inside it, when a word start is near.

    Whole sentences are packed greedily while they fit. A sentence longer than the window is cut
    into windows that overlap by `stride` tokens (default: a quarter of the window, at most 16),
    so no token is lost and every token has some context. The ranges are in order and cover every
    token ``0..N-1`` at least once.
    """
    if stride is None:
        stride = min(16, window // 4)
    if window < 1:
        raise ValueError(f"window must be at least 1 token, got {window}.")
    if not 0 <= stride < window:
        raise ValueError(f"stride must be in [0, window={window}), got {stride}.")
    n = len(token_starts)
    if n <= window:
        return [(0, n)]
    # First token of each sentence; tokens before the first sentence start join the first.
    sent_starts = np.asarray([s for s, _ in sentences], dtype=np.int64)
    firsts = np.searchsorted(np.asarray(token_starts), sent_starts, side="left")
    bounds = sorted({0, n, *(int(f) for f in firsts if 0 < f < n)})

    chunks: list[tuple[int, int]] = []
    cur_a = cur_b = 0  # the chunk being packed: tokens [cur_a, cur_b)
    for a, b in itertools.pairwise(bounds):
        if b - a > window:
            if cur_b > cur_a:
                chunks.append((cur_a, cur_b))
            chunks.extend(_cut(a, b, window, stride, word_starts))
            cur_a = cur_b = b
        elif b - cur_a > window:
            chunks.append((cur_a, cur_b))
            cur_a, cur_b = a, b
        else:
            cur_b = b
    if cur_b > cur_a:
        chunks.append((cur_a, cur_b))
    return chunks


def _cut(
    a: int, b: int, window: int, stride: int, word_starts: np.ndarray | None
) -> list[tuple[int, int]]:
    """Cut tokens [a, b) into windows overlapping by `stride`, preferring cuts before words."""
    out = []
    s = a
    while True:
        e = min(s + window, b)
        if e < b and word_starts is not None:
            # Move the cut back to the nearest word start, but keep at least half a window.
            back = e
            while back > s + window // 2 and not word_starts[back]:
                back -= 1
            if word_starts[back] and back > s + stride:
                e = back
        out.append((s, e))
        if e >= b:
            return out
        s = max(e - stride, s + 1)
