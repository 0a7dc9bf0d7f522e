"""The HTTP API and the playground page (`affectkit serve`).

Routes (OpenAPI docs at /docs):
- ``POST /v1/analyze``: one text or a batch; language auto/forced; model choice; ``store``.
- ``POST /v1/jobs`` (multipart upload of CSV/JSONL/TXT/Parquet), ``GET /v1/jobs``,
  ``GET /v1/jobs/{id}`` (progress), ``GET /v1/jobs/{id}/results`` (JSONL), ``DELETE``.
- ``GET /v1/items``, ``DELETE /v1/items/{id}``: analyses stored with ``store: true``.
- ``GET /v1/models``, ``GET /healthz``, ``GET /metrics`` (Prometheus), ``GET /`` (playground).

Responses always carry a list (``{"results": [...]}``). Errors are JSON with a stable code,
``{"error": {"code": "...", "message": "..."}}``, never a stack trace. API keys (``Authorization:
Bearer ak_...`` or ``X-API-Key``) are required whenever the service listens beyond loopback;
each key has its own rate limit. Models load once at start-up; concurrent requests are
micro-batched (`affectkit.serving.batcher`).
"""

from __future__ import annotations

import asyncio
import json
import time
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from affectkit import __version__, api, registry
from affectkit.errors import (
    AffectError,
    BackendMissingError,
    DataFormatError,
    InvalidInputError,
    ModelLoadError,
    ModelNotFoundError,
    StorageError,
)
from affectkit.records import read_records
from affectkit.serving.batcher import MicroBatcher
from affectkit.serving.jobs import JobRunner
from affectkit.serving.metrics import Metrics
from affectkit.serving.settings import ServeSettings
from affectkit.storage import ApiKey, Store
from affectkit.text.language import SUPPORTED
from affectkit.text.preprocess import clean_text

ERROR_STATUS = [  # most specific first
    (ModelNotFoundError, 404, "model_not_found"),
    (DataFormatError, 422, "bad_data"),
    (InvalidInputError, 422, "invalid_input"),
    (BackendMissingError, 501, "backend_missing"),
    (ModelLoadError, 500, "model_load_failed"),
    (StorageError, 507, "storage"),
    (AffectError, 400, "error"),
]


class AnalyzeRequest(BaseModel):
    text: str | None = Field(None, description="one text (or use `texts`)")
    texts: list[str] | None = Field(None, description="a batch of texts")
    language: str = Field("auto", description="auto (detect per text), en or zh")
    model: str = Field("auto", description="registry name; auto = default per language")
    explain: bool = Field(False, description="token evidence for transformer models")
    store: bool = Field(False, description="keep the texts and results (listable)")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


class _RateLimiter:
    """Token bucket per key: `rate` requests per minute, bursts up to `rate`."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, rate: int) -> float:
        """0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(rate), now))
        tokens = min(float(rate), tokens + (now - last) * rate / 60.0)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) * 60.0 / rate


class _Guard:
    """ASGI middleware: request-size limits (413 before the app reads too much), latency and
    status metrics, and JSON errors for whatever escapes the app."""

    def __init__(self, app, settings: ServeSettings, metrics: Metrics) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        path, method = scope["path"], scope["method"]
        upload = path == "/v1/jobs" and method == "POST"
        limit = self.settings.max_upload_bytes if upload else self.settings.max_body_bytes
        status = {"code": 500, "started": False}
        headers = dict(scope.get("headers") or [])
        too_large = False
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            too_large = True
        received = 0

        async def limited_receive():
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return msg

        async def guarded_send(msg):
            if too_large:  # whatever the app answers, the client gets the size error
                if not status["started"]:
                    status["started"], status["code"] = True, 413
                    await _send_json(
                        send,
                        413,
                        error_body("too_large", f"The request body exceeds {limit:,} bytes."),
                    )
                return
            if msg["type"] == "http.response.start":
                status["started"], status["code"] = True, msg["status"]
            await send(msg)

        try:
            if too_large:
                await guarded_send({"type": "http.response.start", "status": 413})
            else:
                await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not status["started"]:
                status["code"] = 500
                await _send_json(send, 500, error_body("internal", "Internal error."))
        finally:
            # the matched route's template ("/v1/jobs/{job_id}"), never the raw path: one label
            # per route, however many paths callers make up
            route = getattr(scope.get("route"), "path", None) or "other"
            self.metrics.request(route, method, status["code"], time.perf_counter() - t0)


async def _send_json(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def create_app(settings: ServeSettings | None = None):
    settings = settings or ServeSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.db_path)
    metrics = Metrics()
    jobs = JobRunner(store, settings.data_dir, settings.model_options)
    limiter = _RateLimiter()

    model_options = {"batch_size": settings.model_batch_size, **settings.model_options}

    def run_analysis(key, texts):
        model, language, explain = key
        return api.analyze(
            texts,
            model=model,
            language=language,
            errors="flag",
            model_options=model_options,
            explain=explain,
        )

    batcher = MicroBatcher(
        run_analysis,
        enabled=settings.microbatch,
        window_ms=settings.batch_window_ms,
        max_batch=settings.max_batch,
        on_batch=metrics.batch_size,
    )
    loaded: list[str] = []

    @asynccontextmanager
    async def lifespan(app):
        for name in _preload_names(settings.preload):
            t0 = time.perf_counter()
            analyzer = api.get_analyzer(name, **model_options)
            if hasattr(analyzer, "load"):
                analyzer.load()
            analyzer.analyze(["warm-up"] if "en" in getattr(analyzer, "languages", ()) else ["好"])
            metrics.loaded(name, time.perf_counter() - t0)
            loaded.append(name)
        jobs.resume_unfinished()
        yield
        await batcher.close()
        jobs.close()
        store.close()

    app = FastAPI(
        title="affectkit",
        version=__version__,
        description="Offline sentiment and emotion analysis with evidence.",
        lifespan=lifespan,
    )
    app.state.settings, app.state.store, app.state.metrics = settings, store, metrics
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )

    # -- errors ----------------------------------------------------------------------------
    @app.exception_handler(ApiError)
    async def _api_error(request, exc: ApiError):
        return JSONResponse(error_body(exc.code, exc.message), exc.status, headers=exc.headers)

    @app.exception_handler(AffectError)
    async def _affect_error(request, exc: AffectError):
        for cls, status, code in ERROR_STATUS:
            if isinstance(exc, cls):
                return JSONResponse(error_body(code, str(exc)), status)
        return JSONResponse(error_body("error", str(exc)), 400)  # pragma: no cover

    @app.exception_handler(RequestValidationError)
    async def _validation(request, exc: RequestValidationError):
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            return JSONResponse(error_body("malformed_json", "The body is not valid JSON."), 400)
        parts = [
            f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}"
            for e in errs[:5]
        ]
        return JSONResponse(error_body("invalid_request", "; ".join(parts)), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request, exc: StarletteHTTPException):
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return JSONResponse(
                error_body("malformed_json", "The body is not valid UTF-8 JSON."), 400
            )
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)), exc.status_code
        )

    # -- auth ------------------------------------------------------------------------------
    async def caller(request: Request) -> ApiKey | None:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
        token = token or request.headers.get("x-api-key")
        key = store.find_key(token) if token else None
        if token and key is None:
            raise ApiError(401, "invalid_key", "The API key is unknown or revoked.")
        if key is None and settings.keys_required:
            raise ApiError(
                401,
                "key_required",
                "This service needs an API key: send "
                "'Authorization: Bearer <key>' (create one with `affectkit keys "
                "create`).",
            )
        rate = (key.rate_per_min if key else None) if key else None
        if key is not None and rate:
            wait = limiter.allow(key.id, rate)
            if wait > 0:
                raise ApiError(
                    429,
                    "rate_limited",
                    f"Rate limit of {rate}/min reached; retry in {wait:.1f}s.",
                    {"Retry-After": str(int(wait) + 1)},
                )
        return key

    def key_id(key: ApiKey | None) -> str | None:
        return key.id if key else None

    def check_model_language(model: str, language: str) -> None:
        """A 404 for a model that is not a registry name (folders stay private), a 422 for a
        language the models do not cover."""
        if language != "auto" and language not in SUPPORTED:
            raise ApiError(
                422, "invalid_request", f"language must be auto or one of {', '.join(SUPPORTED)}."
            )
        if model != "auto":
            if "/" in model or registry.is_model_folder(model):
                raise ApiError(404, "model_not_found", "Models are chosen by registry name.")
            registry.get_spec(model)  # ModelNotFoundError -> 404

    # -- analyze ---------------------------------------------------------------------------
    @app.post("/v1/analyze", tags=["analyze"])
    async def analyze(body: AnalyzeRequest, key: ApiKey | None = Depends(caller)):
        if (body.text is None) == (body.texts is None):
            raise ApiError(422, "invalid_request", "Give exactly one of `text` or `texts`.")
        texts = [body.text] if body.text is not None else body.texts
        if not texts:
            raise ApiError(422, "invalid_request", "`texts` is empty.")
        if len(texts) > settings.max_texts:
            raise ApiError(
                413,
                "too_many_texts",
                f"At most {settings.max_texts} texts per request; send more with POST /v1/jobs.",
            )
        for i, t in enumerate(texts):
            if len(t) > settings.max_text_chars:
                raise ApiError(
                    413,
                    "text_too_long",
                    f"Text {i} has {len(t):,} characters; the "
                    f"limit is {settings.max_text_chars:,}.",
                )
            clean_text(t, i)  # text a model can read and the store can keep, else a 422
        check_model_language(body.model, body.language)
        try:
            results = await asyncio.wait_for(
                batcher.submit((body.model, body.language, body.explain), texts),
                settings.request_timeout_s,
            )
        except TimeoutError:
            raise ApiError(
                504, "timeout", f"The analysis took longer than {settings.request_timeout_s:g}s."
            ) from None
        out = [r.to_dict() for r in results]
        if body.store:
            ids = store.add_items(key_id(key), list(zip(texts, out, strict=True)))
            for d, i in zip(out, ids, strict=True):
                d["id"] = i
        return {"results": out}

    # -- models, health, metrics -----------------------------------------------------------
    @app.get("/v1/models", tags=["models"])
    async def models(key: ApiKey | None = Depends(caller)):
        return {
            "results": [_spec_dict(s) for s in registry.list_models()],
            "defaults": {lang: api.default_model(lang) for lang in ("en", "zh")},
        }

    @app.get("/healthz", tags=["service"])
    async def healthz():
        return {"status": "ok", "version": __version__, "models_loaded": loaded}

    @app.get("/metrics", tags=["service"], response_class=PlainTextResponse)
    async def prometheus(request: Request):
        if settings.keys_required:
            await caller(request)
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    # -- stored items ----------------------------------------------------------------------
    @app.get("/v1/items", tags=["items"])
    async def list_items(limit: int = 100, offset: int = 0, key: ApiKey | None = Depends(caller)):
        limit = max(1, min(limit, 1000))
        offset = min(max(0, offset), 2**62)  # SQLite integers are 64-bit
        return {"results": store.list_items(key_id(key), limit, offset)}

    @app.delete("/v1/items/{item_id}", tags=["items"])
    async def delete_item(item_id: str, key: ApiKey | None = Depends(caller)):
        if not store.delete_item(key_id(key), item_id):
            raise ApiError(404, "not_found", f"No stored item {item_id}.")
        return {"results": [{"id": item_id, "deleted": True}]}

    # -- batch jobs ------------------------------------------------------------------------
    @app.post("/v1/jobs", tags=["jobs"], status_code=202)
    async def create_job(
        file: UploadFile = File(..., description="CSV, JSONL, TXT or Parquet (.gz allowed)"),
        text_col: str = Form("text"),
        id_col: str | None = Form(None),
        model: str = Form("auto"),
        language: str = Form("auto"),
        key: ApiKey | None = Depends(caller),
    ):
        check_model_language(model, language)
        job_id, src, out = jobs.new_job_paths(file.filename or "")
        size = 0
        with src.open("wb") as f:
            while chunk := await file.read(1 << 20):
                size += len(chunk)
                f.write(chunk)
        if size == 0:
            src.unlink(missing_ok=True)
            raise ApiError(422, "empty_upload", "The uploaded file is empty.")
        params = {"text_col": text_col, "id_col": id_col, "model": model, "language": language}
        try:
            # its format and columns now (a 422), not as a job that fails later
            read_records(src, text_col, id_col)
            # counting the rows reads the whole upload: off the event loop
            job = await asyncio.to_thread(
                jobs.submit, job_id, key_id(key), file.filename or "", src, out, params
            )
        except BaseException:
            src.unlink(missing_ok=True)
            raise
        return {"results": [jobs.progress(job)]}

    def own_job(job_id: str, key: ApiKey | None) -> dict:
        job = store.get_job(job_id, key_id(key))
        if job is None:
            raise ApiError(404, "not_found", f"No job {job_id}.")
        return job

    @app.get("/v1/jobs", tags=["jobs"])
    async def list_jobs(key: ApiKey | None = Depends(caller)):
        return {"results": [jobs.progress(j) for j in store.list_jobs(key_id(key))]}

    @app.get("/v1/jobs/{job_id}", tags=["jobs"])
    async def get_job(job_id: str, key: ApiKey | None = Depends(caller)):
        return {"results": [jobs.progress(own_job(job_id, key))]}

    @app.get("/v1/jobs/{job_id}/results", tags=["jobs"])
    async def job_results(job_id: str, key: ApiKey | None = Depends(caller)):
        job = own_job(job_id, key)
        if job["status"] != "done":
            raise ApiError(409, "not_ready", f"Job {job_id} is {job['status']}.")
        return FileResponse(
            job["output_path"], media_type="application/x-ndjson", filename=f"{job_id}.jsonl"
        )

    @app.delete("/v1/jobs/{job_id}", tags=["jobs"])
    async def delete_job(job_id: str, key: ApiKey | None = Depends(caller)):
        job = own_job(job_id, key)
        store.delete_job(job_id)
        if job["status"] != "running":
            jobs.delete_files(job)
        return {"results": [{"id": job_id, "deleted": True}]}

    # -- playground ------------------------------------------------------------------------
    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def playground():
        page = resources.files("affectkit.serving").joinpath("static/index.html")
        return HTMLResponse(page.read_text(encoding="utf-8"))

    return _Guard(app, settings, metrics)


def _preload_names(preload: tuple[str, ...]) -> list[str]:
    names = []
    for name in preload:
        if name == "auto":
            names += [api.default_model(lang) for lang in ("en", "zh")]
        elif name:
            names.append(registry.get_spec(name).full_name)
    return list(dict.fromkeys(names))


def _spec_dict(spec) -> dict[str, Any]:
    return {
        "name": spec.full_name,
        "modality": spec.modality,
        "task": spec.task,
        "languages": list(spec.languages),
        "labels": list(spec.labels),
        "description": spec.description,
    }
