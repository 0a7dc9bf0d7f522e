"""The dashboard (Streams, Alerts, Jobs, Models) in a real headless Chromium, and its live
endpoint ``GET /v1/live`` over HTTP: updates as events are stored (by the service or by another
process), keys, the connection limit, heartbeats, and a shutdown with a client still open."""

import json
import os
import queue
import shutil
import threading
import time

import httpx
import pytest

from tests.serving.conftest import free_port, running
from tests.serving.test_playground import browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.usefixtures("lexicon_defaults")

# what the lexicons call positive (CALM) and negative (ANGRY), in English and Chinese
CALM = [
    "Great service and friendly staff, thank you!",
    "这家酒店服务很好，很满意！",
    "The new version is fast and I love the design.",
    "客服态度很好，问题很快就解决了。",
    "Delivery arrived on time, everything works well.",
    "新版本很好用，界面也很漂亮。",
    "Thanks for the quick reply, very helpful.",
    "物流很快，包装完好，非常满意。",
]
ANGRY = [
    "This is terrible, the app keeps crashing and support is useless.",
    "太失望了，质量很差，客服态度恶劣。",
    "Worst update ever, I hate it, everything is broken.",
    "更新以后总是崩溃，太糟糕了，非常生气。",
    "The update is <b>terrible</b>, it crashes every time.",  # shown as text, not markup
    "垃圾产品，退款也不处理，很愤怒。",
    "Awful service, rude staff and a horrible experience.",
    "服务太差了，等了两个小时，很失望。",
]
# a spike of negatives after two calm windows fires at once (the defaults wait for 12 windows
# of 100 events)
RULES = {
    "rules": [{"kind": "negative_spike", "baseline_windows": 2, "min_volume": 6, "min_baseline": 6}]
}


def window(start: float, texts: list[str], prefix: str, width: int = 300) -> list[dict]:
    step = width / (len(texts) + 1)
    return [
        {"id": f"{prefix}-{i}", "text": t, "time": start + (i + 1) * step}
        for i, t in enumerate(texts)
    ]


class Live:
    """A client of GET /v1/live in a thread: its events on a queue as (type, data)."""

    def __init__(self, url: str, params: dict | None = None, headers: dict | None = None):
        self.events: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.status: queue.Queue = queue.Queue()
        self.client = httpx.Client(base_url=url, timeout=httpx.Timeout(30, read=30))
        self.thread = threading.Thread(target=self._read, args=(params, headers), daemon=True)
        self.thread.start()
        self.code = self.status.get(timeout=10)

    def _read(self, params, headers) -> None:
        try:
            with self.client.stream("GET", "/v1/live", params=params, headers=headers) as r:
                if r.status_code != 200:
                    self.body = json.loads(r.read())
                self.status.put(r.status_code)
                if r.status_code != 200:
                    return
                kind = None
                for line in r.iter_lines():
                    if self.stop.is_set():  # hang up (the server's heartbeats wake us)
                        break
                    if line.startswith(": "):
                        self.events.put(("ping", None))
                    elif line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        self.events.put((kind, json.loads(line[6:])))
        except httpx.HTTPError:
            pass
        finally:
            self.status.put(None)
            self.events.put(("end", None))

    def next(self, kind: str, timeout: float = 10.0, where=lambda d: True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got == kind and where(data):
                return data
            if got == "end" and kind != "end":
                raise AssertionError(f"the stream ended before a {kind!r} event")
        raise AssertionError(f"no {kind!r} event within {timeout} s")

    def close(self) -> None:
        """Hang up (as a closed browser tab does), at the next line the server sends."""
        self.stop.set()
        self.thread.join(timeout=10)
        self.client.close()


def test_streams_chart_updates_live_and_the_alert_appears(browser, make_server, tmp_path):  # noqa: F811
    url, _ = make_server(preload=("lexicon-en", "lexicon-zh"), live_poll_s=0.5)
    t0 = (time.time() // 300) * 300 - 600  # three windows: calm, calm, the spike (now's)
    http = httpx.Client(base_url=url, timeout=30)
    assert http.put("/v1/streams/shop/rules", json=RULES).status_code == 200
    assert http.post("/v1/streams/shop/events", json=window(t0, CALM, "a")).json()["stored"] == 8

    page = browser.new_page()
    page.goto(url + "/#streams")
    assert page.title() == "affectkit · Streams"
    page.click("#streamlist tr[data-stream='shop']")
    page.wait_for_selector("#chart-volume[data-total='8']")
    page.wait_for_selector("#livestatus[data-live='on']")
    assert page.url.endswith("#streams/shop/300")  # a link to this view
    page.evaluate("window.notReloaded = true")

    http.post("/v1/streams/shop/events", json=window(t0 + 300, CALM, "b"))
    page.wait_for_selector("#chart-volume[data-total='16']")
    spike = http.post("/v1/streams/shop/events", json=window(t0 + 600, ANGRY, "c")).json()
    assert spike["stored"] == 8 and len(spike["alerts"]) == 1
    page.wait_for_selector("#chart-volume[data-total='24']")
    volume = page.locator("#chart-volume")
    assert volume.get_attribute("data-points") == "3"
    page.wait_for_selector("#chart-volume .alert-mark")
    page.wait_for_selector("#alertbadge:not([hidden])")
    assert page.inner_text("#alertbadge") == "1"
    assert page.evaluate("window.notReloaded") is True  # updated in place, not reloaded
    for chart in ("polarity", "emotions", "valence"):
        assert page.locator(f"#chart-{chart}").count() == 1

    # the events of the spike's window, with their labels, scores and evidence words
    page.click(f"#chart-volume rect.hit[data-start='{int(t0 + 600)}']")
    page.wait_for_selector("#eventtable .event-row")
    rows = page.locator("#eventtable .event-row")
    assert rows.count() == 8
    assert {r.get_attribute("data-label") for r in rows.all()} == {"negative"}
    texts = page.locator("#eventtable td.text").all_inner_texts()
    assert "太失望了，质量很差，客服态度恶劣。" in texts
    assert "The update is <b>terrible</b>, it crashes every time." in texts  # escaped
    assert page.locator("#eventtable td.text b").count() == 0
    assert "terrible" in page.inner_text("#eventtable .words")
    shot = tmp_path / "dashboard-streams.png"
    page.screenshot(path=str(shot), full_page=True)

    # the Alerts view: the alert with its evidence; the hash survives a reload
    page.click("#nav a[data-view='alerts']")
    card = page.locator("#alertlist .alert[data-rule='negative_spike']")
    card.wait_for()
    assert card.get_attribute("data-stream") == "shop"
    text = card.inner_text()
    assert "negative share 100%" in text and "baseline (2 windows before)" in text
    assert card.locator(".worst li").count() == 5 and card.locator(".words span").count() >= 5
    assert page.locator("#alertbadge").is_hidden()
    page.reload()
    page.wait_for_selector("#alertlist .alert[data-rule='negative_spike']")
    assert page.title() == "affectkit · Alerts"
    alerts_shot = tmp_path / "dashboard-alerts.png"
    page.screenshot(path=str(alerts_shot), full_page=True)

    page.click("#nav a[data-view='models']")
    page.wait_for_selector("#modeltable tr[data-model='lexicon-zh@1']")
    assert "zh" in page.inner_text("#modeltable tr[data-model='lexicon-zh@1']")
    page.click("#nav a[data-view='jobs']")
    page.wait_for_selector("#jobtable .empty")
    page.click("#nav a[data-view='analyse']")
    page.wait_for_selector("#input", state="visible")
    assert page.title() == "affectkit playground" and page.is_hidden("#view-jobs")
    print(f"\nscreenshots: {shot} {alerts_shot}")
    copy = os.environ.get("AFFECTKIT_DASHBOARD_SCREENSHOTS")  # a folder to keep them in
    if copy:
        os.makedirs(copy, exist_ok=True)
        for f in (shot, alerts_shot):
            shutil.copy(f, copy)
    assert shot.stat().st_size > 10_000


def test_live_sends_windows_alerts_and_heartbeats(make_server, tmp_path):
    url, settings = make_server(preload=("lexicon-en", "lexicon-zh"), live_heartbeat_s=0.3,
                                live_poll_s=0.3)  # fmt: skip
    t0 = 1_700_006_400.0
    http = httpx.Client(base_url=url, timeout=30)
    http.put("/v1/streams/shop/rules", json=RULES)
    live = Live(url, {"stream": "shop", "width": 300, "since": t0})
    try:
        assert live.code == 200
        assert live.next("hello")["since"] == t0
        assert live.next("windows")["results"] == []  # the stream has no events yet
        live.next("ping")
        http.post("/v1/streams/shop/events", json=window(t0, CALM, "a"))
        got = live.next("windows", where=lambda d: d["results"])
        assert [(w["start"], w["events"]) for w in got["results"]] == [(t0, 8)]
        assert got["results"][0]["polarity_share"]["positive"] == 1.0

        # stored by another process (as `affectkit monitor` does): found by looking at the store
        from affectkit.monitor import Monitor
        from affectkit.storage import Store

        store = Store(settings.database)
        try:
            other = Monitor(store)
            other.ingest("shop", window(t0 + 300, CALM, "b"))
            got = live.next("windows", where=lambda d: d["results"])
            assert [(w["start"], w["events"]) for w in got["results"]] == [(t0 + 300, 8)]
            done = other.ingest("shop", window(t0 + 600, ANGRY, "c"))
            assert len(done.alerts) == 1
            alert = live.next("alert")
            assert alert["id"] == done.alerts[0]["id"] and alert["rule"] == "negative_spike"
            assert len(alert["evidence"]["most_negative"]) == 5
        finally:
            store.close()
    finally:
        live.close()


def test_live_needs_a_valid_key_and_checks_its_parameters(make_server):
    url, settings = make_server(require_keys=True, live_heartbeat_s=0.2)
    from affectkit.storage import Store

    store = Store(settings.database)
    try:
        token, _ = store.create_key("dashboard", None)
    finally:
        store.close()
    with httpx.Client(base_url=url, timeout=10) as http:
        r = http.get("/v1/live")
        assert r.status_code == 401 and r.json()["error"]["code"] == "key_required"
        r = http.get("/v1/live", headers={"Authorization": "Bearer ak_not_a_key"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_key"
        assert http.get("/v1/live", params={"key": token}).status_code == 401  # headers only
        auth = {"Authorization": f"Bearer {token}"}
        r = http.get("/v1/live", params={"width": 60}, headers=auth)
        assert r.status_code == 422
        assert r.json()["error"]["message"] == "width must be one of 300, 3600, 86400 seconds."
        r = http.get("/v1/live", params={"stream": "nope"}, headers=auth)
        assert r.status_code == 404 and r.json()["error"]["message"] == "No stream nope."
        r = http.get("/v1/live", params={"since": "yesterday"}, headers=auth)
        assert r.status_code == 422 and r.json()["error"]["message"].startswith("since: time")
        # the page and its script need no key; they ask for one
        assert http.get("/").status_code == 200
        script = http.get("/static/dashboard.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert http.get("/static/other.js", headers=auth).status_code == 404
    live = Live(url, {"width": 300}, {"Authorization": f"Bearer {token}"})
    try:
        assert live.code == 200 and live.next("hello")["stream"] is None
    finally:
        live.close()


def test_past_the_live_connection_limit_429_and_a_closed_client_frees_its_slot(make_server):
    url, _ = make_server(max_live_connections=2, live_heartbeat_s=0.2)
    first, second = Live(url), Live(url)
    try:
        assert first.code == second.code == 200
        third = Live(url)
        assert third.code == 429
        assert third.body["error"]["code"] == "too_many_live_connections"
        assert "2 live connections are open" in third.body["error"]["message"]
        third.close()
        first.close()
        deadline = time.monotonic() + 10
        while True:  # the slot is freed as the server sees the client go
            again = Live(url)
            if again.code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert again.code == 200
        again.close()
    finally:
        second.close()


def test_shutdown_with_a_live_client_open_does_not_wait_for_it(tmp_path):
    from affectkit.serving.settings import ServeSettings

    settings = ServeSettings(port=free_port(), data_dir=tmp_path / "data", preload=())
    with running(settings) as url:
        live = Live(url)
        assert live.code == 200
        live.next("hello")
        t0 = time.monotonic()
    stopped = time.monotonic() - t0
    live.next("bye")
    live.next("end")
    live.close()
    assert stopped < 3.0, f"the server took {stopped:.1f} s to stop with a live client"
