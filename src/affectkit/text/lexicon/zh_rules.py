"""The rules of ``lexicon-zh@1``: tokens in, scored tokens (`Hit`) with rule multipliers out.

`apply_rules` is steps 3-6 of the scoring described in `affectkit.text.lexicon.zh` (negation,
degree adverbs, contrast, ! and ?), one left-to-right walk over the tokens; `emotions` is the
emotion count. Both are pure functions of the tokens, the text and a `Lexicon`, and every factor
lives in `Rules` (`zh_tables`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from affectkit import labels
from affectkit.text.lexicon.zh_lexicon import Lexicon
from affectkit.text.lexicon.zh_tables import AMBIGUOUS_DEGREE, NEG_KEY, NOT_YES_NO_MA, Rules
from affectkit.text.lexicon.zh_tokens import (
    CONCESS,
    CONTR,
    DEG,
    EMOJI_TOK,
    NEG,
    PUNCT,
    WEAKNEG,
    WORD,
    Token,
)

_SENTENCE_END = frozenset("。！!？?；;\n\r")


@dataclass(slots=True)
class Hit:
    """One scored token: its key, span, rule multiplier and the notes of the rules applied."""

    key: str
    start: int
    end: int
    mult: float
    notes: list[str]
    negated: bool = False
    kind: str = "lexicon"


@dataclass(slots=True)
class _Scope:
    """Negators and a degree adverb of the current clause, waiting for the next strong word."""

    neg_n: int = 0  # negators seen (two flip twice)
    neg_at: int = -1  # token index of the last negator
    neg_first: Token | None = None
    neg_words: list[str] = field(default_factory=list)
    weak: bool = False  # a "not very" negator (不太) is among them
    deg_f: float = 0.0  # pending degree factor; 0: none
    deg_at: int = -1  # token index of the degree adverb
    deg_word: str = ""
    deg_after_neg: bool = False  # the adverb came after a negator (不是很好)


@dataclass(slots=True)
class _Sentence:
    """Contrast state of the current sentence."""

    start: int = 0  # index into hits of the sentence's first hit
    split_at: int | None = None  # hits before this index are "before" the contrast
    split_word: str = ""
    concess_open: bool = False  # inside the clause of a concessive, no contrast seen yet
    concess_word: str = ""


def apply_rules(tokens: Sequence[Token], text: str, lex: Lexicon) -> list[Hit]:
    """Walk the tokens once and return every scored token with its rule multiplier.

    The contribution of a hit is ``hit.mult * lex.weights[hit.key]``; the multiplier does not
    depend on the weights, which is what lets the tuning script fit weights by regression.
    """
    r = lex.rules
    hits: list[Hit] = []
    scope = _Scope()
    sent = _Sentence()
    for i, tok in enumerate(tokens):
        cls = tok.cls
        if scope.neg_n and i - scope.neg_at > r.negation_window:
            _flush_negation(scope, hits)
        if scope.deg_f and i - scope.deg_at > r.degree_window:
            scope.deg_f = 0.0
        if cls == WORD and tok.key in AMBIGUOUS_DEGREE and i + 1 < len(tokens):
            nxt = tokens[i + 1]  # 好开心: 好 is an adverb before a strong word
            if nxt.cls == WORD and nxt.key in lex.strong and nxt.key not in AMBIGUOUS_DEGREE:
                cls = DEG
        word = text[tok.start : tok.end]
        if cls == WORD or cls == EMOJI_TOK:
            hits.append(_hit(tok, cls, scope, lex))
        elif cls == NEG or cls == WEAKNEG:
            if scope.neg_first is None:
                scope.neg_first = tok
            scope.neg_n += 1
            scope.neg_at = i
            scope.weak = scope.weak or cls == WEAKNEG
            scope.neg_words.append(word)
        elif cls == DEG:
            scope.deg_f = lex.resources.degrees.get(tok.key) or AMBIGUOUS_DEGREE[tok.key]
            scope.deg_at, scope.deg_word = i, word
            scope.deg_after_neg = bool(scope.neg_n)
        elif cls == CONTR:
            sent.split_at, sent.split_word = len(hits), word
            sent.concess_open = False
        elif cls == CONCESS:
            sent.concess_open, sent.concess_word = True, word
        elif cls == PUNCT:
            _flush_negation(scope, hits)
            scope.deg_f = 0.0
            if sent.concess_open:  # the concessive clause ends here with no contrast yet
                sent.split_at, sent.split_word = len(hits), sent.concess_word
                sent.concess_open = False
            end = next((c for c in tok.key if c in _SENTENCE_END), "")
            if end:
                yes_no = end in "？?" and i > 0 and is_yes_no_particle(tokens[i - 1].key)
                sent = _end_sentence(hits, sent, end, r, yes_no)
    _flush_negation(scope, hits)
    _end_sentence(hits, sent, "", r)
    return hits


def _hit(tok: Token, cls: int, scope: _Scope, lex: Lexicon) -> Hit:
    """A word or emoji under the pending negators and degree adverb (a strong word uses them
    up)."""
    r = lex.rules
    mult, notes, negated = 1.0, [], bool(scope.neg_n)
    if tok.key in lex.strong:
        mult, notes = _strong_factor(scope, r)
    elif scope.neg_n and r.negate_weak:
        mult = (-r.negation) ** scope.neg_n
        notes.append("negated" if scope.neg_n == 1 else f"negated x{scope.neg_n}")
    kind = "emoji" if cls == EMOJI_TOK else "lexicon"
    return Hit(tok.key, tok.start, tok.end, mult, notes, negated, kind)


def _strong_factor(scope: _Scope, r: Rules) -> tuple[float, list[str]]:
    """Multiplier and notes of a strong word; it ends the negation and degree scope."""
    neg_n, deg_f = scope.neg_n, scope.deg_f
    mult, notes = 1.0, []
    if neg_n and (scope.weak or (deg_f and scope.deg_after_neg)):
        mult = -r.negation_degree
        notes.append(f"weakly negated by {''.join(scope.neg_words)} x{mult:g}")
    elif neg_n:
        mult = (-r.negation) ** neg_n
        notes.append("negated" if neg_n == 1 else f"negated x{neg_n}")
        if deg_f:
            f = deg_f**r.degree_power
            mult *= f
            notes.append(f"x{f:.3g} by {scope.deg_word}")
    elif deg_f:
        mult = deg_f**r.degree_power
        notes.append(f"x{mult:.3g} by {scope.deg_word}")
    scope.neg_n, scope.neg_first, scope.weak, scope.deg_f = 0, None, False, 0.0
    scope.neg_words.clear()
    return mult, notes


def _flush_negation(scope: _Scope, hits: list[Hit]) -> None:
    """End the negation scope; negators that reached no strong word become one ``<NEG>``."""
    if scope.neg_n and scope.neg_first is not None:
        first = scope.neg_first
        hits.append(Hit(NEG_KEY, first.start, first.end, 1.0, ["negation with no sentiment word"]))
    scope.neg_n, scope.neg_first, scope.weak = 0, None, False
    scope.neg_words.clear()


def is_yes_no_particle(key: str) -> bool:
    """True for the token before a "？" that makes a yes/no question: 吗, or a 么 that is not part
    of a wh-word or degree word (什么, 怎么, 这么 ...). 好吗？ asks; 为什么？ does not."""
    return key.endswith("吗") or (key.endswith("么") and key not in NOT_YES_NO_MA)


def _end_sentence(
    hits: list[Hit], sent: _Sentence, mark: str, r: Rules, yes_no: bool = False
) -> _Sentence:
    """Apply the sentence's contrast and end-mark factors to its hits; the next sentence's state.
    A yes/no question (`yes_no`: 吗/么 before the ？) is damped by ``r.yes_no`` as well."""
    if sent.split_at is not None:
        for h in hits[sent.start : sent.split_at]:
            h.mult *= r.contrast_before
            h.notes.append(f"before {sent.split_word} x{r.contrast_before:g}")
        for h in hits[sent.split_at :]:
            h.mult *= r.contrast_after
            h.notes.append(f"after {sent.split_word} x{r.contrast_after:g}")
    f = r.exclaim if mark in ("！", "!") else r.question if mark in ("？", "?") else 1.0
    if f != 1.0:
        for h in hits[sent.start :]:
            h.mult *= f
            h.notes.append(f"{mark} x{f:g}")
    if yes_no and r.yes_no != 1.0:
        for h in hits[sent.start :]:
            h.mult *= r.yes_no
            h.notes.append(f"yes/no question x{r.yes_no:g}")
    return _Sentence(start=len(hits))


# --------------------------------------------------------------------------------------------
# Emotions (DUTIR categories and emoji), from the hits.


def emotions(hits: Sequence[Hit], lex: Lexicon) -> tuple[dict[str, float], dict[str, float]]:
    """(canonical emotion distribution, raw DUTIR counts) -- see `affectkit.text.lexicon.zh`."""
    r = lex.rules
    dutir_counts = dict.fromkeys(labels.DUTIR_TO_EKMAN, 0.0)
    emo = dict.fromkeys(labels.EMOTIONS, 0.0)
    dutir = lex.resources.dutir
    for h in hits:
        if h.negated:
            continue
        if h.kind == "emoji":
            e = lex.emoji.get(h.key, (0.0, None))[1]
            if e is not None:
                emo[e] += 1.0
            continue
        cats = dutir.get(h.key)
        if cats:
            share = 1.0 / len(cats)
            for c in cats:
                dutir_counts[c] += share
                emo[labels.DUTIR_TO_EKMAN[c]] += share * r.dutir_weights.get(c, 1.0)
    n = sum(emo.values())
    if n <= 0:
        dist = dict.fromkeys(labels.EMOTIONS, 0.0)
        dist["neutral"] = 1.0
    else:
        z = n + r.neutral_pseudo
        dist = {e: c / z for e, c in emo.items()}
        dist["neutral"] = r.neutral_pseudo / z
    return dist, dutir_counts


def emotion_of(key: str, kind: str, lex: Lexicon) -> str | None:
    """The canonical emotion of one scored key (its emoji's, or its first DUTIR category's)."""
    if kind == "emoji":
        return lex.emoji.get(key, (0.0, None))[1]
    cats = lex.resources.dutir.get(key)
    if not cats:
        return None
    return labels.DUTIR_TO_EKMAN[cats[0]]
