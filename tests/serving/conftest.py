"""A real uvicorn server on a free loopback port, in a thread, per test module or test."""

import contextlib
import socket
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running(settings):
    uvicorn = pytest.importorskip("uvicorn")
    from affectkit.serving.app import create_app
    from affectkit.serving.server import Server  # ends live streams first when it stops

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        lifespan="on",
    )
    server = Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def make_server(tmp_path):
    """Start a server with ServeSettings overrides; stopped at the end of the test."""
    from affectkit.serving.settings import ServeSettings

    stack = contextlib.ExitStack()

    def start(**overrides):
        base = {
            "port": free_port(),
            "data_dir": tmp_path / f"data{free_port()}",
            "preload": ("lexicon-en",),
        }
        settings = ServeSettings(**{**base, **overrides})
        return stack.enter_context(running(settings)), settings

    yield start
    stack.close()
