"""The monitoring tables' queries: streams, events, window aggregates, alerts, deliveries.

`StreamStore` works inside the transactions of the `Store` that made it (``store.streams``).
Events are idempotent by (stream, id): `add_events` inserts with ON CONFLICT DO NOTHING and
adds to the window aggregates only what it newly inserted, in the same transaction, so a
re-sent event is stored and counted once, and two writers racing on one id count it once. A
window row is created or added to by one upsert (SQLite and PostgreSQL dialect inserts), so a
late or out-of-order event lands in its own window whenever it comes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

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


def window_start(t: float, width: int) -> float:
    """The start of the window of `width` seconds that holds time `t` (windows are aligned
    to the UNIX epoch, so 5-minute windows start at :00, :05...)."""
    return float(t // width * width)


def _insert(db: sa.Connection, table: sa.Table):
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


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
        widths = tuple(widths)
        now = time.time()
        new: set[str] = set()
        with self._transaction() as db:
            db.execute(
                _insert(db, streams_table)
                .values(name=stream, created=now, config="{}")
                .on_conflict_do_nothing()
            )
            # one compiled statement, executed over the rows in batches ("insertmanyvalues"):
            # RETURNING yields only the rows inserted, not those already there
            insert = (
                _insert(db, events_table)
                .on_conflict_do_nothing(index_elements=["stream", "id"])
                .returning(events_table.c.id)
            )
            if rows:
                new.update(db.execute(insert, [_event_row(stream, r) for r in rows]).scalars())
            counts: dict[tuple[int, float], dict[str, float]] = {}
            for row in rows:
                if row["id"] not in new:
                    continue
                for width in widths:
                    add = counts.setdefault(
                        (width, window_start(row["time"], width)), dict.fromkeys(COUNT_COLUMNS, 0)
                    )
                    add["n"] += 1
                    if row.get("polarity_label") in POLARITY_COUNTS:
                        add[row["polarity_label"]] += 1
                    if row.get("emotion_label") in WINDOW_EMOTIONS:
                        add[f"emo_{row['emotion_label']}"] += 1
                    if row.get("valence") is not None:
                        add["valence_sum"] += row["valence"]
                        add["valence_n"] += 1
            # in a fixed order, so that two writers lock the window rows in the same order
            for (width, start), add in sorted(counts.items()):
                stmt = _insert(db, windows_table).values(
                    stream=stream, width=width, start=start, **add
                )
                table = windows_table.c
                db.execute(stmt.on_conflict_do_update(
                    index_elements=["stream", "width", "start"],
                    set_={c: table[c] + stmt.excluded[c] for c in COUNT_COLUMNS},
                ))  # fmt: skip
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
    out = {k: v for k, v in row.items() if k in events_table.c}
    for k in JSON_EVENT_COLUMNS:
        if out.get(k) is not None:
            out[k] = json.dumps(out[k], ensure_ascii=False)
    return {**dict.fromkeys(c.name for c in events_table.c), **out, "stream": stream}


def _event_dict(row) -> dict[str, Any]:
    out = dict(row)
    for k in JSON_EVENT_COLUMNS:
        if out.get(k) is not None:
            out[k] = json.loads(out[k])
    return out
