"""Tokens of ``lexicon-zh@1``: a text as classified words with character offsets.

`tokenize` maps traditional characters to simplified ones (one for one, so offsets stay valid),
cuts out Weibo tags (``[哈哈]``), emoji and a few ASCII emoticons as tokens of their own, and
segments the rest with jieba. A jieba word the lexicon does not know (服务满意, 好开心, 很差) is
split into the fewest known pieces (服务 + 满意) unless that would scatter it into single
characters (a name such as 张三丰 stays whole). Latin words are looked up lower-cased.
Each token gets one class (negator, degree adverb, contrast word, sentiment word ...) that
`zh_rules.apply_rules` acts on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from affectkit.text.lexicon.zh_lexicon import Lexicon
from affectkit.text.lexicon.zh_tables import (
    AMBIGUOUS_DEGREE,
    CONCESSIVE,
    CONTRAST,
    WEAK_NEGATORS,
    to_simplified,
)

# Weibo tags, emoji (with an optional variation selector) and ASCII emoticons: a token each
# when the lexicon knows them.
TAG_RE = re.compile(
    r"\[[^\[\]\s]{1,8}\]|[\U0001F300-\U0001FAFF\u2600-\u27BF]\ufe0f?|\^_\^|T_T|[:;=]-?[)(D]"
)
_CLAUSE_END = frozenset("，,。.！!？?；;：:～~…\n\r\t 、\u3000")
# Particles: single characters a split may leave without making it look like a name (see
# `_split_known`).
_PARTICLES = frozenset("了的啊吧呢呀啦哦嘛么哈得地着过")
# Negators that head a jieba word as part of it (see `_split_known`).
_BOUND_HEADS = frozenset("非")

# Token classes
PUNCT, NEG, WEAKNEG, DEG, CONTR, CONCESS, WORD, EMOJI_TOK, OTHER = range(9)


@dataclass(frozen=True, slots=True)
class Token:
    key: str  # lexicon key: simplified, ASCII lower-cased
    start: int
    end: int
    cls: int


def tokenize(text: str, lex: Lexicon) -> list[Token]:
    """Segment `text` into classified tokens with character offsets into `text`."""
    simp = to_simplified(text)
    out: list[Token] = []
    pos = 0
    for m in TAG_RE.finditer(simp):
        key = m.group().rstrip("\ufe0f")
        if key not in lex.emoji:
            continue
        if m.start() > pos:
            _segment(simp, pos, m.start(), lex, out)
        out.append(Token(key, m.start(), m.end(), EMOJI_TOK))
        pos = m.end()
    if pos < len(simp):
        _segment(simp, pos, len(simp), lex, out)
    return out


def _segment(simp: str, lo: int, hi: int, lex: Lexicon, out: list[Token]) -> None:
    for word, s, e in lex.resources.tokenizer.tokenize(simp[lo:hi]):
        key = word.lower() if word.isascii() else word
        _emit(key, lo + s, lo + e, lex, out)


def _classify(key: str, lex: Lexicon) -> int:
    res = lex.resources
    if key in res.negators:
        return NEG
    if key in WEAK_NEGATORS:
        return WEAKNEG
    if key in res.degrees:
        return DEG
    if key in CONTRAST:
        return CONTR
    if key in CONCESSIVE:
        return CONCESS
    if not any(ch.isalnum() for ch in key):
        return PUNCT if any(ch in _CLAUSE_END for ch in key) else OTHER
    if key in lex.weights:
        return WORD
    return OTHER


def _emit(key: str, start: int, end: int, lex: Lexicon, out: list[Token]) -> None:
    """Append a token. A word the lexicon does not know (jieba's dictionary and HMM glue
    好开心, 服务满意, 很差) is split into the fewest known pieces when that leaves at most one
    single character other than a particle or a modifier; otherwise it stays one unscored
    token."""
    cls = _classify(key, lex)
    if cls == OTHER and 2 <= len(key) <= 12 and not key.isascii():
        parts = _split_known(key, lex)
        if parts is not None:
            pos = start
            for part in parts:
                out.append(Token(part, pos, pos + len(part), _classify(part, lex)))
                pos += len(part)
            return
    out.append(Token(key, start, end, cls))


def _split_known(key: str, lex: Lexicon) -> list[str] | None:
    """Fewest pieces of `key` that are all lexicon or rule words (dynamic programming)."""
    n = len(key)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 4), i, -1):
            piece = key[i:j]
            if _classify(piece, lex) == OTHER and piece not in AMBIGUOUS_DEGREE:
                continue
            cand = [*best[i], piece]  # type: ignore[misc]
            if best[j] is None or len(cand) < len(best[j]):
                best[j] = cand
    parts = best[n]
    if parts is None or len(parts) < 2:
        return None
    # 非 at the head of a word is a prefix or a bound syllable, not the negation 非: 非洲人
    # "African" is not 非 + 洲人, nor 非凡 "outstanding" 非 + 凡
    if parts[0] in _BOUND_HEADS:
        return None
    # 很差 -> 很 + 差 is a split; 张三丰 -> 张 + 三 + 丰 is a name, not three words
    singles = sum(
        1
        for p in parts
        if len(p) == 1 and p not in _PARTICLES and _classify(p, lex) not in (NEG, WEAKNEG, DEG)
    )
    return parts if singles <= 1 else None
