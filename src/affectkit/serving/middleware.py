"""ASGI middleware around the app: the API key, the rate limit and the declared size, checked
before any of the body is read; request-size limits while it is read; latency metrics; a last
JSON error."""

from __future__ import annotations

import time

from starlette.datastructures import Headers

from affectkit.serving.deps import SCOPE_KEY, authenticate
from affectkit.serving.errors import ApiError, error_body, send_json
from affectkit.serving.state import Service

# What answers without a key where keys are required: liveness (its details need a key) and
# the dashboard page and its script (static; the page asks for a key, `routes.playground`).
# CORS preflights carry no credentials.
PUBLIC = {("/healthz", "GET"), ("/healthz", "HEAD"), ("/", "GET"), ("/static/dashboard.js", "GET")}


class Guard:
    """Authentication before the body (401/429 without reading a byte of it), request-size
    limits (413 before the app reads too much), latency and status metrics, and JSON errors
    for whatever escapes the app."""

    def __init__(self, app, svc: Service) -> None:
        self.app, self.svc = app, svc
        self.settings, self.metrics = svc.settings, svc.metrics

    def _limit(self, scope) -> int:
        upload = scope["path"] == "/v1/jobs" and scope["method"] == "POST"
        return self.settings.max_upload_bytes if upload else self.settings.max_body_bytes

    def _authenticate(self, scope) -> None:
        """Leave the caller's key in the scope for the routes, or raise 401/429."""
        if scope["method"] == "OPTIONS":
            return
        headers = Headers(scope=scope)
        if (scope["path"], scope["method"]) in PUBLIC:
            try:  # a valid key shows details; no key or a bad one is no error here
                scope[SCOPE_KEY] = authenticate(self.svc, headers)
            except ApiError:
                scope[SCOPE_KEY] = None
            return
        scope[SCOPE_KEY] = authenticate(self.svc, headers)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        limit = self._limit(scope)
        status = {"code": 500, "started": False}
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        too_large = declared > limit
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
                    message = f"The request body exceeds {limit:,} bytes."
                    await send_json(send, 413, error_body("too_large", message))
                return
            if msg["type"] == "http.response.start":
                status["started"], status["code"] = True, msg["status"]
            await send(msg)

        try:
            self._authenticate(scope)
            if too_large:
                await guarded_send({"type": "http.response.start", "status": 413})
            else:
                await self.app(scope, limited_receive, guarded_send)
        except ApiError as exc:  # refused before the body: not a byte of it was read
            status["started"], status["code"] = True, exc.status
            # and none will be: the server closes the connection instead of draining it
            extra = {**(exc.headers or {}), "Connection": "close"}
            await send_json(send, exc.status, error_body(exc.code, exc.message), extra)
        except Exception:
            if not status["started"]:
                status["code"] = 500
                await send_json(send, 500, error_body("internal", "Internal error."))
        finally:
            # the matched route's template ("/v1/jobs/{job_id}"), never the raw path: one label
            # per route, however many paths callers make up
            route = getattr(scope.get("route"), "path", None) or "other"
            self.metrics.request(route, scope["method"], status["code"], time.perf_counter() - t0)
