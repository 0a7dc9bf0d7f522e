"""A data folder of affectkit 0.1 (the store before Alembic) upgrades in place, with every key,
item and job kept. The files are written the way that release wrote them: its SQL is copied
below unchanged, as a fixture of the old release."""

import sqlite3
from pathlib import Path

import pytest

from affectkit.errors import StorageError
from affectkit.storage import ApiKey, Store, hash_key, migrate

# -- affectkit 0.1's store (src/affectkit/storage/sqlite.py of that release) ---------------

OLD_SCHEMA = """
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


OLD_SCHEMA_VERSION = 2

# Version n -> n + 1. Version 1 (no user_version set) stored only texts: items.text NOT NULL.
OLD_MIGRATIONS: dict[int, str] = {
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


def open_as_old_release(path: Path) -> sqlite3.Connection:
    """What affectkit 0.1's `Store(path)` did to a file before using it."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    (version,) = db.execute("PRAGMA user_version").fetchone()
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    if "items" in tables:
        version = version or 1
        while version < OLD_SCHEMA_VERSION:
            db.executescript(
                f"BEGIN; {OLD_MIGRATIONS[version]} PRAGMA user_version = {version + 1}; COMMIT;"
            )
            version += 1
    db.executescript(f"BEGIN; {OLD_SCHEMA} PRAGMA user_version = {OLD_SCHEMA_VERSION}; COMMIT;")
    return db


def every_row(path: Path) -> dict[str, list[tuple]]:
    """Every row of the three tables, in the order the store lists them, without `seq`."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    out = {}
    for table, order in (("api_keys", "created"), ("items", "rowid"), ("jobs", "rowid")):
        rows = db.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        out[table] = [tuple((k, r[k]) for k in r.keys() if k != "seq") for r in rows]
    db.close()
    return out


def user_version(path: Path) -> int:
    db = sqlite3.connect(path)
    (version,) = db.execute("PRAGMA user_version").fetchone()
    db.close()
    return version


ITEM = "INSERT INTO items (id, created, key_id, kind, ref, result) VALUES (?,?,?,?,?,?)"
KEY = "INSERT INTO api_keys (id, name, hash, rate_per_min, created) VALUES (?,?,?,?,?)"
JOB = ("INSERT INTO jobs (id, created, key_id, status, filename, input_path, output_path, "
       "params, rows_total) VALUES (?,?,?,?,?,?,?,?,?)")  # fmt: skip


def test_a_data_folder_of_the_last_release_keeps_every_key_item_and_job(tmp_path):
    path = tmp_path / "data" / "affectkit.sqlite3"
    path.parent.mkdir()
    db = open_as_old_release(path)
    db.execute(KEY, ("key_aaaaaaaaaaaa", "dashboard", hash_key("ak_dash"), 120, 100.0))
    db.execute(KEY, ("key_bbbbbbbbbbbb", "old", hash_key("ak_old"), None, 101.0))
    db.execute("UPDATE api_keys SET revoked = 102.0 WHERE id = 'key_bbbbbbbbbbbb'")
    # one request's items share their time; their ids are random, so only the row order
    # says which came first
    db.executemany(ITEM, [
        ("itm_f000000000000000", 200.0, "key_aaaaaaaaaaaa", "text", "first", '{"label": "joy"}'),
        ("itm_0000000000000000", 200.0, "key_aaaaaaaaaaaa", "image", "sha256:ab", '{"label": "x"}'),
        ("itm_8000000000000000", 200.0, "key_aaaaaaaaaaaa", "text", "删除", '{"label": "anger"}'),
        ("itm_4000000000000000", 200.0, "key_aaaaaaaaaaaa", "text", "third 😊", '{"label": "y"}'),
        ("itm_2000000000000000", 201.0, None, "text", "no key", '{"label": "neutral"}'),
    ])  # fmt: skip
    db.execute("DELETE FROM items WHERE id = 'itm_8000000000000000'")  # a gap in the rowids
    for job_id, created, status in (("job_b", 300.0, "done"), ("job_a", 299.0, "running")):
        db.execute(JOB, (job_id, created, "key_aaaaaaaaaaaa", status, "in.csv",
                         f"/d/uploads/{job_id}.csv", f"/d/results/{job_id}.jsonl",
                         '{"model": "lexicon-en"}', 3))  # fmt: skip
    db.execute("UPDATE jobs SET rows_done = 3, finished = 301.0 WHERE id = 'job_b'")
    db.commit()
    db.close()
    before = every_row(path)

    store = Store(path)
    assert store.list_keys() == [
        ApiKey("key_aaaaaaaaaaaa", "dashboard", 120, 100.0),
        ApiKey("key_bbbbbbbbbbbb", "old", None, 101.0, 102.0),
    ]
    assert store.find_key("ak_dash").id == "key_aaaaaaaaaaaa" and store.find_key("ak_old") is None
    items = store.list_items("key_aaaaaaaaaaaa", 10, 0)
    assert [(i["id"], i["kind"], i["text"], i["result"]["label"]) for i in items] == [
        ("itm_f000000000000000", "text", "first", "joy"),
        ("itm_0000000000000000", "image", None, "x"),
        ("itm_4000000000000000", "text", "third 😊", "y"),
    ]
    assert [i["ref"] for i in store.list_items(None, 10, 0)] == ["no key"]
    assert [j["id"] for j in store.list_jobs("key_aaaaaaaaaaaa")] == ["job_b", "job_a"]
    assert [j["id"] for j in store.list_jobs(status=("running",))] == ["job_a"]
    assert store.get_job("job_b", "key_aaaaaaaaaaaa")["finished"] == 301.0
    [new] = store.add_items(None, [("after the upgrade", {"label": "neutral"})])
    store.close()

    after = every_row(path)
    assert after["items"][-1][0] == ("id", new)
    after["items"].pop()
    assert after == before  # every row, every value, in the same order
    assert user_version(path) > OLD_SCHEMA_VERSION  # so affectkit 0.1 refuses it from now on
    Store(path).close()  # opening an upgraded file again changes nothing
    assert every_row(path)["items"][:-1] == before["items"]


def test_a_file_of_the_first_store_version_is_brought_up_to_date(tmp_path):
    # version 1 (no user_version): texts only, and only the items table
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE items (id TEXT PRIMARY KEY, created REAL NOT NULL, key_id TEXT,
                            text TEXT NOT NULL, result TEXT NOT NULL);
        INSERT INTO items VALUES ('itm_2', 1.0, NULL, 'old text', '{"label": "joy"}');
        INSERT INTO items VALUES ('itm_1', 1.0, NULL, '第二', '{"label": "anger"}');
        """
    )
    db.commit()
    db.close()
    store = Store(path)
    assert store.list_items(None, 10, 0) == [
        {"id": "itm_2", "created": 1.0, "kind": "text", "text": "old text", "ref": "old text",
         "result": {"label": "joy"}},
        {"id": "itm_1", "created": 1.0, "kind": "text", "text": "第二", "ref": "第二",
         "result": {"label": "anger"}},
    ]  # fmt: skip
    token, _ = store.create_key("new", None)  # the tables that release added exist too
    assert store.find_key(token).name == "new" and store.list_jobs() == []
    store.close()


def test_a_file_the_old_release_calls_newer_is_refused_unchanged(tmp_path):
    path = tmp_path / "newer.db"
    open_as_old_release(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {OLD_SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    before = every_row(path)
    with pytest.raises(StorageError, match="newer affectkit"):
        Store(path)
    assert user_version(path) == OLD_SCHEMA_VERSION + 5 and every_row(path) == before
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    db.close()
    assert "alembic_version" not in tables


def test_the_package_upgrades_with_the_old_releases_own_sql():
    from affectkit.storage import legacy

    assert legacy.SCHEMA == OLD_SCHEMA and legacy.FINAL_VERSION == OLD_SCHEMA_VERSION
    assert legacy.MIGRATIONS == OLD_MIGRATIONS
    assert migrate.BASELINE == "0001"
