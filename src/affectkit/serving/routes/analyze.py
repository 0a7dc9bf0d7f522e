"""``POST /v1/analyze``: one text, a batch of texts, or a batch of inputs of any kind."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends

from affectkit import api
from affectkit.inputs import Input
from affectkit.serving.deps import caller, check_model_language, key_id, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import AnalyzeRequest, ResultsResponse
from affectkit.serving.settings import ServeSettings
from affectkit.serving.state import Service
from affectkit.storage import ApiKey
from affectkit.text.classifier import EXPLAIN_MAX_WORDS
from affectkit.text.segment import word_spans

router = APIRouter(tags=["analyze"], responses=responses(401, 413, 422, 429))


def explain_cost(inputs: list[str | Input]) -> int:
    """Words `explain` may occlude, one forward pass each: per text its words, at most
    `EXPLAIN_MAX_WORDS` (longer texts are not occluded), counted in its first 8,192 characters
    (so that counting stays cheap)."""
    texts = [v.text if isinstance(v, Input) else v for v in inputs]
    return sum(
        min(EXPLAIN_MAX_WORDS, len(word_spans(t[:8192]))) for t in texts if isinstance(t, str)
    )


def _inputs(body: AnalyzeRequest, settings: ServeSettings) -> list[str | Input]:
    """The request's inputs, checked against the limits and readable by an analyzer (on a
    worker thread: routing 256 long texts takes a while)."""
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
    if body.explain and (cost := explain_cost(inputs)) > settings.explain_max_words:
        raise ApiError(
            413,
            "explain_too_large",
            f"explain covers at most {settings.explain_max_words:,} words per request (each "
            f"text counting at most {EXPLAIN_MAX_WORDS}); this one has {cost:,}. Send fewer "
            f"texts per request, or explain=false.",
        )
    return inputs


# Requests with at most this many characters of text are checked on the event loop (a few
# microseconds); larger ones in a worker thread, so that one request cannot stall the others.
INLINE_CHARS = 20_000


def _size(body: AnalyzeRequest) -> int:
    texts = [body.text] if body.text is not None else body.texts or ()
    items = body.inputs or ()
    return sum(map(len, texts)) + sum(len(i.text or "") + len(i.data or "") for i in items)


@router.post(
    "/v1/analyze",
    responses={200: {"model": ResultsResponse}, **responses(400, 404, 504, 507)},
)
async def analyze(
    body: AnalyzeRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit = svc.settings.request_timeout_s
    until = time.monotonic() + limit  # the analysis stops there (`affectkit.deadline`)
    if _size(body) <= INLINE_CHARS:  # checking a few sentences costs less than a thread hop
        inputs = _inputs(body, svc.settings)
    else:  # up to max_texts x max_text_chars: off the event loop
        inputs = await asyncio.to_thread(_inputs, body, svc.settings)
    check_model_language(body.model, body.language)
    try:
        results = await asyncio.wait_for(
            svc.batcher.submit((body.model, body.language, body.explain), inputs, until),
            max(0.0, until - time.monotonic()),
        )
    except TimeoutError:
        raise ApiError(504, "timeout", f"The analysis took longer than {limit:g}s.") from None
    out = [r.to_dict() for r in results]
    if body.store:
        ids = svc.store.add_items(key_id(key), list(zip(inputs, out, strict=True)))
        for d, i in zip(out, ids, strict=True):
            d["id"] = i
    return {"results": out}
