"""Events as senders give them, checked one by one: each is an `Event` or a one-line reason.

An event is a JSON object: ``id`` (a string or an integer, at most `MAX_ID_CHARS` characters;
the stream keeps one event per id, so re-sending one is harmless), ``text`` (a non-empty
string of at most ``max_text_bytes`` UTF-8 bytes), ``time`` (optional, see `parse_time`; when
left out, the time the event was received), and optional ``author``, ``source`` (strings) and
``meta`` (a JSON object). Other fields are ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from typing import Any

MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200  # author, source
MAX_META_BYTES = 65_536
MAX_TEXT_BYTES = 1_000_000
# An epoch number at least this large is milliseconds: 1e11 seconds is the year 5138, and
# 1e11 milliseconds is March 1973, so real times of either unit are never confused.
MS_THRESHOLD = 1e11
# times outside [1970, 2200) are taken for mistakes
MIN_TIME, MAX_TIME = 0.0, 7_258_118_400.0


@dataclass(frozen=True)
class Event:
    id: str
    text: str
    time: float  # UTC epoch seconds
    author: str | None = None
    source: str | None = None
    meta: dict[str, Any] | None = field(default=None)


class BadEvent(ValueError):
    """Why one event was rejected (one line)."""


def parse_time(value: Any) -> float:
    """UTC epoch seconds from an ISO-8601 string with a UTC offset (``Z``, ``+08:00``...) or an
    epoch number (int, float, or a string of one) in seconds or milliseconds: a number of
    absolute value at least `MS_THRESHOLD` (1e11) is milliseconds. A string without an offset
    is refused: its time zone would be a guess."""
    if isinstance(value, bool) or value is None:
        raise BadEvent(f"time must be ISO-8601 or epoch seconds/milliseconds, got {value!r}")
    if isinstance(value, str):
        text = value.strip()
        try:
            number: float | None = float(text)
        except ValueError:
            number = None
        if number is None:
            try:
                when = dt.datetime.fromisoformat(text)
            except ValueError:
                raise BadEvent(f"time {value[:40]!r} is not ISO-8601 or an epoch number") from None
            if when.tzinfo is None or when.utcoffset() is None:
                raise BadEvent(f"time {value[:40]!r} has no UTC offset: add Z or one like +08:00")
            seconds = when.timestamp()
        else:
            seconds = _epoch(number)
    elif isinstance(value, (int, float)):
        seconds = _epoch(float(value))
    else:
        raise BadEvent(f"time must be a string or a number, got {type(value).__name__}")
    if not MIN_TIME <= seconds < MAX_TIME:
        raise BadEvent(f"time {value!r} is outside 1970-2200")
    return seconds


def _epoch(number: float) -> float:
    if not math.isfinite(number):
        raise BadEvent(f"time must be a finite number, got {number!r}")
    return number / 1000.0 if abs(number) >= MS_THRESHOLD else number


def parse_event(obj: Any, received: float, max_text_bytes: int = MAX_TEXT_BYTES) -> Event:
    """One event checked (see the module docstring), or `BadEvent` saying why not."""
    if not isinstance(obj, dict):
        raise BadEvent(f"an event must be a JSON object, got {type(obj).__name__}")
    eid = obj.get("id")
    if isinstance(eid, bool) or not isinstance(eid, (str, int)) or eid == "":
        raise BadEvent("no id: give each event a string or integer id")
    eid = str(eid)
    if len(eid) > MAX_ID_CHARS:
        raise BadEvent(f"id has {len(eid)} characters; the limit is {MAX_ID_CHARS}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadEvent("no text: give a non-empty string")
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_text_bytes:
        raise BadEvent(f"text has {size:,} bytes; the limit is {max_text_bytes:,}")
    if "\x00" in text:
        raise BadEvent("text holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadEvent("text is not valid Unicode (a lone surrogate)") from None
    when = received if obj.get("time") is None else parse_time(obj["time"])
    names = {}
    for name in ("author", "source"):
        value = obj.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_NAME_CHARS):
            raise BadEvent(f"{name} must be a string of at most {MAX_NAME_CHARS} characters")
        names[name] = value
    meta = obj.get("meta")
    if meta is not None:
        if not isinstance(meta, dict):
            raise BadEvent("meta must be a JSON object")
        if len(json.dumps(meta, ensure_ascii=False).encode()) > MAX_META_BYTES:
            raise BadEvent(f"meta is over {MAX_META_BYTES:,} bytes of JSON")
    return Event(eid, text, when, names["author"], names["source"], meta)


def parse_events(
    objs: list[Any], received: float, max_text_bytes: int = MAX_TEXT_BYTES
) -> list[Event | str]:
    """Each object as an `Event`, or the reason it was rejected (one line)."""
    out: list[Event | str] = []
    for obj in objs:
        try:
            out.append(parse_event(obj, received, max_text_bytes))
        except BadEvent as exc:
            out.append(str(exc))
    return out
