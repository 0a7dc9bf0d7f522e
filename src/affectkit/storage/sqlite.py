"""The service's embedded store: SQLite in the data folder (keys, stored items, batch jobs).

API keys are stored as SHA-256 hashes of high-entropy random tokens (the token itself is shown
once, at creation). Analysed inputs are stored only when a request says ``store: true``, as
their kind and reference (`affectkit.inputs.Input.reference`: a text's text, a media file's path
or ``sha256:`` digest) beside the result. The schema's version is SQLite's ``user_version``;
`MIGRATIONS` bring an older file up to date when it is opened, in one transaction each.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from affectkit.errors import StorageError
from affectkit.inputs import Input

KEY_PREFIX = "ak_"

SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    rate_per_min INTEGER,          -- NULL: no limit
    created REAL NOT NULL,
    revoked REAL
);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    key_id TEXT,
    kind TEXT NOT NULL DEFAULT 'text',  -- text | audio | image | video
    ref TEXT NOT NULL,             -- the text, or the media's path or sha256: digest
    result TEXT NOT NULL           -- the AffectResult as JSON
);
CREATE INDEX IF NOT EXISTS items_created ON items (created);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    key_id TEXT,
    status TEXT NOT NULL,          -- queued | running | done | failed
    filename TEXT NOT NULL,        -- as uploaded (shown only)
    input_path TEXT NOT NULL,      -- inside the data folder
    output_path TEXT NOT NULL,
    params TEXT NOT NULL,          -- model, language, columns (JSON)
    rows_done INTEGER NOT NULL DEFAULT 0,
    rows_total INTEGER,
    errors INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    finished REAL
);
"""


SCHEMA_VERSION = 2

# Version n -> n + 1. Version 1 (no user_version set) stored only texts: items.text NOT NULL.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE items_v2 (
        id TEXT PRIMARY KEY, created REAL NOT NULL, key_id TEXT,
        kind TEXT NOT NULL DEFAULT 'text', ref TEXT NOT NULL, result TEXT NOT NULL
    );
    INSERT INTO items_v2 (id, created, key_id, kind, ref, result)
        SELECT id, created, key_id, 'text', text, result FROM items ORDER BY rowid;
    DROP TABLE items;
    ALTER TABLE items_v2 RENAME TO items;
    CREATE INDEX IF NOT EXISTS items_created ON items (created);
    """,
}


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
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # keys' hashes, stored texts and jobs: only the owner reads them (SQLite gives its
        # -wal and -shm files the database file's mode)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._migrate()
            # a new file's tables and its version in one transaction (a crash leaves neither)
            self._db.executescript(
                f"BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
        if "items" not in tables:
            return  # a new file: SCHEMA creates the current tables
        version = version or 1
        if version > SCHEMA_VERSION:
            self._db.close()
            raise StorageError(
                f"{self.path} was written by a newer affectkit (store version {version}; this "
                f"one reads up to {SCHEMA_VERSION}). Upgrade affectkit, or use another data folder."
            )
        while version < SCHEMA_VERSION:
            # the migration and its version number in one transaction: a crash leaves neither
            self._db.executescript(
                f"BEGIN; {MIGRATIONS[version]} PRAGMA user_version = {version + 1}; COMMIT;"
            )
            version += 1

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A full disk (or a full, locked or read-only database) is a `StorageError`; the
        failed change is rolled back and nothing else is lost. Hold the lock."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            self._db.rollback()
            raise StorageError(
                f"The store {self.path} could not be written ({exc}). Free some disk space "
                f"(or check its permissions) and try again."
            ) from None

    def _q(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._lock, self._writing():
            cur = self._db.execute(sql, args)
            rows = cur.fetchall()
            self._db.commit()
            return rows

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- keys ------------------------------------------------------------------------------
    def create_key(self, name: str, rate_per_min: int | None) -> tuple[str, ApiKey]:
        """(token, key): the token is returned once and only its hash is kept."""
        token = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey("key_" + uuid.uuid4().hex[:12], name, rate_per_min, time.time())
        self._q(
            "INSERT INTO api_keys (id, name, hash, rate_per_min, created) VALUES (?,?,?,?,?)",
            (key.id, name, hash_key(token), rate_per_min, key.created),
        )
        return token, key

    def find_key(self, token: str) -> ApiKey | None:
        rows = self._q(
            "SELECT id, name, rate_per_min, created, revoked FROM api_keys "
            "WHERE hash = ? AND revoked IS NULL",
            (hash_key(token),),
        )
        return ApiKey(**dict(rows[0])) if rows else None

    def list_keys(self) -> list[ApiKey]:
        rows = self._q(
            "SELECT id, name, rate_per_min, created, revoked FROM api_keys ORDER BY created"
        )
        return [ApiKey(**dict(r)) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        with self._lock:
            cur = self._db.execute(
                "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL",
                (time.time(), key_id),
            )
            self._db.commit()
            return cur.rowcount > 0

    # -- stored items ----------------------------------------------------------------------
    def add_items(self, key_id: str | None, items: list[tuple[str | Input, dict]]) -> list[str]:
        """Store (input, result JSON) pairs; a str is a text input. Returns the new ids."""
        now = time.time()
        ids = ["itm_" + uuid.uuid4().hex[:16] for _ in items]
        rows = []
        for i, (value, result) in zip(ids, items, strict=True):
            inp = Input.of(value)
            rows.append(
                (i, now, key_id, inp.kind, inp.reference, json.dumps(result, ensure_ascii=False))
            )
        with self._lock, self._writing():
            self._db.executemany(
                "INSERT INTO items (id, created, key_id, kind, ref, result) VALUES (?,?,?,?,?,?)",
                rows,
            )
            self._db.commit()
        return ids

    def list_items(self, key_id: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
        rows = self._q(
            "SELECT id, created, kind, ref, result FROM items WHERE key_id IS ? "
            "ORDER BY rowid LIMIT ? OFFSET ?",
            (key_id, limit, offset),
        )
        return [
            {
                "id": r["id"],
                "created": r["created"],
                "kind": r["kind"],
                "text": r["ref"] if r["kind"] == "text" else None,
                "ref": r["ref"],
                "result": json.loads(r["result"]),
            }
            for r in rows
        ]

    def delete_item(self, key_id: str | None, item_id: str) -> bool:
        with self._lock:
            cur = self._db.execute(
                "DELETE FROM items WHERE id = ? AND key_id IS ?", (item_id, key_id)
            )
            self._db.commit()
            return cur.rowcount > 0

    # -- jobs ------------------------------------------------------------------------------
    def add_job(self, job: dict[str, Any]) -> None:
        cols = ", ".join(job)
        marks = ", ".join("?" for _ in job)
        self._q(f"INSERT INTO jobs ({cols}) VALUES ({marks})", tuple(job.values()))

    def update_job(self, job_id: str, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        self._q(f"UPDATE jobs SET {sets} WHERE id = ?", (*fields.values(), job_id))

    def get_job(self, job_id: str, key_id: str | None = None, any_key: bool = False):
        if any_key:
            rows = self._q("SELECT * FROM jobs WHERE id = ?", (job_id,))
        else:
            rows = self._q("SELECT * FROM jobs WHERE id = ? AND key_id IS ?", (job_id, key_id))
        return dict(rows[0]) if rows else None

    def list_jobs(self, key_id: str | None = None, status: tuple[str, ...] | None = None):
        if status is not None:
            marks = ", ".join("?" for _ in status)
            rows = self._q(f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY created", status)
        else:
            rows = self._q("SELECT * FROM jobs WHERE key_id IS ? ORDER BY rowid", (key_id,))
        return [dict(r) for r in rows]

    def delete_job(self, job_id: str) -> None:
        self._q("DELETE FROM jobs WHERE id = ?", (job_id,))
