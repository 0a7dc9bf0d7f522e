"""Events from a Redis stream, shared by any number of workers through a consumer group.

Each worker (`affectkit monitor STREAM --redis URL --key KEY`) reads with XREADGROUP as one
consumer of the group, so every entry goes to one worker; entries are acknowledged (XACK) only
once their batch is stored, so a worker that dies leaves its entries pending, never lost. A
worker re-reads its own pending entries first (a restart under the same consumer name), then
claims entries another consumer left pending longer than `claim_idle_ms` (XAUTOCLAIM), then
reads new ones. Storing is idempotent by event id, so an entry delivered twice (claimed from a
worker that had stored it but not yet acknowledged it) is counted once.

An entry is an event: either one field ``event`` (or ``data``) holding the event's JSON, or the
event's fields themselves (``id``, ``text``, ``time``, ``author``, ``source``, ``meta`` as JSON
text). An entry without an ``id`` takes its entry id. When Redis cannot be reached (at the
start or mid-stream) the worker says so on stderr (one line per try) and reconnects with
exponential back-off; with `idle_exit` it gives up, with a one-line `AffectError`, once that
long has passed without an entry.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from affectkit.errors import AffectError, InvalidInputError, StorageError, require
from affectkit.monitor.ingest import Ingested, Monitor


@dataclass(frozen=True)
class RedisSettings:
    url: str
    key: str
    group: str = "affectkit"
    consumer: str = ""  # default: host name and process id
    batch_size: int = 256
    block_ms: int = 1000  # how long one read waits for new entries
    claim_idle_ms: int = 60_000  # another consumer's entry pending this long is taken over
    backoff_s: float = 0.5  # first wait before reconnecting; doubles up to max_backoff_s
    max_backoff_s: float = 30.0

    def __post_init__(self) -> None:
        if not self.key:
            raise InvalidInputError("Give the Redis stream's key (--key).")
        if not self.consumer:
            object.__setattr__(self, "consumer", f"{socket.gethostname()}-{os.getpid()}")


def entry_event(entry_id: str, fields: dict[str, str]) -> Any:
    """The event an entry holds (see the module docstring); what cannot be one is returned as
    it is, for the monitor to reject with a reason."""
    raw = fields.get("event", fields.get("data"))
    if raw is not None:
        try:
            event = json.loads(raw)
        except json.JSONDecodeError:
            return "the entry's event field is not JSON"
    else:
        event = dict(fields)
        if "meta" in event:
            try:
                event["meta"] = json.loads(event["meta"])
            except json.JSONDecodeError:
                pass  # rejected: meta must be a JSON object
    if isinstance(event, dict) and event.get("id") in (None, ""):
        event["id"] = entry_id
    return event


class RedisSource:
    def __init__(self, settings: RedisSettings) -> None:
        self.settings = settings
        self._redis = require("redis", "redis")

    def run(
        self,
        monitor: Monitor,
        stream: str,
        *,
        stop: threading.Event | None = None,
        idle_exit: float | None = None,
        on_batch: Callable[[Ingested], None] | None = None,
    ) -> None:
        """Ingest until `stop` is set, or `idle_exit` seconds pass without an entry."""
        s, redis = self.settings, self._redis
        stop = stop or threading.Event()
        backoff, idle_since, client = s.backoff_s, time.monotonic(), None
        while not stop.is_set():
            try:
                if client is None:
                    client = redis.Redis.from_url(
                        s.url, decode_responses=True, socket_connect_timeout=5
                    )
                    self._create_group(client)
                entries = self._next(client)
                if entries:
                    done = self._ingest(client, monitor, stream, entries)
                    if on_batch is not None:
                        on_batch(done)
                    idle_since = time.monotonic()
                elif idle_exit is not None and time.monotonic() - idle_since > idle_exit:
                    return
                backoff = s.backoff_s
            except (redis.ConnectionError, redis.TimeoutError, StorageError) as exc:
                what = "store" if isinstance(exc, StorageError) else f"Redis at {_safe(s.url)}"
                idle = time.monotonic() - idle_since
                if idle_exit is not None and idle > idle_exit:
                    if client is not None:
                        client.close()
                    raise AffectError(
                        f"cannot reach the {what} ({exc}) for {idle:.1f}s; gave up (--idle-exit "
                        f"{idle_exit:g}). Check the URL and that the server runs."
                    ) from None
                print(
                    f"affectkit monitor: cannot reach the {what} ({exc}); retrying in {backoff:g}s",
                    file=sys.stderr,
                    flush=True,
                )
                if client is not None:
                    client.close()
                    client = None
                stop.wait(backoff)
                backoff = min(s.max_backoff_s, backoff * 2)
        if client is not None:
            client.close()

    def _create_group(self, client) -> None:
        try:
            client.xgroup_create(self.settings.key, self.settings.group, id="0", mkstream=True)
        except self._redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise InvalidInputError(f"Redis refused the consumer group: {exc}.") from None

    def _next(self, client) -> list[tuple[str, dict]]:
        """Own pending entries, else stale ones of others, else new ones (blocking)."""
        s = self.settings
        for start in ("0", ">"):
            if start == ">":
                claimed = client.xautoclaim(
                    s.key, s.group, s.consumer, s.claim_idle_ms, start_id="0-0", count=s.batch_size
                )
                if claimed[2:] and claimed[2]:  # entries deleted from the stream
                    client.xack(s.key, s.group, *claimed[2])
                if claimed[1]:
                    return [e for e in claimed[1] if e[1] is not None]
            got = client.xreadgroup(
                s.group,
                s.consumer,
                {s.key: start},
                count=s.batch_size,
                block=s.block_ms if start == ">" else None,
            )
            entries = got[0][1] if got else []
            gone = [i for i, fields in entries if fields is None]  # deleted while pending
            if gone:
                client.xack(s.key, s.group, *gone)
            entries = [e for e in entries if e[1] is not None]
            if entries:
                return entries
        return []

    def _ingest(self, client, monitor: Monitor, stream: str, entries: list) -> Ingested:
        events = [entry_event(i, fields) for i, fields in entries]
        done = monitor.ingest(stream, events)  # stored (or rejected) before acknowledging
        client.xack(self.settings.key, self.settings.group, *[i for i, _ in entries])
        return done


def _safe(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user + ':***' if ':' in creds else user}@{host}"
    return url
