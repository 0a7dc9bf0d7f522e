"""English rule/lexicon sentiment analyzer (`lexicon-en@1`) with per-word evidence.

Word valences start from the VADER lexicon (``vader_lexicon.txt`` and ``emoji_utf8_lexicon.txt``
of the `vaderSentiment` package, MIT licence, (c) C.J. Hutto; Hutto & Gilbert, "VADER: A
Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014). The
rule engine is our own. On top of the VADER valences we apply a table of corrections and
additional words, ``data/en_lexicon_tuned.tsv``, fitted on *training* splits only (SST-2 train,
SST-5 train, GoEmotions train, TweetEval-emotion train) by `bench/tune_lexicon_en.py`: a logistic
regression over the rule-modified word contributions, regularised towards the VADER valences.

Rules, applied in one left-to-right pass over the tokens:
- negation (``not``, ``never``, ``n't`` ...): sentiment words in the next `NEG_SCOPE` words
  of the same clause are multiplied by `neg_factor` (flipped and damped);
- intensifiers / dampeners (``very``, ``extremely`` / ``slightly``, ``kind of``): multiply the
  next sentiment word within two words;
- contrast: words before ``but``/``however``/``yet`` in the same sentence weigh `before`, words
  after it weigh `after`; ``although``/``though``/``even if`` weigh their own clause `before`
  and the clause after the comma `after`;
- ALL-CAPS sentiment words in otherwise mixed-case text are emphasised; ``!`` amplifies the
  whole text (up to four), ``?`` damps it;
- emoticons (``:)``, ``<3``) and emoji carry their own valence (an emoji's valence is the
  valence of its CLDR description words, e.g. 😊 "smiling face with smiling eyes").

The raw sum is squashed into a score in [-1, 1] and mapped to negative/neutral/positive
probabilities by `scoring.polarity_probs` with constants fitted on training splits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from affectkit.results import AffectResult, Evidence
from affectkit.text.preprocess import clean_text, is_blank
from affectkit.text.scoring import PolarityCalibration, empty_result, sentiment_result, squash

NAME = "lexicon-en@1"

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

# Words of emoji descriptions (CLDR names) that VADER's word list lacks or scores for another
# sense; used only to give emoji a valence (e.g. 😡 "pouting face", 🤮 "face vomiting").
EMOJI_DESCRIPTION_WORDS: dict[str, float] = {
    "pouting": -2.6, "steam": -1.5, "vomiting": -2.4, "nauseated": -2.2, "persevering": -1.2,
    "confounded": -1.6, "anguished": -2.3, "loudly": 0.0, "skull": -1.2, "tears": -1.0,
    "screaming": -2.0, "fearful": -2.0, "cold": 0.0, "sweat": -0.8, "weary": -1.5,
    "rolling": 0.0, "hearts": 2.4, "kiss": 1.8, "thumbs": 0.0, "up": 0.8, "down": -0.8,
    "clapping": 1.8, "fire": 0.5, "party": 1.7, "popper": 0.0, "sparkling": 1.2, "broken": -5.0,
}  # fmt: skip

_EMOTICON_OK = re.compile(r"[:;=]|<3|</3|\^_\^|\^\^|>_<|>\.<|\\o/")
_WORD = r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*"
_EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2190-\u21FF\u2300-\u23FF]"


@dataclass(frozen=True)
class RuleParams:
    """The rule engine's knobs (fitted on training splits by `bench/tune_lexicon_en.py`)."""

    neg_factor: float = -0.74
    before: float = 0.5
    after: float = 1.5
    caps: float = 1.5
    exclaim: float = 0.08  # per '!' (at most 4), multiplies the whole sum
    question: float = 0.9  # multiplies the whole sum when the text has a '?'
    alpha: float = 15.0  # squashing constant: score = x / sqrt(x^2 + alpha)


def tuned_constants() -> tuple[RuleParams, PolarityCalibration]:
    """Rule constants and calibration fitted by `bench/tune_lexicon_en.py` (training splits).

    They live in ``data/en_lexicon_tuned.json``; the dataclass defaults apply when it is absent.
    """
    if "constants" not in _CACHE:
        path = Path(str(resources.files("affectkit").joinpath("data/en_lexicon_tuned.json")))
        params, cal = RuleParams(), PolarityCalibration()
        if path.is_file():
            meta = json.loads(path.read_text(encoding="utf-8"))
            params = RuleParams(**meta["params"])
            cal = PolarityCalibration(**meta["calibration"])
        _CACHE["constants"] = (params, cal)
    return _CACHE["constants"]  # type: ignore[return-value]


# --- lexicon loading ---------------------------------------------------------------------------

_CACHE: dict[str, object] = {}


def _vader_file(name: str) -> str:
    return resources.files("vaderSentiment").joinpath(name).read_text(encoding="utf-8")


def load_vader_lexicon() -> tuple[dict[str, float], dict[str, float]]:
    """VADER's word/emoticon valences and emoji valences (emoji scored by their descriptions)."""
    words: dict[str, float] = {}
    emoticons: dict[str, float] = {}
    for line in _vader_file("vader_lexicon.txt").splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        tok, val = parts[0], float(parts[1])
        if tok[0].isalpha() and re.fullmatch(_WORD, tok):
            words[tok.lower()] = val
        elif len(tok) >= 2 and _EMOTICON_OK.search(tok) and not tok[0].isalnum():
            emoticons[tok] = val
    emoji: dict[str, float] = {}
    for line in _vader_file("emoji_utf8_lexicon.txt").splitlines():
        char, _, desc = line.partition("\t")
        char = char.strip().replace("\ufe0f", "")
        if len(char) != 1:
            continue  # flags, skin-tone and ZWJ sequences: the base emoji carries the meaning
        val = sum(
            EMOJI_DESCRIPTION_WORDS.get(w, words.get(w, 0.0))
            for w in desc.lower().replace("-", " ").split()
        )
        if val:
            emoji[char] = max(-3.0, min(3.0, val))
    return words, {**emoticons, **emoji}


def _tuned_table_path() -> Path:
    return Path(str(resources.files("affectkit").joinpath("data/en_lexicon_tuned.tsv")))


def load_tuned_table(path: Path | None = None) -> dict[str, float]:
    """word -> tuned valence (replaces VADER's value or adds a word). Missing file: empty."""
    path = path or _tuned_table_path()
    table: dict[str, float] = {}
    if not path.is_file():
        return table
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        tok, _, val = line.partition("\t")
        table[tok] = float(val)
    return table


def build_lexicon(tuned: bool = True) -> tuple[dict[str, float], dict[str, float]]:
    """(words, symbols): the full lexicon the analyzer uses. Cached per process."""
    key = f"lex:{tuned}"
    if key not in _CACHE:
        words, symbols = load_vader_lexicon()
        if tuned:
            for tok, val in load_tuned_table().items():
                if tok in symbols or not tok[0].isalpha():
                    symbols[tok] = val
                elif val == 0.0:
                    words.pop(tok, None)
                else:
                    words[tok] = val
        for fw in NEGATORS | BOOSTERS.keys() | CONTRAST | CONCESSIVE:
            words.pop(fw, None)  # function words steer rules and are never scored themselves
        _CACHE[key] = (words, symbols)
    return _CACHE[key]  # type: ignore[return-value]


def _token_regex(symbols: dict[str, float]) -> re.Pattern[str]:
    emoticons = sorted((s for s in symbols if len(s) > 1), key=len, reverse=True)
    alt = "|".join(re.escape(e) for e in emoticons)
    # group 1: word, 2: emoticon, 3: emoji, 4: ! run, 5: ? run, 6: clause/sentence punctuation
    return re.compile(
        rf"({_WORD})|((?<!\w)(?:{alt})(?!\w))|({_EMOJI})|(!+)|(\?+)|([.,;:…]+|[-–—]{{2,}}|\s[-–—]\s)"
    )


# --- the rule engine ---------------------------------------------------------------------------


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
    neg_left = 0
    boost = 1.0
    boost_left = 0
    clause = 1.0
    sent_start = 0
    concessive = False
    n_excl = 0
    n_q = 0
    prev = ""
    for m in regex.finditer(lower):
        tok = m.group(1)
        if tok is not None:
            if "’" in tok:
                tok = tok.replace("’", "'")
            if tok in NEGATORS or tok.endswith("n't"):
                neg_left = NEG_SCOPE
                prev = tok
                continue
            b = BOOSTERS.get(tok)
            if tok in _PHRASE_HEADS and lower.startswith(" of", m.end()):
                prev = tok  # "kind of", "sort of": a dampener, not the word "kind"
                continue
            if b is None and (prev, tok) in PHRASE_BOOSTERS:
                b = PHRASE_BOOSTERS[(prev, tok)]
            if b is not None:
                boost *= b
                boost_left = 2
                prev = tok
                continue
            if tok in CONTRAST:
                for h in hits[sent_start:]:
                    h[1] *= p.before
                    h[4] = "before contrast" if h[4] is None else h[4] + ", before contrast"
                clause = p.after
                neg_left = 0
                prev = tok
                continue
            if tok in CONCESSIVE:
                concessive = True
                clause = p.before
                prev = tok
                continue
            prev = tok
            if words is None or tok in words:
                mult = clause * boost
                note = None
                if neg_left > 0:
                    mult *= p.neg_factor
                    note = "negated"
                if boost != 1.0:
                    note = f"x{boost:.2g} by intensifier" if note is None else note + ", boosted"
                if not shouting and len(tok) > 1 and text[m.start() : m.end()].isupper():
                    mult *= p.caps
                    note = "ALL CAPS" if note is None else note + ", ALL CAPS"
                if clause != 1.0:
                    where = "before" if concessive or clause == p.before else "after"
                    tag = f"{where} contrast"
                    note = tag if note is None else f"{note}, {tag}"
                hits.append([tok, mult, m.start(), m.end(), note])
                boost = 1.0
                boost_left = 0
            elif boost_left:
                boost_left -= 1
                if not boost_left:
                    boost = 1.0
            if neg_left:
                neg_left -= 1
            continue
        sym = m.group(2) or m.group(3)
        if sym is not None:
            sym = text[m.start() : m.end()] if m.group(2) else sym
            if sym in symbols or words is None:
                hits.append([sym, clause, m.start(), m.end(), None])
            continue
        # punctuation: clause and sentence boundaries
        neg_left = 0
        boost = 1.0
        boost_left = 0
        prev = ""
        if m.group(4):
            n_excl += len(m.group(4))
        elif m.group(5):
            n_q += 1
        punct = m.group(6)
        if concessive and punct is not None and punct[0] in ",;:—–-":
            concessive = False
            clause = p.after
        elif punct is None or punct[0] in ".…;":
            sent_start = len(hits)
            clause = 1.0
            concessive = False
    g = 1.0
    if n_excl:
        g += p.exclaim * min(n_excl, 4)
    if n_q:
        g *= p.question
    return hits, g


class EnglishLexiconAnalyzer:
    """Rule/lexicon sentiment for English with per-word evidence. See the module docstring."""

    name = NAME
    modality = "text"
    languages = ("en",)

    def __init__(
        self,
        params: RuleParams | None = None,
        calibration: PolarityCalibration | None = None,
        tuned: bool = True,
    ):
        self.params = params  # None: the tuned constants (or the defaults when tuned=False)
        self.calibration = calibration
        self.tuned = tuned
        self._words: dict[str, float] | None = None

    def load(self) -> EnglishLexiconAnalyzer:
        params, cal = tuned_constants() if self.tuned else (RuleParams(), PolarityCalibration())
        self.params_ = self.params or params
        self.calibration_ = self.calibration or cal
        self._words, self._symbols = build_lexicon(self.tuned)
        key = f"re:{self.tuned}"
        if key not in _CACHE:
            _CACHE[key] = _token_regex(self._symbols)
        self._regex = _CACHE[key]
        return self

    def analyze(self, batch: Sequence[str]) -> list[AffectResult]:
        if self._words is None:
            self.load()
        return [self._one(clean_text(t, i)) for i, t in enumerate(batch)]

    def analyze_one(self, text: str) -> AffectResult:
        return self.analyze([text])[0]

    def _one(self, text: str) -> AffectResult:
        if is_blank(text):
            return empty_result(self.name, "en")
        words, symbols = self._words, self._symbols
        hits, g = scan(text, words, symbols, self._regex, self.params_)
        evidence = []
        total = pos = neg = 0.0
        for key, mult, start, end, note in hits:
            w = (words.get(key) or symbols.get(key, 0.0)) * mult * g
            if w == 0.0:
                continue
            total += w
            if w > 0:
                pos += w
            else:
                neg += w
            kind = "lexicon" if key[0].isalpha() else "emoji"
            evidence.append(Evidence(text[start:end], w, start, end, kind, None, note))
        score = squash(total, self.params_.alpha)
        return sentiment_result(
            score,
            self.calibration_,
            model=self.name,
            language="en",
            evidence=tuple(evidence),
            raw={"sum": total, "positive": pos, "negative": neg, "emphasis": g},
        )


def load(**kwargs) -> EnglishLexiconAnalyzer:
    """Registry loader."""
    return EnglishLexiconAnalyzer(**kwargs).load()
