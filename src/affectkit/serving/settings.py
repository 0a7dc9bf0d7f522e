"""Service settings: limits, micro-batching, storage and security, with safe defaults."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from affectkit.errors import InvalidInputError
from affectkit.records import ReadLimits

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
    # the store's database URL (postgresql://USER@HOST/DB); None: the SQLite file in data_dir
    db_url: str | None = None
    # API keys: required whenever the service listens beyond loopback (None = decide by host);
    # turning them off beyond loopback also needs insecure_no_keys (`--insecure-no-keys`)
    require_keys: bool | None = None
    insecure_no_keys: bool = False
    default_rate_per_min: int | None = 600  # the limit `affectkit keys create` gives a key
    cors_origins: tuple[str, ...] = ()  # CORS is off unless origins are listed
    # limits
    max_body_bytes: int = 2_000_000  # JSON requests
    max_upload_bytes: int = 500_000_000  # batch job uploads, as sent (compressed or not)
    # what an upload may hold once decompressed, checked before a job exists (413): far below
    # the batch CLI's `affectkit.records.ReadLimits`, so one client cannot fill the disk
    max_upload_decompressed_bytes: int = 2**30  # 1 GiB
    max_upload_rows: int = 5_000_000  # lines of a text file, rows of a Parquet file
    max_upload_line_chars: int = 1_000_000  # characters in one line
    max_pending_jobs: int = 10  # queued or running jobs per key (per service without keys)
    max_texts: int = 256  # per /v1/analyze request
    max_text_chars: int = 100_000
    # longest recording /v1/analyze analyses: at the pipeline's real-time factor (about 0.2 on
    # 2 cores) four minutes take under a minute, inside the default request timeout
    max_audio_seconds: float = 240.0
    # longest video: two frames a second at about 15 a second on 2 cores is about 40 s
    max_video_seconds: float = 300.0
    max_image_pixels: int = 40_000_000  # larger images are refused from their header
    request_timeout_s: float = 60.0  # the analysis stops (504) once a request is past it
    # explain: true costs a forward pass per word (occlusion): at most this many words per
    # request, each text counting at most `EXPLAIN_MAX_WORDS` (64), the longest it explains
    explain_max_words: int = 2048
    # micro-batching: concurrent requests for one model are analysed together
    microbatch: bool = True
    batch_window_ms: float = 5.0  # how long the first request of a batch waits for company
    max_batch: int = 64  # texts per micro-batch
    # a micro-batch is sorted by length and run in padded sub-batches of this size: requests of
    # random lengths pad less in small sub-batches
    model_batch_size: int = 8
    preload: tuple[str, ...] = ("auto",)  # models loaded at start-up ("auto": the defaults)
    model_options: dict = field(default_factory=dict)  # backend, threads, cache_dir
    # monitoring (POST /v1/streams/{name}/events): events per request, ingestions at once
    # (more answer 429 with Retry-After), a text's UTF-8 bytes, and the webhooks alerts go to
    max_events: int = 1000
    max_ingestions: int = 4
    max_event_text_bytes: int = 1_000_000
    webhooks: tuple[str, ...] = ()
    # the dashboard's live updates (GET /v1/live, server-sent events): connections at once
    # (more answer 429), the seconds between heartbeats, and how often the store is looked at
    # for what other processes (`affectkit monitor` workers) stored
    max_live_connections: int = 32
    live_heartbeat_s: float = 15.0
    live_poll_s: float = 1.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))  # a str works too
        for name in (
            "max_body_bytes", "max_upload_bytes", "max_upload_decompressed_bytes",
            "max_upload_rows", "max_upload_line_chars", "max_pending_jobs", "max_texts",
            "max_text_chars", "explain_max_words", "max_batch", "model_batch_size", "max_events",
            "max_ingestions", "max_event_text_bytes", "max_live_connections",
        ):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidInputError(f"{name} must be a positive integer. Got {value!r}.")
        for name in ("request_timeout_s", "live_heartbeat_s", "live_poll_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise InvalidInputError(f"{name} must be > 0. Got {value!r}.")
        if self.require_keys is False and not is_loopback(self.host):
            if not self.insecure_no_keys:
                raise InvalidInputError(
                    f"Refusing to serve on {self.host} without API keys: anyone who can reach "
                    f"it could use it and read its stored items and jobs. Create a key "
                    f"(`affectkit keys create NAME`) and drop --no-require-keys, or add "
                    f"--insecure-no-keys (insecure_no_keys=True) if this network is trusted."
                )

    @property
    def upload_limits(self) -> ReadLimits:
        """What an upload to ``POST /v1/jobs`` may hold once decompressed."""
        return ReadLimits(
            max_bytes=self.max_upload_decompressed_bytes,
            max_rows=self.max_upload_rows,
            max_line_chars=self.max_upload_line_chars,
        )

    @property
    def keys_required(self) -> bool:
        if self.require_keys is None:
            return not is_loopback(self.host)
        return self.require_keys

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def database(self) -> str | Path:
        """Where the store is (`affectkit.storage.Store`'s target): `db_url`, else the SQLite
        file in the data folder."""
        return self.db_url or self.db_path
