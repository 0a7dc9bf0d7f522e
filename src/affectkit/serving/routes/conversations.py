"""``POST /v1/conversations``: one conversation in (`affectkit.conversation`), its analysis out:
every turn's polarity and emotions, the customer's dissatisfaction per turn and for the whole
conversation with the turns that drove it, the trajectory and a summary.

The body is ``{"id"?, "turns": [{"speaker"|"role", "text", "time"?}], "customer_role"?,
"model"?, "language"?}``; at most `ServeSettings.max_events` turns, each at most
`ServeSettings.max_text_chars` characters. Nothing is stored.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends

from affectkit.conversation import analyze_conversation
from affectkit.serving.deps import caller, check_model_language, service
from affectkit.serving.errors import ApiError, responses
from affectkit.serving.schemas import ConversationRequest, ResultsResponse
from affectkit.serving.state import Service, analysis_options
from affectkit.storage import ApiKey

router = APIRouter(tags=["conversations"], responses=responses(401, 422, 429))


@router.post(
    "/v1/conversations", response_model=ResultsResponse, responses=responses(400, 404, 413)
)
async def post_conversation(
    body: ConversationRequest,
    key: ApiKey | None = Depends(caller),
    svc: Service = Depends(service),
):
    limit, chars = svc.settings.max_events, svc.settings.max_text_chars
    if not body.turns:
        raise ApiError(422, "invalid_request", "The list of turns is empty.")
    if len(body.turns) > limit:
        raise ApiError(413, "too_many_turns", f"At most {limit} turns per conversation.")
    for i, t in enumerate(body.turns):
        if len(t.text) > chars:
            raise ApiError(
                413, "text_too_long", f"Turn {i} has {len(t.text):,} characters; the limit is "
                f"{chars:,}."
            )  # fmt: skip
    check_model_language(body.model, body.language)
    turns = [t.model_dump(exclude_none=True) for t in body.turns]
    result = await asyncio.to_thread(
        analyze_conversation,
        turns,
        customer_role=body.customer_role,
        id=body.id,
        model=body.model,
        language=body.language,
        model_options=analysis_options(svc.settings),
    )
    return {"results": [result.to_dict()]}
