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

# A sentence that opens with one of these and ends in "?" is a yes/no question ("Is the room
# clean?", "Was the food good when you tried it?"): it asks whether, it does not say, so its
# sentiment words count at `RuleParams.yes_no`. Negative forms ("Isn't it great?") are left
# out: they are mostly rhetorical, an opinion put as a question.
AUXILIARIES = frozenset(
    """am is are was were do does did have has had can could will would shall should may might
    must""".split()
)

# Two-word negators: "anything but boring", "far from perfect" flip the next sentiment word
# like "not" does ("but" here is no contrast).
NEGATING_PHRASES = frozenset((("anything", "but"), ("far", "from")))
_NEGATING_TAILS = frozenset(tail for _, tail in NEGATING_PHRASES)

# Idioms whose sense is not the sum of their words, mostly negations that praise ("can't
# complain", "never a dull moment") and fixed complaints ("leaves a lot to be desired"). Written
# from general English usage, not fitted: (name, pattern over the lower-cased text, valence on
# the VADER scale, where "good" is about +3 and "bad" about -3.9). `find_idioms` finds them
# before the word pass; the pass scores an idiom as one word (its valence, under the clause's
# contrast weight and a negation pending from before it) and skips the words inside it, so
# their negators and sentiment words count no more. Valence 0 only shields those words:
# "never fails to impress" is "impress", not a negated one.
_CANT = r"(?:can['’]?t|cannot|can not|couldn['’]?t|could not)"
_WONT = r"(?:won['’]?t|will not|wouldn['’]?t|would not|don['’]?t|do not|didn['’]?t|did not)"
_NOT = r"(?:not|never|(?:is|was|are|were|ai|do|does|did)n['’]?t)"
IDIOMS: tuple[tuple[str, str, float], ...] = (
    # praise through negation
    ("can't complain", rf"{_CANT} complain", 1.5),
    ("no complaints", r"(?:no|zero|not (?:a|one)(?: single)?) complaints?", 2.0),
    ("nothing to complain about", r"nothing to complain about", 2.0),
    ("nothing bad to say", r"nothing (?:bad|negative) to say", 2.0),
    ("never a dull moment", r"(?:never|not) (?:a|one) (?:single )?(?:dull|boring) moment", 2.5),
    ("can't go wrong", rf"{_CANT} go wrong", 2.5),
    ("couldn't be happier",
     rf"{_CANT} (?:be|have been) (?:happier|more (?:pleased|satisfied))", 3.0),
    ("couldn't ask for more",
     rf"{_CANT} (?:ask|have asked) for (?:more|better|anything more)", 2.5),
    ("can't recommend enough", rf"{_CANT} (?:recommend|praise) (?:[\w'’]+ ){{0,3}}enough", 3.0),
    ("can't fault", rf"{_CANT} fault", 2.0),
    ("no regrets", r"no regrets?", 2.0),
    ("wouldn't hesitate", rf"(?:{_WONT}|{_CANT}) hesitate", 2.0),
    ("can't wait", rf"{_CANT} wait", 2.0),
    ("can't get enough", rf"{_CANT} get enough", 2.5),
    ("second to none", r"second to none", 3.0),
    ("never fails to", r"never (?:fails?|failed) to", 0.0),
    # complaints
    ("can't recommend", rf"(?:{_CANT}|{_WONT}) recommend", -2.5),
    ("not worth", rf"{_NOT} worth", -2.5),
    ("never again", r"never again", -2.0),
    ("leaves much to be desired",
     r"(?:leaves?|left|leaving) (?:a lot|much|a great deal|something|plenty) to be desired", -2.5),
    ("not up to par", rf"{_NOT} up to (?:par|scratch|standard|snuff)", -2.0),
    ("falls short", r"(?:falls?|fell|falling) short", -1.5),
)  # fmt: skip
# The words an idiom can start with (keep in step with IDIOMS): `scan` tries the idioms only
# at these words, which keeps the lexicon's speed.
IDIOM_HEADS = frozenset(
    """can't cant cannot can couldn't couldnt could won't wont will wouldn't wouldnt would
    don't dont do didn't didnt did isn't isnt wasn't wasnt aren't arent weren't werent ain't aint
    doesn't doesnt no zero not nothing never second leave leaves left leaving fall falls fell
    falling""".split()
)
# One pass for all idioms: group ``i<k>`` is IDIOMS[k]; the word-start test comes first, once;
# a space in a pattern stands for any run of whitespace.
_SPACE = r"\s+"
_IDIOM_RE = re.compile(
    r"(?<![\w'’-])(?:"
    + "|".join(
        rf"(?P<i{k}>{pat.replace(' ', _SPACE)})(?![\w'’-])" for k, (_, pat, _) in enumerate(IDIOMS)
    )
    + ")"
)


def find_idioms(lower: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each `IDIOMS` idiom in lower-cased text, left to right, not
    overlapping. Where two could start at the same place, the one listed first wins: "can't
    recommend it enough" is listed before "can't recommend"."""
    return [
        (m.start(), m.end(), IDIOMS[int(m.lastgroup[1:])][0]) for m in _IDIOM_RE.finditer(lower)
    ]


@dataclass(frozen=True)
class RuleParams:
    """The rule engine's knobs (fitted on training splits by `tools/tune_lexicon_en.py`)."""

    neg_factor: float = -0.74
    before: float = 0.5
    after: float = 1.5
    caps: float = 1.5
    exclaim: float = 0.08  # per '!' (at most 4), multiplies the whole sum
    question: float = 0.9  # multiplies the whole sum when the text has a '?'
    yes_no: float = 0.25  # multiplies a yes/no question's words (`AUXILIARIES`); set by hand
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
    opener: str | None = None  # first word of the sentence (None before it)
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
    inside = 0  # end of the idiom being skipped
    for m in regex.finditer(lower):
        if m.start() < inside:
            continue
        tok = m.group(1)
        if tok is not None and "’" in tok:
            tok = tok.replace("’", "'")
        if tok in IDIOM_HEADS:  # the idioms, before the words
            idiom = _IDIOM_RE.match(lower, m.start())
            if idiom is not None:
                inside, name = idiom.end(), IDIOMS[int(idiom.lastgroup[1:])][0]
                s.opener = name if s.opener is None else s.opener
                hit = _word_hit(name, m.start(), inside, False, s, p)
                hit[4] = "idiom" if hit[4] is None else f"idiom, {hit[4]}"
                hits.append(hit)
                s.neg_left, s.prev = 0, ""
                continue
        if tok is not None:
            if s.opener is None:
                s.opener = tok
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
        _punctuation(m, s, hits, p)
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
    if tok in _NEGATING_TAILS and (s.prev, tok) in NEGATING_PHRASES:
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


def _punctuation(m: re.Match[str], s: _State, hits: list[list], p: RuleParams) -> None:
    """``!``/``?`` runs and clause/sentence punctuation: end the negation and boost scopes; a
    ``?`` ending a sentence that opened with an auxiliary damps its hits (yes/no question)."""
    s.neg_left = 0
    s.boost = 1.0
    s.boost_left = 0
    s.prev = ""
    if m.group(4):
        s.n_excl += len(m.group(4))
    elif m.group(5):
        s.n_q += 1
        if s.opener in AUXILIARIES:
            for h in hits[s.sent_start :]:
                h[1] *= p.yes_no
                h[4] = "yes/no question" if h[4] is None else h[4] + ", yes/no question"
    punct = m.group(6)
    if s.concessive and punct is not None and punct[0] in ",;:—–-":
        s.concessive = False
        s.clause = p.after
    elif punct is None or punct[0] in ".…;":
        s.sent_start = len(hits)
        s.clause = 1.0
        s.concessive = False
        s.opener = None
