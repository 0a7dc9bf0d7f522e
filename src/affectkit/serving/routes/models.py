"""``GET /v1/models``, ``GET /healthz``, ``GET /metrics`` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from affectkit import __version__, registry
from affectkit.serving.deps import caller, service
from affectkit.serving.schemas import spec_dict
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter()


@router.get("/v1/models", tags=["models"])
async def models(key: ApiKey | None = Depends(caller)):
    defaults = registry.defaults()
    return {
        "results": [spec_dict(s) for s in registry.list_models()],
        "defaults": defaults.get("text", {}),  # language -> model, for text (as in version 1)
        "defaults_by_kind": defaults,
    }


@router.get("/healthz", tags=["service"])
async def healthz(svc: Service = Depends(service)):
    return {"status": "ok", "version": __version__, "models_loaded": svc.loaded}


@router.get("/metrics", tags=["service"], response_class=PlainTextResponse)
async def prometheus(request: Request, svc: Service = Depends(service)):
    if svc.settings.keys_required:
        await caller(request)
    return PlainTextResponse(svc.metrics.render(), media_type="text/plain; version=0.0.4")
