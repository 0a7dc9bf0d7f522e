"""Run the HTTP service (API + playground page) with uvicorn.

Examples:
  affectkit serve                                  # 127.0.0.1:8000, data in ./data
  affectkit serve --host 0.0.0.0 --port 9000       # beyond loopback: API keys are required
  affectkit serve --no-microbatch                  # every request analysed on its own

Open http://127.0.0.1:8000/ for the playground and /docs for the API documentation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "run the HTTP service and its playground page"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default="data", help="SQLite store, uploads, job results")
    p.add_argument(
        "--require-keys",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="require API keys (default: whenever the host is not loopback)",
    )
    p.add_argument("--cors-origin", action="append", default=[], help="allow this web origin")
    p.add_argument("--no-microbatch", action="store_true", help="analyse requests one by one")
    p.add_argument("--batch-window-ms", type=float, default=5.0)
    p.add_argument("--max-batch", type=int, default=64)
    p.add_argument(
        "--preload",
        action="append",
        default=None,
        help="models to load at start-up (default: the default models)",
    )
    p.add_argument("--backend", choices=("torch", "onnx", "onnx-int8"), default=None)
    p.add_argument("--log-level", default="info")


def settings_from_args(args: argparse.Namespace):
    from affectkit.cli.analyze import model_options_from
    from affectkit.serving.settings import ServeSettings

    return ServeSettings(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir),
        require_keys=args.require_keys,
        cors_origins=tuple(args.cors_origin),
        microbatch=not args.no_microbatch,
        batch_window_ms=args.batch_window_ms,
        max_batch=args.max_batch,
        preload=tuple(args.preload) if args.preload else ("auto",),
        model_options=model_options_from(args),
    )


def run(args: argparse.Namespace) -> int:
    from affectkit.errors import require

    uvicorn = require("uvicorn", "serve")
    from affectkit.serving.app import create_app

    settings = settings_from_args(args)
    if settings.keys_required:
        from affectkit.storage import Store

        store = Store(settings.db_path)
        try:
            keys = store.list_keys()
        finally:
            store.close()
        if not any(k.revoked is None for k in keys):
            print(
                f"note: {args.host} is not loopback, so requests need an API key and none "
                f"exists yet: run `affectkit keys create NAME --data-dir {args.data_dir}`."
            )
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
    )
    return 0
