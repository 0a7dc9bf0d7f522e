"""Alerts POSTed to webhooks by a background thread, never in the way of ingestion.

`Notifier.submit` records one delivery per URL (status ``pending``) and puts it on a bounded
queue without waiting: when the queue is full the delivery is recorded ``dropped``. The thread
POSTs the alert as JSON with a timeout; an answer other than 2xx, a timeout or a refused
connection is retried after ``backoff_s * 2**(attempt-1)`` seconds (capped at
`max_backoff_s`) up to `attempts` tries. Each attempt updates the delivery's row: ``attempts``,
``last_error``, and finally ``delivered`` or ``failed``. Deliveries wait in a time-ordered
heap, so one failing hook's back-off does not hold up the others.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from affectkit.errors import require
from affectkit.storage.streams import StreamStore

log = logging.getLogger("affectkit.monitor")


@dataclass(frozen=True)
class WebhookSettings:
    timeout_s: float = 5.0
    attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    queue_size: int = 1000


class Notifier:
    def __init__(
        self,
        streams: StreamStore,
        urls: Sequence[str],
        settings: WebhookSettings | None = None,
    ) -> None:
        self.streams, self.urls = streams, tuple(urls)
        self.settings = settings or WebhookSettings()
        self._httpx = require("httpx", "serve")  # missing: said now, not in the thread
        self._queue: queue.Queue = queue.Queue(self.settings.queue_size)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._busy = 0  # deliveries queued or waiting to be retried

    def submit(self, alert: dict[str, Any]) -> None:
        """Queue the alert for every URL (returns at once)."""
        if not self.urls:
            return
        self._ensure_thread()
        for url in self.urls:
            delivery = self.streams.add_delivery(alert["id"], url)
            try:
                with self._lock:
                    self._busy += 1
                self._queue.put_nowait((delivery, url, alert, 1))
            except queue.Full:
                with self._lock:
                    self._busy -= 1
                self.streams.update_delivery(
                    delivery, status="dropped", last_error="the delivery queue was full"
                )

    def idle(self) -> bool:
        """Nothing left to deliver or retry."""
        with self._lock:
            return self._busy == 0

    def wait_idle(self, timeout_s: float) -> bool:
        until = time.monotonic() + timeout_s
        while not self.idle():
            if time.monotonic() > until:
                return False
            time.sleep(0.02)
        return True

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the thread (deliveries still waiting stay ``pending``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="affectkit-webhooks", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        waiting: list[tuple[float, int, tuple]] = []  # (due, order, delivery)
        with self._httpx.Client(timeout=self.settings.timeout_s) as client:
            while not self._stop.is_set():
                wait = 0.2 if not waiting else max(0.0, min(0.2, waiting[0][0] - time.monotonic()))
                try:
                    item = self._queue.get(timeout=wait)
                    heapq.heappush(waiting, (time.monotonic(), next(self._order), item))
                except queue.Empty:
                    pass
                while waiting and waiting[0][0] <= time.monotonic() and not self._stop.is_set():
                    _, _, item = heapq.heappop(waiting)
                    try:
                        retry = self._attempt(client, *item)
                    except Exception:  # the store could not record it: the thread goes on
                        log.exception("webhook delivery %s could not be recorded", item[0])
                        retry = None
                    if retry is not None:
                        heapq.heappush(waiting, (retry[0], next(self._order), retry[1]))
                    else:
                        with self._lock:
                            self._busy -= 1

    def _attempt(self, client, delivery: str, url: str, alert: dict, attempt: int):
        """POST once; returns (when, item) to retry, or None when done."""
        s = self.settings
        try:
            answer = client.post(url, json=alert)
            error = None if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"
        except Exception as exc:  # timeouts, refused connections, bad URLs: all retried
            error = f"{type(exc).__name__}: {exc}"[:500]
        if error is None:
            self.streams.update_delivery(
                delivery, attempts=attempt, status="delivered", last_error=None
            )
            return None
        if attempt >= s.attempts:
            self.streams.update_delivery(
                delivery, attempts=attempt, status="failed", last_error=error
            )
            return None
        self.streams.update_delivery(delivery, attempts=attempt, last_error=error)
        delay = min(s.max_backoff_s, s.backoff_s * 2 ** (attempt - 1))
        return time.monotonic() + delay, (delivery, url, alert, attempt + 1)
