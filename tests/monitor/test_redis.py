"""The Redis Streams source on the real server at 127.0.0.1:6379 (AFFECTKIT_TEST_REDIS): a
unique key per test, deleted after it."""

import json
import os
import threading
import uuid

import pytest

from affectkit.cli.main import main
from affectkit.monitor import Monitor
from affectkit.monitor.redis_source import RedisSettings, RedisSource, entry_event
from affectkit.storage import Store
from tests.monitor.conftest import T0

redis = pytest.importorskip("redis")
pytestmark = pytest.mark.usefixtures("lexicon_defaults")
URL = os.environ.get("AFFECTKIT_TEST_REDIS") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def key():
    client = redis.Redis.from_url(URL, decode_responses=True, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.skip(f"no Redis server answers at {URL} ({exc}): set AFFECTKIT_TEST_REDIS")
    name = f"affectkit-test-{uuid.uuid4().hex[:12]}"
    yield client, name
    client.delete(name)
    client.close()


def add(client, key, tweets, n, prefix="e"):
    texts = tweets["calm"] + tweets["negative"]
    for i in range(n):
        event = {"id": f"{prefix}{i}", "text": texts[i % len(texts)], "time": T0 + i}
        client.xadd(key, {"event": json.dumps(event)})


def test_two_workers_store_every_entry_once_and_leave_nothing_pending(key, database, tweets):
    client, name = key
    add(client, name, tweets, 300)
    client.xadd(name, {"text": "a field-wise entry", "time": str(T0)})  # id: the entry's id
    client.xadd(name, {"event": "{broken"})
    store = Store(database)
    counts = []

    def worker(consumer: str) -> None:
        seen = {"stored": 0, "rejected": 0}

        def on_batch(done):
            for status in seen:
                seen[status] += done.count(status)

        settings = RedisSettings(URL, name, consumer=consumer, batch_size=50, block_ms=100)
        RedisSource(settings).run(Monitor(store), "s", idle_exit=0.5, on_batch=on_batch)
        counts.append(seen)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(c["stored"] for c in counts) == 301 and sum(c["rejected"] for c in counts) == 1
    assert all(c["stored"] > 0 for c in counts)  # the group shared the entries out
    assert store.streams.count_events("s") == 301
    assert client.xpending(name, "affectkit")["pending"] == 0
    store.close()


def test_entries_a_dead_worker_left_pending_are_claimed(key, tmp_path, tweets):
    client, name = key
    add(client, name, tweets, 20)
    client.xgroup_create(name, "affectkit", id="0")
    got = client.xreadgroup("affectkit", "dead", {name: ">"}, count=15)  # read, never acked
    assert len(got[0][1]) == 15
    store = Store(tmp_path / "db.sqlite3")
    settings = RedisSettings(URL, name, consumer="alive", claim_idle_ms=0, block_ms=100)
    RedisSource(settings).run(Monitor(store), "s", idle_exit=0.3)
    assert store.streams.count_events("s") == 20
    assert client.xpending(name, "affectkit")["pending"] == 0
    store.close()


def test_an_unreachable_server_is_said_and_retried(tmp_path, capsys):
    store = Store(tmp_path / "db.sqlite3")
    stop = threading.Event()
    settings = RedisSettings("redis://127.0.0.1:1/0", "k", backoff_s=0.05)
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    RedisSource(settings).run(Monitor(store), "s", stop=stop)
    err = capsys.readouterr().err.splitlines()
    assert len(err) >= 2
    assert err[0].startswith("affectkit monitor: cannot reach the Redis at redis://127.0.0.1:1/0")
    assert err[0].endswith("retrying in 0.05s") and err[1].endswith("retrying in 0.1s")
    store.close()


def test_the_command_reads_a_redis_stream(key, tmp_path, capsys, tweets):
    client, name = key
    add(client, name, tweets, 40)
    argv = [
        "monitor",
        "s",
        "--redis",
        URL,
        "--key",
        name,
        "--data-dir",
        str(tmp_path),
        "--idle-exit",
        "0.5",
    ]
    assert main(argv) == 0
    assert "s: 40 stored, 0 duplicates, 0 rejected, 0 alerts" in capsys.readouterr().err


def test_entry_events():
    assert entry_event("1-0", {"event": '{"id": "a", "text": "x"}'}) == {"id": "a", "text": "x"}
    assert entry_event("1-0", {"text": "x", "meta": '{"k": 1}'}) == {
        "text": "x",
        "meta": {"k": 1},
        "id": "1-0",
    }
    assert entry_event("1-0", {"data": "{"}) == "the entry's event field is not JSON"
