"""What the analyzers of recordings, images and videos share: one input at a time, one
result per input, a failing input becoming that input's error result and never the batch's.

`analyze_each(batch, run, ...)` checks every item first (an `Input` or a file path; anything
else is the caller's mistake and raises at once), then runs `run(input)` on each under the
analyzer's lock, checking the request's deadline between inputs. An `AffectError` (a corrupt
file, a limit) becomes an ``error`` result with its one-line message; any other exception from
a decoder or model library on one input becomes one too, so the rest of the batch goes on.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from affectkit import deadline
from affectkit.errors import AffectError, DeadlineExceeded, InvalidInputError
from affectkit.inputs import SUFFIX_KINDS, Input
from affectkit.results import AffectResult, error_result


def as_input(item: Input | str | os.PathLike, default_kind: str) -> Input:
    """An `Input` from a file path: its kind from the suffix, else `default_kind`."""
    if isinstance(item, Input):
        return item
    kind = SUFFIX_KINDS.get(Path(item).suffix.lower())
    return Input.from_path(item, None if kind else default_kind)


def error_for(message: str, model: str, modality: str) -> AffectResult:
    """An ``error`` result of `modality`: label ``error``, ``raw["error"]`` says why."""
    r = error_result(message, model)
    return AffectResult(**{**{f: getattr(r, f) for f in r.__slots__}, "modality": modality})


def analyze_each(
    batch: Sequence[Any],
    run: Callable[[Input], AffectResult],
    *,
    model: str,
    modality: str,
    default_kind: str,
    lock: threading.Lock,
) -> list[AffectResult]:
    """`run` on every item of `batch` in order (see the module's docstring)."""
    for i, item in enumerate(batch):
        if not isinstance(item, (Input, str, os.PathLike)):
            raise InvalidInputError(
                f"item {i}: expected an {default_kind} Input or a file path, "
                f"got {type(item).__name__}."
            )
    out = []
    for item in batch:
        deadline.check()
        try:
            with lock:
                out.append(run(as_input(item, default_kind)))
        except DeadlineExceeded:
            raise
        except AffectError as exc:
            out.append(error_for(str(exc), model, modality))
        except Exception as exc:  # a decoder or model library failing on one input
            text = " ".join(str(exc).split())[:300] or type(exc).__name__
            out.append(error_for(f"cannot analyse this {default_kind}: {text}", model, modality))
    return out
