"""Run the HTTP service (API + playground page) with uvicorn.

Examples:
  affectkit serve                                  # 127.0.0.1:8000, data in ./data
  affectkit serve --host 0.0.0.0 --port 9000       # beyond loopback: API keys are required
  affectkit serve --no-microbatch                  # every request analysed on its own
  affectkit serve --max-upload-rows 20000000       # larger batch uploads
  affectkit serve --db postgresql://affectkit@db.internal/affectkit   # keys, items, jobs there

Open http://127.0.0.1:8000/ for the playground and /docs for the API documentation.
Everything the service writes (its data folder, database, uploads, results) is readable by
its owner only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HELP = "run the HTTP service and its playground page"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from affectkit.serving.settings import ServeSettings as S

    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default="data", help="SQLite store, uploads, job results")
    add_db_argument(p)
    p.add_argument(
        "--require-keys",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="require API keys (default: whenever the host is not loopback)",
    )
    p.add_argument(
        "--insecure-no-keys",
        action="store_true",
        help="with --no-require-keys beyond loopback: serve anyone who can reach the host",
    )
    limits = p.add_argument_group("limits")
    for flag, name, unit in (
        ("--max-body-bytes", "max_body_bytes", "bytes of a JSON request"),
        ("--max-upload-bytes", "max_upload_bytes", "bytes of an upload as sent"),
        ("--max-upload-decompressed-bytes", "max_upload_decompressed_bytes",
         "bytes of an upload once decompressed"),
        ("--max-upload-rows", "max_upload_rows", "rows (lines) of an upload"),
        ("--max-upload-line-chars", "max_upload_line_chars", "characters in one line of an upload"),
        ("--max-pending-jobs", "max_pending_jobs", "queued or running jobs per key"),
        ("--max-texts", "max_texts", "inputs per /v1/analyze request"),
        ("--max-text-chars", "max_text_chars", "characters per text"),
        ("--explain-max-words", "explain_max_words", "words explained per request"),
        ("--max-live-connections", "max_live_connections",
         "dashboard live connections (GET /v1/live) at once"),
    ):  # fmt: skip
        limits.add_argument(
            flag, type=int, default=getattr(S, name), help=f"{unit} (default %(default)s)"
        )
    limits.add_argument(
        "--max-audio-seconds",
        type=float,
        default=S.max_audio_seconds,
        help="seconds of one recording /v1/analyze analyses (default %(default)s)",
    )
    limits.add_argument(
        "--max-video-seconds",
        type=float,
        default=S.max_video_seconds,
        help="seconds of one video /v1/analyze analyses (default %(default)s)",
    )
    limits.add_argument(
        "--request-timeout",
        type=float,
        default=S.request_timeout_s,
        help="seconds an analysis may take before a 504 stops it (default %(default)s)",
    )
    p.add_argument("--cors-origin", action="append", default=[], help="allow this web origin")
    p.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="POST monitoring alerts (docs/monitor.md) here (repeat for several)",
    )
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


def add_db_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        metavar="URL",
        help="the store's database: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE or a "
        "SQLite file (default: $AFFECTKIT_DB, else affectkit.sqlite3 in the data folder)",
    )


def db_url_from(args: argparse.Namespace) -> str | None:
    """--db, else AFFECTKIT_DB, else None (the SQLite file in the data folder)."""
    from affectkit.config import Settings

    return args.db or Settings.from_env().db


def settings_from_args(args: argparse.Namespace):
    from affectkit.cli.analyze import model_options_from
    from affectkit.serving.settings import ServeSettings

    return ServeSettings(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data_dir),
        db_url=db_url_from(args),
        require_keys=args.require_keys,
        insecure_no_keys=args.insecure_no_keys,
        cors_origins=tuple(args.cors_origin),
        webhooks=tuple(args.webhook),
        max_body_bytes=args.max_body_bytes,
        max_upload_bytes=args.max_upload_bytes,
        max_upload_decompressed_bytes=args.max_upload_decompressed_bytes,
        max_upload_rows=args.max_upload_rows,
        max_upload_line_chars=args.max_upload_line_chars,
        max_pending_jobs=args.max_pending_jobs,
        max_texts=args.max_texts,
        max_text_chars=args.max_text_chars,
        explain_max_words=args.explain_max_words,
        max_live_connections=args.max_live_connections,
        max_audio_seconds=args.max_audio_seconds,
        max_video_seconds=args.max_video_seconds,
        request_timeout_s=args.request_timeout,
        microbatch=not args.no_microbatch,
        batch_window_ms=args.batch_window_ms,
        max_batch=args.max_batch,
        preload=tuple(args.preload) if args.preload else ("auto",),
        model_options=model_options_from(args),
    )


def run(args: argparse.Namespace) -> int:
    from affectkit.errors import require

    uvicorn = require("uvicorn", "serve")
    require("sqlalchemy", "serve")  # the store's library, with alembic and psycopg
    from affectkit.serving.app import create_app

    settings = settings_from_args(args)  # refuses --no-require-keys beyond loopback alone
    os.umask(0o077)  # whatever the service writes (store, uploads, results) is its owner's
    if not settings.keys_required and settings.insecure_no_keys:
        print(
            f"warning: serving on {settings.host} without API keys (--insecure-no-keys): "
            f"anyone who can reach it can analyse, list and delete its items and jobs.",
            file=sys.stderr,
        )
    data = settings.data_dir
    if data.is_dir() and data.stat().st_mode & 0o077:
        print(
            f"warning: the data folder {data} (stored items, uploads, results) can be read by "
            f"other users of this machine (mode {data.stat().st_mode & 0o777:o}): run "
            f"`chmod 700 {data}`. Folders affectkit creates are 700.",
            file=sys.stderr,
        )
    if settings.keys_required:
        from affectkit.storage import Store

        store = Store(settings.database)
        try:
            keys = store.list_keys()
        finally:
            store.close()
        if not any(k.revoked is None for k in keys):
            where = "--db URL" if args.db else f"--data-dir {args.data_dir}"
            print(
                f"note: {args.host} is not loopback, so requests need an API key and none "
                f"exists yet: run `affectkit keys create NAME {where}`."
            )
    from affectkit.serving.server import Server

    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=5,
    )
    server = Server(config)  # ends the dashboards' live streams first when it stops
    server.run()
    return 0 if server.started else 3
