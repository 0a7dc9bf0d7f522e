"""Monitor a stream of texts: analyse each event, keep windows, raise alerts.

Reads JSON Lines, one event a line: {"id": ..., "text": ..., "time": ...} (time as ISO-8601
with an offset, or epoch seconds or milliseconds; optional author, source, meta). Events are
stored in the service's store (the same --data-dir/--db as `affectkit serve`), idempotent by
id: replaying a file stores nothing twice. Alerts are printed to stdout as JSON lines;
rejected events and a summary go to stderr.

Examples:
  affectkit monitor brand --file posts.jsonl
  tail -f posts.jsonl | affectkit monitor brand --file -
  affectkit monitor brand --file posts.jsonl --follow          # keep reading as it grows
  affectkit monitor brand --file posts.jsonl --rules rules.toml --webhook http://127.0.0.1:9000/hook
  affectkit monitor brand --file posts.jsonl --db postgresql://affectkit@db.internal/affectkit
  affectkit monitor brand --redis redis://127.0.0.1:6379/0 --key posts   # one of many workers

With --redis, the events are the entries of a Redis stream read through a consumer group
(--group, default affectkit): run as many workers as you like, on as many machines; each entry
is stored once, and acknowledged only once stored (see affectkit.monitor.redis_source).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from affectkit.cli import json_line, printable

HELP = "analyse a stream of events (JSON Lines), keep windows and raise alerts"
POLL_S = 0.25  # --follow: how often a file at its end is looked at again


def add_arguments(p: argparse.ArgumentParser) -> None:
    from affectkit.cli.serve import add_db_argument

    p.add_argument("stream", help="the stream's name (letters, digits, . _ - :)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", help="a JSON Lines file of events, or - for stdin")
    source.add_argument("--redis", metavar="URL", help="a Redis server: redis://HOST:PORT/DB")
    p.add_argument("--key", help="with --redis: the stream's key")
    p.add_argument("--group", default="affectkit", help="with --redis: the consumer group")
    p.add_argument(
        "--consumer",
        default="",
        help="with --redis: this worker's name (default: host name and process id)",
    )
    p.add_argument("--follow", action="store_true", help="keep reading the file as it grows")
    p.add_argument(
        "--idle-exit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="with --follow or --redis: stop after this long without an event (default: never)",
    )
    p.add_argument("--data-dir", default="data", help="the service's data folder")
    add_db_argument(p)
    p.add_argument("--rules", metavar="TOML", help="the stream's alert rules ([[rules]] tables)")
    p.add_argument(
        "--webhook", action="append", default=[], metavar="URL", help="POST alerts here (repeat)"
    )
    p.add_argument("--batch-size", type=int, default=256, help="events per transaction")
    p.add_argument("--model", default="auto", help="a model for every event (default: by language)")


def run(args: argparse.Namespace) -> int:
    from affectkit.cli.serve import db_url_from
    from affectkit.errors import InvalidInputError, require
    from affectkit.serving.settings import ServeSettings

    require("sqlalchemy", "serve")
    from affectkit.monitor import Monitor, Notifier, check_stream_name, load_rules
    from affectkit.storage import Store

    check_stream_name(args.stream)
    if args.batch_size < 1:
        raise InvalidInputError("--batch-size must be >= 1.")
    rules = load_rules(args.rules) if args.rules else None
    settings = ServeSettings(data_dir=Path(args.data_dir), db_url=db_url_from(args))
    store = Store(settings.database)
    notifier = Notifier(store.streams, args.webhook) if args.webhook else None
    monitor = Monitor(store, model=args.model, notifier=notifier)
    totals = {"stored": 0, "duplicate": 0, "rejected": 0, "alerts": 0}
    try:
        if rules is not None:
            monitor.set_rules(args.stream, rules)
        if args.redis:
            _from_redis(args, monitor, totals)
        else:
            source = sys.stdin if args.file == "-" else _open(args.file)
            with source:
                for batch in _batches(source, args.batch_size, args.follow, args.idle_exit):
                    _ingest(monitor, args.stream, batch, totals)
    finally:
        if notifier is not None:
            notifier.wait_idle(30)  # let the last alerts go out
            notifier.close()
        store.close()
        print(
            f"{args.stream}: {totals['stored']} stored, {totals['duplicate']} duplicates, "
            f"{totals['rejected']} rejected, {totals['alerts']} alerts",
            file=sys.stderr,
        )
    return 0


def _from_redis(args: argparse.Namespace, monitor, totals: dict) -> None:
    from affectkit.monitor.redis_source import RedisSettings, RedisSource

    settings = RedisSettings(
        args.redis,
        args.key or "",
        group=args.group,
        consumer=args.consumer,
        batch_size=args.batch_size,
    )

    def report(done) -> None:
        for e in done.events:
            totals[e["status"]] += 1
            if e["status"] == "rejected":
                print(printable(f"id {e['id']}: rejected: {e['reason']}"), file=sys.stderr)
        for alert in done.alerts:
            totals["alerts"] += 1
            print(json_line(alert), flush=True)

    RedisSource(settings).run(monitor, args.stream, idle_exit=args.idle_exit, on_batch=report)


def _open(path: str) -> IO[str]:
    from affectkit.errors import InvalidInputError

    try:
        return open(path, encoding="utf-8", errors="surrogateescape", newline="")
    except OSError as exc:
        raise InvalidInputError(f"Cannot read {path}: {exc.strerror}.") from None


def _batches(
    source: IO[str], size: int, follow: bool, idle_exit: float | None
) -> Iterator[list[tuple[int, str]]]:
    """(line number, line) batches; with `follow`, a file's end is waited at (a line without
    its newline yet is held back until it has one)."""
    batch: list[tuple[int, str]] = []
    number, partial, idle_since = 0, "", time.monotonic()
    while True:
        line = source.readline()
        if line and (line.endswith("\n") or not follow):
            number += 1
            idle_since = time.monotonic()
            text = (partial + line).strip()
            partial = ""
            if text:
                batch.append((number, text))
            if len(batch) >= size:
                yield batch
                batch = []
            continue
        if line:  # following, and the writer is mid-line
            partial += line
        if batch:
            yield batch
            batch = []
        if not follow:
            return
        if idle_exit is not None and time.monotonic() - idle_since > idle_exit:
            return
        time.sleep(POLL_S)


def _ingest(monitor, stream: str, batch: list[tuple[int, str]], totals: dict) -> None:
    events: list[Any] = []
    numbers: list[int] = []
    for number, text in batch:
        try:
            events.append(json.loads(text))
        except (json.JSONDecodeError, UnicodeError):
            totals["rejected"] += 1
            print(f"line {number}: rejected: not a JSON object", file=sys.stderr)
            continue
        numbers.append(number)
    if not events:
        return
    done = monitor.ingest(stream, events)
    for e in done.events:
        totals[e["status"]] += 1
        if e["status"] == "rejected":
            where = f"line {numbers[e['index']]}" + (f" (id {e['id']})" if e["id"] else "")
            print(printable(f"{where}: rejected: {e['reason']}"), file=sys.stderr)
    for alert in done.alerts:
        totals["alerts"] += 1
        print(json_line(alert), flush=True)
