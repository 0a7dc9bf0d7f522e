"""Input cleaning every analyzer applies: markup masking and escape decoding keep offsets."""

from __future__ import annotations

import pytest

from affectkit.text.preprocess import clean_text, decode_escapes, mask_social


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("@user loved it #bestday", "      loved it  bestday"),
        ("see https://t.co/Ab1 and www.x.com/y ok", "see " + " " * 16 + " and " + " " * 11 + " ok"),
        ("fish &amp; chips &gt;&gt; don&#39;t", "fish &     chips >   >    don't    "),
        ("mail me at a@b.com, C# and #1 fan", "mail me at a@b.com, C# and  1 fan"),
        ("&unknownentity; &; @ # plain", "&unknownentity; &; @ # plain"),
    ],
)
def test_mask_social_blanks_markup_and_keeps_offsets(text, masked):
    out = mask_social(text)
    assert out == masked and len(out) == len(text)
    assert mask_social(out) == out  # idempotent: training and inference may both apply it


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        (r"don\u2019t stop\u002c ok", "don\u2019t      stop,      ok"),
        (
            r"\u00e9t\u00e9 d\u00e9j\u00e0!",
            "\u00e9t\u00e9" + " " * 10 + " d\u00e9j\u00e0" + " " * 10 + "!",
        ),
        (r"\u5f00\u5fc3\uff0c\u597d", "\u5f00\u5fc3\uff0c\u597d" + " " * 20),  # every char escaped
        (
            r"caf\u00E9s \ud83d\ude02!",
            "caf\u00e9s      \U0001f602           !",
        ),  # a UTF-16 pair: one
        # left as written: half a pair, not \uXXXX, an escaped backslash, an escaped backslash
        # (a second pass would decode what follows it), marks and characters NFC rewrites
        (r"half \ud83d pair, \U0001F602, \u12 and C:\users", None),
        (r"\\u2019 and it\u005cu0021 and cafe\u0301 and \u0958", None),
        (r"\ud834\udd5e is a pair NFC would rewrite", None),
        ("plain text, an emoji \U0001f602", None),
    ],
)
def test_decode_escapes_keeps_length_and_offsets(text, decoded):
    out = decode_escapes(text)
    assert out == (text if decoded is None else decoded) and len(out) == len(text)
    assert clean_text(text) == out  # every analyzer reads text this way
    assert decode_escapes(out) == out and clean_text(out) == out  # cleaning twice changes nothing


def test_emoticons_are_not_blank_and_emoji_only_text_is_recognised():
    from affectkit.text.preprocess import is_blank, is_emoji_only

    only = ["👍", ":)", ":-(", ":'(", "<3", "^_^", "D:", ">:(", "😡😡!!", "❤️ :-)", "👍🏽", "👨‍👩‍👧"]
    for text in only:
        assert not is_blank(text) and is_emoji_only(text), text
    for text in ["ok :)", "good 👍", "8)", "(item 3)", "http://x", "很好😊", "1️⃣"]:
        assert not is_emoji_only(text), text
    for text in ["", "  ", "...", "?!", "-"]:
        assert is_blank(text) and not is_emoji_only(text), text
