"""Route text by its dominant script: Han -> Chinese, Latin -> English, kana -> Japanese,
anything else unsupported.

A Han character carries roughly a word's meaning while a Latin letter carries a fraction of one,
so Han characters are weighted `HAN_WEIGHT` times a Latin letter when deciding the dominant
script of mixed text (Weibo posts often mix Chinese with English words or brand names). A run of
Latin words that Chinese sits on both sides of, or that is capitalised like a name or a title,
weighs one average word (`WORD_LETTERS` letters) however long it is: in "发表在 Nature
Communications 和 Journal of Applied Psychology 上的研究表明" the two titles fill one slot each
of a Chinese sentence, so the post is Chinese. Traditional characters are Han too, so
traditional Chinese routes to Chinese.

Kana (hiragana, katakana) mean Japanese, kanji (Han) beside them included: such text is
``"ja"``. No shipped analyzer reads Japanese, so it comes back flagged ``unsupported`` unless a
model is registered for ``ja`` or for every language (``"*"``); other scripts (Cyrillic, Greek,
Arabic, Hebrew, Devanagari, Thai, Hangul) are ``"unsupported"``.
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "zh")  # what the shipped text analyzers read
JAPANESE = "ja"
UNSUPPORTED = "unsupported"
NAMES = {"en": "English", "zh": "Chinese", JAPANESE: "Japanese"}
HAN_WEIGHT = 3.0
WORD_LETTERS = 5.0  # what a name or title inside Chinese weighs, in Latin letters
_LATIN_LETTER = r"A-Za-z\u00c0-\u024f"
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN = re.compile(rf"[{_LATIN_LETTER}]")
_KANA = re.compile(r"[\u3040-\u309f\u30a1-\u30fa\u30fd-\u30ff]")  # not the middle dot or ー
_OTHER = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    r"\uac00-\ud7af]+"
)
_WORD = rf"[{_LATIN_LETTER}0-9]*[{_LATIN_LETTER}][{_LATIN_LETTER}0-9'’.&-]*"
# A run of Latin words: words with only spaces (and digits) between them.
_RUN = re.compile(rf"{_WORD}(?:[ \t]+(?:[0-9]+[ \t]+)*{_WORD})*")
_RUN_WORD = re.compile(_WORD)
# Words a title keeps in lower case ("Journal of Applied Psychology").
_TITLE_SMALL = frozenset(
    "a an and at by de del der for in of on or the to und van von with".split()
)


def script_counts(text: str) -> dict[str, int]:
    """Count Han, Latin, kana and other-script letters."""
    return {
        "han": len(_HAN.findall(text)),
        "latin": len(_LATIN.findall(text)),
        "kana": len(_KANA.findall(text)),
        "other": sum(len(m) for m in _OTHER.findall(text)),
    }


def is_name_or_title(words: list[str]) -> bool:
    """Two or more words capitalised like a name or a title ("Nature Communications", "Journal
    of Applied Psychology", "BBC News"): each starts with a capital or a digit, or is a small
    word a title keeps lower-case; one at least is mixed case, so shouting ("I LOVE THIS") is
    not a title."""
    if len(words) < 2 or not (words[0][0].isupper() or words[0][0].isdigit()):
        return False
    mixed = False
    for w in words:
        if w.lower() in _TITLE_SMALL and w.islower():
            continue
        if not (w[0].isupper() or w[0].isdigit()):
            return False
        mixed |= any(c.islower() for c in w)
    return mixed


def latin_weight(text: str) -> float:
    """Latin letters of `text`, a run set inside Chinese or shaped like a title weighing
    `WORD_LETTERS` (or its letters, if fewer)."""
    total = 0.0
    for m in _RUN.finditer(text):
        letters = len(_LATIN.findall(m.group()))
        before = text[: m.start()].rstrip()
        after = text[m.end() :].lstrip()
        embedded = bool(before and after and _HAN.match(before[-1]) and _HAN.match(after[0]))
        if embedded or is_name_or_title(_RUN_WORD.findall(m.group())):
            letters = min(letters, WORD_LETTERS)
        total += letters
    return total


def detect_language(text: str) -> str:
    """Return ``"zh"``, ``"en"``, ``"ja"`` or ``"unsupported"`` for one text.

    Text with no letters at all (emoji, numbers, punctuation) is ``"en"``: the English analyzer
    handles emoji and emoticons.
    """
    if text.isascii():
        return "en"
    c = script_counts(text)
    scores = {
        "zh": c["han"] * HAN_WEIGHT,
        "en": latin_weight(text) if c["latin"] else 0.0,
        JAPANESE: c["kana"] * HAN_WEIGHT,
        UNSUPPORTED: float(c["other"]),
    }
    if c["kana"] and c["kana"] * 4 >= c["han"]:  # Japanese: kana alongside kanji
        scores[JAPANESE] += scores["zh"]
        scores["zh"] = 0.0
    best = max(scores, key=scores.__getitem__)  # ties: the first (Chinese before English)
    if scores[best] == 0:
        return "en"
    return best
