"""What the routes share: settings, store, metrics, jobs, the micro-batcher, the rate limiter,
the monitor and its live clients."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from affectkit import api, registry
from affectkit.monitor import Monitor, Notifier
from affectkit.serving.batcher import MicroBatcher
from affectkit.serving.jobs import JobRunner
from affectkit.serving.live import LiveHub
from affectkit.serving.metrics import Metrics
from affectkit.serving.settings import ServeSettings
from affectkit.storage import Store


class RateLimiter:
    """Token bucket per key: `rate` requests per minute, bursts up to `rate`."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, rate: int) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(rate), now))
        tokens = min(float(rate), tokens + (now - last) * rate / 60.0)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) * 60.0 / rate


@dataclass
class Service:
    settings: ServeSettings
    store: Store
    metrics: Metrics
    jobs: JobRunner
    batcher: MicroBatcher
    monitor: Monitor
    live: LiveHub
    limiter: RateLimiter = field(default_factory=RateLimiter)
    loaded: list[str] = field(default_factory=list)
    ingesting: int = 0  # stream ingestions running now (at most settings.max_ingestions)

    @classmethod
    def start(cls, settings: ServeSettings) -> Service:
        """Open the store (creating the data folder 0700 and the database 0600) and set up
        the job runner and the micro-batcher; nothing is loaded yet (`preload`)."""
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        store = Store(settings.database)
        metrics = Metrics()
        model_options = analysis_options(settings)

        def run_analysis(key: tuple[str, str, bool], inputs: list[Any]):
            # inside the batch's `affectkit.deadline.scope` (set by the batcher): the model's
            # loops stop there once every request of the batch is past its deadline
            model, language, explain = key
            return api.analyze(
                inputs, model=model, language=language, errors="flag",
                model_options=model_options, explain=explain,
            )  # fmt: skip

        batcher = MicroBatcher(
            run_analysis,
            enabled=settings.microbatch,
            window_ms=settings.batch_window_ms,
            max_batch=settings.max_batch,
            on_batch=metrics.batch_size,
        )
        jobs = JobRunner(
            store, settings.data_dir, settings.model_options, limits=settings.upload_limits
        )
        notifier = Notifier(store.streams, settings.webhooks) if settings.webhooks else None
        monitor = Monitor(
            store,
            model_options=model_options,
            max_text_bytes=settings.max_event_text_bytes,
            notifier=notifier,
        )
        live = LiveHub(
            store.streams, max_clients=settings.max_live_connections, poll_s=settings.live_poll_s
        )
        return cls(settings, store, metrics, jobs, batcher, monitor, live)

    def preload(self) -> None:
        """Load and warm up the models named in the settings (``auto``: every default)."""
        options = analysis_options(self.settings)  # the same as requests': one loaded copy
        for name in preload_names(self.settings.preload):
            t0 = time.perf_counter()
            api.warm_up(name, **options)
            self.metrics.loaded(name, time.perf_counter() - t0)
            self.loaded.append(name)

    async def close(self) -> None:
        self.live.close()
        await self.batcher.close()
        await asyncio.to_thread(self.jobs.close)  # waits (a few seconds at most) for the job
        if self.monitor.notifier is not None:
            await asyncio.to_thread(self.monitor.notifier.close)
        self.store.close()


def analysis_options(settings: ServeSettings) -> dict[str, Any]:
    """The load options of every model the service analyses with (preload and requests share
    them, so a model is loaded once)."""
    return {
        "batch_size": settings.model_batch_size,
        "max_audio_seconds": settings.max_audio_seconds,
        "max_video_seconds": settings.max_video_seconds,
        "max_image_pixels": settings.max_image_pixels,
        **settings.model_options,
    }


def preload_names(preload: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for name in preload:
        if name == "auto":
            names += [n for langs in registry.defaults().values() for n in langs.values()]
        elif name:
            names.append(registry.get_spec(name).full_name)
    return list(dict.fromkeys(names))
