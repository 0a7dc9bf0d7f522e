"""The public façade: analyse text with the right analyzer for each input's language.

Kept thin on purpose: routing and model choice live here, the analysis lives in the modality
packages. Analyzers are loaded once per process and reused.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal

from affectkit import registry
from affectkit.errors import AffectError, InvalidInputError, ModelNotFoundError
from affectkit.registry import ModelSpec
from affectkit.results import FLAG_ERROR, FLAG_UNSUPPORTED, AffectResult, Analyzer
from affectkit.text.language import SUPPORTED, detect_language
from affectkit.text.preprocess import clean_text

# Which analyzer serves each language when no model is named: the first one registered wins,
# so trained models (added by later releases) take over and the lexicon stays the fallback.
DEFAULT_MODELS: dict[str, tuple[str, ...]] = {
    "en": ("text-sentiment-en", "lexicon-en"),
    "zh": ("text-sentiment-zh", "lexicon-zh"),
}

Errors = Literal["raise", "flag"]

_loaded: dict[str, Analyzer] = {}
_lock = threading.Lock()


def list_models() -> list[ModelSpec]:
    """Every registered model spec (nothing is loaded)."""
    return registry.list_models()


def get_analyzer(model: str, **model_options) -> Analyzer:
    """Load (once per process) the analyzer for a registry name or model-folder path.

    `model_options` (``backend="onnx"``, ``quantize``, ``cache_dir``, ``threads``) reach the
    loader of transformer models (model folders and registered models with a neural backend);
    rule-based analyzers take none and ignore them.
    """
    is_folder = registry.is_model_folder(model)
    key = model if is_folder else registry.get_spec(model).full_name
    neural = is_folder or registry.get_spec(model).backend != "python"
    options = {k: v for k, v in model_options.items() if v is not None} if neural else {}
    if options:
        key += "?" + "&".join(f"{k}={v}" for k, v in sorted(options.items()))
    with _lock:
        if key not in _loaded:
            _loaded[key] = registry.load(model, **options)
        return _loaded[key]


def default_model(language: str) -> str:
    """Registry name of the analyzer that serves `language` by default."""
    for name in DEFAULT_MODELS[language]:
        try:
            return registry.get_spec(name).full_name
        except ModelNotFoundError:
            continue
    raise ModelNotFoundError(f"No analyzer is registered for language {language!r}.")


def analyze(
    texts: Sequence[str | bytes],
    *,
    model: str = "auto",
    language: str = "auto",
    errors: Errors = "raise",
    model_options: dict | None = None,
    explain: bool = False,
) -> list[AffectResult]:
    """Analyse a batch of texts; one result per input, in order.

    - `model`: ``"auto"`` routes each text by language to the default analyzer; a registry name
      (``"lexicon-en"``, ``"lexicon-en@1"``) or a model-folder path sends every text to it.
    - `language`: ``"auto"`` detects each text's dominant script; ``"en"``/``"zh"`` forces it.
    - `errors`: ``"raise"`` raises `InvalidInputError` naming the first bad item; ``"flag"``
      returns a result with label ``"error"`` and ``raw["error"]`` for it and goes on.
    - `model_options`: loader options for transformer models (``backend``, ``cache_dir``...).
    - `explain`: ask transformer models for token evidence (occlusion; slower). Lexicon
      analyzers always return their word evidence.

    Text in a language no analyzer covers gets a result flagged ``unsupported``, never a guess.
    """
    if isinstance(texts, (str, bytes)):
        raise InvalidInputError(
            "Expected a sequence of texts, got a single "
            f"{type(texts).__name__}. Use analyze_one(text) or analyze([text])."
        )
    if language != "auto" and language not in SUPPORTED:
        raise InvalidInputError(
            f"language must be 'auto' or one of {list(SUPPORTED)}, got {language!r}."
        )
    if errors not in ("raise", "flag"):
        raise InvalidInputError(f"errors must be 'raise' or 'flag', got {errors!r}.")

    results: list[AffectResult | None] = [None] * len(texts)
    groups: dict[str, list[int]] = {}  # model name -> indices
    cleaned: list[str] = [""] * len(texts)
    options = model_options or {}
    fixed = None if model == "auto" else get_analyzer(model, **options)
    for i, raw_text in enumerate(texts):
        try:
            text = clean_text(raw_text, i)
        except InvalidInputError as exc:
            if errors == "raise":
                raise
            results[i] = _error_result(str(exc), model)
            continue
        cleaned[i] = text
        lang = language if language != "auto" else detect_language(text)
        if fixed is not None:
            langs = fixed.languages
            if "*" in langs or lang in langs or language != "auto":
                groups.setdefault(fixed.name, []).append(i)
            else:
                results[i] = _unsupported_result(fixed.name, lang, f"{fixed.name} covers {langs}")
        elif lang in SUPPORTED:
            groups.setdefault(default_model(lang), []).append(i)
        else:
            results[i] = _unsupported_result("auto", lang, "no analyzer for this script")

    for name, idx in groups.items():
        analyzer = fixed if fixed is not None else get_analyzer(name, **options)
        try:
            batch = [cleaned[i] for i in idx]
            if explain and _accepts_explain(analyzer):
                out = analyzer.analyze(batch, explain=True)
            else:
                out = analyzer.analyze(batch)
        except AffectError as exc:
            if errors == "raise":
                raise
            out = [_error_result(str(exc), name)] * len(idx)
        for i, r in zip(idx, out):
            results[i] = r
    return results  # type: ignore[return-value]


def _accepts_explain(analyzer: Analyzer) -> bool:
    import inspect

    try:
        return "explain" in inspect.signature(analyzer.analyze).parameters
    except (TypeError, ValueError):
        return False


def analyze_one(text: str | bytes, **kwargs) -> AffectResult:
    """Analyse a single text (same keywords as `analyze`)."""
    return analyze([text], **kwargs)[0]


def _unsupported_result(model: str, language: str, why: str) -> AffectResult:
    return AffectResult(
        label="unsupported",
        confidence=0.0,
        model=model,
        uncertain=True,
        language=language,
        raw={"reason": why},
        flags=(FLAG_UNSUPPORTED,),
    )


def _error_result(message: str, model: str) -> AffectResult:
    return AffectResult(
        label="error",
        confidence=0.0,
        model=model,
        uncertain=True,
        raw={"error": message},
        flags=(FLAG_ERROR,),
    )
