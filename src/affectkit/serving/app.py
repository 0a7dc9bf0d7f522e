"""The HTTP API and the playground page (`affectkit serve`): the app factory.

Routes (OpenAPI docs at /docs), one router each in `affectkit.serving.routes`:
- ``POST /v1/analyze``: one text, a batch of texts, or a batch of inputs of any kind; language
  auto/forced; model choice; ``store``.
- ``POST /v1/jobs`` (multipart upload of CSV/JSONL/TXT/Parquet), ``GET /v1/jobs``,
  ``GET /v1/jobs/{id}`` (progress), ``GET /v1/jobs/{id}/results`` (JSONL), ``DELETE``.
- ``GET /v1/items``, ``DELETE /v1/items/{id}``: analyses stored with ``store: true``.
- ``POST /v1/streams/{name}/events`` (monitoring: events in), ``GET /v1/streams``,
  ``GET /v1/streams/{name}/windows``, ``GET /v1/streams/{name}/events``,
  ``PUT /v1/streams/{name}/rules``, ``GET /v1/alerts``, ``GET /v1/live`` (server-sent events
  for the dashboard, `affectkit.serving.live`).
- ``POST /v1/mood/entries``, ``GET /v1/mood/people``, ``GET|DELETE /v1/mood/people/{person}``
  (mood trends, `affectkit.mood`).
- ``POST /v1/conversations``: one conversation's turns in, per-turn affect, the customer's
  dissatisfaction and a summary out (`affectkit.conversation`).
- ``POST /v1/aspects`` (texts in, their aspect terms and the sentiment towards each out,
  `affectkit.aspects`) and ``POST /v1/reviews/report`` (review rows in, the review report's JSON
  out, `affectkit.reviews`).
- ``GET /v1/models``, ``GET /healthz``, ``GET /metrics`` (Prometheus), ``GET /`` (the dashboard:
  Analyse, Streams, Alerts, Jobs, Models, Mood, Conversations, Reviews).

Responses always carry a list (``{"results": [...]}``). Errors are JSON with a stable code
(`affectkit.serving.errors`), never a stack trace. API keys (``Authorization: Bearer ak_...`` or
``X-API-Key``) are required whenever the service listens beyond loopback; each key has its own
rate limit (`affectkit.serving.deps`), both checked before the body is read
(`affectkit.serving.middleware`). Where keys are required only ``/healthz`` (liveness, no
details) and the dashboard page answer without one. Models load once at start-up; concurrent
requests are micro-batched (`affectkit.serving.batcher`), each with its deadline. Limits and
what a crash, a full disk or a cancelled job do: docs/service.md, "Reliability".
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from affectkit import __version__
from affectkit.serving.errors import add_error_handlers
from affectkit.serving.middleware import Guard
from affectkit.serving.routes import (
    analyze,
    aspects,
    conversations,
    items,
    jobs,
    models,
    mood,
    playground,
    streams,
)
from affectkit.serving.settings import ServeSettings
from affectkit.serving.state import Service


def create_app(settings: ServeSettings | None = None):
    """The ASGI app: FastAPI with every router, wrapped in the size/metrics guard."""
    svc = Service.start(settings or ServeSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        svc.preload()
        svc.jobs.remove_orphans()  # files of jobs deleted just before a crash
        svc.jobs.resume_unfinished()
        yield
        await svc.close()

    app = FastAPI(
        title="affectkit",
        version=__version__,
        description="Offline sentiment and emotion analysis with evidence.",
        lifespan=lifespan,
    )
    app.state.service = svc
    app.state.settings, app.state.store, app.state.metrics = svc.settings, svc.store, svc.metrics
    if svc.settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(svc.settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    add_error_handlers(app)
    for module in (
        analyze, models, items, jobs, streams, mood, conversations, aspects, playground,
    ):  # fmt: skip
        app.include_router(module.router)
    return Guard(app, svc)
