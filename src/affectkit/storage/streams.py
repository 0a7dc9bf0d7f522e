"""The monitoring tables' queries: streams, events, window aggregates, alerts, deliveries.

`StreamStore` works inside the transactions of the `Store` that made it (``store.streams``).
Events are idempotent by (stream, id): `add_events` inserts with ON CONFLICT DO NOTHING and
adds to the window aggregates only what it newly inserted, in the same transaction, so a
re-sent event is stored and counted once, and two writers racing on one id count it once. A
window row is created or added to by one upsert (SQLite and PostgreSQL dialect inserts), so a
late or out-of-order event lands in its own window whenever it comes.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from affectkit.errors import ConnectionLostError
from affectkit.storage.schema import (
    POLARITY_COUNTS,
    WINDOW_EMOTIONS,
    alerts_table,
    deliveries_table,
    events_table,
    streams_table,
    windows_table,
)

Transaction = Callable[..., AbstractContextManager[sa.Connection]]
COUNT_COLUMNS = (
    "n", *POLARITY_COUNTS, *(f"emo_{e}" for e in WINDOW_EMOTIONS), "valence_sum", "valence_n"
)  # fmt: skip
JSON_EVENT_COLUMNS = ("meta", "polarity", "emotions", "evidence")
EVENT_COLUMNS = tuple(c.name for c in events_table.c)
# one encoder for the JSON columns (`json.dumps` builds a new one per call when given options)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
RETRIES = 1  # `add_events`: tries again once on a new connection when one was lost
RETRY_PAUSE_S = 0.5


class Nearby(NamedTuple):
    """`StreamStore.windows_near` for one width: the stream's first window start (None: no
    events) and the windows read, by start."""

    first: float | None
    windows: dict[float, dict[str, Any]]


def window_start(t: float, width: int) -> float:
    """The start of the window of `width` seconds that holds time `t` (windows are aligned
    to the UNIX epoch, so 5-minute windows start at :00, :05...)."""
    return float(t // width * width)


def _insert(db: sa.Connection, table: sa.Table):
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


@functools.cache
def _statements(dialect_name: str) -> dict[str, Any]:
    """`add_events`' statements for a dialect, built once (building one costs more than
    running it on a few rows; SQLAlchemy then finds its compiled form in its cache)."""
    insert = (postgresql if dialect_name == "postgresql" else sqlite).insert
    stream = insert(streams_table).values(
        name=sa.bindparam("name"), created=sa.bindparam("created"), config="{}"
    )
    windows = insert(windows_table)
    table = windows_table.c
    if dialect_name == "postgresql":
        # the rows as one JSON array, made into rows by the server: a short statement and one
        # parameter whatever the batch's size (psycopg parses a long multi-row VALUES
        # statement anew each time, and escapes every element of text arrays in Python: both
        # cost more than storing the rows)
        names = ", ".join(f'"{c}"' for c in EVENT_COLUMNS)
        events: Any = sa.text(
            f"INSERT INTO events ({names}) SELECT {names} FROM "
            f"json_populate_recordset(NULL::events, CAST(:rows AS json)) "
            f"ON CONFLICT (stream, id) DO NOTHING RETURNING stream, id"
        )
    else:
        events = (
            insert(events_table)
            .on_conflict_do_nothing(index_elements=["stream", "id"])
            .returning(events_table.c.stream, events_table.c.id)
        )
    return {
        "stream": stream.on_conflict_do_nothing(),
        "events": events,
        "windows": windows.on_conflict_do_update(
            index_elements=["stream", "width", "start"],
            set_={c: table[c] + windows.excluded[c] for c in COUNT_COLUMNS},
        ),
    }


def window_counts(rows: Iterable[dict], widths: Iterable[int]) -> dict[tuple[int, float], dict]:
    """What event rows add to their windows: (width, start) -> the `COUNT_COLUMNS`."""
    widths = tuple(widths)
    counts: dict[tuple[int, float], dict[str, float]] = {}
    for row in rows:
        polarity, emotion = row.get("polarity_label"), row.get("emotion_label")
        valence = row.get("valence")
        for width in widths:
            key = (width, window_start(row["time"], width))
            add = counts.get(key)
            if add is None:
                add = counts[key] = dict.fromkeys(COUNT_COLUMNS, 0)
            add["n"] += 1
            if polarity in POLARITY_COUNTS:
                add[polarity] += 1
            if emotion in WINDOW_EMOTIONS:
                add[f"emo_{emotion}"] += 1
            if valence is not None:
                add["valence_sum"] += valence
                add["valence_n"] += 1
    return counts


def _merge(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping or touching [since, until) spans as one."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class StreamStore:
    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction

    # -- streams -----------------------------------------------------------------------------
    def ensure_stream(self, name: str, config: dict | None = None) -> None:
        """Create the stream if it is new (with `config`, else an empty one)."""
        with self._transaction() as db:
            db.execute(
                _insert(db, streams_table)
                .values(name=name, created=time.time(), config=json.dumps(config or {}))
                .on_conflict_do_nothing()
            )

    def set_config(self, name: str, config: dict) -> None:
        with self._transaction() as db:
            stmt = _insert(db, streams_table).values(
                name=name, created=time.time(), config=json.dumps(config, ensure_ascii=False)
            )
            update = {"config": stmt.excluded.config}
            db.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=update))

    def get_config(self, name: str) -> dict | None:
        query = sa.select(streams_table.c.config).where(streams_table.c.name == name)
        with self._transaction("read") as db:
            value = db.execute(query).scalar()
        return None if value is None else json.loads(value)

    def list_streams(self) -> list[dict[str, Any]]:
        """Every stream with its event count and last event time."""
        s, e = streams_table.c, events_table.c
        stats = (
            sa.select(e.stream, sa.func.count().label("events"), sa.func.max(e.time).label("last"))
            .group_by(e.stream)
            .subquery()
        )
        query = (
            sa.select(s.name, s.created, s.config, stats.c.events, stats.c.last)
            .select_from(streams_table.outerjoin(stats, stats.c.stream == s.name))
            .order_by(s.name)
        )
        with self._transaction("read") as db:
            rows = db.execute(query).all()
        return [
            {"name": r.name, "created": r.created, "events": r.events or 0,
             "last_event": r.last, "config": json.loads(r.config)}
            for r in rows
        ]  # fmt: skip

    # -- events and windows -------------------------------------------------------------------
    def add_events(self, stream: str, rows: Sequence[dict], widths: Iterable[int]) -> set[str]:
        """Insert event rows (the columns of `events_table` but `stream`, JSON columns as
        values) and add the new ones to their windows of each width, in one transaction.
        Returns the ids newly stored; the others were already there (duplicates)."""
        return self.add_event_batches([(stream, rows)], widths)[0]

    def add_event_batches(
        self, batches: Sequence[tuple[str, Sequence[dict]]], widths: Iterable[int]
    ) -> list[set[str]]:
        """`add_events` for several (stream, rows) batches in one transaction (a group
        commit: one write and one fsync for batches that came together). Returns each batch's
        newly stored ids. An id that two batches of one stream share is stored by the earlier
        batch and is a duplicate of the later one, as if they had come one after the other.

        One multi-row INSERT for the events, then one upsert per window the new events touch,
        their counts summed here first (a batch of a few minutes touches one or two 5-minute
        windows, however many events it holds), sent as one executemany. A connection lost
        before the commit is retried once on a new one (`RETRIES`): the transaction is
        idempotent, so a commit that went through before the loss stores nothing twice and
        its events come back as already stored."""
        widths = tuple(widths)
        owner: dict[tuple[str, str], int] = {}  # (stream, id) -> the first batch holding it
        params = []
        for k, (stream, rows) in enumerate(batches):
            for r in rows:
                if (stream, r["id"]) not in owner:
                    owner[stream, r["id"]] = k
                    params.append(_event_row(stream, r))
        if not params:
            return [set() for _ in batches]
        for attempt in range(RETRIES + 1):
            try:
                new = self._add_events(batches, params, widths)
                break
            except ConnectionLostError:
                if attempt == RETRIES:
                    raise
            time.sleep(RETRY_PAUSE_S)
        out: list[set[str]] = [set() for _ in batches]
        for stream, eid in new:
            out[owner[stream, eid]].add(eid)
        return out

    def _add_events(
        self,
        batches: Sequence[tuple[str, Sequence[dict]]],
        params: list[dict],
        widths: tuple[int, ...],
    ) -> set[tuple[str, str]]:
        """Writes the batches; returns the (stream, id) pairs newly stored."""
        now = time.time()
        with self._transaction() as db:
            statements = _statements(db.dialect.name)
            streams = sorted({stream for stream, _ in batches})
            db.execute(statements["stream"], [{"name": s, "created": now} for s in streams])
            # RETURNING yields only the rows inserted, not those already there. On SQLite,
            # SQLAlchemy sends the rows as multi-row VALUES ("insertmanyvalues")
            if db.dialect.name == "postgresql":
                rows_json = _to_json(params)
                new = {tuple(r) for r in db.execute(statements["events"], {"rows": rows_json})}
            else:
                new = {tuple(r) for r in db.execute(statements["events"], params)}
            stored: dict[str, list[dict]] = {}  # stream -> its new rows, each once
            unseen = set(new)
            for stream, rows in batches:
                for r in rows:
                    if (stream, r["id"]) in unseen:  # first met in the batch that owns it
                        unseen.discard((stream, r["id"]))
                        stored.setdefault(stream, []).append(r)
            counts = [
                {"stream": stream, "width": w, "start": start, **add}
                for stream, ours in stored.items()
                for (w, start), add in window_counts(ours, widths).items()
            ]
            if counts:
                # in a fixed order, so that two writers lock the window rows in the same order
                counts.sort(key=lambda c: (c["stream"], c["width"], c["start"]))
                db.execute(statements["windows"], counts)
        return new

    def windows(
        self, stream: str, width: int, since: float | None = None, until: float | None = None
    ) -> list[dict[str, Any]]:
        """The stored windows of a stream (those with at least one event), oldest first, with
        start in [since, until)."""
        c = windows_table.c
        query = sa.select(windows_table).where(c.stream == stream, c.width == width)
        if since is not None:
            query = query.where(c.start >= since)
        if until is not None:
            query = query.where(c.start < until)
        with self._transaction("read") as db:
            return [dict(r._mapping) for r in db.execute(query.order_by(c.start))]

    def first_window(self, stream: str, width: int) -> float | None:
        """The start of the stream's earliest window of this width (None: no events)."""
        c = windows_table.c
        query = sa.select(sa.func.min(c.start)).where(c.stream == stream, c.width == width)
        with self._transaction("read") as db:
            return db.execute(query).scalar()

    def windows_near(
        self, stream: str, spans: Mapping[int, Sequence[tuple[float, float]]]
    ) -> dict[int, Nearby]:
        """For each width, the stored windows with start in any of its [since, until) spans
        (overlapping spans are read once) and the stream's first window, in one read
        transaction: what judging the windows of a batch needs, and no more history."""
        c = windows_table.c
        out: dict[int, Nearby] = {}
        with self._transaction("read") as db:
            for width, ranges in spans.items():
                merged = _merge(ranges)
                if not merged:
                    continue
                query = sa.select(windows_table).where(
                    c.stream == stream,
                    c.width == width,
                    sa.or_(*(sa.and_(c.start >= a, c.start < b) for a, b in merged)),
                )
                found = {r.start: dict(r._mapping) for r in db.execute(query)}
                first = db.execute(
                    sa.select(sa.func.min(c.start)).where(c.stream == stream, c.width == width)
                ).scalar()
                out[width] = Nearby(first, found)
        return out

    def events(
        self,
        stream: str,
        since: float,
        until: float,
        limit: int = 1000,
        order: str = "time",
    ) -> list[dict[str, Any]]:
        """The events of a stream with time in [since, until): by time, or (``"negative"``)
        the most negative first."""
        c = events_table.c
        query = sa.select(events_table).where(c.stream == stream, c.time >= since, c.time < until)
        if order == "negative":
            query = query.where(c.polarity_label == "negative").order_by(
                c.score.asc().nulls_last(), c.time
            )
        else:
            query = query.order_by(c.time, c.id)
        with self._transaction("read") as db:
            rows = db.execute(query.limit(limit)).all()
        return [_event_dict(r._mapping) for r in rows]

    def count_events(self, stream: str) -> int:
        query = sa.select(sa.func.count()).where(events_table.c.stream == stream)
        with self._transaction("read") as db:
            return db.execute(query).scalar() or 0

    # -- alerts and deliveries ----------------------------------------------------------------
    def add_alert(self, alert: dict[str, Any], cooldown_s: float) -> str | None:
        """Store an alert unless one with its key exists (the same stream, rule and window) or
        one of its stream and rule fired for a window starting less than `cooldown_s` before or
        after this one's. Returns the new alert's id, or None."""
        c = alerts_table.c
        near = sa.select(c.id).where(
            c.stream == alert["stream"],
            c.rule == alert["rule"],
            c.window_start > alert["window_start"] - cooldown_s,
            c.window_start < alert["window_start"] + cooldown_s,
        )
        row = {**alert, "id": "alr_" + uuid.uuid4().hex[:16],
               "evidence": json.dumps(alert["evidence"], ensure_ascii=False)}  # fmt: skip
        with self._transaction() as db:
            if db.execute(near.limit(1)).first() is not None:
                return None
            stmt = _insert(db, alerts_table).values(row).on_conflict_do_nothing(
                index_elements=["key"]
            ).returning(c.id)  # fmt: skip
            return db.execute(stmt).scalar()

    def alerts(
        self, stream: str | None = None, limit: int = 100, since: float | None = None
    ) -> list[dict[str, Any]]:
        """Alerts, newest first, each with its deliveries."""
        c = alerts_table.c
        query = sa.select(alerts_table)
        if stream is not None:
            query = query.where(c.stream == stream)
        if since is not None:
            query = query.where(c.fired >= since)
        query = query.order_by(c.fired.desc(), c.id).limit(limit)
        with self._transaction("read") as db:
            rows = [dict(r._mapping) for r in db.execute(query)]
            ids = [r["id"] for r in rows]
            d = deliveries_table.c
            found = db.execute(
                sa.select(deliveries_table).where(d.alert.in_(ids)).order_by(d.created)
            ).all() if ids else []  # fmt: skip
        by_alert: dict[str, list] = {}
        for r in found:
            by_alert.setdefault(r.alert, []).append(dict(r._mapping))
        for r in rows:
            r["evidence"] = json.loads(r["evidence"])
            r["deliveries"] = by_alert.get(r["id"], [])
        return rows

    def add_delivery(self, alert_id: str, url: str, status: str = "pending") -> str:
        now = time.time()
        row = {"id": "dlv_" + uuid.uuid4().hex[:16], "alert": alert_id, "url": url,
               "attempts": 0, "status": status, "created": now, "updated": now}  # fmt: skip
        with self._transaction() as db:
            db.execute(deliveries_table.insert().values(row))
        return row["id"]

    def update_delivery(self, delivery_id: str, **fields: Any) -> None:
        with self._transaction() as db:
            db.execute(
                deliveries_table.update()
                .where(deliveries_table.c.id == delivery_id)
                .values(updated=time.time(), **fields)
            )


def _event_row(stream: str, row: dict) -> dict:
    out = {k: row.get(k) for k in EVENT_COLUMNS}
    for k in JSON_EVENT_COLUMNS:
        if out[k] is not None:
            out[k] = _to_json(out[k])
    out["stream"] = stream
    return out


def _event_dict(row) -> dict[str, Any]:
    out = dict(row)
    for k in JSON_EVENT_COLUMNS:
        if out.get(k) is not None:
            out[k] = json.loads(out[k])
    return out
