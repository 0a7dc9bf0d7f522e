"""Live updates for the dashboard: ``GET /v1/live``, as server-sent events.

One `LiveHub` per service watches the store for its clients. The ingestion route tells it when
a stream has stored events (`LiveHub.changed`) and it looks at once; otherwise it looks every
`poll_s` seconds, so events stored by another process (``affectkit monitor`` workers, another
replica on the same database) show up too, within that delay. One task looks for every client,
its reads in a thread: per (stream, width) some client watches, the stream's latest windows (at
most `KEEP_WINDOWS`, from the client's ``since``), and the alerts fired since the last look.
Each client is handed what changed.

A client gets, as ``event: <type>`` with a JSON ``data:`` line:

- ``hello``: ``{"stream", "width", "since", "heartbeat_s"}``, once;
- ``windows``: ``{"stream", "width", "results": [...]}``, the windows that changed, as
  ``GET /v1/streams/{name}/windows`` shows them (the first has every window from ``since``);
- ``stream``: ``{"name"}``: a stream stored events or changed its rules (the list is stale);
- ``alert``: a new alert, as ``GET /v1/alerts`` shows it (a client may see one twice: the first
  look after it connects repeats the last `ALERT_MARGIN_S` seconds' alerts);
- ``resync``: the client fell `QUEUE` messages behind: reload, then connect again;
- ``bye``: the service is shutting down;

and a comment line (``: ping``) after `heartbeat_s` seconds without a message, which also finds
a client that went away. The stream ends on ``bye``, ``resync`` and the client's disconnect; a
client's slot (at most ``max_clients``, else 429) is freed as the response ends.

uvicorn waits for open responses to finish before it runs the app's shutdown, and a live stream
does not finish by itself: `affectkit.serving.server.Server` closes the hub first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import StreamingResponse

from affectkit.serving.errors import ApiError
from affectkit.serving.schemas import window_view
from affectkit.storage.streams import StreamStore

log = logging.getLogger("affectkit.serving")

KEEP_WINDOWS = 240  # the latest windows of a (stream, width) read on each look
QUEUE = 256  # messages a client may leave unread before it is told to resync
# alerts are read again this far back: another process's alert may be committed a little after
# the time it says it fired
ALERT_MARGIN_S = 30.0
ALERTS_PER_LOOK = 100
RETRY_MS = 3000  # how soon an EventSource reconnects after the stream ends


@dataclass(eq=False)
class Subscription:
    """One client: the stream (None: alerts only) and window width it watches, from `since`."""

    stream: str | None
    width: int
    since: float
    fresh: bool = True  # the next look hands it every window from `since`, not the changes
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE))

    def put(self, kind: str, data: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait((kind, data))
        except asyncio.QueueFull:  # the client reads too slowly: it starts over
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(("resync", {}))


class LiveHub:
    """The live clients of a service and the task that looks at the store for them."""

    def __init__(self, streams: StreamStore, *, max_clients: int, poll_s: float) -> None:
        self.streams = streams
        self.max_clients, self.poll_s = max_clients, poll_s
        self.clients: set[Subscription] = set()
        self.closed = False
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        # what each watched (stream, width) looked like at the last look: start -> window row
        self._windows: dict[tuple[str, int], dict[float, dict]] = {}
        self._alerts_since = 0.0
        self._alerts_seen: dict[str, float] = {}  # id -> fired, of alerts already handed out

    # -- clients (on the event loop) ---------------------------------------------------------
    def subscribe(self, stream: str | None, width: int, since: float) -> Subscription:
        """A new client, or 503 (shutting down) / 429 (`max_clients` are connected)."""
        if self.closed:
            raise ApiError(
                503, "shutting_down", "The service is shutting down; reconnect in a moment.",
                {"Retry-After": "5"},
            )  # fmt: skip
        if len(self.clients) >= self.max_clients:
            raise ApiError(
                429,
                "too_many_live_connections",
                f"{len(self.clients)} live connections are open, the limit of this service "
                f"(--max-live-connections); close one (another dashboard tab?) or retry later.",
                {"Retry-After": "5"},
            )
        sub = Subscription(stream, width, since)
        self.clients.add(sub)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._alerts_since, self._alerts_seen = time.time() - ALERT_MARGIN_S, {}
            self._task = asyncio.create_task(self._run(self._wake), name="affectkit-live")
        self._wake.set()  # its first windows now
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self.clients.discard(sub)

    def changed(self, stream: str) -> None:
        """`stream` stored events (or changed its rules) in this process: look now."""
        for sub in self.clients:
            sub.put("stream", {"name": stream})
        if self._wake is not None:
            self._wake.set()

    def close(self) -> None:
        """End every client's stream (``bye``) and stop looking; new clients get 503."""
        self.closed = True
        for sub in self.clients:
            sub.put("bye", {})
        if self._task is not None:
            self._task.cancel()

    # -- looking at the store -----------------------------------------------------------------
    async def _run(self, wake: asyncio.Event) -> None:
        while self.clients and not self.closed:
            try:
                await asyncio.wait_for(wake.wait(), self.poll_s)
            except TimeoutError:
                pass
            wake.clear()
            clients = list(self.clients)
            watched: dict[tuple[str, int], float] = {}
            for sub in clients:
                if sub.stream is not None:
                    key = (sub.stream, sub.width)
                    watched[key] = min(sub.since, watched.get(key, sub.since))
            try:
                windows, alerts = await asyncio.to_thread(self._look, watched)
            except Exception as exc:  # the store is away for a moment: look again next time
                log.warning("live updates: reading the store failed: %s", exc)
                continue
            for sub in clients:
                self._hand(sub, windows, alerts)

    def _hand(self, sub: Subscription, windows: dict, alerts: tuple[list, list]) -> None:
        recent, new = alerts
        if sub.stream is not None:
            changed, every = windows.get((sub.stream, sub.width), ([], []))
            rows = [w for w in (every if sub.fresh else changed) if w["start"] >= sub.since]
            if rows or sub.fresh:
                results = [window_view(w) for w in rows]
                sub.put("windows", {"stream": sub.stream, "width": sub.width, "results": results})
        for alert in recent if sub.fresh else new:
            sub.put("alert", alert)
        sub.fresh = False

    def _look(self, watched: dict[tuple[str, int], float]):
        """(in a thread) Per watched (stream, width): the windows that changed since the last
        look and every window read; and the alerts: those of the last look's margin, and the
        new ones."""
        out: dict[tuple[str, int], tuple[list[dict], list[dict]]] = {}
        for (stream, width), since in watched.items():
            old = self._windows.get((stream, width), {})
            if old:  # no further back than the latest windows: each look reads a few rows
                since = max(since, max(old) - (KEEP_WINDOWS - 1) * width)
            rows = self.streams.windows(stream, width, since)[-KEEP_WINDOWS:]
            out[(stream, width)] = ([r for r in rows if old.get(r["start"]) != r], rows)
            self._windows[(stream, width)] = {r["start"]: r for r in rows}
        for key in set(self._windows) - set(watched):
            del self._windows[key]
        recent = self.streams.alerts(None, ALERTS_PER_LOOK, self._alerts_since)[::-1]
        new = [a for a in recent if a["id"] not in self._alerts_seen]
        for a in new:
            self._alerts_seen[a["id"]] = a["fired"]
        if recent:
            self._alerts_since = max(self._alerts_since, recent[-1]["fired"] - ALERT_MARGIN_S)
        self._alerts_seen = {
            i: t for i, t in self._alerts_seen.items() if t >= self._alerts_since
        }  # fmt: skip
        return out, (recent, new)


def sse(kind: str, data: dict[str, Any]) -> bytes:
    """One server-sent event (JSON never holds a raw newline: one data line)."""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def _messages(sub: Subscription, heartbeat_s: float):
    hello = {"stream": sub.stream, "width": sub.width, "since": sub.since,
             "heartbeat_s": heartbeat_s}  # fmt: skip
    yield f"retry: {RETRY_MS}\n".encode() + sse("hello", hello)
    while True:
        try:
            kind, data = await asyncio.wait_for(sub.queue.get(), heartbeat_s)
        except TimeoutError:
            yield b": ping\n\n"
            continue
        yield sse(kind, data)
        if kind in ("bye", "resync"):
            return


class LiveResponse(StreamingResponse):
    """A client's event stream; its slot in the hub is freed however the response ends
    (the client's disconnect cancels it)."""

    def __init__(self, hub: LiveHub, sub: Subscription, heartbeat_s: float) -> None:
        super().__init__(
            _messages(sub, heartbeat_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.hub, self.sub = hub, sub

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.hub.unsubscribe(self.sub)
