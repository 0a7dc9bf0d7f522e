"""Deadlines and cancellation for work in progress, whatever the modality.

Whoever starts a piece of work (the service around a micro-batch, a batch job's worker) opens a
`scope` with a deadline and/or a cancel flag; the loops that do the work (a classifier's forward
passes and occlusion, analyzers that go text by text, a batch run's chunks) call `check()`
between steps, which raises `DeadlineExceeded` once the deadline has passed or the flag is set.
Outside any scope `check()` is one context-variable read and never raises, so library code calls
it unconditionally; it costs nothing to the CLI and to in-process use.

The scope lives in a context variable, so it follows the thread (or asyncio task) that opened
it: the service's inference thread and a job's worker thread each see only their own. Scopes
nest; an inner one also stops when an outer one does.

    with deadline.scope(seconds=30):
        results = api.analyze(texts)   # raises DeadlineExceeded within a step after 30 s
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from affectkit.errors import DeadlineExceeded


@dataclass(frozen=True)
class Deadline:
    """When work must stop: `at` (a `time.monotonic()` value; None: no time limit) or as soon
    as `cancel` is set; `parent` is the enclosing scope's."""

    at: float | None = None
    cancel: threading.Event | None = None
    parent: Deadline | None = None

    def why(self) -> str | None:
        """None while the work may go on, else why it must stop."""
        if self.cancel is not None and self.cancel.is_set():
            return "the work was cancelled"
        if self.at is not None:
            late = time.monotonic() - self.at
            if late >= 0:
                return f"the work ran past its deadline ({late:.2f}s late) and was stopped"
        return self.parent.why() if self.parent is not None else None

    def remaining(self) -> float | None:
        """Seconds left before the earliest deadline of this scope and its parents (None: no
        time limit)."""
        mine = None if self.at is None else self.at - time.monotonic()
        theirs = self.parent.remaining() if self.parent is not None else None
        if mine is None or theirs is None:
            return theirs if mine is None else mine
        return min(mine, theirs)


_current: ContextVar[Deadline | None] = ContextVar("affectkit_deadline", default=None)


@contextmanager
def scope(
    seconds: float | None = None,
    *,
    at: float | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Deadline]:
    """Work inside the block stops (at its next `check()`) `seconds` from now, at the
    `time.monotonic()` value `at` (the earlier of the two when both are given), or when
    `cancel` is set."""
    if seconds is not None:
        now = time.monotonic() + seconds
        at = now if at is None else min(at, now)
    d = Deadline(at, cancel, _current.get())
    token = _current.set(d)
    try:
        yield d
    finally:
        _current.reset(token)


def current() -> Deadline | None:
    """The innermost open scope's deadline, or None outside any scope."""
    return _current.get()


def check() -> None:
    """Raise `DeadlineExceeded` if the current scope's deadline has passed or it was
    cancelled; otherwise (and outside any scope) return at once."""
    d = _current.get()
    if d is not None and (why := d.why()) is not None:
        raise DeadlineExceeded(why.capitalize() + ".")


def remaining() -> float | None:
    """Seconds left in the current scope (None: no scope or no time limit)."""
    d = _current.get()
    return None if d is None else d.remaining()
