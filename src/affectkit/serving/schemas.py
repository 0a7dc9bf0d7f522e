"""Request bodies and the JSON forms of registry entries and monitoring windows."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from affectkit.errors import InvalidInputError
from affectkit.inputs import Input
from affectkit.monitor.rules import EMOTIONS, POLARITIES
from affectkit.registry import ModelSpec


class InputItem(BaseModel):
    """One input of any kind: a text, or a media file's bytes in base64 (no server paths)."""

    kind: Literal["text", "audio", "image", "video"] = "text"
    text: str | None = Field(None, description="the text, for kind=text")
    data: str | None = Field(None, description="base64 of the file, for audio/image/video")

    def to_input(self, index: int) -> Input:
        if self.kind == "text":
            if self.text is None or self.data is not None:
                raise InvalidInputError(f"Input {index}: a text input has `text` and no `data`.")
            return Input("text", text=self.text)
        if self.data is None or self.text is not None:
            raise InvalidInputError(
                f"Input {index}: an {self.kind} input has `data` (base64) and no `text`."
            )
        try:
            raw = base64.b64decode(self.data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInputError(f"Input {index}: `data` is not valid base64.") from None
        return Input.from_bytes(self.kind, raw)


class AnalyzeRequest(BaseModel):
    text: str | None = Field(None, description="one text (or use `texts` or `inputs`)")
    texts: list[str] | None = Field(None, description="a batch of texts")
    inputs: list[InputItem] | None = Field(None, description="a batch of inputs of any kind")
    language: str = Field("auto", description="auto (detect per text), en or zh")
    model: str = Field("auto", description="registry name; auto = default per kind and language")
    explain: bool = Field(False, description="token evidence for transformer models")
    store: bool = Field(False, description="keep the inputs and results (listable)")


MODEL_CARD = "MODEL_CARD.md"  # in a shipped model's folder


def model_card(spec: ModelSpec) -> Path | None:
    """The model card of a model folder, if it has one."""
    card = spec.folder / MODEL_CARD if spec.folder is not None else None
    return card if card is not None and card.is_file() else None


def spec_dict(spec: ModelSpec) -> dict[str, Any]:
    return {
        "name": spec.full_name,
        "modality": spec.modality,
        "task": spec.task,
        "languages": list(spec.languages),
        "labels": list(spec.labels),
        "inputs": list(spec.inputs),
        "description": spec.description,
        "source": spec.source,
        "card": f"/v1/models/{spec.full_name}/card" if model_card(spec) else None,
    }


def window_view(w: dict[str, Any]) -> dict[str, Any]:
    """A stored window's counts (`affectkit.storage.streams`) with its shares and mean valence:
    what ``GET /v1/streams/{name}/windows`` and the live updates (``GET /v1/live``) show."""
    polar = sum(w[p] for p in POLARITIES)
    emotional = sum(w[f"emo_{e}"] for e in EMOTIONS)
    return {
        "start": w["start"],
        "end": w["start"] + w["width"],
        "width": w["width"],
        "events": w["n"],
        "polarity": {p: w[p] for p in POLARITIES},
        "polarity_share": {p: round(w[p] / polar, 4) if polar else None for p in POLARITIES},
        "emotions": {e: w[f"emo_{e}"] for e in EMOTIONS},
        "emotion_share": {
            e: round(w[f"emo_{e}"] / emotional, 4) if emotional else None for e in EMOTIONS
        },
        "mean_valence": round(w["valence_sum"] / w["valence_n"], 4) if w["valence_n"] else None,
    }


# -- answers (documented in the OpenAPI description; the routes return plain dicts) -----------


class ResultsResponse(BaseModel):
    """``POST /v1/analyze``: one `AffectResult` (its JSON form) per input, in order."""

    results: list[dict[str, Any]]


class JobView(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    filename: str
    created: float
    finished: float | None
    rows_done: int
    rows_total: int | None
    errors: int
    error: str | None
    params: dict[str, Any]
    results_url: str | None


class JobsResponse(BaseModel):
    results: list[JobView]


class Deleted(BaseModel):
    id: str
    deleted: bool


class DeletedResponse(BaseModel):
    results: list[Deleted]


class ItemView(BaseModel):
    id: str
    created: float
    kind: str
    text: str | None
    ref: str
    result: dict[str, Any]


class ItemsResponse(BaseModel):
    results: list[ItemView]


class ModelsResponse(BaseModel):
    results: list[dict[str, Any]]
    defaults: dict[str, Any]
    defaults_by_kind: dict[str, Any]


class HealthResponse(BaseModel):
    """Liveness; `version` and `models_loaded` only where no key is needed or one was sent."""

    status: Literal["ok"]
    version: str | None = None
    models_loaded: list[str] | None = None


# -- mood trends (POST /v1/mood/entries) -----------------------------------------------------


class MoodEntry(BaseModel):
    """One journal entry: checked one by one (`affectkit.mood.make_entry`), so a bad date is
    that entry's rejection, not the request's."""

    person: str = Field("me", description="whose entry (1 to 100 characters)")
    time: str = Field(..., description="the date as written: 2024-03-01 or 2024-03-01T21:30")
    text: str
    id: str | int | None = Field(None, description="default: made from person, time and text")


class MoodEntriesRequest(BaseModel):
    entries: list[MoodEntry]
    model: str = Field("auto", description="registry name; auto = default per language")


# -- conversations (POST /v1/conversations) --------------------------------------------------


class ConversationTurn(BaseModel):
    """One turn, as in a line of ``affectkit analyze --conversation``'s input."""

    speaker: str | None = Field(None, description="USER/SYSTEM, customer/agent, A/B, or any "
                                "role with `customer_role`")  # fmt: skip
    role: str | None = Field(None, description="the same as `speaker` (give one of them)")
    text: str
    time: float | str | None = Field(None, description="epoch seconds or ISO-8601; optional")


class ConversationRequest(BaseModel):
    id: str | int | None = Field(None, description="echoed in the answer")
    turns: list[ConversationTurn] = Field(..., description="in the order they were said")
    customer_role: str | None = Field(None, description="the customer's role, when not a known one")
    model: str = Field("auto", description="text analyzer; auto = default per language")
    language: str = Field("auto", description="auto (detect per turn), en or zh")


# -- aspects (POST /v1/aspects) and review reports (POST /v1/reviews/report) ------------------


class GivenAspect(BaseModel):
    """An aspect term the caller names: ``text[from:to] == term`` (offsets in characters)."""

    model_config = {"populate_by_name": True}

    term: str
    start: int = Field(..., alias="from", ge=0, description="its first character's offset")
    end: int = Field(..., alias="to", ge=1, description="the offset after its last character")


class AspectItem(BaseModel):
    """One text, as in a line of ``affectkit aspects --file``'s input."""

    id: str | int | None = Field(None, description="echoed in the answer")
    text: str
    aspects: list[GivenAspect] | None = Field(
        None, description="classify these terms instead of extracting them (kept in this order)"
    )


class AspectsRequest(BaseModel):
    texts: list[str] | None = Field(None, description="a batch of texts (or use `items`)")
    items: list[AspectItem] | None = Field(None, description="texts with ids, and given aspects")
    model: str = Field("aspect-sentiment", description="an aspect model's registry name")
    evidence: bool = Field(True, description="the words behind each aspect's polarity")


class ReviewReportRequest(BaseModel):
    """Rows of a review table (one object per row, as a CSV's records) and which columns hold
    what; the answer is `affectkit.reviews.build_report`'s report (docs/reviews.md)."""

    rows: list[dict[str, Any]] = Field(..., description="one object per review")
    text_col: str = Field(..., description="the column with the review's text")
    time_col: str | None = Field(None, description="a date column: the over-time series")
    group_col: str | None = Field(None, description="a column to group by (product, shop...)")
    id_col: str | None = Field(None, description="a column echoed in examples and skipped rows")
    top_groups: int = Field(12, ge=1, le=50, description="groups shown; the rest pooled")
    top_aspects: int = Field(15, ge=1, le=100, description="aspects shown per group")
    model: str = Field("aspect-sentiment", description="an aspect model's registry name")
