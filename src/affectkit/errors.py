"""One exception hierarchy for everything affectkit raises on purpose.

Messages follow one pattern: what was expected, what came, and what to do about it.
The HTTP layer (later) maps these classes to status codes in a single table.
"""

from __future__ import annotations


class AffectError(Exception):
    """Base class of every error affectkit raises deliberately."""


class InvalidInputError(AffectError, ValueError):
    """The caller passed something affectkit cannot analyse (wrong type, bad encoding...)."""


class DataFormatError(InvalidInputError):
    """A data file is malformed: missing column, a line that is not JSON, unknown format."""


class ModelNotFoundError(AffectError, LookupError):
    """No registered model or model folder matches the requested name."""


class ModelLoadError(AffectError, RuntimeError):
    """A model folder exists but its files are missing or inconsistent."""


class StorageError(AffectError, OSError):
    """Writing a result failed (disk full, no permission); what was finished is kept."""


class ConnectionLostError(StorageError):
    """The database connection broke during a transaction (a restarted server, a dropped
    network): the transaction was rolled back and may be tried again on a new connection."""


class BackendMissingError(AffectError, ImportError):
    """An optional dependency (torch, onnxruntime, pyarrow...) is not installed."""


class LimitExceededError(DataFormatError):
    """An input is larger than a configured limit allows (bytes, rows, line length...); the
    message names the limit and how to raise it."""


class DeadlineExceeded(AffectError):
    """Work was stopped because its deadline passed or it was cancelled (`affectkit.deadline`);
    what it had finished is discarded."""


def require(module: str, extra: str):
    """Import an optional dependency or raise a `BackendMissingError` that says how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise BackendMissingError(
            f"This feature needs the optional package '{module}', which is not installed. "
            f"Install it with: pip install 'affectkit[{extra}]'"
        ) from exc
