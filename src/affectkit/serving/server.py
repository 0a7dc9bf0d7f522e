"""uvicorn's server for the app of `affectkit.serving.app.create_app`.

uvicorn shuts down by waiting for the open responses to finish, and only then runs the app's
lifespan shutdown; a live stream (``GET /v1/live``) never finishes by itself, so a dashboard left
open would hold the shutdown (until ``timeout_graceful_shutdown``, then cancelled). This server
ends the live streams first (each client gets ``event: bye``), then shuts down as uvicorn does.
"""

from __future__ import annotations

import socket

import uvicorn


class Server(uvicorn.Server):
    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        svc = getattr(self.config.app, "svc", None)  # the Guard around the app holds it
        if svc is not None:
            svc.live.close()
        await super().shutdown(sockets)
