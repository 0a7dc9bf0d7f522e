"""The public façade: send each input to the right analyzer, nothing more.

Kept thin on purpose. Each input's kind (text, audio, image, video) picks its modality; the
modality's router says what the analyzer is given and in which language (for text,
`affectkit.text.route` cleans the text and detects its script); the registry says which model
serves that kind and language by default. Analyzers are loaded once per process and reused.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import Any, Literal

from affectkit import deadline, registry
from affectkit.errors import AffectError, DeadlineExceeded, InvalidInputError, ModelNotFoundError
from affectkit.inputs import Input
from affectkit.protocols import Analyzer
from affectkit.registry import MODALITY_INPUTS, ModelSpec
from affectkit.results import AffectResult, error_result, unsupported_result

Errors = Literal["raise", "flag"]

# What each input kind's router turns one input into: (what the analyzer is given, language).
# Text is cleaned and routed by script; media inputs go as they are, language-independent.
Router = Callable[[Any, int, str], tuple[Any, str]]
ROUTERS: dict[str, str] = {"text": "affectkit.text.route:route"}

# Load options only the models of some input kinds take (the others never see them).
KIND_OPTIONS: dict[str, tuple[str, ...]] = {
    "max_audio_seconds": ("audio", "video"),
    "speakers": ("audio", "video"),
    "max_video_seconds": ("video",),
    "max_image_pixels": ("image",),
    "fps": ("video",),
    "smooth": ("video",),
}

_loaded: dict[str, Analyzer] = {}
_lock = threading.Lock()


def list_models() -> list[ModelSpec]:
    """Every registered model spec (nothing is loaded)."""
    return registry.list_models()


def get_analyzer(model: str, **model_options: Any) -> Analyzer:
    """Load (once per process) the analyzer for a registry name or model-folder path.

    `model_options` (``backend="onnx"``, ``quantize``, ``cache_dir``, ``threads``) reach the
    loader of models with a neural backend (model folders, registered models whose backend is
    not ``"python"``); rule-based analyzers take none and ignore them. Options of one input
    kind (`KIND_OPTIONS`: ``max_audio_seconds``) reach only models taking that kind.
    """
    is_folder = registry.is_model_folder(model)
    key = model if is_folder else registry.get_spec(model).full_name
    neural = is_folder or registry.get_spec(model).backend != "python"
    options = {k: v for k, v in model_options.items() if v is not None} if neural else {}
    if any(k in KIND_OPTIONS for k in options):
        takes = set(registry.takes(model))
        options = {k: v for k, v in options.items() if takes & set(KIND_OPTIONS.get(k, takes))}
    if options:
        key += "?" + "&".join(f"{k}={v}" for k, v in sorted(options.items()))
    with _lock:
        if key not in _loaded:
            _loaded[key] = registry.load(model, **options)
        return _loaded[key]


def default_model(language: str, kind: str = "text") -> str:
    """Registry name of the analyzer that serves `kind` inputs in `language` by default."""
    name = registry.default_model(kind, language)
    if name is None:
        raise ModelNotFoundError(f"No analyzer is registered for {kind} in language {language!r}.")
    return name


def languages() -> tuple[str, ...]:
    """Every language some registered model covers (what ``language=`` accepts)."""
    return tuple(sorted({lang for s in list_models() for lang in s.languages if lang != "*"}))


def analyze(
    inputs: Sequence[str | bytes | Input],
    *,
    model: str = "auto",
    language: str = "auto",
    errors: Errors = "raise",
    model_options: dict | None = None,
    explain: bool = False,
) -> list[AffectResult]:
    """Analyse a batch of inputs; one result per input, in order.

    - `inputs`: texts (str, or UTF-8 bytes), or `affectkit.Input`s for audio, images and video.
    - `model`: ``"auto"`` sends each input to the default analyzer of its kind and language; a
      registry name (``"lexicon-en"``, ``"lexicon-en@1"``) or a model-folder path sends every
      input to it.
    - `language`: ``"auto"`` detects each text's dominant script; ``"en"``/``"zh"`` forces it.
    - `errors`: ``"raise"`` raises `InvalidInputError` naming the first bad item; ``"flag"``
      returns a result with label ``"error"`` and ``raw["error"]`` for it and goes on.
    - `model_options`: loader options for neural models (``backend``, ``cache_dir``...).
    - `explain`: ask for evidence that costs extra (token occlusion; slower). Lexicon
      analyzers always return their word evidence.

    An input no analyzer covers (a language, or a kind with no model yet) gets a result flagged
    ``unsupported``, never a guess. Work past the deadline of an `affectkit.deadline.scope`
    raises `DeadlineExceeded` whatever `errors` says: it is the caller's stop, not an input's.
    """
    if isinstance(inputs, (str, bytes, Input)):
        raise InvalidInputError(
            "Expected a sequence of inputs, got a single "
            f"{type(inputs).__name__}. Use analyze_one(x) or analyze([x])."
        )
    if language != "auto" and language not in languages():
        raise InvalidInputError(
            f"language must be 'auto' or one of {list(languages())}, got {language!r}."
        )
    if errors not in ("raise", "flag"):
        raise InvalidInputError(f"errors must be 'raise' or 'flag', got {errors!r}.")

    options = model_options or {}
    fixed = None if model == "auto" else get_analyzer(model, **options)
    results: list[AffectResult | None] = [None] * len(inputs)
    given: list[Any] = [None] * len(inputs)  # what each analyzer is given
    groups: dict[str, list[int]] = {}  # model name -> indices
    for i, value in enumerate(inputs):
        try:
            kind, given[i], lang = _route(value, i, language)
        except InvalidInputError as exc:
            if errors == "raise":
                raise
            results[i] = error_result(str(exc), model)
            continue
        if fixed is not None:
            name, why = _fits(fixed, kind, lang, forced=language != "auto")
        else:
            name = registry.default_model(kind, lang)
            why = _no_default(kind, lang)
        if name is None:
            if fixed is not None and kind != "text" and errors == "raise":
                raise InvalidInputError(f"Item {i}: {why}.")
            modality = next((m for m, kinds in MODALITY_INPUTS.items() if kind in kinds), kind)
            results[i] = unsupported_result(fixed.name if fixed else model, lang, why, modality)
        else:
            groups.setdefault(name, []).append(i)

    for name, idx in groups.items():
        deadline.check()
        analyzer = fixed if fixed is not None else get_analyzer(name, **options)
        batch = [given[i] for i in idx]
        try:
            out = analyzer.analyze(batch, explain=explain)
        except DeadlineExceeded:
            raise
        except AffectError as exc:
            if errors == "raise":
                raise
            out = [error_result(str(exc), name)] * len(idx)
        for i, r in zip(idx, out, strict=True):
            results[i] = r
    return results  # type: ignore[return-value]


def analyze_one(value: str | bytes | Input, **kwargs: Any) -> AffectResult:
    """Analyse a single input (same keywords as `analyze`)."""
    return analyze([value], **kwargs)[0]


def check_inputs(inputs: Sequence[str | bytes | Input], language: str = "auto") -> None:
    """Raise `InvalidInputError` naming the first input no analyzer could read (as `analyze`
    with ``errors="raise"`` would), without analysing anything."""
    for i, value in enumerate(inputs):
        _route(value, i, language)


def warm_up(model: str, **model_options: Any) -> Analyzer:
    """Load a model and run it once on a tiny input of its kind, so the first request is fast."""
    analyzer = get_analyzer(model, **model_options)
    if hasattr(analyzer, "load"):
        analyzer.load()
    takes = getattr(analyzer, "inputs", None) or MODALITY_INPUTS.get(analyzer.modality, ())
    if "text" in takes:
        from affectkit.text.route import sample_text

        analyzer.analyze([sample_text(analyzer.languages)])
    return analyzer


@functools.cache
def _router(ref: str) -> Router:
    """A router function by reference, imported once (it runs for every input)."""
    return registry.resolve(ref)


def _route(value: Any, index: int, language: str) -> tuple[str, Any, str]:
    """(kind, what the analyzer is given, language) of one input."""
    if isinstance(value, Input):
        kind, payload = value.kind, value.text if value.kind == "text" else value
    else:
        kind, payload = "text", value  # the text router says what is wrong with a non-text
    if kind in ROUTERS:
        payload, lang = _router(ROUTERS[kind])(payload, index, language)
        return kind, payload, lang
    return kind, payload, language if language != "auto" else "*"


def _no_default(kind: str, lang: str) -> str:
    """Why no default analyzer serves an input of `kind` in language `lang`."""
    if kind != "text":
        return f"no {kind} analyzer"
    if lang in ("unsupported", "*"):  # a script the router knows no language of
        return "no analyzer for this script"
    covered = ", ".join(languages())
    return f"no text analyzer for language {lang!r} (text is read in {covered})"


def _fits(analyzer: Analyzer, kind: str, lang: str, forced: bool) -> tuple[str | None, str]:
    """The analyzer's name if it takes this input, else None and why not."""
    takes = getattr(analyzer, "inputs", None) or MODALITY_INPUTS.get(analyzer.modality, ())
    if kind not in takes:
        return None, f"{analyzer.name} takes {'/'.join(takes) or 'no'} inputs, not {kind}"
    langs = analyzer.languages
    if "*" in langs or lang in langs or forced or lang == "*":
        return analyzer.name, ""
    return None, f"{analyzer.name} covers {langs}"
