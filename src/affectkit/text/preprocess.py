"""Input validation and cleaning for text, shared by every text analyzer."""

from __future__ import annotations

import html
import re
import unicodedata

from affectkit.errors import InvalidInputError

# Longest text accepted in one input (characters). Longer inputs are a user error, not a crash:
# at ~1 µs/char the lexicon handles this in seconds; transformer models chunk it.
MAX_CHARS = 2_000_000

# C0/C1 control characters except tab, newline, carriage return; zero-width/bidi marks.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\ufeff]")


# A character written as a JSON ``\uXXXX`` escape in text that was encoded twice (tweet dumps do
# this: 10% of the TweetEval-sentiment tweets carry ``\u2019`` or ``\u002c``). A model reads the
# six characters as noise words. A run is an escape with the rest of its word (more escapes and
# word characters); ``\\`` is an escaped backslash, so what follows it is text, not an escape.
_HEX4 = r"\\u[0-9a-fA-F]{4}"
_ESCAPE_RUN = re.compile(rf"\\\\|{_HEX4}(?:{_HEX4}|\w)*")
_RUN_PART = re.compile(r"\\u([0-9a-fA-F]{4})|.", re.DOTALL)


def _decodable(char: str) -> bool:
    # not a backslash (a second pass would find a new escape), not a mark that combines with the
    # character before (every character of non-zero combining class is one), nothing NFC would
    # rewrite: each would move the offsets after it
    return (
        char != "\\"
        and unicodedata.category(char) not in ("Mn", "Mc", "Me")
        and unicodedata.is_normalized("NFC", char)
    )


def _decode_run(m: re.Match[str]) -> str:
    run = m.group()
    if run == "\\\\":
        return run
    parts = [
        (p.group(), int(p.group(1), 16) if p.group(1) else None) for p in _RUN_PART.finditer(run)
    ]
    out, i = [], 0
    while i < len(parts):
        code = parts[i][1]
        low = parts[i + 1][1] if i + 1 < len(parts) else None
        width = 1
        if code is not None and low is not None and 0xD800 <= code < 0xDC00 <= low < 0xE000:
            code, width = 0x10000 + (code - 0xD800) * 0x400 + low - 0xDC00, 2  # a UTF-16 pair
        if code is not None and not 0xD800 <= code < 0xE000 and _decodable(chr(code)):
            out.append(chr(code))
        else:  # a word character, or escapes left as written (half a pair, a backslash, ...)
            out.extend(p[0] for p in parts[i : i + width])
        i += width
    return "".join(out).ljust(len(run))  # the word whole, then the padding


def decode_escapes(text: str) -> str:
    r"""`text` with its ``\uXXXX`` escapes turned into characters (a UTF-16 pair into one), keeping
    the text's length and its words' offsets: a word's padding goes after it. Idempotent.

    Left as written: an escaped backslash and what follows it (``\\u2019`` is text), half a
    UTF-16 pair, and escapes of a backslash, a combining mark or a character NFC would rewrite.
    A result span over a word that held an escape starts where the word starts and is as long
    as the decoded word.

    >>> decode_escapes(r"don\u2019t stop\u002c ok")
    'don’t      stop,      ok'
    """
    return _ESCAPE_RUN.sub(_decode_run, text) if "\\u" in text else text


def clean_text(value: object, index: int | None = None) -> str:
    """Return `value` as clean NFC text, or raise `InvalidInputError` saying what was wrong.

    Accepts `str` and UTF-8 `bytes`. `None` and other types are rejected. Empty text is *not* an
    error here: analyzers return a result flagged ``empty`` for it. ``\\uXXXX`` escapes left in
    text that was encoded twice become their characters (`decode_escapes`).
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
    value = decode_escapes(value)
    if not value.isascii():
        lone = _SURROGATE.search(value)
        if lone:  # half of a UTF-16 pair (a cut emoji): no character, and unencodable
            raise InvalidInputError(
                f"Text{where} holds a lone surrogate (U+{ord(lone.group()):04X} at character "
                f"{lone.start()}), half of a UTF-16 pair, not a character: the text was cut inside "
                f"an emoji or mis-decoded. Send whole characters (valid UTF-8)."
            )
        value = unicodedata.normalize("NFC", value)
    return _CONTROL.sub(" ", value)


# ASCII emoticons: eyes, optional nose or tear, mouth (":)", ";-(", ":'(", "=D", ">:("), the
# mirrored forms ("(:", "D:"), hearts and eastern faces ("<3", "^_^", "T_T", "-_-"). They are
# made of punctuation, so without this an emoticon-only text would count as blank.
EMOTICON = re.compile(
    r"(?<!\w)(?:>?[:;=][-'^o]?[)(\]\[DPpO3/\\|*]+|[)(\]\[D][-^]?[:;=]|</?3|\^_*\^|T_+T|-_+-"
    r"|\\o/)(?!\w)"
)
# What may sit between emoji and emoticons in an emoji-only text: punctuation (P*), spaces (Z*),
# and the pieces emoji are built of: skin tones (Sk), variation selectors (Mn), joiners (Cf).
_EMOJI_GLUE = ("P", "Z", "Sk", "Sm", "Mn", "Me", "Cf")
# Two lower-case ASCII letters in a row or a non-ASCII letter (Han, é): no emoticon has them.
_PLAIN_WORD = re.compile(r"[a-z]{2}|[^\W\x00-\x7f]")


def is_blank(text: str) -> bool:
    """True when the text has no letter, digit, emoji, emoticon or other symbol worth analysing."""
    if any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text):
        return False
    return EMOTICON.search(text) is None


def is_emoji_only(text: str) -> bool:
    """True when `text` holds at least one emoji (a Unicode symbol, category So) or ASCII
    emoticon (`EMOTICON`) and besides them only punctuation, whitespace and the marks emoji are
    built of: "👍", ":)", "😡😡!!", "❤️ :-)". Any letter or digit makes it False.
    """
    if _PLAIN_WORD.search(text):  # the quick answer for nearly every text
        return False
    rest, n = EMOTICON.subn(" ", text)
    seen = n > 0
    for ch in rest:
        cat = unicodedata.category(ch)
        if cat == "So":
            seen = True
        elif not (cat[0] in "PZ" or cat in _EMOJI_GLUE):
            return False
    return seen


# Social-media markup that carries no sentiment but does carry the source: in the English training
# mix only the tweets have @mentions and hashtags, and those tweets are all emotional, so a model
# learns "@user means not neutral". `mask_social` removes such cues at training and inference.
_MENTION = re.compile(r"(?<![\w@])@\w+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_HASH = re.compile(r"(?<![\w#&])#(?=\w)")
_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});(\w*)")


def _entity(m: re.Match[str]) -> str:
    # the character, the rest of its word, then the padding: "don&#39;t" -> "don't    ", so
    # the word is whole and keeps its start and end offsets
    char = html.unescape(f"&{m.group(1)};")
    if len(char) > len(m.group(1)):  # not an entity html knows: leave it
        return m.group()
    return (char + m.group(2)).ljust(len(m.group()))


def mask_social(text: str) -> str:
    """`text` with social-media markup blanked out, keeping its length and its words' offsets.

    @mentions and URLs become spaces, a hashtag loses its ``#`` (the word stays), and an HTML
    entity (``&amp;``, ``&#39;``) becomes its character, with the padding moved to the end of
    its word. Every word keeps its start and end offsets, so chunk spans and evidence still
    point into the text the user sent. Idempotent.

    >>> mask_social("@user loved it #bestday &amp; more https://t.co/x")
    '      loved it  bestday &     more               '
    """
    if "@" not in text and "#" not in text and "&" not in text and "://" not in text:
        if "www." not in text.lower():
            return text
    text = _URL.sub(lambda m: " " * len(m.group()), text)
    text = _MENTION.sub(lambda m: " " * len(m.group()), text)
    text = _HASH.sub(" ", text)
    return _ENTITY.sub(_entity, text)


# name -> text transform, for models trained with ``preprocess = NAME`` (stored in config.json)
PREPROCESSORS = {"social": mask_social}


def check_preprocess(name: object, none: str = "null") -> None:
    """Raise `InvalidInputError` unless `name` is None or a `PREPROCESSORS` name; `none` is how
    the caller spells "no transform" in the message."""
    if name is not None and name not in PREPROCESSORS:
        raise InvalidInputError(
            f"preprocess must be {none} or one of {sorted(PREPROCESSORS)}, got {name!r}."
        )


def encoder_text(text: str, preprocess: str | None = None) -> str:
    """The text an encoder model reads, in training and at inference: `preprocess` applied,
    then trailing whitespace dropped. Offsets into the user's text stay valid.

    Trailing whitespace goes because e5's sentencepiece tokenizer makes a token of it, and that
    token then stands for whatever the training texts that end in a space share: every
    TweetEval tweet ends in one, no SST sentence does.
    """
    if preprocess is not None:
        text = PREPROCESSORS[preprocess](text)
    return text.rstrip()
