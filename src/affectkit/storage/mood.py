"""The mood tables' queries: journal entries per person, listed, read and deleted.

`MoodStore` works inside the transactions of the `Store` that made it (``store.mood``).
Entries are idempotent by (person, id): adding one again stores nothing. Deleting a person
deletes every row of theirs, in one transaction.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from affectkit.storage.schema import mood_entries_table

Transaction = Callable[..., AbstractContextManager[sa.Connection]]
CHUNK = 500  # rows per INSERT statement


class MoodStore:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    def add_entries(self, rows: Sequence[dict[str, Any]]) -> set[tuple[str, str]]:
        """Store entry rows (the table's columns; ``emotions`` a dict or None); returns the
        (person, id) of those that were new."""
        now = time.time()
        table = mood_entries_table
        new: set[tuple[str, str]] = set()
        with self._transaction() as db:
            dialect = postgresql if db.dialect.name == "postgresql" else sqlite
            statement = (
                dialect.insert(table)
                .on_conflict_do_nothing(index_elements=["person", "id"])
                .returning(table.c.person, table.c.id)  # the rows inserted
            )
            for i in range(0, len(rows), CHUNK):
                chunk = [
                    {**r, "stored": now,
                     "emotions": json.dumps(r["emotions"]) if r.get("emotions") else None}
                    for r in rows[i : i + CHUNK]
                ]  # fmt: skip
                new.update((p, i) for p, i in db.execute(statement, chunk))
        return new

    def people(self) -> list[dict[str, Any]]:
        """Every person with entries: ``{"person", "entries", "first_day", "last_day"}``."""
        c = mood_entries_table.c
        query = (
            sa.select(c.person, sa.func.count(), sa.func.min(c.day), sa.func.max(c.day))
            .group_by(c.person)
            .order_by(c.person)
        )
        with self._transaction("read") as db:
            rows = db.execute(query).all()
        return [{"person": p, "entries": n, "first_day": a, "last_day": b} for p, n, a, b in rows]

    def entries(self, person: str) -> list[dict[str, Any]]:
        """A person's entries by day (then by time as written)."""
        c = mood_entries_table.c
        query = (
            sa.select(c.id, c.day, c.time, c.text, c.valence, c.emotions, c.label, c.language,
                      c.model)
            .where(c.person == person)
            .order_by(c.day, c.time, c.id)
        )  # fmt: skip
        with self._transaction("read") as db:
            rows = db.execute(query).all()
        out = []
        for r in rows:
            row = dict(r._mapping)
            row["emotions"] = json.loads(row["emotions"]) if row["emotions"] else None
            out.append(row)
        return out

    def delete_person(self, person: str) -> int:
        """Delete every entry of `person`; returns how many there were."""
        table = mood_entries_table
        with self._transaction() as db:
            return db.execute(table.delete().where(table.c.person == person)).rowcount
