"""Mood trends (`affectkit.mood`): journal entries in, each person's trend out, a person
deleted with everything of theirs.

- ``POST /v1/mood/entries``: ``{"entries": [{"person", "time", "text", "id"?}], "model"?}``;
  answers per entry ``stored``, ``duplicate`` or ``rejected`` with a reason (a bad date is that
  entry's rejection, the rest are stored). At most `ServeSettings.max_events` entries.
- ``GET /v1/mood/people``: every person's summary.
- ``GET /v1/mood/people/{person}``: the summary, the daily series and the notices. The trend
  settings (`affectkit.mood.MoodSettings`) can be given as query parameters.
- ``DELETE /v1/mood/people/{person}``: every stored entry of that person.

A person's name may hold any character (a ``/`` too, sent as ``%2F``).
People are the service's, not a key's: every key may read and delete every person.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends

from affectkit.mood import BadEntry, MoodSettings, MoodTracker, make_entry
from affectkit.serving.deps import caller, check_model_language, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import MoodEntriesRequest
from affectkit.serving.state import Service, analysis_options
from affectkit.storage import ApiKey

router = APIRouter(tags=["mood"], responses=responses(401, 422, 429))


def _tracker(svc: Service, model: str = "auto") -> MoodTracker:
    return MoodTracker(svc.store, model=model, model_options=analysis_options(svc.settings))


def _settings(window_days, min_history_days, k, min_spread, consecutive_days, max_gap_days):
    given = {"window_days": window_days, "min_history_days": min_history_days, "k": k,
             "min_spread": min_spread, "consecutive_days": consecutive_days,
             "max_gap_days": max_gap_days}  # fmt: skip
    return MoodSettings(**{n: v for n, v in given.items() if v is not None})


@router.post("/v1/mood/entries", responses=responses(400, 404, 413, 507))
async def post_entries(
    body: MoodEntriesRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit = svc.settings.max_events
    if not body.entries:
        raise ApiError(422, "invalid_request", "The list of entries is empty.")
    if len(body.entries) > limit:
        raise ApiError(413, "too_many_entries", f"At most {limit} entries per request.")
    check_model_language(body.model, "auto")
    results: list[dict] = []
    good, where = [], []
    for i, e in enumerate(body.entries):
        try:
            good.append(make_entry(e.person, e.time, e.text, e.id))
            where.append(i)
            results.append({})
        except BadEntry as exc:
            results.append({"index": i, "id": e.id, "person": e.person, "status": "rejected",
                            "reason": str(exc)})  # fmt: skip
    if good:
        done = await asyncio.to_thread(_tracker(svc, body.model).add, good)
        for i, status in zip(where, done.entries, strict=True):
            results[i] = {**status, "index": i}
    return {
        "results": results,
        "stored": sum(r["status"] == "stored" for r in results),
        "duplicates": sum(r["status"] == "duplicate" for r in results),
        "rejected": sum(r["status"] == "rejected" for r in results),
    }


@router.get("/v1/mood/people")
async def list_people(key: ApiKey | None = Depends(caller), svc: Service = Depends(service)):
    return {"results": await asyncio.to_thread(_tracker(svc).people)}


@router.get("/v1/mood/people/{person:path}", responses=responses(404))
async def get_person(
    person: str,
    window_days: int | None = None,
    min_history_days: int | None = None,
    k: float | None = None,
    min_spread: float | None = None,
    consecutive_days: int | None = None,
    max_gap_days: int | None = None,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    s = _settings(window_days, min_history_days, k, min_spread, consecutive_days, max_gap_days)
    found = await asyncio.to_thread(_tracker(svc).person, person, s)
    if found is None:
        raise ApiError(404, "not_found", f"No entries of {person[:100]!r}.")
    return {"results": [found]}


@router.delete("/v1/mood/people/{person:path}", responses=responses(404, 507))
async def delete_person(
    person: str, key: ApiKey | None = Depends(caller), svc: Service = Depends(service)
):
    n = await asyncio.to_thread(_tracker(svc).delete, person)
    if not n:
        raise ApiError(404, "not_found", f"No entries of {person[:100]!r}.")
    return {"results": [{"person": person, "deleted": n}]}
