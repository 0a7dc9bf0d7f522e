"""A registry of named, versioned analyzers: the plug-in point of every modality.

Names follow ``<modality>-<task>-<lang>@<version>`` (``lexicon-en@1``, ``text-sentiment-en@1``).
A name without ``@version`` resolves to the newest version; a path to a model folder (one with a
``config.json`` written by affectkit) works wherever a name does.

Three ways in, one line each:
- a `ModelSpec` passed to `register` (a loader as ``"module:callable"``, a callable, or the
  ``folder`` of a shipped model);
- a modality's catalog module, listed in `CATALOGS`, which registers its models when imported
  (``affectkit.text.catalog``; speech and vision add theirs);
- a third-party package's entry point in the ``affectkit.analyzers`` group, whose object is a
  `ModelSpec`, a list of them, or a function returning either (called with no arguments).

Catalogs and entry points are read on the first look-up, not at import. Loaders are referenced,
not imported, so listing the registry or using a lexicon never imports torch. A plug-in that
fails to load is left out and its error kept (`plugin_errors`), never a crash of affectkit.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from affectkit.errors import ModelLoadError, ModelNotFoundError
from affectkit.protocols import Analyzer

ENTRY_POINT_GROUP = "affectkit.analyzers"

# what a registry name looks like: ``lexicon-en``, ``text-sentiment-en@1``
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}(@[a-z0-9]{1,16})?", re.IGNORECASE)
NAME_HELP = (
    "A model is a registry name such as 'text-sentiment-en' or 'lexicon-en@1' (letters, digits, "
    "'.', '_' and '-', at most 64 characters, then an optional @version; `affectkit models` "
    "lists them) or the path of a model folder."
)

# Modules that register the built-in models of each modality when imported.
CATALOGS: list[str] = [
    "affectkit.text.catalog",
    "affectkit.speech.catalog",
    "affectkit.vision.catalog",
    "affectkit.fusion.catalog",
]

# The input kinds (`affectkit.inputs.KINDS`) each modality's analyzers take by default.
MODALITY_INPUTS: dict[str, tuple[str, ...]] = {
    "text": ("text",),
    "speech": ("audio",),
    "face": ("image", "video"),
    "vision": ("image", "video"),
}


@dataclass(frozen=True)
class ModelSpec:
    """What the registry knows about one analyzer without loading it.

    `loader` is ``"package.module:callable"`` (dots after the colon reach attributes, e.g.
    ``"pkg.mod:Class.from_pretrained"``) or a callable; either is called with the load options
    and returns an `Analyzer`. A spec with `folder` and no loader loads that model folder.
    `inputs` defaults to what the modality takes (`MODALITY_INPUTS`).
    """

    name: str  # without version, e.g. "lexicon-en"
    version: int
    modality: str
    task: str  # "sentiment", "emotion", "sentiment+emotion"
    languages: tuple[str, ...]
    labels: tuple[str, ...]
    loader: str | Callable[..., Analyzer] | None = None
    description: str = ""
    size: Callable[[], int] | None = field(default=None, compare=False)  # bytes on disk
    backend: str = "python"  # "python": takes no load options; else torch, onnx...
    folder: Path | None = None  # a model folder this spec loads (shipped models)
    inputs: tuple[str, ...] = ()
    source: str = "affectkit"  # the distribution that registered it

    def __post_init__(self) -> None:
        if "@" in self.name or not self.name:
            raise ValueError(f"A spec's name has no version suffix. Got {self.name!r} instead.")
        if self.loader is None and self.folder is None:
            raise ValueError(f"{self.name}: a spec needs a loader or a folder.")
        if not self.inputs:
            object.__setattr__(self, "inputs", MODALITY_INPUTS.get(self.modality, ()))

    @property
    def full_name(self) -> str:
        return f"{self.name}@{self.version}"

    def load(self, **options: Any) -> Analyzer:
        if self.loader is None:
            return load_folder(Path(self.folder), **options)  # type: ignore[arg-type]
        fn = resolve(self.loader) if isinstance(self.loader, str) else self.loader
        return fn(**options)

    def size_bytes(self) -> int | None:
        if self.size is not None:
            return self.size()
        if self.folder is not None:
            return sum(p.stat().st_size for p in Path(self.folder).rglob("*") if p.is_file())
        return None


def resolve(ref: str) -> Any:
    """The object ``"package.module:attr.attr"`` names (imported on call)."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


_REGISTRY: dict[str, dict[int, ModelSpec]] = {}
_DEFAULTS: dict[tuple[str, str], tuple[str, ...]] = {}
_FOLDER_KINDS: dict[str, str | Callable[..., Analyzer]] = {}
_FOLDER_INPUTS: dict[str, tuple[str, ...]] = {}
_PLUGIN_ERRORS: dict[str, str] = {}
_discovered = False  # set once discovery is complete: the lock-free fast path
_discovering = False  # True while the thread holding the lock imports the catalogs
_discovery_lock = threading.RLock()


def register(spec: ModelSpec) -> ModelSpec:
    """Add a spec; registering the same name and version twice with another spec is an error.

    The catalogs and plug-ins are read first, so a spec registered here meets them now.
    """
    _discover()
    versions = _REGISTRY.setdefault(spec.name, {})
    if spec.version in versions and versions[spec.version] != spec:
        raise ValueError(f"{spec.full_name} is already registered with a different spec.")
    versions[spec.version] = spec
    return spec


def register_folder_kind(
    kind: str, loader: str | Callable[..., Analyzer], inputs: tuple[str, ...] = ("text",)
) -> None:
    """Say which loader reads model folders whose config.json has ``affectkit_kind == kind``,
    and which input kinds such a model takes.

    The loader is called as ``loader(path, **options)``.
    """
    _FOLDER_KINDS[kind] = loader
    _FOLDER_INPUTS[kind] = tuple(inputs)


def takes(name: str) -> tuple[str, ...]:
    """The input kinds the model `name` (registry name or model folder) takes, unloaded."""
    _discover()  # the catalogs register the folder kinds
    if is_model_folder(name):
        try:
            kind = read_json_object(Path(name).expanduser() / "config.json").get("affectkit_kind")
        except ModelLoadError:
            return ()
        return _FOLDER_INPUTS.get(kind, ("text",)) if isinstance(kind, str) else ()
    return get_spec(name).inputs


def set_defaults(kind: str, language: str, names: Iterable[str]) -> None:
    """Which models serve inputs of `kind` in `language` (``"*"``: any) when none is named.

    The first of `names` that is registered wins, so a trained model can take over from a
    lexicon that stays the fallback. Set after the catalogs are read, so it overrides theirs.
    """
    _discover()
    _DEFAULTS[(kind, language)] = tuple(names)


def default_model(kind: str, language: str) -> str | None:
    """Registry name (with version) of the default model for `kind`/`language`, or None."""
    _discover()
    for key in ((kind, language), (kind, "*")):
        for name in _DEFAULTS.get(key, ()):
            versions = _REGISTRY.get(name.partition("@")[0])
            if versions:
                return get_spec(name).full_name
    return None


def defaults() -> dict[str, dict[str, str]]:
    """Every default in force: input kind -> language -> registry name (with version)."""
    _discover()
    out: dict[str, dict[str, str]] = {}
    for kind, language in _DEFAULTS:
        name = default_model(kind, language)
        if name is not None:
            out.setdefault(kind, {})[language] = name
    return out


def list_models() -> list[ModelSpec]:
    """Every registered spec, sorted by name then version."""
    _discover()
    return [s for name in sorted(_REGISTRY) for _, s in sorted(_REGISTRY[name].items())]


def plugin_errors() -> dict[str, str]:
    """Entry points or catalogs that failed to load: their name -> the error, one line."""
    _discover()
    return dict(_PLUGIN_ERRORS)


def _shown(name: str) -> str:
    """A name for a message: its repr, cut short when it is long."""
    return repr(name) if len(name) <= 80 else f"{name[:60]!r}… ({len(name):,} characters)"


def _looks_like_path(name: str) -> bool:
    return "/" in name or os.sep in name or name.startswith((".", "~"))


def _check_usable(name: Any) -> None:
    """Refuse what cannot name a model before the filesystem sees it: not a string, empty, or
    a path no filesystem takes (a NUL, a part over 255 bytes, over 4096 bytes in all)."""
    if not isinstance(name, str) or not name.strip():
        raise ModelNotFoundError(f"Got {name!r} as a model. {NAME_HELP}")
    raw = name.encode("utf-8", "surrogateescape")
    if b"\x00" in raw or len(raw) > 4096 or any(len(part) > 255 for part in raw.split(b"/")):
        raise ModelNotFoundError(
            f"{_shown(name)} is neither a model name nor a usable path. {NAME_HELP}"
        )


def get_spec(name: str) -> ModelSpec:
    """Resolve ``name`` or ``name@version`` to a spec (`ModelNotFoundError` when none)."""
    _check_usable(name)
    if _looks_like_path(name):
        raise ModelNotFoundError(
            f"{_shown(name)} looks like a path but has no config.json. Expected a model folder "
            f"written by `affectkit train` (config.json, weights, labels)."
        )
    if not NAME_PATTERN.fullmatch(name):
        raise ModelNotFoundError(f"{_shown(name)} is not a model name. {NAME_HELP}")
    _discover()
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
    """Whether `name` is the path of a folder with a config.json (never an OSError: a name
    no filesystem takes is no folder). A registered name is the registry's even when a folder
    of that name lies in the working directory: write ``./name`` for the folder."""
    if "/" not in name and not name.startswith((".", "~")):
        _discover()
        if name.partition("@")[0] in _REGISTRY:
            return False
    try:
        _check_usable(name)
        return (Path(name).expanduser() / "config.json").is_file()
    except (ModelNotFoundError, OSError, ValueError):
        return False


def load(name: str, **kwargs: Any) -> Analyzer:
    """Load an analyzer by registry name or model-folder path."""
    _check_usable(name)
    if is_model_folder(name):
        return load_folder(Path(name).expanduser(), **kwargs)
    return get_spec(name).load(**kwargs)


def read_json_object(path: Path, max_bytes: int = 16 * 2**20, kind: type = dict) -> Any:
    """The JSON object (or, with `kind` list, array) in a model folder's file (config.json...),
    or a `ModelLoadError` that names the file and what is wrong with it: unreadable, too large,
    not JSON, not an object."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ModelLoadError(
                f"{path} is {size:,} bytes, more than the {max_bytes:,} such a file holds; it is "
                f"not the file affectkit wrote. Copy the model folder again."
            )
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ModelLoadError(f"Cannot read {path}: {exc}") from None
    if not isinstance(data, kind):
        want = "an object ({...})" if kind is dict else "an array ([...])"
        names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
        got = names.get(type(data), "number")
        raise ModelLoadError(
            f"{path} holds a JSON {got}, not {want}: it is not the file affectkit wrote. Copy "
            f"the model folder again."
        )
    return data


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` (resolved, symlinks followed) lies inside `folder`."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def load_folder(path: Path, **kwargs: Any) -> Analyzer:
    """Load a model folder with the loader of its ``affectkit_kind``."""
    _discover()
    config = read_json_object(path / "config.json")
    kind = config.get("affectkit_kind")
    if not isinstance(kind, str) or kind not in _FOLDER_KINDS:
        raise ModelLoadError(
            f"{path} is not an affectkit model folder: config.json has affectkit_kind={kind!r}, "
            f"expected one of {sorted(_FOLDER_KINDS)}."
        )
    loader = _FOLDER_KINDS[kind]
    fn = resolve(loader) if isinstance(loader, str) else loader
    return fn(path, **kwargs)


def folder_kinds() -> list[str]:
    _discover()
    return sorted(_FOLDER_KINDS)


def _discover() -> None:
    """Import the catalogs and read the entry points, once per process.

    Other threads wait on the lock until discovery is complete (they never see a half-filled
    registry); the discovering thread itself re-enters through `register` and `set_defaults`
    and returns at once. A catalog or plug-in that fails is recorded in `plugin_errors`.
    """
    global _discovered, _discovering
    if _discovered:
        return
    with _discovery_lock:
        if _discovered or _discovering:
            return
        _discovering = True
        try:
            for module in CATALOGS:
                try:
                    importlib.import_module(module)
                except Exception as exc:
                    _PLUGIN_ERRORS[f"catalog {module}"] = f"{type(exc).__name__}: {exc}"
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                try:
                    _register_entry_point(ep)
                except Exception as exc:  # a broken plug-in must not break affectkit
                    _PLUGIN_ERRORS[f"{ep.name} ({ep.value})"] = f"{type(exc).__name__}: {exc}"
        finally:
            _discovering = False
            _discovered = True


def _register_entry_point(ep: metadata.EntryPoint) -> None:
    obj = ep.load()
    if callable(obj) and not isinstance(obj, ModelSpec):
        obj = obj()
    specs = [obj] if isinstance(obj, ModelSpec) else list(obj or ())
    dist = getattr(getattr(ep, "dist", None), "name", None) or ep.name
    for spec in specs:
        if not isinstance(spec, ModelSpec):
            raise TypeError(
                f"entry point {ep.name!r} gave {type(spec).__name__}; expected ModelSpec(s)."
            )
        if spec.source == "affectkit":
            spec = ModelSpec(**{**_fields(spec), "source": dist})
        register(spec)


def _fields(spec: ModelSpec) -> dict[str, Any]:
    return {f: getattr(spec, f) for f in spec.__dataclass_fields__}
