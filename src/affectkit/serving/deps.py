"""Route dependencies: the shared `Service`, the caller's API key (and its rate limit), and
the checks of a model and language named in a request.

`authenticate` runs in the ASGI middleware (`affectkit.serving.middleware.Guard`) before any
of the body is read; `caller` hands the routes the key it found.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import Request

from affectkit import api, registry
from affectkit.serving.errors import ApiError
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

MAX_MODEL_NAME = 128  # registry names are short; anything longer is no model
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*(@[0-9]+)?")
SCOPE_KEY = "affectkit.api_key"  # where the Guard leaves the caller's key in the ASGI scope


def service(request: Request) -> Service:
    return request.app.state.service


def _token(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    return token or headers.get("x-api-key")


async def caller(request: Request) -> ApiKey | None:
    """The request's API key, as the Guard checked it before reading the body (or checked now,
    for an app that runs without the Guard)."""
    if SCOPE_KEY in request.scope:
        return request.scope[SCOPE_KEY]
    return authenticate(service(request), request.headers)


def authenticate(svc: Service, headers: Mapping[str, str]) -> ApiKey | None:
    """The request's API key: 401 when unknown or revoked, or missing where keys are required;
    429 when its rate limit is spent."""
    token = _token(headers)
    key = svc.store.find_key(token) if token else None
    if token and key is None:
        raise ApiError(401, "invalid_key", "The API key is unknown or revoked.")
    if key is None and svc.settings.keys_required:
        raise ApiError(
            401,
            "key_required",
            "This service needs an API key: send 'Authorization: Bearer <key>' (create one with "
            "`affectkit keys create`).",
        )
    rate = key.rate_per_min if key is not None else None
    if key is not None and rate:
        wait = svc.limiter.allow(key.id, rate)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"Rate limit of {rate}/min reached; retry in {wait:.1f}s.",
                {"Retry-After": str(int(wait) + 1)},
            )
    return key


def key_id(key: ApiKey | None) -> str | None:
    return key.id if key else None


def check_model_language(model: str, language: str) -> None:
    """A 404 for a model that is not a registry name (folders stay private; a name that
    cannot be one is not looked up), a 422 for a language no registered model covers."""
    langs = api.languages()
    if language != "auto" and language not in langs:
        raise ApiError(
            422, "invalid_request", f"language must be auto or one of {', '.join(langs)}."
        )
    if model != "auto":
        if len(model) > MAX_MODEL_NAME or not _MODEL_NAME.fullmatch(model):
            raise ApiError(
                404,
                "model_not_found",
                f"No model {model[:40]!r}{'...' if len(model) > 40 else ''}: models are chosen "
                f"by registry name (see GET /v1/models).",
            )
        if registry.is_model_folder(model):
            raise ApiError(404, "model_not_found", "Models are chosen by registry name.")
        registry.get_spec(model)  # ModelNotFoundError -> 404
