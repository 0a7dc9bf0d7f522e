"""Route text by its dominant script: Han -> Chinese, Latin -> English, anything else unsupported.

A Han character carries roughly a word's meaning while a Latin letter carries a fraction of one,
so Han characters are weighted `HAN_WEIGHT` times a Latin letter when deciding the dominant
script of mixed text (Weibo posts often mix Chinese with English words or brand names).
Traditional characters are Han too, so traditional Chinese routes to Chinese.
"""

from __future__ import annotations

import re

SUPPORTED = ("en", "zh")
UNSUPPORTED = "unsupported"
HAN_WEIGHT = 3.0
# Letters of scripts we route to neither analyzer (Cyrillic, Greek, Arabic, Hebrew, Devanagari,
# Thai, Hangul, Kana...). Kana present means Japanese even when kanji (Han) are present too.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_OTHER = re.compile(
    r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f"
    r"\uac00-\ud7af]"
)


def script_counts(text: str) -> dict[str, int]:
    """Count Han, Latin, kana and other-script letters."""
    return {
        "han": len(_HAN.findall(text)),
        "latin": len(_LATIN.findall(text)),
        "kana": len(_KANA.findall(text)),
        "other": len(_OTHER.findall(text)),
    }


def detect_language(text: str) -> str:
    """Return ``"zh"``, ``"en"`` or ``"unsupported"`` for one text.

    Text with no letters at all (emoji, numbers, punctuation) is ``"en"``: the English analyzer
    handles emoji and emoticons.
    """
    if text.isascii():
        return "en"
    c = script_counts(text)
    scores = {
        "zh": c["han"] * HAN_WEIGHT,
        "en": float(c["latin"]),
        UNSUPPORTED: (c["other"] + c["kana"] * HAN_WEIGHT),
    }
    if c["kana"] and c["kana"] * 4 >= c["han"]:  # Japanese: kana alongside kanji
        scores[UNSUPPORTED] += scores["zh"]
        scores["zh"] = 0.0
    best = max(scores, key=scores.__getitem__)
    if scores[best] == 0:
        return "en"
    return best
