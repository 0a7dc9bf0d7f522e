"""Every error the service answers is JSON with a stable code: ``{"error": {code, message}}``.

`ERROR_STATUS` is the one table from affectkit's exceptions to HTTP statuses; `ApiError` is what
routes raise for HTTP-only conditions (auth, limits, not found). No stack trace reaches a client.
`responses` documents the error answers of a route in the OpenAPI description, all with the
one `ErrorResponse` schema.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from affectkit.errors import (
    AffectError,
    BackendMissingError,
    DataFormatError,
    DeadlineExceeded,
    InvalidInputError,
    LimitExceededError,
    ModelLoadError,
    ModelNotFoundError,
    StorageError,
)

log = logging.getLogger("affectkit.serving")

ERROR_STATUS = [  # most specific first
    (ModelNotFoundError, 404, "model_not_found"),
    (LimitExceededError, 413, "too_large"),
    (DataFormatError, 422, "bad_data"),
    (InvalidInputError, 422, "invalid_input"),
    (BackendMissingError, 501, "backend_missing"),
    (ModelLoadError, 500, "model_load_failed"),
    (StorageError, 507, "storage"),
    (DeadlineExceeded, 504, "timeout"),
    (AffectError, 400, "error"),
]

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


class ErrorDetail(BaseModel):
    code: str  # stable, e.g. "model_not_found", "too_large", "key_required"
    message: str  # what was expected, what came, what to do


class ErrorResponse(BaseModel):
    """Every error the service answers: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail


WHEN = {
    400: "Malformed body: not JSON, not UTF-8, nested too deeply, or a broken multipart form.",
    401: "API key missing (where keys are required), unknown or revoked.",
    404: "No such model, job or item (another key's are not shown).",
    409: "The job has no results yet (or it failed).",
    413: "Too large: the body, an upload (sent or decompressed), texts, a text, or explain.",
    422: "The request does not validate, or its data cannot be read.",
    429: "The key's rate limit is spent, the service is busy ingesting, or too many live "
    "connections are open (see Retry-After).",
    504: "The analysis took longer than the request timeout and was stopped.",
    503: "The service is shutting down.",
    507: "The service could not write to its disk.",
}


def responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI answers of a route for these error statuses, each with `ErrorResponse`."""
    return {s: {"model": ErrorResponse, "description": WHEN[s]} for s in statuses}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


async def send_json(send, status: int, body: dict, extra: dict | None = None) -> None:
    """Answer with a JSON body straight on the ASGI channel (for the middleware)."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=exc.headers)


async def _affect_error(request: Request, exc: AffectError) -> JSONResponse:
    status, code = next((s, c) for cls, s, c in ERROR_STATUS if isinstance(exc, cls))
    return JSONResponse(error_body(code, str(exc)), status)


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("internal", "Internal error."), 500)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errs = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errs):
        return JSONResponse(error_body("malformed_json", "The body is not valid JSON."), 400)
    parts = [
        f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
        for e in errs[:5]
    ]
    return JSONResponse(error_body("invalid_request", "; ".join(parts)), 422)


def _unparsable(cause: BaseException | None) -> str:
    """Why a body could not be parsed, from what the parser raised."""
    if isinstance(cause, RecursionError):
        return "The body is JSON nested too deeply to read; flatten it."
    if isinstance(cause, UnicodeError):
        return "The body is not valid UTF-8; send JSON encoded as UTF-8."
    return "The body could not be read as JSON (or the client stopped sending it)."


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        return JSONResponse(error_body("malformed_json", _unparsable(exc.__cause__)), 400)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    # Allow (405) and the like go with the answer
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(AffectError, _affect_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)  # JSON, not Starlette's plain-text 500
