"""Micro-batching: concurrent requests for the same model are analysed in one call.

Each request puts its texts on the queue of its (model, language, explain) key and awaits a
future. One worker per key takes the first waiting request, then keeps taking requests for up to
`window_ms` (or until `max_batch` texts), runs the analysis once on a worker thread (so the
event loop keeps serving) and hands each request its slice of the results. A transformer model
runs one padded forward pass per length-sorted batch, so 32 one-text requests cost about one
32-text pass instead of 32 passes. The window only applies while there is company: when a
key's previous batch held a single request, the next batch takes just what queued meanwhile and
runs at once, so a lone client pays no window delay.

With micro-batching off, every request runs on its own, one at a time on the same worker thread
(the fair baseline: the same threads, the same model).

Deadlines. Each request may carry its own deadline (a `time.monotonic()` value; the route
answers 504 once it passes). The analysis of a batch runs inside an `affectkit.deadline.scope`
that ends at the LATEST deadline of the requests still waiting in it, and the model loops check
it between forward passes: a client that timed out neither fails the others in its batch nor
keeps the single inference thread busy once every request of its batch has given up. A request
whose deadline passed while it queued is not analysed at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from affectkit import deadline

Key = tuple[str, str, bool]  # model, language, explain


@dataclass
class _Pending:
    texts: Sequence[Any]
    future: asyncio.Future
    deadline: float | None = None  # time.monotonic(); None: none
    queued: float = field(default_factory=time.perf_counter)


class MicroBatcher:
    def __init__(
        self,
        analyze: Callable[[Key, list[Any]], list[Any]],
        *,
        enabled: bool = True,
        window_ms: float = 5.0,
        max_batch: int = 64,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._analyze = analyze
        self.enabled = enabled
        self.window = window_ms / 1000.0
        self.max_batch = max_batch
        self._on_batch = on_batch or (lambda n: None)
        # one inference thread: models use their own intra-op threads; requests never race
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="affectkit-infer")
        self._queues: dict[Key, asyncio.Queue] = {}
        self._workers: list[asyncio.Task] = []
        self._last_batch: dict[Key, int] = {}  # requests in each key's previous batch

    async def submit(self, key: Key, texts: Sequence[Any], until: float | None = None) -> list[Any]:
        """The results for `texts`; `until`: this request's deadline (`time.monotonic()`),
        past which its analysis stops (`DeadlineExceeded`) unless the batch it shares has a
        request with a later one."""
        loop = asyncio.get_running_loop()
        if not self.enabled:
            self._on_batch(len(texts))
            return await loop.run_in_executor(self._executor, self._run, key, list(texts), until)
        queue = self._queues.get(key)
        if queue is None:
            queue = self._queues[key] = asyncio.Queue()
            self._workers.append(loop.create_task(self._worker(key, queue)))
        pending = _Pending(texts, loop.create_future(), until)
        await queue.put(pending)
        return await pending.future

    async def _worker(self, key: Key, queue: asyncio.Queue) -> None:
        loop = asyncio.get_running_loop()
        last_n = self._last_batch
        while True:
            first = await queue.get()
            batch, n = [first], len(first.texts)
            deadline = loop.time() + self.window
            # no company last time (or no window): take only what queued while the last batch
            # ran, so a lone client never waits for the window
            greedy = self.window <= 0 or last_n.get(key, 0) <= 1
            while n < self.max_batch:
                timeout = 0.0 if greedy else deadline - loop.time()
                if timeout <= 0 and queue.empty():
                    break
                try:
                    item = (
                        queue.get_nowait()
                        if timeout <= 0
                        else await asyncio.wait_for(queue.get(), timeout)
                    )
                except (TimeoutError, asyncio.QueueEmpty):
                    break
                batch.append(item)
                n += len(item.texts)
            last_n[key] = len(batch)
            live = [p for p in batch if not p.future.done()]  # a client may have gone
            if not live:
                continue
            texts = [t for p in live for t in p.texts]
            self._on_batch(len(texts))
            ends = [p.deadline for p in live]
            until = None if None in ends else max(ends)  # type: ignore[type-var]
            try:
                results = await loop.run_in_executor(self._executor, self._run, key, texts, until)
            except Exception as exc:  # every waiting request gets the error
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            k = 0
            for p in live:
                part = results[k : k + len(p.texts)]
                k += len(p.texts)
                if not p.future.done():
                    p.future.set_result(part)

    def _run(self, key: Key, texts: list[Any], until: float | None) -> list[Any]:
        """The analysis, on the inference thread, inside the batch's deadline."""
        with deadline.scope(at=until):
            deadline.check()  # it may have passed while the batch waited for the thread
            return self._analyze(key, texts)

    async def close(self) -> None:
        for w in self._workers:
            w.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
