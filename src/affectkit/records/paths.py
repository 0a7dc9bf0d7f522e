"""Checks on the files a command reads and writes: inputs are files, outputs are not inputs."""

from __future__ import annotations

import os
from pathlib import Path

from affectkit.errors import (
    DataFormatError,
    InvalidInputError,
    StorageError,
)


def check_input_file(path: str | Path, what: str = "Input file") -> Path:
    """`path` as a Path when it is a readable file; else a `DataFormatError` that says what
    it is instead (missing, a folder)."""
    path = Path(path)
    if path.is_dir():
        raise DataFormatError(
            f"{what} {str(path)!r} is a folder, not a file; give the path of the file itself."
        )
    if not path.is_file():
        raise DataFormatError(f"{what} {str(path)!r} does not exist.")
    return path


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path however spelled, or the same file
    reached through a symlink or a hard link (same device and inode)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where the paths lead
        return Path(a).resolve() == Path(b).resolve()


def check_output(out: str | Path, *inputs: str | Path | None) -> None:
    """Refuse to write `out` when it is one of `inputs` (None entries are skipped): the same
    path, or the same file through a symlink or a hard link. Every command that writes a file
    calls this before it opens anything, since writing would destroy the input it reads."""
    for given in inputs:
        if given is not None and same_file(out, given):
            how = "" if str(out) == str(given) else " (the same file under another name or link)"
            raise InvalidInputError(
                f"The output {str(out)!r} is the input {str(given)!r}{how}: writing it would "
                f"destroy the input. Choose another file for the output."
            )


def cannot_write(path: str | Path, exc: OSError) -> StorageError:
    """A failed write (no such folder, no permission, a full disk) as an error that says what
    to do."""
    why = exc.strerror or str(exc)
    return StorageError(
        f"Cannot write {str(path)!r}: {why}. Choose an output in a folder you can write to, "
        f"with free space."
    )
