"""Request bodies and the JSON forms of registry entries."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from pydantic import BaseModel, Field

from affectkit.errors import InvalidInputError
from affectkit.inputs import Input
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
