"""Settings read from the environment: the only module that reads environment variables.

The library receives these as plain arguments; the CLI (and later the service) build them here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from affectkit.errors import InvalidInputError

DEFAULT_HOME = Path("~/.affectkit")


@dataclass(frozen=True)
class Settings:
    home: Path  # user models and caches (ONNX exports built on first use...)
    threads: int | None = None  # intra-op threads for torch/onnxruntime; None = library default
    db: str | None = None  # the service's database URL; None: SQLite in its data folder

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("AFFECTKIT_HOME") or DEFAULT_HOME).expanduser()
        threads = env.get("AFFECTKIT_THREADS") or None  # set but empty: unset
        if threads is not None and not (threads.isascii() and threads.isdigit() and int(threads)):
            raise InvalidInputError(
                f"AFFECTKIT_THREADS must be a positive integer, got {threads!r}: set it to a "
                "number of threads (e.g. 2) or unset it for the library default."
            )
        return cls(
            home=home,
            threads=int(threads) if threads else None,
            db=env.get("AFFECTKIT_DB") or None,
        )
