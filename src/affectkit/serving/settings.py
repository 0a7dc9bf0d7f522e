"""Service settings: limits, micro-batching, storage and security, with safe defaults."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

DB_FILE = "affectkit.sqlite3"  # the store in the data folder (keys, jobs, results)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")  # SQLite database, uploads and job results; nothing outside
    # API keys: required whenever the service listens beyond loopback (None = decide by host)
    require_keys: bool | None = None
    default_rate_per_min: int | None = 600  # the limit `affectkit keys create` gives a key
    cors_origins: tuple[str, ...] = ()  # CORS is off unless origins are listed
    # limits
    max_body_bytes: int = 2_000_000  # JSON requests
    max_upload_bytes: int = 500_000_000  # batch job uploads
    max_texts: int = 256  # per /v1/analyze request
    max_text_chars: int = 100_000
    max_audio_seconds: float = 600.0  # for the speech routes to come
    max_image_pixels: int = 40_000_000  # for the image routes to come
    request_timeout_s: float = 60.0
    # micro-batching: concurrent requests for one model are analysed together
    microbatch: bool = True
    batch_window_ms: float = 5.0  # how long the first request of a batch waits for company
    max_batch: int = 64  # texts per micro-batch
    # a micro-batch is sorted by length and run in padded sub-batches of this size: requests of
    # random lengths pad less in small sub-batches
    model_batch_size: int = 8
    preload: tuple[str, ...] = ("auto",)  # models loaded at start-up ("auto": the defaults)
    model_options: dict = field(default_factory=dict)  # backend, threads, cache_dir

    @property
    def keys_required(self) -> bool:
        if self.require_keys is None:
            return not is_loopback(self.host)
        return self.require_keys

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE
