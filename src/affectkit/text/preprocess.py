"""Input validation and cleaning for text, shared by every text analyzer."""

from __future__ import annotations

import re
import unicodedata

from affectkit.errors import InvalidInputError

# Longest text accepted in one input (characters). Longer inputs are a user error, not a crash:
# at ~1 µs/char the lexicon handles this in seconds; transformer models chunk it.
MAX_CHARS = 2_000_000

# C0/C1 control characters except tab, newline, carriage return; zero-width/bidi marks.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\ufeff]")


def clean_text(value: object, index: int | None = None) -> str:
    """Return `value` as clean NFC text, or raise `InvalidInputError` saying what was wrong.

    Accepts `str` and UTF-8 `bytes`. `None` and other types are rejected. Empty text is *not* an
    error here: analyzers return a result flagged ``empty`` for it.
    """
    where = f" (item {index})" if index is not None else ""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"Expected UTF-8 text{where}, got bytes that are not valid UTF-8 "
                f"({exc.reason} at byte {exc.start}). Decode the text with its real encoding "
                f"(e.g. bytes.decode('gbk')) before passing it."
            ) from None
    if not isinstance(value, str):
        raise InvalidInputError(
            f"Expected text (str or UTF-8 bytes){where}, got {type(value).__name__}: {value!r:.60}."
        )
    if len(value) > MAX_CHARS:
        raise InvalidInputError(
            f"Text{where} has {len(value):,} characters; the limit is {MAX_CHARS:,}. "
            f"Split it into smaller documents."
        )
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return _CONTROL.sub(" ", value)


def is_blank(text: str) -> bool:
    """True when the text has no letter, digit, emoji or other symbol worth analysing."""
    return not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text)
