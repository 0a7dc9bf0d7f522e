"""Loading ``lexicon-en@1``: the VADER valences, the tuned table and the tuned constants.

Word valences start from the VADER lexicon (``vader_lexicon.txt`` and ``emoji_utf8_lexicon.txt``
of the installed `vaderSentiment` package, MIT licence, (c) C.J. Hutto); an emoji's valence is
the valence of the words of its CLDR description. ``data/en_lexicon_tuned.tsv`` corrects and
extends them and ``data/en_lexicon_tuned.json`` holds the rule constants and the calibration,
both written by `tools/tune_lexicon_en.py` (training splits only).
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path

from affectkit.text.lexicon.en_rules import (
    BOOSTERS,
    CONCESSIVE,
    CONTRAST,
    IDIOMS,
    NEGATORS,
    RuleParams,
)
from affectkit.text.scoring import PolarityCalibration

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


@functools.cache
def tuned_constants() -> tuple[RuleParams, PolarityCalibration]:
    """Rule constants and calibration fitted by `tools/tune_lexicon_en.py` (training splits).

    They live in ``data/en_lexicon_tuned.json``; the dataclass defaults apply when it is absent.
    """
    path = Path(str(resources.files("affectkit").joinpath("data/en_lexicon_tuned.json")))
    params, cal = RuleParams(), PolarityCalibration()
    if path.is_file():
        meta = json.loads(path.read_text(encoding="utf-8"))
        params = RuleParams(**meta["params"])
        cal = PolarityCalibration(**meta["calibration"])
    return params, cal


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
    return _lexicon(bool(tuned))


@functools.cache
def _lexicon(tuned: bool) -> tuple[dict[str, float], dict[str, float]]:
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
    words.update((name, val) for name, _, val in IDIOMS)  # keys with a space: no word clashes
    return words, symbols


def token_regex(symbols: dict[str, float]) -> re.Pattern[str]:
    """The token pattern `en_rules.scan` walks: words, `symbols`' emoticons, emoji, punctuation."""
    emoticons = sorted((s for s in symbols if len(s) > 1), key=len, reverse=True)
    alt = "|".join(re.escape(e) for e in emoticons)
    # group 1: word, 2: emoticon, 3: emoji, 4: ! run, 5: ? run, 6: clause/sentence punctuation
    return re.compile(
        rf"({_WORD})|((?<!\w)(?:{alt})(?!\w))|({_EMOJI})|(!+)|(\?+)|([.,;:…]+|[-–—]{{2,}}|\s[-–—]\s)"
    )


@functools.cache
def lexicon_regex(tuned: bool = True) -> re.Pattern[str]:
    """`token_regex` for the symbols of `build_lexicon(tuned)`. Cached per process."""
    return token_regex(build_lexicon(tuned)[1])
