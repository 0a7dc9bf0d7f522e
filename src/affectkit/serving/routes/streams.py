"""Monitoring: events in, windows, events of a window, alerts, and each stream's rules.

- ``POST /v1/streams/{name}/events``: one event or a list of them (`affectkit.monitor.events`);
  answers per event ``stored``, ``duplicate`` or ``rejected`` with a reason, once the stored ones
  are in the database. At most `ServeSettings.max_ingestions` batches are ingested at once;
  past that the answer is 429 with ``Retry-After`` and nothing of the batch is kept.
- ``GET /v1/streams``; ``GET /v1/streams/{name}/windows?width=300&since=...&until=...``;
  ``GET /v1/streams/{name}/events?window_start=...&width=300``;
  ``PUT /v1/streams/{name}/rules`` (``{"rules": [...]}``, `affectkit.monitor.rules`);
  ``GET /v1/alerts?stream=...``.
- ``GET /v1/live?stream=...&width=300&since=...``: server-sent events (`affectkit.serving.live`)
  with the stream's windows as they change and every new alert, for the dashboard. It takes the
  API key in the headers like every route (the page reads it with ``fetch``, not
  ``EventSource``, which cannot send headers; a key in the URL would land in access logs). At
  most `ServeSettings.max_live_connections` at once, past that 429.

Times in queries are epoch seconds or ISO-8601 with an offset. Streams are the service's, not
a key's: every key may read and feed every stream.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from affectkit.monitor import check_stream_name, parse_time
from affectkit.monitor.events import BadEvent
from affectkit.serving.deps import caller, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.live import KEEP_WINDOWS, LiveResponse
from affectkit.serving.schemas import window_view
from affectkit.serving.state import Service
from affectkit.storage import ApiKey
from affectkit.storage.streams import window_start

router = APIRouter(tags=["monitoring"], responses=responses(401, 422, 429))

RETRY_AFTER_S = 1


def _time(name: str, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except BadEvent as exc:
        raise ApiError(422, "invalid_request", f"{name}: {exc}.") from None


def _stream(svc: Service, name: str) -> str:
    check_stream_name(name)
    if svc.store.streams.get_config(name) is None:
        raise ApiError(404, "not_found", f"No stream {name}.")
    return name


@router.post("/v1/streams/{name}/events", responses=responses(400, 413, 507))
async def post_events(
    name: str,
    body: Annotated[dict[str, Any] | list[Any], Body()],
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    check_stream_name(name)
    events = body if isinstance(body, list) else [body]
    limit = svc.settings.max_events
    if not events:
        raise ApiError(422, "invalid_request", "The list of events is empty.")
    if len(events) > limit:
        raise ApiError(413, "too_many_events", f"At most {limit} events per request.")
    if svc.ingesting >= svc.settings.max_ingestions:
        raise ApiError(
            429,
            "busy",
            f"{svc.ingesting} batches are being ingested; retry in {RETRY_AFTER_S}s.",
            {"Retry-After": str(RETRY_AFTER_S)},
        )
    svc.ingesting += 1  # on the event loop: no lock needed
    try:
        done = await asyncio.to_thread(svc.monitor.ingest, name, events)
    finally:
        svc.ingesting -= 1
    if done.count("stored"):
        svc.live.changed(name)
    return {
        "results": done.events,
        "stored": done.count("stored"),
        "duplicates": done.count("duplicate"),
        "rejected": done.count("rejected"),
        "alerts": [a["id"] for a in done.alerts],
    }


@router.get("/v1/streams")
async def list_streams(key: ApiKey | None = Depends(caller), svc: Service = Depends(service)):
    return {"results": await asyncio.to_thread(svc.store.streams.list_streams)}


@router.get("/v1/streams/{name}/windows", responses=responses(404))
async def list_windows(
    name: str,
    width: int = 300,
    since: str | None = None,
    until: str | None = None,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    _stream(svc, name)
    _width(svc, width)
    rows = await asyncio.to_thread(
        svc.store.streams.windows, name, width, _time("since", since), _time("until", until)
    )
    return {"results": [window_view(w) for w in rows]}


@router.get("/v1/streams/{name}/events", responses=responses(404))
async def list_events(
    name: str,
    window_start: str,
    width: int = 300,
    limit: int = 1000,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    _stream(svc, name)
    start = _time("window_start", window_start)
    if width < 1:
        raise ApiError(422, "invalid_request", "width must be a positive number of seconds.")
    limit = max(1, min(limit, 10_000))
    rows = await asyncio.to_thread(svc.store.streams.events, name, start, start + width, limit)
    return {"results": rows}


@router.put("/v1/streams/{name}/rules", responses=responses(400, 507))
async def put_rules(
    name: str,
    body: Annotated[dict[str, Any], Body()],
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    if set(body) != {"rules"}:
        raise ApiError(422, "invalid_request", 'Send {"rules": [...]}: a list of rules.')
    rules = await asyncio.to_thread(svc.monitor.set_rules, name, body["rules"])
    svc.live.changed(name)  # a new stream shows in the list
    return {"results": [r.to_dict() for r in rules]}


@router.get("/v1/alerts")
async def list_alerts(
    stream: str | None = None,
    limit: int = 100,
    since: str | None = None,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit = max(1, min(limit, 1000))
    rows = await asyncio.to_thread(svc.store.streams.alerts, stream, limit, _time("since", since))
    return {"results": rows}


def _width(svc: Service, width: int) -> int:
    if width not in svc.monitor.widths:
        widths = ", ".join(map(str, svc.monitor.widths))
        raise ApiError(422, "invalid_request", f"width must be one of {widths} seconds.")
    return width


@router.get(
    "/v1/live",
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: hello, windows, stream, alert, resync, bye.",
        },
        **responses(404, 503),
    },
)
async def live(
    stream: str | None = None,
    width: int = 300,
    since: str | None = None,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    """The windows of `stream` (of `width` seconds, from `since`; default: the latest
    240) as they change, and every new alert, until the client goes away."""
    if stream is not None:
        await asyncio.to_thread(_stream, svc, stream)
    _width(svc, width)
    start = _time("since", since)
    if start is None:
        start = window_start(time.time(), width) - (KEEP_WINDOWS - 1) * width
    sub = svc.live.subscribe(stream, width, start)  # the last step: its slot is freed by
    return LiveResponse(svc.live, sub, svc.settings.live_heartbeat_s)  # the response
