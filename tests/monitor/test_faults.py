"""Faults on real servers: the PostgreSQL and Redis connections cut mid-ingestion through a TCP
proxy (`tests.monitor.proxy`), and Redis unreachable from the start. Nothing acknowledged is
lost, nothing is stored twice, and each failure is one clear line. (Webhooks that hang or answer
500: `test_webhooks`.)"""

import json
import os
import threading
import uuid

import pytest
import sqlalchemy as sa

from affectkit.cli.main import main
from affectkit.errors import AffectError, StorageError
from affectkit.monitor import Monitor
from affectkit.monitor.redis_source import RedisSettings, RedisSource
from affectkit.storage import Store
from tests.monitor.conftest import T0
from tests.monitor.proxy import Proxy

pytestmark = pytest.mark.usefixtures("lexicon_defaults")
REDIS_URL = os.environ.get("AFFECTKIT_TEST_REDIS") or "redis://127.0.0.1:6379/0"


def batch(tweets, n: int, size: int = 20) -> list[dict]:
    texts = tweets["calm"] + tweets["negative"]
    return [
        {"id": f"b{n}-{i}", "text": texts[(n * size + i) % len(texts)], "time": T0 + n * 60 + i}
        for i in range(size)
    ]


@pytest.fixture
def pg_proxy(postgres_url):
    """(the test's schema's URL through a proxy, the proxy, the direct URL)."""
    url = sa.engine.make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    through = url.set(port=proxy.port).update_query_dict({"connect_timeout": "3"})
    yield through.render_as_string(hide_password=False), proxy, postgres_url
    proxy.close()


def test_postgresql_lost_mid_ingestion(pg_proxy, tweets):
    url, proxy, direct = pg_proxy
    store = Store(url)
    monitor = Monitor(store)
    acked: list[str] = []
    for n in range(3):
        done = monitor.ingest("s", batch(tweets, n))
        acked += [e["id"] for e in done.events if e["status"] == "stored"]
    proxy.down()  # the server is gone: the batch fails, saying so in one line
    with pytest.raises(StorageError) as failed:
        monitor.ingest("s", batch(tweets, 3))
    message = str(failed.value)
    assert "\n" not in message and message.startswith(f"The store {store.name} could not be")
    assert "check its permissions, or that its server runs" in message
    proxy.up()  # back: the store opens new connections by itself
    for n in range(4, 7):
        done = monitor.ingest("s", batch(tweets, n))
        assert done.count("stored") == 20
        acked += [e["id"] for e in done.events if e["status"] == "stored"]
    store.close()
    check = Store(direct)
    kept = {e["id"] for e in check.streams.events("s", 0, 2e9, limit=10_000)}
    assert set(acked) <= kept and len(acked) == 120
    windows = check.streams.windows("s", 86400)
    assert sum(w["n"] for w in windows) == len(kept)  # every stored event counted once
    check.close()


def test_a_connection_cut_inside_the_transaction_is_retried_once(pg_proxy, tweets):
    url, proxy, _ = pg_proxy
    store = Store(url)
    monitor = Monitor(store)
    monitor.ingest("s", batch(tweets, 0))
    cuts = []

    def cut_before_the_insert(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO events") and not cuts:
            cuts.append(statement)
            proxy.cut()  # the server is still there: the retry's new connection gets through

    sa.event.listen(store.engine, "before_cursor_execute", cut_before_the_insert)
    done = monitor.ingest("s", batch(tweets, 1))
    assert cuts and done.count("stored") == 20
    assert store.streams.count_events("s") == 40
    assert sum(w["n"] for w in store.streams.windows("s", 86400)) == 40
    store.close()


@pytest.fixture
def redis_key():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        message = f"no Redis server answers at {REDIS_URL} ({exc}): set AFFECTKIT_TEST_REDIS"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    name = f"affectkit-test-{uuid.uuid4().hex[:12]}"
    yield client, name
    client.delete(name)
    client.close()


def test_redis_dropped_mid_stream_nothing_skipped_or_stored_twice(
    redis_key, tmp_path, tweets, capsys
):
    client, key = redis_key
    for n in range(10):
        for event in batch(tweets, n):
            client.xadd(key, {"event": json.dumps(event)})
    host, port = REDIS_URL.split("//")[1].split("/")[0].split(":")
    proxy = Proxy(host, int(port))
    store = Store(tmp_path / "db.sqlite3")
    batches = []

    class CutAfterStoring(Monitor):
        """Cuts Redis once, after the third batch is stored and before it is acknowledged."""

        def ingest(self, stream, objs, received=None):
            done = super().ingest(stream, objs, received)
            if len(batches) == 2 and proxy.port:
                proxy.down()
                threading.Timer(0.3, proxy.up).start()
            batches.append(done)
            return done

    settings = RedisSettings(
        f"redis://127.0.0.1:{proxy.port}/0", key, batch_size=20, block_ms=100,
        backoff_s=0.05, max_backoff_s=0.2,
    )  # fmt: skip
    RedisSource(settings).run(CutAfterStoring(store), "s", idle_exit=1.0)
    proxy.close()
    stored = sum(b.count("stored") for b in batches)
    again = sum(b.count("duplicate") for b in batches)
    assert stored == 200 and again == 20  # the unacknowledged batch came again: duplicates
    assert store.streams.count_events("s") == 200
    assert sum(w["n"] for w in store.streams.windows("s", 86400)) == 200
    assert client.xpending(key, "affectkit")["pending"] == 0
    err = capsys.readouterr().err.splitlines()
    assert err and all(line.startswith("affectkit monitor: cannot reach the Redis") for line in err)
    store.close()


def test_redis_unreachable_from_the_start_is_one_line(tmp_path, capsys):
    store = Store(tmp_path / "db.sqlite3")
    settings = RedisSettings("redis://127.0.0.1:1/0", "k", backoff_s=0.05, max_backoff_s=0.1)
    with pytest.raises(AffectError, match=r"gave up \(--idle-exit 0.3\)"):
        RedisSource(settings).run(Monitor(store), "s", idle_exit=0.3)
    store.close()
    argv = ["monitor", "s", "--redis", "redis://127.0.0.1:1/0", "--key", "k",
            "--data-dir", str(tmp_path), "--idle-exit", "0.3"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert "Traceback" not in "\n".join(err)
    last = [line for line in err if "error:" in line]
    assert len(last) == 1 and last[0].startswith(
        "affectkit monitor: error: cannot reach the Redis at redis://127.0.0.1:1/0"
    )
