"""``GET /v1/items``, ``DELETE /v1/items/{id}``: analyses stored with ``store: true``."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from affectkit.serving.deps import caller, key_id, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import DeletedResponse, ItemsResponse
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter(tags=["items"], responses=responses(401, 422, 429))


@router.get("/v1/items", responses={200: {"model": ItemsResponse}})
async def list_items(
    limit: int = 100,
    offset: int = 0,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit = max(1, min(limit, 1000))
    offset = min(max(0, offset), 2**62)  # SQLite integers are 64-bit
    return {"results": svc.store.list_items(key_id(key), limit, offset)}


@router.delete("/v1/items/{item_id}", responses={200: {"model": DeletedResponse}, **responses(404)})
async def delete_item(
    item_id: str, key: ApiKey | None = Depends(caller), svc: Service = Depends(service)
):
    if not svc.store.delete_item(key_id(key), item_id):
        raise ApiError(404, "not_found", f"No stored item {item_id}.")
    return {"results": [{"id": item_id, "deleted": True}]}
