"""Calendar dates as people write them in files (journals, review exports).

`parse_day` reads ``2024-03-01``, ``2024/03/01`` or an ISO-8601 date and time
(``2024-03-01T21:30``, ``2024-03-01 21:30+08:00``) and returns the date written, in the writer's
own time zone, never converted; anything else is a one-line `BadDate`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from affectkit.errors import InvalidInputError

_SLASHED = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")


class BadDate(InvalidInputError):
    """Why one row's date cannot be read (one line)."""


def parse_day(value: Any) -> str:
    """The calendar date (``YYYY-MM-DD``) `value` names, or `BadDate`."""
    if not isinstance(value, str) or not value.strip():
        raise BadDate(f"date must be a text like 2024-03-01, got {str(value)[:40]!r}")
    text = value.strip()
    m = _SLASHED.fullmatch(text)
    if m:
        text = f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}"
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadDate(
            f"date {value[:40]!r} is not a date like 2024-03-01 (or 2024-03-01T21:30)"
        ) from None
    if not 1900 <= when.year < 2200:
        raise BadDate(f"date {value[:40]!r} is outside 1900-2200")
    return when.date().isoformat()
