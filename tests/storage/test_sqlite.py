"""The embedded store: items of every kind, and a version-1 file brought up to date."""

import json
import sqlite3

import pytest

from affectkit.inputs import Input
from affectkit.storage import Store
from affectkit.storage.sqlite import SCHEMA_VERSION


def test_items_keep_their_kind_and_reference(tmp_path):
    store = Store(tmp_path / "s.db")
    ids = store.add_items(
        "k1",
        [("a text", {"label": "joy"}), (Input.from_bytes("image", b"\x89PNG"), {"label": "x"})],
    )
    items = store.list_items("k1", 10, 0)
    assert [i["id"] for i in items] == ids
    assert items[0]["kind"] == "text" and items[0]["text"] == "a text"
    assert items[1]["kind"] == "image" and items[1]["text"] is None
    assert items[1]["ref"].startswith("sha256:")
    assert store.list_items("other", 10, 0) == []
    assert store.delete_item("k1", ids[0]) and not store.delete_item("k1", ids[0])
    store.close()


def test_a_version_1_file_is_migrated_without_losing_an_item(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE items (id TEXT PRIMARY KEY, created REAL NOT NULL, key_id TEXT,
                            text TEXT NOT NULL, result TEXT NOT NULL);
        INSERT INTO items VALUES ('itm_1', 1.0, NULL, 'old text', '{"label": "joy"}');
        INSERT INTO items VALUES ('itm_2', 2.0, 'k', '第二', '{"label": "anger"}');
        """
    )
    db.commit()
    db.close()
    store = Store(path)
    assert store.list_items(None, 10, 0) == [
        {"id": "itm_1", "created": 1.0, "kind": "text", "text": "old text", "ref": "old text",
         "result": {"label": "joy"}},
    ]  # fmt: skip
    assert store.list_items("k", 10, 0)[0]["text"] == "第二"
    store.add_items(None, [("new", {"label": "neutral"})])
    store.close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT count(*) FROM items").fetchone()[0] == 3
    json.loads(db.execute("SELECT result FROM items WHERE id='itm_2'").fetchone()[0])
    db.close()
    Store(path).close()  # opening a current file again changes nothing


def test_a_full_store_is_a_storage_error_and_loses_nothing(tmp_path):
    import stat

    from affectkit.errors import StorageError

    store = Store(tmp_path / "data" / "s.sqlite3")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    [kept] = store.add_items(None, [("kept", {"label": "positive"})])
    (pages,) = store._db.execute("PRAGMA page_count").fetchone()
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # as a full disk would
    with pytest.raises(StorageError, match="could not be written"):
        store.add_items(None, [("x" * 5000, {"label": "neutral"})] * 20)
    with pytest.raises(StorageError):
        store.create_key("k" * 50_000, None)
    assert [i["id"] for i in store.list_items(None, 10, 0)] == [kept]
    store._db.execute(f"PRAGMA max_page_count = {pages * 100}")
    store.add_items(None, [("again", {"label": "neutral"})])
    assert len(store.list_items(None, 10, 0)) == 2
    store.close()


def test_a_store_from_a_newer_affectkit_is_refused_not_rewritten(tmp_path):
    import pytest

    from affectkit.errors import StorageError

    path = tmp_path / "new.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StorageError, match="newer affectkit"):
        Store(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()
