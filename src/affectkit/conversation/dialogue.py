"""Conversations as people send them, checked: turns with a speaker, a text and maybe a time.

A turn is a mapping with ``speaker`` (or ``role``), ``text`` and an optional ``time`` (epoch
seconds, or ISO-8601 text such as ``2024-03-01T09:30:05+00:00``). Turns are taken in the order
given: that order is the conversation.

Who is the customer: ``customer_role`` names the customer's role (every other role is the
agent's side); without it, the roles must all be known ones (`CUSTOMER_ROLES`, `AGENT_ROLES`,
case-insensitive): ``USER``/``SYSTEM`` (assistant dialogues), ``customer``/``agent``, and
``A``/``B`` (``A``, who speaks first in DailyDialog, is the customer). Anything else is an
`InvalidInputError` naming the roles found.

Times never reorder turns. Times that go backwards, turns without a time among timed ones,
and times that cannot be read are reported as `warnings` (one line each, at most
`MAX_WARNINGS`) and the conversation is still analysed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from affectkit.errors import DataFormatError, InvalidInputError
from affectkit.records import ReadLimits, check_input_file, numbered_lines

CUSTOMER_ROLES = ("user", "customer", "client", "caller", "a")
AGENT_ROLES = ("system", "agent", "assistant", "bot", "support", "operator", "b")
MAX_TURNS = 10_000  # per conversation: longer ones are an error, not a slow, huge answer
MAX_ROLE_CHARS = 100
MAX_ID_CHARS = 200
MAX_WARNINGS = 20


@dataclass(frozen=True)
class Turn:
    index: int  # position in the conversation, from 0
    speaker: str  # as given
    is_customer: bool
    text: str
    time: Any = None  # as given (number or text), None when absent


@dataclass(frozen=True)
class Conversation:
    id: str | None
    turns: tuple[Turn, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.is_customer]


def seconds(value: Any) -> float | None:
    """A turn's time as epoch seconds (naive ISO-8601 read as UTC), or None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return when.timestamp()
    return None


def _role(turn: Mapping[str, Any], i: int) -> str:
    role = turn.get("speaker", turn.get("role"))
    if not isinstance(role, str) or not role.strip() or len(role) > MAX_ROLE_CHARS:
        raise InvalidInputError(
            f"Turn {i}: expected a 'speaker' (or 'role') of 1 to {MAX_ROLE_CHARS} characters, "
            f"got {str(role)[:40]!r}."
        )
    return role.strip()


def customer_side(roles: Sequence[str], customer_role: str | None) -> dict[str, bool]:
    """Each distinct role -> whether it is the customer's (see the module docstring)."""
    distinct = list(dict.fromkeys(roles))
    if customer_role is not None:
        wanted = customer_role.strip().lower()
        return {r: r.lower() == wanted for r in distinct}
    unknown = [r for r in distinct if r.lower() not in CUSTOMER_ROLES + AGENT_ROLES]
    if unknown:
        shown = ", ".join(repr(r) for r in distinct[:10])
        raise InvalidInputError(
            f"Unknown speaker roles: the turns' roles are {shown}; known ones are USER/SYSTEM, "
            f"customer/agent and A/B. Name the customer's role with --customer-role NAME "
            f"(customer_role in Python and the API)."
        )
    return {r: r.lower() in CUSTOMER_ROLES for r in distinct}


def make_conversation(
    turns: Any,
    customer_role: str | None = None,
    id: Any = None,
    max_turns: int = MAX_TURNS,
) -> Conversation:
    """The turns checked (see the module docstring), or `InvalidInputError` saying why not."""
    if isinstance(turns, (str, bytes, Mapping)) or not isinstance(turns, Sequence):
        raise InvalidInputError(
            f"Expected the turns as a list of {{'speaker', 'text'}} objects, got "
            f"{type(turns).__name__}."
        )
    if not turns:
        raise InvalidInputError("The conversation has no turns.")
    if len(turns) > max_turns:
        raise InvalidInputError(
            f"The conversation has {len(turns):,} turns; the limit is {max_turns:,}. Split it "
            f"into parts (or raise max_turns)."
        )
    if id is not None and (
        isinstance(id, bool) or not isinstance(id, (str, int)) or len(str(id)) > MAX_ID_CHARS
    ):
        raise InvalidInputError(f"id must be a text or a number of at most {MAX_ID_CHARS} chars.")
    roles, texts = [], []
    for i, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            raise InvalidInputError(
                f"Turn {i}: expected an object with 'speaker' and 'text', got "
                f"{type(turn).__name__}."
            )
        roles.append(_role(turn, i))
        text = turn.get("text")
        if not isinstance(text, str):
            raise InvalidInputError(f"Turn {i}: 'text' must be a string, got {str(text)[:40]!r}.")
        texts.append(text)
    side = customer_side(roles, customer_role)
    times = [t.get("time") for t in turns]
    out = tuple(Turn(i, roles[i], side[roles[i]], texts[i], times[i]) for i in range(len(turns)))
    return Conversation(None if id is None else str(id), out, _time_warnings(times))


def _time_warnings(times: Sequence[Any]) -> tuple[str, ...]:
    given = [i for i, t in enumerate(times) if t is not None]
    if not given:
        return ()
    warnings = []
    if len(given) < len(times):
        warnings.append(f"{len(times) - len(given)} of {len(times)} turns have no time")
    last: float | None = None
    for i in given:
        s = seconds(times[i])
        if s is None:
            warnings.append(f"turn {i}: time {str(times[i])[:40]!r} is not epoch seconds or "
                            f"ISO-8601; ignored")  # fmt: skip
        elif last is not None and s < last:
            warnings.append(f"turn {i}: its time is before the previous turn's; turns are "
                            f"kept in the order given")  # fmt: skip
        last = s if s is not None else last
    if len(warnings) > MAX_WARNINGS:
        warnings = [*warnings[:MAX_WARNINGS], f"... and {len(warnings) - MAX_WARNINGS} more"]
    return tuple(warnings)


def read_conversations(
    path: str | Path,
    customer_role: str | None = None,
    limits: ReadLimits | None = None,
    max_turns: int = MAX_TURNS,
) -> Iterator[tuple[str | None, Conversation | str]]:
    """(id, conversation) for each line of a JSON Lines file (``{"id", "turns": [...]}``), or
    (id, a one-line reason) for a line that cannot be used; the rest are read on. An empty file
    is a `DataFormatError`, raised before the first line."""
    path = check_input_file(path, "Conversation file")
    lines = numbered_lines(path, limits or ReadLimits())
    first = next(((n, line) for n, line in lines if line.strip()), None)
    if first is None:
        raise DataFormatError(f"{path.name} is empty: expected one conversation a line.")

    def parse(n: int, line: str) -> tuple[str | None, Conversation | str]:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            return None, f"line {n}: not valid JSON ({exc.msg})"
        if not isinstance(obj, dict) or not isinstance(obj.get("turns"), list):
            return None, f'line {n}: expected an object {{"id", "turns": [...]}}'
        cid = obj.get("id")
        cid = str(cid)[:MAX_ID_CHARS] if isinstance(cid, (str, int)) else None
        try:
            return cid, make_conversation(obj["turns"], customer_role, obj.get("id"), max_turns)
        except InvalidInputError as exc:
            return cid, f"line {n}: {exc}"

    def gen() -> Iterator[tuple[str | None, Conversation | str]]:
        yield parse(*first)
        for n, line in lines:
            if line.strip():
                yield parse(n, line)

    return gen()
