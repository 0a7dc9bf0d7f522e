"""Alerts to webhooks: a receiver that answers 500 then 200, and one that hangs; each attempt
recorded, and ingestion never waits for them. The receivers are small local HTTP servers."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from affectkit.monitor import Monitor, Notifier, WebhookSettings
from affectkit.storage import Store
from tests.monitor.conftest import T0, mixed, window_of


class Receiver(BaseHTTPRequestHandler):
    received: list  # (path, body) of each request, set per server
    failures: dict  # path -> how many requests to answer 500 first

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append((self.path, body))
        if self.path == "/hang":
            time.sleep(2)  # far past the client's timeout
        left = self.failures.get(self.path, 0)
        self.failures[self.path] = left - 1
        self.send_response(500 if left > 0 else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    handler = type("H", (Receiver,), {"received": [], "failures": {"/flaky": 1}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.received
    server.shutdown()
    server.server_close()


def test_deliveries_are_retried_recorded_and_never_block_ingestion(
    receiver, tmp_path, tweets, lexicon_defaults
):
    base, received = receiver
    store = Store(tmp_path / "db.sqlite3")
    settings = WebhookSettings(timeout_s=0.3, attempts=3, backoff_s=0.05)
    notifier = Notifier(store.streams, [f"{base}/flaky", f"{base}/hang"], settings)
    monitor = Monitor(store, notifier=notifier)
    monitor.set_rules("brand", [{"kind": "negative_spike"}])
    for i in range(12):
        monitor.ingest("brand", window_of(T0 + 300 * i, mixed(tweets, 10, 30, 40 * i), f"w{i}"))
    t0 = time.monotonic()
    done = monitor.ingest("brand", window_of(T0 + 3600, mixed(tweets, 30, 10, 500), "spike"))
    took = time.monotonic() - t0
    assert len(done.alerts) == 1
    assert took < 1.0  # the hanging hook (2 s per try, 3 tries) is not waited for
    assert notifier.wait_idle(10)
    alert = store.streams.alerts("brand")[0]
    got = {d["url"].rsplit("/", 1)[1]: d for d in alert["deliveries"]}
    flaky, hang = got["flaky"], got["hang"]
    assert (flaky["status"], flaky["attempts"], flaky["last_error"]) == ("delivered", 2, None)
    assert (hang["status"], hang["attempts"]) == ("failed", 3)
    assert "Timeout" in hang["last_error"]
    bodies = [b for p, b in received if p == "/flaky"]
    assert len(bodies) == 2 and bodies[0]["id"] == alert["id"]
    assert bodies[0]["evidence"]["test"]["name"] == "two_proportion_z"
    notifier.close()
    store.close()


def test_a_full_queue_drops_and_records(tmp_path):
    store = Store(tmp_path / "db.sqlite3")
    notifier = Notifier(
        store.streams,
        ["http://127.0.0.1:9/none"],
        WebhookSettings(queue_size=1, timeout_s=0.2, attempts=1),
    )
    notifier.close()  # closed: nothing takes from the queue, which stays full
    notifier.submit({"id": "alr_1"})
    notifier.submit({"id": "alr_2"})
    with store.engine.connect() as db:
        rows = db.exec_driver_sql("SELECT alert, status, last_error FROM deliveries").all()
    assert sorted(rows) == [
        ("alr_1", "pending", None),
        ("alr_2", "dropped", "the delivery queue was full"),
    ]
    store.close()
