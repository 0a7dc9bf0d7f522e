"""Ingestion on SQLite and PostgreSQL: idempotent, late events in their own windows, a
planted negative spike raising exactly one alert, a calm stream none."""

import pytest

from affectkit.monitor import Monitor
from affectkit.storage import Store
from tests.monitor.conftest import T0, mixed, window_of

pytestmark = pytest.mark.usefixtures("lexicon_defaults")


@pytest.fixture
def monitor(database):
    store = Store(database)
    yield Monitor(store)
    store.close()


def windows(monitor, stream, width=300):
    return {w["start"]: w for w in monitor.streams.windows(stream, width)}


def test_an_event_sent_twice_is_stored_and_counted_once(monitor, tweets):
    events = window_of(T0, mixed(tweets, 3, 5, 0), "e")
    first = monitor.ingest("brand", events)
    assert first.count("stored") == 8
    before = {w: windows(monitor, "brand", w) for w in (300, 3600, 86400)}
    assert before[300][T0]["n"] == 8 and before[86400][T0]["n"] == 8
    again = monitor.ingest("brand", [events[2], {**events[0], "text": "changed"}])
    assert [e["status"] for e in again.events] == ["duplicate", "duplicate"]
    assert {w: windows(monitor, "brand", w) for w in (300, 3600, 86400)} == before
    assert monitor.streams.count_events("brand") == 8
    stored = monitor.streams.events("brand", T0, T0 + 300)
    assert stored[0]["text"] == events[0]["text"]  # the first one kept
    twice = monitor.ingest("brand", [{"id": "n1", "text": "great"}] * 2, received=T0 + 10)
    assert [e["status"] for e in twice.events] == ["stored", "duplicate"]


def test_a_late_event_lands_in_its_own_window(monitor, tweets):
    calm = tweets["calm"]
    monitor.ingest("s", window_of(T0, calm[:4], "a") + window_of(T0 + 3600, calm[4:6], "b"))
    late = monitor.ingest(
        "s", [{"id": "late", "text": tweets["negative"][0], "time": f"{T0 + 100:.0f}000"}]
    )
    assert late.count("stored") == 1
    five, hour = windows(monitor, "s"), windows(monitor, "s", 3600)
    assert (five[T0]["n"], five[T0]["negative"]) == (5, 1)
    assert five[T0 + 3600]["n"] == 2 and hour[T0]["n"] == 5 and hour[T0 + 3600]["n"] == 2
    event = monitor.streams.events("s", T0 + 100, T0 + 101)[0]
    assert event["id"] == "late" and event["polarity_label"] == "negative"
    assert event["evidence"] and event["model"].startswith("lexicon-en")


def calm_stream(monitor, tweets, stream, windows_n):
    """`windows_n` 5-minute windows of 40 tweets, 25% of them negative."""
    for i in range(windows_n):
        start = T0 + 300 * i
        result = monitor.ingest(stream, window_of(start, mixed(tweets, 10, 30, 40 * i), f"w{i}"))
        assert result.count("stored") == 40 and result.alerts == []


def test_a_planted_negative_spike_raises_one_alert(monitor, tweets):
    calm_stream(monitor, tweets, "brand", 13)
    spike = T0 + 300 * 13
    got = monitor.ingest("brand", window_of(spike, mixed(tweets, 30, 10, 500), "spike"))
    assert [a["rule"] for a in got.alerts] == ["negative_spike"]
    alert = got.alerts[0]
    assert (alert["window_start"], alert["window_end"]) == (spike, spike + 300)
    evidence = alert["evidence"]
    assert evidence["window"]["negative"] == 30 and evidence["window"]["events"] == 40
    assert evidence["baseline"]["events"] == 480 and evidence["baseline"]["negative"] == 120
    assert alert["statistic"] >= 3.5
    worst = evidence["most_negative"]
    assert len(worst) == 5 and all(e["evidence"] for e in worst)
    assert [e["score"] for e in worst] == sorted(e["score"] for e in worst)
    # judged again (and more negatives in the window): the same alert, not a second one
    assert monitor.evaluate("brand", {300: {spike}}) == []
    more = monitor.ingest("brand", window_of(spike, mixed(tweets, 5, 0, 600), "more"))
    assert more.alerts == []
    stored = monitor.streams.alerts("brand")
    assert len(stored) == 1 and stored[0]["evidence"]["test"]["name"] == "two_proportion_z"
    # the cool-down: the next window is as negative, and stays quiet
    after = monitor.ingest("brand", window_of(spike + 300, mixed(tweets, 30, 10, 700), "x"))
    assert after.alerts == [] and len(monitor.streams.alerts("brand")) == 1


def test_a_calm_stream_raises_nothing(monitor, tweets):
    calm_stream(monitor, tweets, "calm", 16)
    assert monitor.streams.alerts("calm") == []


def test_rules_per_stream(monitor, tweets):
    assert next(r.name for r in monitor.rules("s")) == "negative_spike"  # the defaults
    monitor.set_rules("s", [{"kind": "volume_burst", "min_volume": 5}])
    assert [(r.name, r.min_volume) for r in monitor.rules("s")] == [("volume_burst", 5)]
    assert monitor.streams.list_streams()[0]["config"]["rules"][0]["kind"] == "volume_burst"


def test_a_sustained_rise_of_fear_in_chinese_posts(monitor, weibo):
    monitor.set_rules("zh", [{"kind": "emotion_rise", "emotion": "fear"}])
    fear, calm = weibo["fear"], weibo["calm"]
    assert len(fear) >= 42 and len(calm) >= 13 * 33 + 19

    def window(i: int, n_fear: int) -> list[dict]:
        texts = fear[i * 2 : i * 2 + n_fear] + calm[i * 33 : i * 33 + 35 - n_fear]
        return window_of(T0 + 300 * i, texts, f"w{i}")

    for i in range(12):
        assert monitor.ingest("zh", window(i, 2)).alerts == []
    assert monitor.ingest("zh", window(12, 16)).alerts == []  # one window is not sustained
    got = monitor.ingest("zh", window(13, 16)).alerts
    assert [a["rule"] for a in got] == ["emotion_rise:fear"]
    assert (got[0]["window_start"], got[0]["window_end"]) == (T0 + 3600, T0 + 4200)
    test = got[0]["evidence"]["test"]
    assert test["share_of"] == "fear" and len(test["windows"]) == 2
    assert all(w["z"] >= 3.5 for w in test["windows"])
    assert got[0]["evidence"]["window"]["emotions"]["fear"] >= 32


def test_concurrent_batches_share_one_transaction_and_keep_exact_statuses(monitor, tweets):
    """Two batches that wait while a write runs are written together; ids they share are
    stored by the earlier and duplicates of the later, counted once in the windows."""
    import threading

    calls: list[list[tuple[str, list]]] = []
    gate, real = threading.Event(), monitor.streams.add_event_batches

    def write(batches, widths):
        calls.append([(s, [r["id"] for r in rows]) for s, rows in batches])
        if len(calls) == 1:
            gate.wait(30)  # hold the first write until the two batches wait behind it
        return real(batches, widths)

    monitor.streams.add_event_batches = write
    texts = mixed(tweets, 4, 8, 0)
    first = window_of(T0, texts[:4], "a")
    b = window_of(T0 + 300, texts[4:10], "b")  # b-0..b-5
    c = b[3:] + window_of(T0 + 600, texts[10:], "c")  # b-3..b-5 again, and c-0, c-1
    done: dict[str, object] = {}

    def ingest(name, events):
        done[name] = monitor.ingest("s", events)

    threads = [threading.Thread(target=ingest, args=("first", first))]
    threads[0].start()
    while not calls:
        threading.Event().wait(0.01)
    threads += [threading.Thread(target=ingest, args=a) for a in (("b", b), ("c", c))]
    for t in threads[1:]:
        t.start()
    while len(monitor._commits._waiting) < 2:
        threading.Event().wait(0.01)
    gate.set()
    for t in threads:
        t.join(30)
    assert len(calls) == 2 and len(calls[1]) == 2  # b and c: one transaction
    order = ["b" if ids[0] == "b-0" else "c" for _, ids in calls[1]]
    statuses = {k: [(e["id"], e["status"]) for e in done[k].events] for k in ("b", "c")}
    shared = {"b-3", "b-4", "b-5"}
    earlier, later = order
    assert all(s == "stored" for _, s in statuses[earlier])
    assert [s for i, s in statuses[later] if i in shared] == ["duplicate"] * 3
    assert [s for i, s in statuses[later] if i not in shared] == ["stored"] * (
        len(statuses[later]) - 3
    )
    assert done["first"].count("stored") == 4
    assert monitor.streams.count_events("s") == 4 + 6 + 2
    five = windows(monitor, "s")
    assert (five[T0]["n"], five[T0 + 300]["n"], five[T0 + 600]["n"]) == (4, 6, 2)
    assert windows(monitor, "s", 86400)[T0]["n"] == 12


def test_a_failed_group_write_fails_every_batch_in_it():
    import threading

    from affectkit.errors import StorageError
    from affectkit.monitor.commit import GroupCommit

    gate, calls = threading.Event(), []

    def write(items):
        calls.append(items)
        if len(calls) == 1:
            gate.wait(30)
            return [x * 10 for x in items]
        raise StorageError("disk full")

    commits = GroupCommit(write)
    got: dict[int, object] = {}

    def submit(x):
        try:
            got[x] = commits.submit(x)
        except StorageError as exc:
            got[x] = exc

    threads = [threading.Thread(target=submit, args=(x,)) for x in (1, 2, 3)]
    threads[0].start()
    while not calls:
        threading.Event().wait(0.01)
    for t in threads[1:]:
        t.start()
    while len(commits._waiting) < 2:
        threading.Event().wait(0.01)
    gate.set()
    for t in threads:
        t.join(30)
    assert got[1] == 10 and [str(got[x]) for x in (2, 3)] == ["disk full"] * 2
    assert calls[0] == [1] and sorted(calls[1]) == [2, 3]
