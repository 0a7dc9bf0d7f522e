"""``GET /v1/models``, ``GET /v1/models/{name}/card``, ``GET /healthz``, ``GET /metrics``
(Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from affectkit import __version__, registry
from affectkit.serving.deps import SCOPE_KEY, caller, check_model_language, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import HealthResponse, ModelsResponse, model_card, spec_dict
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter()


@router.get(
    "/v1/models",
    tags=["models"],
    responses={200: {"model": ModelsResponse}, **responses(401, 429)},
)
async def models(key: ApiKey | None = Depends(caller)):
    defaults = registry.defaults()
    return {
        "results": [spec_dict(s) for s in registry.list_models()],
        "defaults": defaults.get("text", {}),  # language -> model, for text (as in version 1)
        "defaults_by_kind": defaults,
    }


@router.get(
    "/v1/models/{name}/card",
    tags=["models"],
    responses={
        200: {"content": {"text/markdown": {"schema": {"type": "string"}}}},
        **responses(401, 404, 429),
    },
)
async def card(name: str, key: ApiKey | None = Depends(caller)):
    """A shipped model's card (Markdown): data, metrics, limits."""
    check_model_language(name, "auto")  # a registry name, or 404
    spec = registry.get_spec(name)
    path = model_card(spec)
    if path is None:
        raise ApiError(404, "not_found", f"{spec.full_name} has no model card.")
    text = path.read_text(encoding="utf-8")
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.head("/healthz", include_in_schema=False)  # what load balancers and monitors send
@router.get("/healthz", tags=["service"], responses={200: {"model": HealthResponse}})
async def healthz(request: Request, svc: Service = Depends(service)):
    """Liveness, public; the version and loaded models only where keys are not required or
    the request carries a valid one."""
    if svc.settings.keys_required and request.scope.get(SCOPE_KEY) is None:
        return {"status": "ok"}
    return {"status": "ok", "version": __version__, "models_loaded": svc.loaded}


@router.get(
    "/metrics",
    tags=["service"],
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **responses(401, 429),
    },
)
async def prometheus(key: ApiKey | None = Depends(caller), svc: Service = Depends(service)):
    return PlainTextResponse(svc.metrics.render(), media_type="text/plain; version=0.0.4")
