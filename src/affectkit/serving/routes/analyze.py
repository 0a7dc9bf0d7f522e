"""``POST /v1/analyze``: one text, a batch of texts, or a batch of inputs of any kind."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends

from affectkit import api
from affectkit.inputs import Input
from affectkit.serving.deps import caller, check_model_language, key_id, service
from affectkit.serving.errors import ApiError
from affectkit.serving.schemas import AnalyzeRequest
from affectkit.serving.settings import ServeSettings
from affectkit.serving.state import Service
from affectkit.storage import ApiKey

router = APIRouter(tags=["analyze"])


def _inputs(body: AnalyzeRequest, settings: ServeSettings) -> list[str | Input]:
    """The request's inputs, checked against the limits and readable by an analyzer."""
    given = [body.text is not None, body.texts is not None, body.inputs is not None]
    if sum(given) != 1:
        raise ApiError(422, "invalid_request", "Give exactly one of `text`, `texts` or `inputs`.")
    if body.inputs is not None:
        inputs: list[str | Input] = [item.to_input(i) for i, item in enumerate(body.inputs)]
    else:
        inputs = [body.text] if body.text is not None else list(body.texts or ())
    if not inputs:
        raise ApiError(422, "invalid_request", "`texts` is empty.")
    if len(inputs) > settings.max_texts:
        raise ApiError(
            413,
            "too_many_texts",
            f"At most {settings.max_texts} inputs per request; send more with POST /v1/jobs.",
        )
    for i, value in enumerate(inputs):
        text = value.text if isinstance(value, Input) else value
        if isinstance(text, str) and len(text) > settings.max_text_chars:
            raise ApiError(
                413,
                "text_too_long",
                f"Text {i} has {len(text):,} characters; the limit is {settings.max_text_chars:,}.",
            )
    api.check_inputs(inputs)  # what a model can read and the store can keep, else a 422
    return inputs


@router.post("/v1/analyze")
async def analyze(
    body: AnalyzeRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    inputs = _inputs(body, svc.settings)
    check_model_language(body.model, body.language)
    try:
        results = await asyncio.wait_for(
            svc.batcher.submit((body.model, body.language, body.explain), inputs),
            svc.settings.request_timeout_s,
        )
    except TimeoutError:
        limit = svc.settings.request_timeout_s
        raise ApiError(504, "timeout", f"The analysis took longer than {limit:g}s.") from None
    out = [r.to_dict() for r in results]
    if body.store:
        ids = svc.store.add_items(key_id(key), list(zip(inputs, out, strict=True)))
        for d, i in zip(out, ids, strict=True):
            d["id"] = i
    return {"results": out}
