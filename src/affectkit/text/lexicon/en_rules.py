"""The rules of ``lexicon-en@1``: one left-to-right pass over a text's tokens (`scan`).

Pure: `scan` takes the text, the lexicon, the token regex (`en_lexicon.token_regex`) and the
rule constants (`RuleParams`), and returns every sentiment-bearing token with its rule
multiplier. The rules themselves are listed in `affectkit.text.lexicon.en`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEGATORS = frozenset(
    """not no never none nobody nothing nowhere neither nor without cannot cant dont doesnt
    didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt aint mustnt
    neednt darent shant mightnt hardly rarely seldom lack lacks lacking""".split()
)

# Multipliers for the next sentiment word (within two words).
BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        """absolutely amazingly awfully completely considerably decidedly deeply enormously
        entirely especially exceptionally extremely fabulously flipping flippin frigging
        fricking fully greatly hella highly hugely incredibly intensely majorly more most
        particularly purely quite really remarkably so substantially thoroughly totally
        tremendously uber unbelievably unusually utterly very super truly insanely damn
        freaking fucking""".split(),
        1.3,
    ),
    **dict.fromkeys(
        """almost barely hardly marginally occasionally partly scarcely slightly somewhat
        sorta kinda less little""".split(),
        0.7,
    ),
}
# Two-word dampeners ("kind of", "sort of", "a bit") are joined to one token by the scanner.
PHRASE_BOOSTERS: dict[tuple[str, str], float] = {
    ("kind", "of"): 0.7,
    ("sort", "of"): 0.7,
    ("a", "bit"): 0.7,
    ("a", "little"): 0.7,
}
_PHRASE_HEADS = frozenset(("kind", "sort"))
CONTRAST = frozenset(("but", "however", "yet", "nevertheless", "nonetheless", "though_final"))
CONCESSIVE = frozenset(("although", "though", "despite", "whereas", "albeit"))

NEG_SCOPE = 3


@dataclass(frozen=True)
class RuleParams:
    """The rule engine's knobs (fitted on training splits by `tools/tune_lexicon_en.py`)."""

    neg_factor: float = -0.74
    before: float = 0.5
    after: float = 1.5
    caps: float = 1.5
    exclaim: float = 0.08  # per '!' (at most 4), multiplies the whole sum
    question: float = 0.9  # multiplies the whole sum when the text has a '?'
    alpha: float = 15.0  # squashing constant: score = x / sqrt(x^2 + alpha)


@dataclass(slots=True)
class _State:
    """Where the pass stands: pending negation and intensifier, contrast weight of the clause."""

    neg_left: int = 0  # words left in the negation scope
    boost: float = 1.0  # pending intensifier/dampener product
    boost_left: int = 0  # words left before the pending boost lapses
    clause: float = 1.0  # contrast weight of the current clause
    sent_start: int = 0  # index into hits of the sentence's first hit
    concessive: bool = False  # inside an "although ..." clause
    prev: str = ""  # previous word (for two-word dampeners)
    n_excl: int = 0
    n_q: int = 0


def scan(
    text: str,
    words: dict[str, float] | None,
    symbols: dict[str, float],
    regex: re.Pattern[str],
    p: RuleParams,
) -> tuple[list[list], float]:
    """One pass over `text`: sentiment-bearing tokens with their rule multipliers.

    Returns ``(hits, global_mult)``; each hit is ``[key, multiplier, start, end, note]`` and the
    text's raw sum is ``global_mult * sum(valence[key] * multiplier)``. With ``words=None`` every
    word is a hit (this is how the tuner collects features for words outside the lexicon).
    """
    hits: list[list] = []
    lower = text.lower()
    if len(lower) != len(text):  # rare Unicode case changes length: keep offsets aligned
        lower = text
    shouting = text.isupper()
    s = _State()
    for m in regex.finditer(lower):
        tok = m.group(1)
        if tok is not None:
            if "’" in tok:
                tok = tok.replace("’", "'")
            of_next = tok in _PHRASE_HEADS and lower.startswith(" of", m.end())
            steered = _steer(tok, of_next, s, hits, p)
            s.prev = tok
            if steered:
                continue
            if words is None or tok in words:
                caps = not shouting and len(tok) > 1 and text[m.start() : m.end()].isupper()
                hits.append(_word_hit(tok, m.start(), m.end(), caps, s, p))
            elif s.boost_left:
                s.boost_left -= 1
                if not s.boost_left:
                    s.boost = 1.0
            if s.neg_left:
                s.neg_left -= 1
            continue
        sym = m.group(2) or m.group(3)
        if sym is not None:
            sym = text[m.start() : m.end()] if m.group(2) else sym
            if sym in symbols or words is None:
                hits.append([sym, s.clause, m.start(), m.end(), None])
            continue
        _punctuation(m, s, len(hits), p)
    g = 1.0
    if s.n_excl:
        g += p.exclaim * min(s.n_excl, 4)
    if s.n_q:
        g *= p.question
    return hits, g


def _steer(tok: str, of_next: bool, s: _State, hits: list[list], p: RuleParams) -> bool:
    """Apply `tok` if it is a function word that steers the rules (negator, intensifier,
    contrast, concessive); True when it was one (it is then never scored itself)."""
    if tok in NEGATORS or tok.endswith("n't"):
        s.neg_left = NEG_SCOPE
        return True
    b = BOOSTERS.get(tok)
    if of_next:
        return True  # "kind of", "sort of": a dampener, not the word "kind"
    if b is None and (s.prev, tok) in PHRASE_BOOSTERS:
        b = PHRASE_BOOSTERS[(s.prev, tok)]
    if b is not None:
        s.boost *= b
        s.boost_left = 2
        return True
    if tok in CONTRAST:
        for h in hits[s.sent_start :]:
            h[1] *= p.before
            h[4] = "before contrast" if h[4] is None else h[4] + ", before contrast"
        s.clause = p.after
        s.neg_left = 0
        return True
    if tok in CONCESSIVE:
        s.concessive = True
        s.clause = p.before
        return True
    return False


def _word_hit(tok: str, start: int, end: int, caps: bool, s: _State, p: RuleParams) -> list:
    """A lexicon word's hit under the pending rules; it uses up the pending intensifier."""
    mult = s.clause * s.boost
    note = None
    if s.neg_left > 0:
        mult *= p.neg_factor
        note = "negated"
    if s.boost != 1.0:
        note = f"x{s.boost:.2g} by intensifier" if note is None else note + ", boosted"
    if caps:
        mult *= p.caps
        note = "ALL CAPS" if note is None else note + ", ALL CAPS"
    if s.clause != 1.0:
        where = "before" if s.concessive or s.clause == p.before else "after"
        tag = f"{where} contrast"
        note = tag if note is None else f"{note}, {tag}"
    s.boost = 1.0
    s.boost_left = 0
    return [tok, mult, start, end, note]


def _punctuation(m: re.Match[str], s: _State, n_hits: int, p: RuleParams) -> None:
    """``!``/``?`` runs and clause/sentence punctuation: end the negation and boost scopes."""
    s.neg_left = 0
    s.boost = 1.0
    s.boost_left = 0
    s.prev = ""
    if m.group(4):
        s.n_excl += len(m.group(4))
    elif m.group(5):
        s.n_q += 1
    punct = m.group(6)
    if s.concessive and punct is not None and punct[0] in ",;:—–-":
        s.concessive = False
        s.clause = p.after
    elif punct is None or punct[0] in ".…;":
        s.sent_start = n_hits
        s.clause = 1.0
        s.concessive = False
