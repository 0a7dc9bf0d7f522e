"""The store as affectkit 0.1 wrote it, before Alembic: frozen, for upgrading its files.

That release kept its schema's version in SQLite's ``user_version`` (no ``user_version``, or 0,
was version 1) and, on every open, ran `MIGRATIONS` from the file's version to
`FINAL_VERSION` and then `SCHEMA` (which creates any table still missing). Running the same
here brings such a file to the state Alembic's revision 0001 describes. Never edit these: they
are what is on users' disks.
"""

from __future__ import annotations

FINAL_VERSION = 2

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

# Version n -> n + 1. Version 1 stored only texts: items.text NOT NULL.
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


def statements(script: str) -> list[str]:
    """The statements of one of the scripts above, one by one (none holds a ';' in a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]
