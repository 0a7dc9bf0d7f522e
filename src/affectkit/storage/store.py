"""The service's store: API keys, stored items and batch jobs, on SQLite or PostgreSQL.

API keys are stored as SHA-256 hashes of high-entropy random tokens (the token itself is shown
once, at creation). Analysed inputs are stored only when a request says ``store: true``, as
their kind and reference (`affectkit.inputs.Input.reference`: a text's text, a media file's path
or ``sha256:`` digest) beside the result. Every method is one transaction, and may be called
from any thread.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from affectkit.errors import ConnectionLostError, InvalidInputError, StorageError
from affectkit.inputs import Input
from affectkit.storage import migrate
from affectkit.storage.engine import IMMEDIATE, create_engine, database_url, display, reason
from affectkit.storage.mood import MoodStore
from affectkit.storage.schema import (
    JOB_COLUMNS,
    KEY_COLUMNS,
    items_table,
    jobs_table,
    keys_table,
)
from affectkit.storage.streams import StreamStore

KEY_PREFIX = "ak_"


def hash_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    rate_per_min: int | None
    created: float
    revoked: float | None = None


class Store:
    """Keys, stored items and jobs in one database (`affectkit.protocols.Storage`).

    `target` is a SQLite file (a path, or ``sqlite:///PATH``; created 0600 in folders created
    0700) or a PostgreSQL URL (``postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE``). Opening
    brings the schema up to date (`affectkit.storage.migrate`); a database that cannot be
    reached, or a URL that is not one, is a one-line `StorageError` naming it without its
    password.
    """

    def __init__(self, target: str | Path) -> None:
        self.url = database_url(target)
        self.name = display(self.url)
        self.path: Path | None = None  # the SQLite file, if it is one
        if self.url.get_backend_name() == "sqlite":
            self.path = Path(str(self.url.database))
            # keys' hashes, stored texts and jobs: only the owner reads them (SQLite gives its
            # -wal and -shm files the database file's mode)
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.engine = create_engine(self.url)
        try:
            migrate.upgrade(self.engine, self.name)
        except DBAPIError as exc:  # unreachable, refused, or no right to create the tables
            self.engine.dispose()
            check = (
                "the file's folder and permissions"
                if self.path
                else "the URL, that the server runs, and that this user may log in and create "
                "tables there"
            )
            raise StorageError(
                f"Cannot open the store {self.name} ({reason(exc, self.url)}). Check {check}."
            ) from None
        except BaseException:
            self.engine.dispose()
            raise
        # streams, events, windows, alerts (`affectkit.monitor`), in this store's transactions
        self.streams = StreamStore(self._transaction)
        # journal entries per person (`affectkit.mood`)
        self.mood = MoodStore(self._transaction)

    @contextmanager
    def _transaction(self, doing: str = "written") -> Iterator[sa.Connection]:
        """One transaction. A full disk (or a full, locked or read-only database, or a server
        gone) is a `StorageError`; the failed change is rolled back and nothing else is lost.

        A write on SQLite takes the write lock as it begins (BEGIN IMMEDIATE), waiting for
        another writer's (up to `BUSY_TIMEOUT_S`): a transaction that reads, then writes
        (an alert's cool-down check, then its insert) could otherwise find another writer
        committed in between and fail at once with "database is locked"."""
        try:
            with self.engine.connect() as connection:
                if doing != "read":
                    connection.execution_options(**{IMMEDIATE: True})
                with connection.begin():
                    yield connection
        except DataError as exc:  # e.g. PostgreSQL keeps no NUL character in a text
            raise InvalidInputError(
                f"The store {self.name} cannot keep this value: {reason(exc, self.url)}."
            ) from None
        except OperationalError as exc:
            # a connection lost mid-transaction: the pool drops it (and, with it, the others
            # opened before it), and the next transaction opens a new one
            error = ConnectionLostError if exc.connection_invalidated else StorageError
            raise error(
                f"The store {self.name} could not be {doing} ({reason(exc, self.url)}). Free "
                f"some disk space (or check its permissions, or that its server runs) and try "
                f"again."
            ) from None

    def close(self) -> None:
        self.engine.dispose()

    # -- keys ------------------------------------------------------------------------------
    def create_key(self, name: str, rate_per_min: int | None) -> tuple[str, ApiKey]:
        """(token, key): the token is returned once and only its hash is kept."""
        token = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey("key_" + uuid.uuid4().hex[:12], name, rate_per_min, time.time())
        with self._transaction() as db:
            db.execute(
                keys_table.insert().values(
                    id=key.id, name=name, hash=hash_key(token), rate_per_min=rate_per_min,
                    created=key.created,
                )
            )  # fmt: skip
        return token, key

    def find_key(self, token: str) -> ApiKey | None:
        query = sa.select(*KEY_COLUMNS).where(
            keys_table.c.hash == hash_key(token), keys_table.c.revoked.is_(None)
        )
        with self._transaction("read") as db:
            row = db.execute(query).first()
        return ApiKey(**row._mapping) if row else None

    def list_keys(self) -> list[ApiKey]:
        query = sa.select(*KEY_COLUMNS).order_by(keys_table.c.created)
        with self._transaction("read") as db:
            return [ApiKey(**r._mapping) for r in db.execute(query)]

    def revoke_key(self, key_id: str) -> bool:
        query = (
            keys_table.update()
            .where(keys_table.c.id == key_id, keys_table.c.revoked.is_(None))
            .values(revoked=time.time())
        )
        with self._transaction() as db:
            return db.execute(query).rowcount > 0

    # -- stored items ----------------------------------------------------------------------
    def add_items(self, key_id: str | None, items: list[tuple[str | Input, dict]]) -> list[str]:
        """Store (input, result JSON) pairs; a str is a text input. Returns the new ids."""
        now = time.time()
        ids = ["itm_" + uuid.uuid4().hex[:16] for _ in items]
        rows = []
        for i, (value, result) in zip(ids, items, strict=True):
            inp = Input.of(value)
            rows.append(
                {"id": i, "created": now, "key_id": key_id, "kind": inp.kind,
                 "ref": inp.reference, "result": json.dumps(result, ensure_ascii=False)}
            )  # fmt: skip
        if rows:
            with self._transaction() as db:
                db.execute(items_table.insert(), rows)
        return ids

    def list_items(self, key_id: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
        c = items_table.c
        query = (
            sa.select(c.id, c.created, c.kind, c.ref, c.result)
            .where(_owned_by(items_table, key_id))
            .order_by(c.seq)
            .limit(limit)
            .offset(offset)
        )
        with self._transaction("read") as db:
            rows = db.execute(query).all()
        return [
            {
                "id": r.id,
                "created": r.created,
                "kind": r.kind,
                "text": r.ref if r.kind == "text" else None,
                "ref": r.ref,
                "result": json.loads(r.result),
            }
            for r in rows
        ]

    def delete_item(self, key_id: str | None, item_id: str) -> bool:
        query = items_table.delete().where(
            items_table.c.id == item_id, _owned_by(items_table, key_id)
        )
        with self._transaction() as db:
            return db.execute(query).rowcount > 0

    # -- jobs ------------------------------------------------------------------------------
    def add_job(self, job: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(jobs_table.insert().values(**job))

    def update_job(self, job_id: str, **fields: Any) -> None:
        with self._transaction() as db:
            db.execute(jobs_table.update().where(jobs_table.c.id == job_id).values(**fields))

    def get_job(self, job_id: str, key_id: str | None = None, any_key: bool = False):
        query = sa.select(*JOB_COLUMNS).where(jobs_table.c.id == job_id)
        if not any_key:
            query = query.where(_owned_by(jobs_table, key_id))
        with self._transaction("read") as db:
            row = db.execute(query).first()
        return dict(row._mapping) if row else None

    def list_jobs(self, key_id: str | None = None, status: tuple[str, ...] | None = None):
        """A key's jobs in the order they were added, or every key's jobs in these states,
        oldest first."""
        query = sa.select(*JOB_COLUMNS)
        if status is not None:
            query = query.where(jobs_table.c.status.in_(status)).order_by(jobs_table.c.created)
        else:
            query = query.where(_owned_by(jobs_table, key_id)).order_by(jobs_table.c.seq)
        with self._transaction("read") as db:
            return [dict(r._mapping) for r in db.execute(query)]

    def delete_job(self, job_id: str) -> None:
        with self._transaction() as db:
            db.execute(jobs_table.delete().where(jobs_table.c.id == job_id))


def _owned_by(table: sa.Table, key_id: str | None) -> sa.ColumnElement[bool]:
    """Rows of this key; ``None``: the rows stored without a key (a service without keys)."""
    column = table.c.key_id
    return column.is_(None) if key_id is None else column == key_id
