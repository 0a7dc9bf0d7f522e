"""The store on SQLite and on PostgreSQL: keys, items, jobs, its schema, and its errors."""

import stat

import pytest
import sqlalchemy as sa

from affectkit.errors import InvalidInputError, StorageError
from affectkit.inputs import Input
from affectkit.storage import Store, hash_key, migrate, schema
from affectkit.storage.engine import create_engine, database_url


def test_keys_are_kept_as_hashes_and_revoked_once(database):
    store = Store(database)
    token, key = store.create_key("dashboard", 120)
    free, _ = store.create_key("load", None)
    assert token.startswith("ak_") and store.find_key(token) == key
    assert [(k.name, k.rate_per_min) for k in store.list_keys()] == [("dashboard", 120),
                                                                      ("load", None)]  # fmt: skip
    assert store.find_key("ak_wrong") is None
    with store.engine.connect() as db:
        hashes = db.execute(sa.select(schema.keys_table.c.hash)).scalars().all()
    assert hash_key(token) in hashes and token not in hashes
    assert store.revoke_key(key.id) and not store.revoke_key(key.id)
    assert store.find_key(token) is None and store.find_key(free).name == "load"
    assert store.list_keys()[0].revoked is not None
    store.close()


def test_items_keep_their_kind_reference_and_order(database):
    store = Store(database)
    ids = store.add_items(
        "k1",
        [("a text", {"label": "joy"}), (Input.from_bytes("image", b"\x89PNG"), {"label": "x"})],
    )
    ids += store.add_items("k1", [(f"text {i}", {"label": "neutral", "n": i}) for i in range(10)])
    items = store.list_items("k1", 100, 0)
    assert [i["id"] for i in items] == ids  # the order they were added in, batches included
    assert items[0]["kind"] == "text" and items[0]["text"] == "a text"
    assert items[0]["result"] == {"label": "joy"}
    assert items[1]["kind"] == "image" and items[1]["text"] is None
    assert items[1]["ref"].startswith("sha256:")
    assert [i["id"] for i in store.list_items("k1", 3, 4)] == ids[4:7]
    assert store.list_items("other", 10, 0) == [] and store.list_items(None, 10, 0) == []
    [mine] = store.add_items(None, [("今天真开心😊", {"label": "positive", "why": "开心"})])
    assert store.list_items(None, 10, 0)[0]["text"] == "今天真开心😊"
    assert not store.delete_item("k1", mine)  # another key's item
    assert store.delete_item("k1", ids[0]) and not store.delete_item("k1", ids[0])
    assert store.add_items("k1", []) == []
    store.close()


def _job(job_id: str, created: float, key_id: str | None = None) -> dict:
    return {
        "id": job_id, "created": created, "key_id": key_id, "status": "queued",
        "filename": "a.csv", "input_path": f"/data/uploads/{job_id}.csv",
        "output_path": f"/data/results/{job_id}.jsonl", "params": '{"model": "lexicon-en"}',
        "rows_total": 3,
    }  # fmt: skip


def test_jobs_are_added_updated_listed_and_deleted(database):
    store = Store(database)
    store.add_job(_job("job_b", 2.0, "k"))
    store.add_job(_job("job_a", 1.0, "k"))  # added after job_b, created before it
    store.add_job(_job("job_c", 3.0))
    store.update_job("job_b", status="running", rows_done=2)
    got = store.get_job("job_b", "k")
    assert got == {**_job("job_b", 2.0, "k"), "status": "running", "rows_done": 2, "errors": 0,
                   "error": None, "finished": None}  # fmt: skip
    assert store.get_job("job_b") is None and store.get_job("job_b", any_key=True) == got
    assert [j["id"] for j in store.list_jobs("k")] == ["job_b", "job_a"]  # as added
    unfinished = store.list_jobs(status=("queued", "running"))
    assert [j["id"] for j in unfinished] == ["job_a", "job_b", "job_c"]  # oldest first
    assert [j["id"] for j in store.list_jobs()] == ["job_c"]
    store.delete_job("job_b")
    assert store.get_job("job_b", any_key=True) is None
    store.close()


def test_the_migrated_schema_is_the_one_the_queries_use(database):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    store = Store(database)
    with store.engine.connect() as db:
        context = MigrationContext.configure(db)
        assert compare_metadata(context, schema.metadata) == []
        head = ScriptDirectory.from_config(migrate.alembic_config(db)).get_current_head()
        assert context.get_current_heads() == (head,)
    store.close()


def test_the_migrations_go_down_and_up_again_keeping_the_rows(database):
    from alembic import command

    store = Store(database)
    ids = store.add_items(None, [(f"text {i}", {"n": i}) for i in range(5)])
    store.add_job(_job("job_1", 1.0))
    with store.engine.connect() as db, db.begin():
        command.downgrade(migrate.alembic_config(db), migrate.BASELINE)
    store.close()
    store = Store(database)  # upgraded again
    assert [i["id"] for i in store.list_items(None, 10, 0)] == ids
    assert store.get_job("job_1")["params"] == '{"model": "lexicon-en"}'
    with store.engine.connect() as db, db.begin():
        command.downgrade(migrate.alembic_config(db), "base")
    with store.engine.connect() as db:
        assert set(sa.inspect(db).get_table_names()) == {"alembic_version"}
    store.close()
    store = Store(database)
    assert store.list_items(None, 10, 0) == [] and store.list_keys() == []
    store.close()


def test_a_store_from_a_newer_affectkit_is_refused_not_rewritten(database):
    Store(database).close()
    engine = create_engine(database_url(database))
    with engine.begin() as db:
        db.exec_driver_sql("UPDATE alembic_version SET version_num = '0999'")
    with pytest.raises(StorageError, match=r"newer affectkit .*revision 0999"):
        Store(database)
    with engine.connect() as db:
        assert db.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0999"
    engine.dispose()


def test_a_full_sqlite_store_is_a_storage_error_and_loses_nothing(tmp_path):
    store = Store(tmp_path / "data" / "s.sqlite3")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    [kept] = store.add_items(None, [("kept", {"label": "positive"})])
    with store.engine.connect() as db:
        pages = db.exec_driver_sql("PRAGMA page_count").scalar()

    def full(dbapi_connection, _record):  # as a full disk would be
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    sa.event.listen(store.engine, "connect", full)
    store.engine.dispose()
    with pytest.raises(StorageError, match="could not be written"):
        store.add_items(None, [("x" * 5000, {"label": "neutral"})] * 20)
    with pytest.raises(StorageError):
        store.create_key("k" * 50_000, None)
    assert [i["id"] for i in store.list_items(None, 10, 0)] == [kept]
    sa.event.remove(store.engine, "connect", full)
    store.engine.dispose()
    store.add_items(None, [("again", {"label": "neutral"})])
    assert len(store.list_items(None, 10, 0)) == 2
    store.close()


def test_what_postgresql_cannot_keep_is_invalid_input(postgres_url):
    store = Store(postgres_url)
    with pytest.raises(InvalidInputError, match="NUL"):
        store.add_items(None, [("a\x00b", {"label": "neutral"})])
    assert store.list_items(None, 10, 0) == []
    store.close()


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgresql://ak:hunter2@127.0.0.1:1/test",
         r"Cannot open the store postgresql://ak:\*\*\*@127.0.0.1:1/test \(.*refused"),
        ("postgresql://ak:hunter2@127.0.0.1:port/test",
         r"postgresql://ak:\*\*\*@127.0.0.1:port/test is not a database URL"),
        ("mysql://ak:hunter2@127.0.0.1/test", r"SQLite or PostgreSQL, not mysql://ak:\*\*\*@"),
        ("sqlite://", "not a SQLite file"),
        ("sqlite:///:memory:", "not a SQLite file"),
    ],
)  # fmt: skip
def test_bad_urls_and_unreachable_servers_are_one_line_errors_without_the_password(url, expected):
    with pytest.raises(StorageError, match=expected) as e:
        Store(url)
    assert "hunter2" not in str(e.value) and "\n" not in str(e.value)


def test_a_database_the_server_refuses_is_named_in_the_error(postgres_server):
    url = postgres_server.url.set(database="affectkit_no_such_database", password="hunter2")
    with pytest.raises(StorageError, match=r'affectkit_no_such_database.*"affectkit_no_such') as e:
        Store(url.render_as_string(hide_password=False))
    assert "hunter2" not in str(e.value) and "\n" not in str(e.value)


def test_the_keys_command_uses_the_database_given(database, tmp_path, monkeypatch, capsys):
    from affectkit.cli.main import main

    monkeypatch.delenv("AFFECTKIT_DB", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert main(["keys", "create", "ops", "--db", str(database)]) == 0
    key_id = capsys.readouterr().out.split()[0]
    monkeypatch.setenv("AFFECTKIT_DB", str(database))
    assert main(["keys", "list"]) == 0
    assert f"{key_id}  ops" in capsys.readouterr().out
    assert not (cwd / "data").exists()  # not the default data folder's store
    assert main(["keys", "list", "--db", "postgresql://ak:hunter2@127.0.0.1:1/test"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hunter2" not in err and "ak:***@127.0.0.1:1" in err


def test_a_sqlite_write_that_reads_first_waits_for_another_writer_instead_of_failing(tmp_path):
    """A write transaction takes the lock as it begins: a second writer waits for it, and
    the first's read-then-write (an alert's cool-down check, then its insert) cannot find the
    database changed under it ("database is locked")."""
    import threading

    streams_table = schema.streams_table
    store = Store(tmp_path / "db.sqlite3")
    other = threading.Event()
    writer = threading.Thread(target=lambda: (store.streams.ensure_stream("b"), other.set()))
    with store._transaction() as db:
        db.execute(sa.select(sa.func.count()).select_from(streams_table))
        writer.start()
        assert not other.wait(0.3)  # waiting for this transaction
        db.execute(streams_table.insert().values(name="a", created=0.0, config="{}"))
    writer.join(10)
    assert other.is_set()
    assert [s["name"] for s in store.streams.list_streams()] == ["a", "b"]
    store.close()
