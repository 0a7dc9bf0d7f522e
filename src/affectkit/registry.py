"""A registry of named, versioned analyzers.

Names follow ``<modality>-<task>-<lang>@<version>`` (``lexicon-en@1``, ``text-sentiment-en@1``).
A name without ``@version`` resolves to the newest version; a path to a model folder (one with a
``config.json`` written by affectkit) works wherever a name does. Loaders are referenced as
``"module:function"`` strings so that listing the registry, or using the lexicon path, never
imports torch.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from affectkit.errors import ModelLoadError, ModelNotFoundError
from affectkit.results import Analyzer


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about one analyzer without loading it."""

    name: str  # without version, e.g. "lexicon-en"
    version: int
    modality: str
    task: str  # "sentiment", "emotion", "sentiment+emotion"
    languages: tuple[str, ...]
    labels: tuple[str, ...]
    loader: str  # "package.module:callable" returning an Analyzer
    description: str = ""
    size: Callable[[], int] | None = field(default=None, compare=False)  # bytes on disk
    backend: str = "python"

    @property
    def full_name(self) -> str:
        return f"{self.name}@{self.version}"

    def load(self, **kwargs) -> Analyzer:
        module, _, attr = self.loader.partition(":")
        return getattr(importlib.import_module(module), attr)(**kwargs)

    def size_bytes(self) -> int | None:
        return None if self.size is None else self.size()


_REGISTRY: dict[str, dict[int, ModelSpec]] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a spec; registering the same name and version twice is an error."""
    versions = _REGISTRY.setdefault(spec.name, {})
    if spec.version in versions and versions[spec.version] != spec:
        raise ValueError(f"{spec.full_name} is already registered with a different spec.")
    versions[spec.version] = spec
    return spec


def list_models() -> list[ModelSpec]:
    """Every registered spec, sorted by name then version."""
    _ensure_builtins()
    return [s for name in sorted(_REGISTRY) for _, s in sorted(_REGISTRY[name].items())]


def get_spec(name: str) -> ModelSpec:
    """Resolve ``name`` or ``name@version`` to a spec."""
    _ensure_builtins()
    base, _, ver = name.partition("@")
    versions = _REGISTRY.get(base)
    if not versions:
        known = ", ".join(s.full_name for s in list_models())
        raise ModelNotFoundError(
            f"No model named {name!r}. Registered models: {known}. "
            f"A path to a model folder also works."
        )
    if not ver:
        return versions[max(versions)]
    try:
        return versions[int(ver)]
    except (ValueError, KeyError):
        raise ModelNotFoundError(
            f"{base!r} has no version {ver!r}; available: {sorted(versions)}."
        ) from None


def is_model_folder(name: str) -> bool:
    return (Path(name).expanduser() / "config.json").is_file()


def load(name: str, **kwargs) -> Analyzer:
    """Load an analyzer by registry name or model-folder path."""
    if is_model_folder(name):
        return load_folder(Path(name).expanduser(), **kwargs)
    if "/" in name or name.startswith("."):
        raise ModelNotFoundError(
            f"{name!r} looks like a path but has no config.json. Expected a model folder written "
            f"by `affectkit train` (config.json, weights, labels)."
        )
    return get_spec(name).load(**kwargs)


# Model folders say what kind of analyzer they hold; each kind has one loader.
FOLDER_KINDS: dict[str, str] = {
    "text-classifier": "affectkit.text.model:TextModelAnalyzer.from_pretrained",
    "text-ngram-linear": "affectkit.text.ngrams:NgramAnalyzer.from_pretrained",
    "text-ensemble": "affectkit.text.ensemble:EnsembleAnalyzer.from_pretrained",
}


def load_folder(path: Path, **kwargs) -> Analyzer:
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"Cannot read {path / 'config.json'}: {exc}") from None
    kind = config.get("affectkit_kind")
    if kind not in FOLDER_KINDS:
        raise ModelLoadError(
            f"{path} is not an affectkit model folder: config.json has affectkit_kind={kind!r}, "
            f"expected one of {sorted(FOLDER_KINDS)}."
        )
    module, _, attr = FOLDER_KINDS[kind].partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj(path, **kwargs)


_builtins_loaded = False


def _ensure_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        _builtins_loaded = True
        importlib.import_module("affectkit.models")
