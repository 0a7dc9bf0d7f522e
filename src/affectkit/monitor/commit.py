"""Group commit: batches that reach the database together share one write transaction.

Several threads ingesting at once (the HTTP service runs each request's ingestion in its own
thread) each analyse their batch, then `GroupCommit.submit` it. The first to submit while no
write is running writes every batch waiting at that moment in one transaction, including its
own; batches that arrive during that write wait, and the first of them writes them all next.
Nobody waits for a batch that is not there yet (no timer, no added latency), a lone batch is
written at once, and each caller returns only once the transaction holding its batch has
committed: acknowledged is committed. One fsync (SQLite) or one commit round trip
(PostgreSQL) then serves several requests, and analysis of the next batches overlaps it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("done", "error", "item", "value")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.value: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """`submit(item)` -> `write([items])[i]` for its item, with every item waiting written
    together. `write` takes the items in arrival order and returns one result per item; if
    it raises, every caller of that group gets the exception."""

    def __init__(self, write: Callable[[list[T]], Sequence[R]]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._waiting: list[_Slot[T, R]] = []
        self._writing = False

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._waiting.append(slot)
            while self._writing and not slot.done:
                self._cond.wait()
            if slot.done:  # another caller wrote it
                return _result(slot)
            self._writing = True
            group, self._waiting = self._waiting, []
        try:
            results = self._write([s.item for s in group])
            if len(results) != len(group):
                raise RuntimeError(f"write returned {len(results)} results for {len(group)}")
            for s, r in zip(group, results, strict=True):
                s.value = r
        except BaseException as exc:
            for s in group:
                s.error = exc
        finally:
            with self._cond:
                for s in group:
                    s.done = True
                self._writing = False
                self._cond.notify_all()
        return _result(slot)


def _result(slot: _Slot[T, R]) -> R:
    if slot.error is not None:
        raise slot.error
    return slot.value  # type: ignore[return-value]
