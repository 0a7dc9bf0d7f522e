"""Monitoring benchmark: HTTP ingestion against offline analysis, alerts on replayed real texts,
and Redis workers.

    python bench/monitor.py [--events 20000] [--default-events 2000] [--batch 100]
                            [--default-batch 25]
                            [--dbs sqlite postgresql] [--analyzers lexicon default]
                            [--calm-hours 24] [--calm-days 7] [--per-window 100]
                            [--calm-per-window 100 ...] [--anger-per-window 100] [--threads 1]
                            [--simulate 1000] [--redis-events 100000]
                            [--skip ingest replay redis]

1. Ingestion. For each database and analyzer set (``lexicon``: lexicon-en and lexicon-zh as
   the defaults of their languages; ``default``: the registry's default models) the service
   runs as its own process (uvicorn, 127.0.0.1, a free port, a fresh store) and a client
   posts batches of `--batch` events (`--default-batch` for the default models: a batch is
   analysed before any of it is stored, so its analysis time bounds the alert latency from
   below) of SST-2 dev and ChnSentiCorp dev texts, English and Chinese alternating, with two
   batches in flight. Reported: events/s, and the ratio to the
   same analyzers' offline throughput (`affectkit.api.analyze` on the same texts in batches of
   the same size, with the service's load options and `--threads` model threads in both,
   warm, measured in this process just before and just after each HTTP run), and the CPU
   time per event of the service (and PostgreSQL) against the offline analysis's. Every
   20th 5-minute window of the stream is all negative: each alert's latency is the time from
   the batch that raised it being sent to the alert being stored (its ``fired`` time).
2. Replay (in process, SQLite, the default rules: 5-minute and hourly windows,
   `affectkit.monitor.default_rules`). Real labelled texts, synthetic times:
   `--calm-hours` hours with ~30% negative-labelled texts (SST-2 + ChnSentiCorp; at least 24,
   the hourly rules' baseline), then one hour at 60%: when does negative_spike fire, per
   window width, and is that within one window of the change? `--calm-days` days at each
   `--calm-per-window` volume (events per 5-minute window) with no change: how many alerts
   (false alarms)? Then Weibo posts (SMP2020-EWECT, lexicon-zh) with angry-labelled ones at
   10%, then an hour at 40%; and
   English texts labelled anger (GoEmotions, MELD, DailyDialog dev) at 10%, then 40%,
   analysed by the default English model (lexicon-en gives no emotions), `--anger-per-window`
   a window: does emotion_rise:anger fire, and what anger share did the analyzer see per hour?
   A replay is one draw: `--simulate` hours of binomial counts at the shares the analyzers saw
   (the negative and the English anger replays, planted and calm), judged by the default rules,
   give how often each rule fires and how soon (`simulated_detection`).
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
    """The service for one run (this file, run as ``_serve PORT DATA_DIR DB LEXICON THREADS``)."""
    port, data_dir, db, lexicon, threads = argv
    import uvicorn

    from affectkit.serving.app import create_app

    if lexicon == "1":
        use_lexicons()
    settings = service_settings(int(threads), port=int(port), data_dir=Path(data_dir), db=db)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=int(port), log_level="warning")


def service_settings(threads: int, port: int = 8000, data_dir: Path | None = None, db: str = ""):
    """The service's settings, with `threads` torch/onnxruntime threads per model (0: the
    library's default). The offline measurement loads its models with the same options."""
    from affectkit.serving.settings import ServeSettings

    options = {"threads": threads} if threads else {}
    return ServeSettings(
        port=port, data_dir=data_dir or Path(tempfile.gettempdir()), db_url=db or None,
        model_options=options,
    )  # fmt: skip


def start_service(db: str, lexicon: bool, data_dir: Path, threads: int):
    import httpx

    port = free_port()
    cmd = [sys.executable, __file__, "_serve", str(port), str(data_dir), db, "1" if lexicon else "",
           str(threads)]  # fmt: skip
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


def offline_rate(texts: list[str], batch: int, threads: int) -> tuple[float, list[str]]:
    """Events/s of `affectkit.api.analyze` on `texts` in batches of `batch`, with the load
    options the service uses (`service_settings`: the same threads and model batch size),
    after one untimed batch (models loaded and warm); and the models that analysed them."""
    from affectkit import api
    from affectkit.serving.state import analysis_options

    options = analysis_options(service_settings(threads))
    warm = api.analyze(texts[:batch], errors="flag", model_options=options)
    models = {r.model for r in warm}
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        got = api.analyze(texts[i : i + batch], errors="flag", model_options=options)
        models.update(r.model for r in got)
    OFFLINE_CPU.append((time.process_time() - c0) / len(texts))
    return len(texts) / (time.perf_counter() - t0), sorted(models)


OFFLINE_CPU: list[float] = []  # CPU seconds per event of each offline measurement


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far (Linux /proc; {} elsewhere)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def postgres_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and (d / "comm").read_text().strip() == "postgres":
                pids.append(int(d.name))
        except OSError:
            continue
    return pids


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
        # a client of the default models sends smaller batches: a batch is analysed before
        # any of it is stored, so its analysis time is the floor of the alert latency
        batch = args.batch if analyzers == "lexicon" else args.default_batch
        events = ingestion_stream(texts, n, args.per_window)
        if analyzers == "lexicon":
            use_lexicons()
        else:
            registry._DEFAULTS.clear()
            registry._DEFAULTS.update(copy.deepcopy(CATALOG_DEFAULTS))
        batch_texts = [e["text"] for e in events]
        for db in args.dbs:
            # offline just before and just after the HTTP run: the machine's other load
            # moves rates between minutes, and the ratio is to their mean
            before, models = offline_rate(batch_texts, batch, args.threads)
            log(f"{analyzers}: offline {before:.0f} events/s ({', '.join(models)})")
            data_dir = Path(tempfile.mkdtemp(prefix="affectkit-bench-monitor-"))
            schema, url = pg_schema() if db == "postgresql" else (None, "")
            proc, base = start_service(url, analyzers == "lexicon", data_dir, args.threads)
            try:
                cpu0 = cpu_by_pid([proc.pid]), cpu_by_pid(postgres_pids())
                r = post_all(base, events, batch, args.clients)
                cpu1 = cpu_by_pid([proc.pid]), cpu_by_pid(postgres_pids())
            finally:
                proc.terminate()
                proc.wait(timeout=30)
                if schema:
                    drop_schema(schema)
            after, _ = offline_rate(batch_texts, batch, args.threads)
            offline = (before + after) / 2
            # CPU per event: the service's process and (all) PostgreSQL processes during the
            # HTTP run, against the offline analysis's; less sensitive to the machine's other
            # load than events/s
            spent = [sum(c1[p] - c0.get(p, 0.0) for p in c1) for c0, c1 in zip(cpu0, cpu1)]
            cpu = {
                "service_us": 1e6 * spent[0] / len(events),
                "postgres_us": 1e6 * spent[1] / len(events) if db == "postgresql" else 0.0,
                "offline_us": 1e6 * sum(OFFLINE_CPU[-2:]) / 2,
            }
            cpu["ratio"] = cpu["offline_us"] / (cpu["service_us"] + cpu["postgres_us"])
            r.update(
                database=db, analyzers=analyzers, models=models, offline_per_second=offline,
                offline_before_after=[before, after], ratio=r["per_second"] / offline, cpu=cpu,
                batch=batch, clients=args.clients, threads=args.threads,
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


def replay(
    monitor, stream: str, hours: list[list[str]], start: float, tag: str, width: int = 3600
) -> list[dict]:
    """Ingest periods of `width` seconds of texts (each period's texts spread evenly over it)
    in batches of 100 in time order; returns the alerts raised, each with ``detected``: the
    event time of the last event of the batch that raised it."""
    alerts = []
    for h, texts in enumerate(hours):
        step = width / len(texts)
        events = [
            {"id": f"{tag}{h}-{i}", "text": t, "time": start + h * width + i * step}
            for i, t in enumerate(texts)
        ]
        for i in range(0, len(events), 100):
            got = monitor.ingest(stream, events[i : i + 100]).alerts
            alerts += [{**a, "detected": events[i : i + 100][-1]["time"]} for a in got]
    return alerts


def replay_rules() -> list:
    """What the replays judge: the default rules (5-minute windows against the hour before,
    hourly ones against the day before)."""
    from affectkit.monitor import default_rules

    return default_rules()


def by_width(alerts: list[dict], rule_kind: str, change: float) -> dict[str, dict]:
    """For each window width, the first alert of `rule_kind`: its window (from the change, s),
    when it was detected (event time from the change, s) and whether that was within one
    window of the change (detected before the end of the first window after the change)."""
    out: dict[str, dict] = {}
    for a in sorted(alerts, key=lambda a: a["detected"]):
        if a["kind"] != rule_kind or str(a["width"]) in out:
            continue
        out[str(a["width"])] = {
            "rule": a["rule"],
            "window_from_change_s": [a["window_start"] - change, a["window_end"] - change],
            "detected_after_change_s": a["detected"] - change,
            "within_one_window": a["detected"] - change <= a["width"],
        }
    return out


def window_shares(monitor, stream: str, width: int, column: str, polar: bool) -> list[tuple]:
    """(start, events, the share of `column`) of each stored window, oldest first: the share
    among events with a polarity (`polar`) or with emotions."""
    from affectkit.monitor.rules import EMOTIONS, POLARITIES

    rows = []
    for w in monitor.streams.windows(stream, width):
        n = sum(w[p] for p in POLARITIES) if polar else sum(w[f"emo_{e}"] for e in EMOTIONS)
        rows.append((w["start"], w["n"], round(w[column] / n, 3) if n else None))
    return rows


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
    rules = [r.to_dict() for r in replay_rules()]
    out: dict = {"per_hour": per_hour, "times": "synthetic (texts real)",
                 "rules": [r["name"] + f"@{r['width']}s" for r in rules]}  # fmt: skip
    store = Store(Path(tempfile.mkdtemp(prefix="affectkit-bench-replay-")) / "db.sqlite3")
    monitor = Monitor(store)

    # a planted negative hour after calm ones
    monitor.set_rules("spike", rules)
    hours = [mix(pools, 0.30, per_hour, rng, "negative") for _ in range(args.calm_hours)]
    hours.append(mix(pools, 0.60, per_hour, rng, "negative"))
    change = T0 + args.calm_hours * 3600
    got = replay(monitor, "spike", hours, T0, "s")
    out["negative_spike"] = {
        "calm_hours": args.calm_hours, "calm_share": 0.30, "spike_share": 0.60,
        "fired": any(a["kind"] == "negative_spike" for a in got),
        "alerts": [(a["rule"], a["window_start"] - change) for a in got],
        "false_alarms_before_change": sum(a["window_start"] < change for a in got),
        "first_by_width": by_width(got, "negative_spike", change),
        "hourly_negative_share": window_shares(monitor, "spike", 3600, "negative", True),
    }  # fmt: skip
    log(f"replay: negative spike {out['negative_spike']}")

    # calm days, at each --calm-per-window volume (events per 5-minute window)
    out["calm"] = []
    for per_window in args.calm_per_window:
        t0 = time.perf_counter()
        calm_hour = per_window * 3600 // WINDOW
        stream = f"calm{per_window}"
        monitor.set_rules(stream, rules)
        days = [mix(pools, 0.30, calm_hour, rng, "negative") for _ in range(24 * args.calm_days)]
        calm = replay(monitor, stream, days, T0, "c")
        out["calm"].append({
            "days": args.calm_days, "per_window": per_window, "per_hour": calm_hour,
            "events": calm_hour * 24 * args.calm_days, "share": 0.30, "false_alarms": len(calm),
            "alerts": [(a["rule"], a["window_start"]) for a in calm],
            "seconds": time.perf_counter() - t0,
        })  # fmt: skip
        log(f"replay: calm days at {per_window} events/window: {len(calm)} alerts")

    # a planted anger rise in Weibo posts, lexicon-zh (5-minute windows)
    weibo = read(data, "text/smp2020_ewect/virus_train.csv") + read(
        data, "text/smp2020_ewect/usual_dev.csv"
    )
    angry = {"angry": [t for t, label in weibo if label == "angry"],
             "other": [t for t, label in weibo if label != "angry"]}  # fmt: skip
    hours = [mix(angry, 0.10, per_hour, rng, "angry") for _ in range(args.calm_hours)]
    hours.append(mix(angry, 0.40, per_hour, rng, "angry"))
    got = replay(monitor, "anger", hours, T0, "a")
    out["anger_rise_zh"] = anger_figures(monitor, "anger", got, change, "lexicon-zh", per_hour)
    log(f"replay: anger rise (Weibo, lexicon-zh) {out['anger_rise_zh']}")
    store.close()
    if args.anger_per_window:
        out["anger_rise_en"] = run_anger_en(args, data, rng)
    if args.simulate:
        out["simulated"] = simulate_replays(args, out)
    return out


def simulated_detection(
    rules: list,
    column: str,
    before: float,
    after: float,
    per_window: int,
    trials: int,
    seed: int,
) -> dict[str, dict]:
    """Each replay is one draw; this is many. Counts drawn at the shares an analyzer saw in a
    replay (`before` for a day, then `after` for an hour; binomial, `per_window` events a
    5-minute window) and judged by `rules` (those on `column`: "negative" or "emo_anger") as
    the replay judges them, once per 5-minute window. Per rule: the share of planted hours in
    which it fired, and minutes from the change to the end of the window that fired it."""
    import numpy as np

    from affectkit.monitor.rules import judge

    def row(n: int, x: int) -> dict:
        rest = "positive" if column == "negative" else "emo_neutral"
        return {"n": n, column: x, rest: n - x}

    rng = np.random.default_rng(seed)
    minutes: dict[str, list[int | None]] = {r.name: [] for r in rules}
    calm_windows = 24 * 12
    for _ in range(trials):
        counts = np.concatenate([
            rng.binomial(per_window, before, calm_windows), rng.binomial(per_window, after, 12)
        ])  # fmt: skip
        five = {(i - calm_windows) * WINDOW: row(per_window, int(c)) for i, c in enumerate(counts)}
        hours = {(h - 24) * 3600.0: row(12 * per_window, int(counts[h * 12 : h * 12 + 12].sum()))
                 for h in range(24)}  # fmt: skip
        first = {300: -calm_windows * WINDOW, 3600: -24 * 3600.0}
        got: dict[str, int | None] = {r.name: None for r in rules}
        for j in range(12):  # the planted hour, one 5-minute window at a time
            so_far = counts[calm_windows : calm_windows + j + 1]
            hours[0.0] = row(per_window * (j + 1), int(so_far.sum()))
            for r in rules:
                if got[r.name] is None:
                    windows, start = (five, j * WINDOW) if r.width == WINDOW else (hours, 0.0)
                    if judge(r, windows, start, first[r.width]) is not None:
                        got[r.name] = 5 * (j + 1)
        for name, m in got.items():
            minutes[name].append(m)
    out = {}
    for name, ms in minutes.items():
        fired = sorted(m for m in ms if m is not None)
        out[name] = {
            "fired": len(fired) / trials,
            "median_minutes": fired[len(fired) // 2] if fired else None,
            "p95_minutes": fired[int(0.95 * (len(fired) - 1))] if fired else None,
        }
    return out


def simulate_replays(args, out: dict) -> dict:
    """`simulated_detection` at the shares of the negative and the English anger replays, and
    with no change (the calm shares after too: false alarms per simulated hour)."""
    from affectkit.monitor import default_rules

    rules = default_rules()
    neg = [r for r in rules if r.kind == "negative_spike"]
    anger = [r for r in rules if r.name in ANGER_RULES]
    shares = [s for _, _, s in out["negative_spike"]["hourly_negative_share"]]
    before, after = sum(shares[:-1]) / (len(shares) - 1), shares[-1]
    sims = {"trials": args.simulate}
    cases = [("negative", neg, "negative", before, after, args.per_window)]
    if "anger_rise_en" in out:
        a = out["anger_rise_en"]
        cases.append(("anger_en", anger, "emo_anger", a["anger_share_before"][-1],
                      a["anger_share_after"][0], args.anger_per_window))  # fmt: skip
    t0 = time.perf_counter()
    for key, rs, column, b, a, per_window in cases:
        for what, share in (("planted", a), ("calm", b)):
            sims[f"{key}_{what}"] = {
                "before": b, "after": share, "per_window": per_window,
                "rules": simulated_detection(rs, column, b, share, per_window, args.simulate, 0),
            }  # fmt: skip
    sims["seconds"] = time.perf_counter() - t0
    log(f"replay: simulated {sims}")
    return sims


ANGER_RULES = ("emotion_rise:anger", "emotion_rise:anger_1h")  # 5-minute and hourly defaults


def anger_figures(monitor, stream, got, change, model, per_hour) -> dict:
    shares = window_shares(monitor, stream, 3600, "emo_anger", False)
    return {
        "model": model, "per_hour": per_hour, "calm_share": 0.10, "rise_share": 0.40,
        "fired": any(a["rule"] in ANGER_RULES for a in got),
        "alerts": [(a["rule"], a["window_start"] - change) for a in got],
        "first_by_width": by_width(
            [a for a in got if a["rule"] in ANGER_RULES], "emotion_rise", change
        ),
        # the analyzer's share of anger-dominant events (among those with emotions) per hour
        "anger_share_before": [s for t, _, s in shares if t < change],
        "anger_share_after": [s for t, _, s in shares if t >= change],
    }  # fmt: skip


def run_anger_en(args, data: Path, rng: random.Random) -> dict:
    """English texts labelled anger (GoEmotions, MELD and DailyDialog dev) at 10% of a stream,
    then 40%, analysed by the registry's default English model (lexicon-en gives no emotions):
    1 calm hour (the 5-minute rule's baseline) then the planted one, `--anger-per-window`
    events per 5-minute window."""
    from affectkit.monitor import Monitor
    from affectkit.storage import Store

    texts = [(t, "anger" if "anger" in names.split(",") else "other")
             for t, names in read(data, "text/goemotions/dev.csv", "label_names")]  # fmt: skip
    texts += [(t, "anger" if e == "anger" else "other")
              for t, e in read(data, "text/meld/dev.csv", "emotion")]  # fmt: skip
    with (data / "dialogue/dailydialog_dev.jsonl").open(encoding="utf-8") as f:
        for line in f:
            for turn in json.loads(line)["turns"]:
                texts.append((turn["text"], "anger" if turn["emotion"] == "anger" else "other"))
    pools = {"anger": [t for t, k in texts if k == "anger"],
             "other": [t for t, k in texts if k == "other"]}  # fmt: skip
    model = CATALOG_DEFAULTS[("text", "en")][0]
    from affectkit.serving.state import analysis_options

    options = analysis_options(service_settings(args.threads))
    store = Store(Path(tempfile.mkdtemp(prefix="affectkit-bench-anger-")) / "db.sqlite3")
    monitor = Monitor(store, model=model, model_options=options)
    per_hour = args.anger_per_window * 3600 // WINDOW
    hours = [mix(pools, 0.10, per_hour, rng, "anger"), mix(pools, 0.40, per_hour, rng, "anger")]
    t0 = time.perf_counter()
    got = replay(monitor, "anger-en", hours, T0, "e")
    out = anger_figures(monitor, "anger-en", got, T0 + 3600, model, per_hour)
    out.update(pool_sizes={k: len(v) for k, v in pools.items()}, seconds=time.perf_counter() - t0)
    out["anger_share_5min"] = window_shares(monitor, "anger-en", WINDOW, "emo_anger", False)
    log(f"replay: anger rise (English, {model}) {out}")
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
            "HTTP ingestion ({clients} batches in flight, {threads} model thread(s); offline: the "
            "same batches, the mean of a run just before and one just after):".format(
                **results["ingestion"][0]
            ),
            "",
            "| analyzers | database | batch | events | events/s | offline events/s | ratio | CPU "
            "µs/event: service + PostgreSQL / offline (ratio) | alerts | alert latency median / "
            "max ms |",
            "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
        ]
        for r in results["ingestion"]:
            lat = r["alert_latency_ms"]
            lat_s = "-" if lat["median"] is None else f"{lat['median']:.0f} / {lat['max']:.0f}"
            c = r["cpu"]
            cpu_s = (f"{c['service_us']:.0f} + {c['postgres_us']:.0f} / {c['offline_us']:.0f} "
                     f"({c['ratio']:.2f})")  # fmt: skip
            lines.append(
                f"| {r['analyzers']} ({', '.join(r['models'])}) | {r['database']} | "
                f"{r['batch']} | {r['stored']} | {r['per_second']:.0f} | "
                f"{r['offline_per_second']:.0f} | {r['ratio']:.2f} | {cpu_s} | {r['alerts']} | "
                f"{lat_s} |"
            )
    if results.get("replay"):
        rp = results["replay"]
        ns = rp["negative_spike"]
        shares = [share for _, _, share in ns["hourly_negative_share"]]
        hourly = (sum(shares[:-1]) / max(1, len(shares) - 1), shares[-1])

        def fired(by: dict) -> str:
            if not by:
                return "no alert"
            return "; ".join(
                f"{int(w) // 60}-min window: detected {f['detected_after_change_s'] / 60:.0f} min "
                f"after the change ({'within' if f['within_one_window'] else 'not within'} one "
                f"window), window {f['window_from_change_s'][0] / 60:.0f}.."
                f"{f['window_from_change_s'][1] / 60:.0f} min"
                for w, f in sorted(by.items(), key=lambda x: int(x[0]))
            )

        lines += [
            "",
            f"Replay of real labelled texts, synthetic times, {rp['per_hour']} events/hour, "
            f"lexicon analyzers, rules {', '.join(rp['rules'])}"
            + (f" (run apart: {rp['command']})" if rp.get("command") else "")
            + ":",
            "",
            "| scenario | result |",
            "|---|---|",
            f"| negative 30% for {ns['calm_hours']} h, then 60% | {fired(ns['first_by_width'])}; "
            f"{ns['false_alarms_before_change']} alerts before the change; the analyzers' "
            f"negative share per hour {hourly[0]:.3f} (mean) before, {hourly[1]:.3f} after |",
        ]
        for calm in rp["calm"]:
            rules = ", ".join(sorted({rule for rule, _ in calm["alerts"]}))
            lines.append(
                f"| {calm['days']} calm days at 30% negative, {calm['per_hour']} events/hour "
                f"({calm['per_window']} per 5 min, {calm['events']} events) | "
                f"{calm['false_alarms']} false alarms{f' ({rules})' if rules else ''} |"
            )
        for key, what in (("anger_rise_zh", "angry Weibo posts"),
                          ("anger_rise_en", "English anger-labelled texts")):  # fmt: skip
            a = rp.get(key)
            if not a:
                continue
            before, after = a["anger_share_before"], a["anger_share_after"]
            lines.append(
                f"| {what} 10%, then 40% ({a['model']}, {a['per_hour']} events/hour) | "
                f"emotion_rise:anger: {fired(a['first_by_width'])}; anger-dominant share per "
                f"hour {before[-1] if before else None} before, {after} after |"
            )
        sims = rp.get("simulated")
        if sims:
            lines += [
                "",
                f"Simulated: {sims['trials']} hours each, binomial counts at the shares the "
                "analyzers saw in the replays (a day at the calm share, then the hour), judged "
                "once per 5-minute window by the default rules:",
                "",
                "| case | shares | rule: fired in (median / p95 minutes to detection) |",
                "|---|---|---|",
            ]
            for key, sim in sims.items():
                if not isinstance(sim, dict):
                    continue
                fired = "; ".join(
                    f"{name}: {r['fired']:.1%}"
                    + (f" ({r['median_minutes']} / {r['p95_minutes']})" if r["fired"] else "")
                    for name, r in sim["rules"].items()
                )
                lines.append(
                    f"| {key.replace('_', ' ')}, {sim['per_window']} events / 5 min | "
                    f"{sim['before']:.3f} → {sim['after']:.3f} | {fired} |"
                )
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
    ap.add_argument("--batch", type=int, default=100, help="events a request, lexicons")
    ap.add_argument("--default-batch", type=int, default=25, help="events a request, models")
    ap.add_argument("--clients", type=int, default=2, help="batches in flight")
    ap.add_argument(
        "--threads", type=int, default=1,
        help="torch/onnxruntime threads per model, service and offline alike (0: library default)",
    )  # fmt: skip
    ap.add_argument("--per-window", type=int, default=100, help="events per 5-minute window")
    ap.add_argument("--dbs", nargs="+", default=["sqlite", "postgresql"])
    ap.add_argument("--analyzers", nargs="+", default=["lexicon", "default"])
    ap.add_argument("--calm-hours", type=int, default=24)
    ap.add_argument("--calm-days", type=int, default=7)
    ap.add_argument(
        "--calm-per-window", type=int, nargs="+", default=[100, 35],
        help="calm days' volumes, events per 5-minute window (one replay each)",
    )  # fmt: skip
    ap.add_argument(
        "--anger-per-window", type=int, default=100,
        help="English anger replay's volume (default model); 0 skips it",
    )  # fmt: skip
    ap.add_argument(
        "--simulate", type=int, default=1000,
        help="simulated planted and calm hours at the replays' measured shares; 0 skips",
    )  # fmt: skip
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
