"""The `affectkit` command line: one module per command, each a thin layer over the library.

What the commands share for the terminal lives here: `printable` and `json_line` keep
characters from the input (escape sequences, bidi overrides) from acting on the terminal.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls (ESC, CSI, BEL, carriage return...), line/paragraph separators, bidi
# overrides and isolates, and lone surrogates (bytes a file's encoding could not read)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` as a terminal may show it: each control character as its Python escape
    (``\\x1b``, ``\\r``, ``\\u202e``), so a text cannot move the cursor, recolour or rewrite
    the screen, or hide what follows it."""
    return _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def json_line(obj: Any) -> str:
    """One line of JSON for stdout: the same JSON value, with the characters `printable`
    escapes written as ``\\uXXXX`` (json.dumps leaves C1 controls and bidi overrides raw)."""
    text = json.dumps(obj, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
