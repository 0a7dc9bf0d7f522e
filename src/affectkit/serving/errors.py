"""Every error the service answers is JSON with a stable code: ``{"error": {code, message}}``.

`ERROR_STATUS` is the one table from affectkit's exceptions to HTTP statuses; `ApiError` is what
routes raise for HTTP-only conditions (auth, limits, not found). No stack trace reaches a client.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from affectkit.errors import (
    AffectError,
    BackendMissingError,
    DataFormatError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    StorageError,
)

ERROR_STATUS = [  # most specific first
    (ModelNotFoundError, 404, "model_not_found"),
    (DataFormatError, 422, "bad_data"),
    (InvalidInputError, 422, "invalid_input"),
    (BackendMissingError, 501, "backend_missing"),
    (ModelLoadError, 500, "model_load_failed"),
    (StorageError, 507, "storage"),
    (AffectError, 400, "error"),
]

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


async def send_json(send, status: int, body: dict) -> None:
    """Answer with a JSON body straight on the ASGI channel (for the middleware)."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=exc.headers)


async def _affect_error(request: Request, exc: AffectError) -> JSONResponse:
    status, code = next((s, c) for cls, s, c in ERROR_STATUS if isinstance(exc, cls))
    return JSONResponse(error_body(code, str(exc)), status)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errs = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errs):
        return JSONResponse(error_body("malformed_json", "The body is not valid JSON."), 400)
    parts = [
        f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
        for e in errs[:5]
    ]
    return JSONResponse(error_body("invalid_request", "; ".join(parts)), 422)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        return JSONResponse(error_body("malformed_json", "The body is not valid UTF-8 JSON."), 400)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(AffectError, _affect_error)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
