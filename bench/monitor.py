"""Monitoring benchmark: HTTP ingestion against offline analysis, alerts on replayed real texts,
and Redis workers.

    python bench/monitor.py [--events 20000] [--default-events 2000] [--batch 100]
                            [--dbs sqlite postgresql] [--analyzers lexicon default]
                            [--calm-hours 6] [--calm-days 7] [--per-window 100]
                            [--redis-events 100000] [--skip ingest replay redis]

1. Ingestion. For each database and analyzer set (``lexicon``: lexicon-en and lexicon-zh as
   the defaults of their languages; ``default``: the registry's default models) the service
   runs as its own process (uvicorn, 127.0.0.1, a free port, a fresh store) and a client
   posts batches of `--batch` events (SST-2 dev and ChnSentiCorp dev texts, English and
   Chinese alternating) with two batches in flight. Reported: events/s, and the ratio to the
   same analyzers' offline throughput (`affectkit.api.analyze` on the same texts in batches of
   the same size, measured in this process in the same run). Every 20th 5-minute window of the
   stream is all negative: each alert's latency is the time from the batch that raised it
   being sent to the alert being stored (its ``fired`` time).
2. Replay (in process, SQLite, default thresholds and rules). Real labelled texts, synthetic
   times: `--calm-hours` hours with ~30% negative-labelled texts (SST-2 + ChnSentiCorp), then
   one hour at 60%: does negative_spike fire, and how long after the change? `--calm-days`
   days at the same volume with no change: how many alerts (false alarms)? Then Weibo posts
   (SMP2020-EWECT, lexicon-zh) with angry-labelled ones at 10%, then an hour at 40%: does
   emotion_rise:anger fire, and when?
3. Redis. `--redis-events` events (SST-2 texts) on one Redis stream, read by one
   `affectkit monitor --model lexicon-en` worker, then by two in one consumer group (a second
   group on the same key): every event stored exactly once (counts and ids), events/s.

Results: bench/results/monitor.json and a printed table. The machine's other load counts:
run it on an idle one for figures to quote.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("affectkit")
PG = os.environ.get("AFFECTKIT_TEST_PG") or "postgresql://postgres@127.0.0.1:5432/test"
REDIS = os.environ.get("AFFECTKIT_TEST_REDIS") or "redis://127.0.0.1:6379/0"
T0 = 1_700_006_400.0  # midnight UTC: every window width aligns here
WINDOW = 300
CATALOG_DEFAULTS: dict = {}
SPIKE_EVERY = 20  # windows; more than the 12-window cool-down, so each spike may fire


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_lexicons() -> None:
    """Route English and Chinese text to the lexicons (as the test suite's fixture does)."""
    from affectkit import registry

    registry.list_models()
    registry.set_defaults("text", "en", ("lexicon-en",))
    registry.set_defaults("text", "zh", ("lexicon-zh",))


def read(data: Path, rel: str, label_col: str = "label") -> list[tuple[str, str]]:
    with (data / rel).open(encoding="utf-8", newline="") as f:
        return [(r["text"].strip(), r[label_col]) for r in csv.DictReader(f) if r["text"].strip()]


# -- 1. ingestion over HTTP -------------------------------------------------------------------
def serve(argv: list[str]) -> None:
    """The service for one run (this file, run as ``_serve PORT DATA_DIR DB LEXICON``)."""
    port, data_dir, db, lexicon = argv
    import uvicorn

    from affectkit.serving.app import create_app
    from affectkit.serving.settings import ServeSettings

    if lexicon == "1":
        use_lexicons()
    settings = ServeSettings(port=int(port), data_dir=Path(data_dir), db_url=db or None)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=int(port), log_level="warning")


def start_service(db: str, lexicon: bool, data_dir: Path):
    import httpx

    port = free_port()
    cmd = [sys.executable, __file__, "_serve", str(port), str(data_dir), db, "1" if lexicon else ""]
    proc = subprocess.Popen(cmd, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError("the service exited at start")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the service did not start")


def pg_schema() -> tuple[str, str]:
    """(a new schema's name, a URL whose search_path is that schema)."""
    import sqlalchemy as sa

    from affectkit.storage.engine import database_url

    schema = f"affectkit_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(database_url(PG))
    with engine.begin() as c:
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()
    url = database_url(PG).update_query_dict({"options": f"-csearch_path={schema}"})
    return schema, url.render_as_string(hide_password=False)


def drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    from affectkit.storage.engine import database_url

    engine = sa.create_engine(database_url(PG))
    with engine.begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    engine.dispose()


def ingestion_stream(texts: list[tuple[str, str]], n: int, per_window: int) -> list[dict]:
    """`n` events, `per_window` per 5-minute window; every `SPIKE_EVERY`th window from the
    13th on holds only negative-labelled texts."""
    neg = [t for t, label in texts if label == "negative"]
    events = []
    for i in range(n):
        w, k = divmod(i, per_window)
        spike = w >= 13 and w % SPIKE_EVERY == 13 % SPIKE_EVERY
        text = neg[i % len(neg)] if spike else texts[i % len(texts)][0]
        events.append(
            {"id": f"e{i}", "text": text, "time": T0 + w * WINDOW + k * WINDOW / per_window}
        )
    return events


def offline_rate(texts: list[str], batch: int) -> float:
    from affectkit import api

    api.analyze(texts[:batch], errors="flag")  # loaded and warm
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        api.analyze(texts[i : i + batch], errors="flag")
    return len(texts) / (time.perf_counter() - t0)


def post_all(url: str, events: list[dict], batch: int, clients: int) -> dict:
    import httpx

    bodies = [(i, json.dumps(events[i : i + batch]).encode()) for i in range(0, len(events), batch)]
    queue = list(reversed(bodies))
    lock = threading.Lock()
    sent: dict[int, float] = {}
    alerts: list[tuple[str, float]] = []  # (alert id, when the batch that raised it was sent)
    stored = errors = 0

    def worker() -> None:
        nonlocal stored, errors
        with httpx.Client(base_url=url, timeout=120) as http:
            while True:
                with lock:
                    if not queue:
                        return
                    i, body = queue.pop()
                t = time.time()
                sent[i] = t
                r = http.post(
                    "/v1/streams/bench/events",
                    content=body,
                    headers={"content-type": "application/json"},
                )
                with lock:
                    if r.status_code != 200:
                        errors += 1
                        continue
                    got = r.json()
                    stored += got["stored"]
                    alerts.extend((a, t) for a in got["alerts"])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    with httpx.Client(base_url=url, timeout=60) as http:
        fired = {
            a["id"]: a
            for a in http.get("/v1/alerts", params={"stream": "bench", "limit": 1000}).json()[
                "results"
            ]
        }
    latencies = sorted(fired[a]["fired"] - t for a, t in alerts if a in fired)
    return {
        "events": len(events),
        "stored": stored,
        "http_errors": errors,
        "seconds": elapsed,
        "per_second": stored / elapsed,
        "alerts": len(alerts),
        "alert_latency_ms": {
            "median": 1000 * latencies[len(latencies) // 2] if latencies else None,
            "max": 1000 * latencies[-1] if latencies else None,
        },
    }


def run_ingestion(args, texts: list[tuple[str, str]]) -> list[dict]:
    from affectkit import registry

    rows = []
    for analyzers in args.analyzers:
        n = args.events if analyzers == "lexicon" else args.default_events
        events = ingestion_stream(texts, n, args.per_window)
        if analyzers == "lexicon":
            use_lexicons()
        else:
            registry._DEFAULTS.clear()
            registry._DEFAULTS.update(copy.deepcopy(CATALOG_DEFAULTS))
        models = sorted(registry.defaults()["text"].values())
        offline = offline_rate([e["text"] for e in events], args.batch)
        log(f"{analyzers}: offline {offline:.0f} events/s ({', '.join(models)})")
        for db in args.dbs:
            data_dir = Path(tempfile.mkdtemp(prefix="affectkit-bench-monitor-"))
            schema, url = pg_schema() if db == "postgresql" else (None, "")
            proc, base = start_service(url, analyzers == "lexicon", data_dir)
            try:
                r = post_all(base, events, args.batch, args.clients)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                if schema:
                    drop_schema(schema)
            r.update(
                database=db, analyzers=analyzers, models=models, offline_per_second=offline,
                ratio=r["per_second"] / offline, batch=args.batch, clients=args.clients,
            )  # fmt: skip
            rows.append(r)
            log(
                f"  {db}: {r['per_second']:.0f} events/s over HTTP, ratio {r['ratio']:.2f}, "
                f"{r['alerts']} alerts, latency median {r['alert_latency_ms']['median']} ms"
            )
    return rows


# -- 2. replay of real labelled texts -------------------------------------------------------------
def mix(pools: dict[str, list[str]], share: float, n: int, rng: random.Random, hot: str) -> list:
    """`n` texts, each from pool `hot` with probability `share`, else from ``"other"``."""
    return [rng.choice(pools[hot] if rng.random() < share else pools["other"]) for _ in range(n)]


def replay(monitor, stream: str, hours: list[list[str]], start: float, tag: str) -> list[dict]:
    """Ingest hours of texts (each hour's texts spread evenly over it) in batches of 100 in
    time order; returns the alerts raised."""
    alerts = []
    for h, texts in enumerate(hours):
        step = 3600 / len(texts)
        events = [
            {"id": f"{tag}{h}-{i}", "text": t, "time": start + h * 3600 + i * step}
            for i, t in enumerate(texts)
        ]
        for i in range(0, len(events), 100):
            alerts += monitor.ingest(stream, events[i : i + 100]).alerts
    return alerts


def run_replay(args, data: Path) -> dict:
    from affectkit.monitor import Monitor
    from affectkit.storage import Store

    use_lexicons()
    rng = random.Random(0)
    labelled = read(data, "text/sst2/dev.csv") + read(data, "text/chnsenticorp/dev.csv")
    labelled += read(data, "text/sst2/train.csv")[:20000:7]  # more English sentences
    pools = {
        "negative": [t for t, label in labelled if label == "negative"],
        "other": [t for t, label in labelled if label != "negative"],
    }
    per_hour = args.per_window * 3600 // WINDOW
    out: dict = {"per_hour": per_hour, "times": "synthetic (texts real)"}
    store = Store(Path(tempfile.mkdtemp(prefix="affectkit-bench-replay-")) / "db.sqlite3")
    monitor = Monitor(store)

    # a planted negative hour after calm ones
    hours = [mix(pools, 0.30, per_hour, rng, "negative") for _ in range(args.calm_hours)]
    hours.append(mix(pools, 0.60, per_hour, rng, "negative"))
    change = T0 + args.calm_hours * 3600
    got = replay(monitor, "spike", hours, T0, "s")
    spikes = [a for a in got if a["rule"] == "negative_spike"]
    first = min((a["window_end"] for a in spikes), default=None)
    out["negative_spike"] = {
        "calm_hours": args.calm_hours, "calm_share": 0.30, "spike_share": 0.60,
        "fired": bool(spikes),
        "alerts": [(a["rule"], a["window_start"] - change) for a in got],
        "false_alarms_before_change": sum(a["window_start"] < change for a in got),
        # the end of the first window that fired, from the change (a window is judged as its
        # events come, so the alert came at the latest when that window closed)
        "first_alert_window_end_after_change_s": None if first is None else first - change,
    }  # fmt: skip
    log(f"replay: negative spike {out['negative_spike']}")

    # calm days
    t0 = time.perf_counter()
    days = [mix(pools, 0.30, per_hour, rng, "negative") for _ in range(24 * args.calm_days)]
    calm = replay(monitor, "calm", days, T0, "c")
    out["calm"] = {
        "days": args.calm_days, "events": per_hour * 24 * args.calm_days, "share": 0.30,
        "false_alarms": len(calm), "alerts": [(a["rule"], a["window_start"]) for a in calm],
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    log(f"replay: calm days {out['calm']['false_alarms']} alerts")

    # a planted anger rise in Weibo posts
    weibo = read(data, "text/smp2020_ewect/virus_train.csv") + read(
        data, "text/smp2020_ewect/usual_dev.csv"
    )
    angry = {"angry": [t for t, label in weibo if label == "angry"],
             "other": [t for t, label in weibo if label != "angry"]}  # fmt: skip
    hours = [mix(angry, 0.10, per_hour, rng, "angry") for _ in range(args.calm_hours)]
    hours.append(mix(angry, 0.40, per_hour, rng, "angry"))
    got = replay(monitor, "anger", hours, T0, "a")
    rises = [a for a in got if a["rule"] == "emotion_rise:anger"]
    first = min((a["window_end"] for a in rises), default=None)
    out["anger_rise"] = {
        "calm_share": 0.10, "rise_share": 0.40, "fired": bool(rises),
        "alerts": [(a["rule"], a["window_start"] - change) for a in got],
        "first_alert_window_end_after_change_s": None if first is None else first - change,
    }  # fmt: skip
    log(f"replay: anger rise {out['anger_rise']}")
    store.close()
    return out


# -- 3. Redis workers --------------------------------------------------------------------------
def run_redis(args, texts: list[str]) -> dict:
    import redis
    import sqlalchemy as sa

    from affectkit.storage import Store

    client = redis.Redis.from_url(REDIS, decode_responses=True)
    key = f"affectkit-bench-{uuid.uuid4().hex[:8]}"
    n = args.redis_events
    t0 = time.perf_counter()
    with client.pipeline(transaction=False) as pipe:
        for i in range(n):
            event = {"id": f"r{i}", "text": texts[i % len(texts)], "time": T0 + i * 0.05}
            pipe.xadd(key, {"event": json.dumps(event)})
            if i % 5000 == 4999:
                pipe.execute()
        pipe.execute()
    log(f"redis: {n} entries added in {time.perf_counter() - t0:.1f}s")
    schema, url = pg_schema()
    out = {"events": n, "database": "postgresql", "model": "lexicon-en"}
    idle = 3.0
    try:
        Store(url).close()  # migrated once, before the workers race to do it
        for workers in (1, 2):
            stream, group = f"w{workers}", f"g{workers}"
            cmd = [
                str(EXE), "monitor", stream, "--redis", REDIS, "--key", key, "--group", group,
                "--db", url, "--model", "lexicon-en", "--idle-exit", str(idle),
                "--batch-size", "256",
            ]  # fmt: skip
            t0 = time.perf_counter()
            procs = [
                subprocess.Popen([*cmd, "--consumer", f"c{i}"], stderr=subprocess.PIPE, text=True)
                for i in range(workers)
            ]
            summaries = [p.communicate()[1].strip().splitlines()[-1] for p in procs]
            elapsed = time.perf_counter() - t0 - idle
            reported = sum(int(s.split(": ")[1].split(" stored")[0]) for s in summaries)
            store = Store(url)
            with store.engine.connect() as db:
                ids = db.execute(
                    sa.text("SELECT id FROM events WHERE stream = :s"), {"s": stream}
                ).scalars().all()  # fmt: skip
            store.close()
            pending = client.xpending(key, group)["pending"]
            exact = len(ids) == n and set(ids) == {f"r{i}" for i in range(n)}
            out[f"{workers}_workers"] = {
                "seconds": elapsed, "per_second": n / elapsed, "reported_stored": reported,
                "rows": len(ids), "exactly_once": exact and reported == n, "pending": pending,
                "summaries": summaries,
            }  # fmt: skip
            log(f"redis: {workers} worker(s): {out[f'{workers}_workers']}")
    finally:
        client.delete(key)
        drop_schema(schema)
    return out


def table(results: dict) -> str:
    lines = []
    if results.get("ingestion"):
        lines += [
            "HTTP ingestion (batches of {batch}, {clients} in flight):".format(
                **results["ingestion"][0]
            ),
            "",
            "| analyzers | database | events | events/s | offline events/s | ratio | alerts "
            "| alert latency median / max ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["ingestion"]:
            lat = r["alert_latency_ms"]
            lat_s = "-" if lat["median"] is None else f"{lat['median']:.0f} / {lat['max']:.0f}"
            lines.append(
                f"| {r['analyzers']} ({', '.join(r['models'])}) | {r['database']} | "
                f"{r['stored']} | {r['per_second']:.0f} | {r['offline_per_second']:.0f} | "
                f"{r['ratio']:.2f} | {r['alerts']} | {lat_s} |"
            )
    if results.get("replay"):
        rp = results["replay"]
        ns, calm, anger = rp["negative_spike"], rp["calm"], rp["anger_rise"]
        lines += [
            "",
            f"Replay of real labelled texts, synthetic times, {rp['per_hour']} events/hour, "
            f"lexicon analyzers, default rules:",
            "",
            "| scenario | fired | first alerting window ends after the change (s) | other |",
            "|---|---|---:|---|",
            f"| negative 30% for {ns['calm_hours']} h, then 60% | {ns['fired']} | "
            f"{ns['first_alert_window_end_after_change_s']} | "
            f"{ns['false_alarms_before_change']} alerts before the change |",
            f"| {calm['days']} calm days ({calm['events']} events, 30% negative) | - | - | "
            f"{calm['false_alarms']} false alarms |",
            f"| angry Weibo posts 10%, then 40% | {anger['fired']} | "
            f"{anger['first_alert_window_end_after_change_s']} | |",
        ]
    if results.get("redis"):
        rd = results["redis"]
        lines += ["", f"Redis consumer group, {rd['events']} events, lexicon-en, PostgreSQL:", ""]
        lines += [
            "| workers | events/s | rows | exactly once | pending |",
            "|---:|---:|---:|---|---:|",
        ]
        for w in (1, 2):
            r = rd[f"{w}_workers"]
            lines.append(
                f"| {w} | {r['per_second']:.0f} | {r['rows']} | {r['exactly_once']} | "
                f"{r['pending']} |"
            )
    lines.append(f"\n{platform.machine()}, {os.cpu_count()} cores; command: {results['command']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        serve(argv[1:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--events", type=int, default=20000, help="per lexicon ingestion run")
    ap.add_argument("--default-events", type=int, default=2000, help="per default-model run")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--clients", type=int, default=2, help="batches in flight")
    ap.add_argument("--per-window", type=int, default=100, help="events per 5-minute window")
    ap.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--analyzers", nargs="+", default=["lexicon", "default"])
    ap.add_argument("--calm-hours", type=int, default=6)
    ap.add_argument("--calm-days", type=int, default=7)
    ap.add_argument("--redis-events", type=int, default=100_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=("ingest", "replay", "redis"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from affectkit import registry

    registry.list_models()
    CATALOG_DEFAULTS.update(copy.deepcopy(registry._DEFAULTS))  # before `use_lexicons`
    texts = read(args.data, "text/sst2/dev.csv")
    zh = read(args.data, "text/chnsenticorp/dev.csv")
    mixed = [t for pair in zip(texts, zh) for t in pair]
    results: dict = {"command": "python bench/monitor.py " + " ".join(argv)}
    t0 = time.perf_counter()
    if "replay" not in args.skip:
        results["replay"] = run_replay(args, args.data)
    if "redis" not in args.skip:
        results["redis"] = run_redis(args, [t for t, _ in texts])
    if "ingest" not in args.skip:
        results["ingestion"] = run_ingestion(args, mixed)
    results["seconds"] = time.perf_counter() - t0
    out = table(results)
    print(out)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "monitor.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "monitor.md").write_text(out + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
