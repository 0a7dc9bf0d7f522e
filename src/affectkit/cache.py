"""Folders affectkit builds once under its home (``AFFECTKIT_HOME``, default ``~/.affectkit``):
the encoders converted from the weights that ship inside packages, and (`default_cache_dir`)
the ONNX exports of text models. Nothing is ever written into the package or a model folder.

`cached_folder(kind, name, version, build)` is ``home/kind/name``, built by `build` when it is
missing or was written by another format version (its ``VERSION`` file). `write_folder` is how a
build writes it: into a temporary folder beside it, renamed into place when complete, so a
reader never sees half a folder and an interrupted build leaves nothing behind. When two
processes build it at once, the first rename wins and the other keeps that one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def is_current(folder: Path, version: str) -> bool:
    marker = folder / "VERSION"
    return marker.is_file() and marker.read_text().strip() == version


def write_folder(target: str | Path, fill: Callable[[Path], None], version: str) -> Path:
    """Build `target` atomically: `fill(tmp)` writes the files, then ``VERSION`` and a rename."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        fill(tmp)
        (tmp / "VERSION").write_text(version + "\n")
        if target.exists() and not is_current(target, version):
            shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:
            if not is_current(target, version):  # not another process's finished build
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def default_cache_dir() -> Path:
    """``AFFECTKIT_HOME/cache``: where caches go when the caller names no folder (the CLI and
    the service pass `affectkit.config.Settings.cache_dir`, the same folder)."""
    from affectkit.config import Settings

    return Settings.from_env().cache_dir


def cached_folder(
    kind: str,
    name: str,
    version: str,
    build: Callable[[Path], Path],
    home: str | Path | None = None,
    *,
    build_missing: bool = True,
) -> Path:
    """``home/kind/name``, built by `build(target)` when missing or stale (and `build_missing`)."""
    if home is None:
        from affectkit.config import Settings

        home = Settings.from_env().home
    target = Path(home).expanduser() / kind / name
    if build_missing and not is_current(target, version):
        build(target)
    return target
