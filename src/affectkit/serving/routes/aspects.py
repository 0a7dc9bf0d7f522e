"""Aspect-based sentiment (`affectkit.aspects`) and the review report built on it
(`affectkit.reviews`). Nothing is stored.

- ``POST /v1/aspects``: ``{"texts": [str]}`` or ``{"items": [{"id"?, "text", "aspects"?:
  [{"term", "from", "to"}]}]}``, with ``"model"?`` and ``"evidence"?``; answers one
  ``TextAspects.to_dict()`` per text, in order: its aspects (extracted, or the given ones in
  their order), each with polarity, confidence and evidence words. At most
  `ServeSettings.max_texts` texts, each at most `ServeSettings.max_text_chars` characters
  (and the aspect model's 20,000).
- ``POST /v1/reviews/report``: ``{"rows": [{...}], "text_col", "time_col"?, "group_col"?,
  "id_col"?, "top_groups"?, "top_aspects"?, "model"?}``; analyses each row's text and answers
  the report (per group its top aspects with counts, evidence words and examples; valence over
  time; the rows skipped and why). At most `ServeSettings.max_events` rows, each text at most
  `ServeSettings.max_text_chars` characters.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Depends

from affectkit.aspects.types import MAX_TEXT_CHARS, check_terms
from affectkit.errors import InvalidInputError
from affectkit.reviews import analysable, build_report
from affectkit.serving.deps import caller, check_model_language, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import (
    AspectItem,
    AspectsRequest,
    ResultsResponse,
    ReviewReportRequest,
)
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter(tags=["aspects"], responses=responses(401, 422, 429))

DEFAULT_MODEL = "aspect-sentiment"  # the analyzer resolves it; other names must be registered


def _analyze(texts: list[str], given, model: str, evidence: bool) -> list:
    # imported here: `affectkit.aspects.analyze_aspects` loads torch on first use
    from affectkit import aspects

    return aspects.analyze_aspects(texts, given=given, model=model, evidence=evidence)


def _check_model(model: str) -> None:
    """A 404 for a name that is no registered model (folders stay private, as everywhere)."""
    if model != DEFAULT_MODEL:
        check_model_language(model, "auto")


def _check_text(what: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise ApiError(
            413, "text_too_long", f"{what} has {len(text):,} characters; the limit is {limit:,}."
        )


def given_spans(i: int, item: AspectItem) -> list[tuple[int, int]] | None:
    """The item's given aspects as (from, to) spans, in order; a 422 naming the item and the
    aspect when one is not at its span (`affectkit.aspects.types.check_terms`)."""
    if item.aspects is None:
        return None
    try:
        return check_terms(item.text, [a.model_dump(by_alias=True) for a in item.aspects])
    except InvalidInputError as exc:
        raise ApiError(422, "invalid_request", f"Item {i}, {exc}.") from None


@router.post("/v1/aspects", response_model=ResultsResponse, responses=responses(400, 404, 413))
async def post_aspects(
    body: AspectsRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit, chars = svc.settings.max_texts, min(svc.settings.max_text_chars, MAX_TEXT_CHARS)
    if (body.texts is None) == (body.items is None):
        raise ApiError(422, "invalid_request", "Give exactly one of `texts` or `items`.")
    items = body.items if body.items is not None else [AspectItem(text=t) for t in body.texts or ()]
    if not items:
        raise ApiError(422, "invalid_request", "The list of texts is empty.")
    if len(items) > limit:
        raise ApiError(413, "too_many_texts", f"At most {limit} texts per request.")
    for i, item in enumerate(items):
        _check_text(f"Text {i}", item.text, chars)
        if not item.text.strip():
            raise ApiError(422, "invalid_request", f"Text {i} is empty.")
    given = [given_spans(i, item) for i, item in enumerate(items)]
    _check_model(body.model)
    results = await asyncio.to_thread(
        _analyze,
        [item.text for item in items],
        given if any(g is not None for g in given) else None,
        body.model,
        body.evidence,
    )
    return {
        "results": [
            (replace(r, id=item.id) if item.id is not None else r).to_dict()
            for r, item in zip(results, items, strict=True)
        ]
    }


@router.post("/v1/reviews/report", responses=responses(400, 404, 413))
async def post_report(
    body: ReviewReportRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit, chars = svc.settings.max_events, min(svc.settings.max_text_chars, MAX_TEXT_CHARS)
    rows = body.rows
    if not rows:
        raise ApiError(422, "invalid_request", "The list of rows is empty.")
    if len(rows) > limit:
        raise ApiError(413, "too_many_rows", f"At most {limit} rows per request.")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    for name in ("text_col", "time_col", "group_col", "id_col"):
        col = getattr(body, name)
        if col is not None and col not in columns:
            shown = columns if len(columns) <= 30 else [*columns[:30], "..."]
            raise ApiError(
                422, "invalid_request", f"No row has the column {col[:100]!r} given as "
                f"`{name}`; the rows' columns are {shown}."
            )  # fmt: skip
    for i, row in enumerate(rows):
        text = row.get(body.text_col)
        if isinstance(text, str):
            _check_text(f"Row {i + 1}'s text", text, chars)
    _check_model(body.model)
    return await asyncio.to_thread(_report, rows, body)


def _report(rows: list[dict[str, Any]], body: ReviewReportRequest) -> dict[str, Any]:
    """Analyse the rows that have a text (the others are the report's skipped rows) and build
    the report."""
    todo = analysable(rows, body.text_col)
    found = _analyze([rows[i][body.text_col] for i in todo], None, body.model, True) if todo else []
    results: list[Any] = [None] * len(rows)
    for i, r in zip(todo, found, strict=True):
        results[i] = r
    return build_report(
        rows,
        results,
        text_col=body.text_col,
        time_col=body.time_col,
        group_col=body.group_col,
        id_col=body.id_col,
        top_n_groups=body.top_groups,
        top_n_aspects=body.top_aspects,
    )
