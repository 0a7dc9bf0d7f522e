"""Manage the service's API keys (stored hashed in the service's store).

Examples:
  affectkit keys create dashboard --rate-per-min 120
  affectkit keys create loadtest --unlimited
  affectkit keys list
  affectkit keys revoke key_0123456789ab
  affectkit keys list --db postgresql://affectkit@db.internal/affectkit
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from affectkit.cli import printable

HELP = "create, list and revoke API keys of the service"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("create", "list", "revoke"))
    p.add_argument("name", nargs="?", help="create: a name for the key; revoke: its id")
    from affectkit.cli.serve import add_db_argument
    from affectkit.serving.settings import ServeSettings

    p.add_argument("--data-dir", default="data", help="the service's data folder")
    add_db_argument(p)

    p.add_argument(
        "--rate-per-min",
        type=int,
        default=ServeSettings.default_rate_per_min,
        help="requests per minute (default %(default)s)",
    )
    p.add_argument("--unlimited", action="store_true", help="no rate limit")


def run(args: argparse.Namespace) -> int:
    from affectkit.cli.serve import db_url_from
    from affectkit.errors import InvalidInputError, require
    from affectkit.serving.settings import ServeSettings

    require("sqlalchemy", "serve")  # the store's library, with alembic and psycopg
    from affectkit.storage import Store

    settings = ServeSettings(data_dir=Path(args.data_dir), db_url=db_url_from(args))
    store = Store(settings.database)
    try:
        if args.action == "create":
            if not args.name:
                raise InvalidInputError("Give the key a name: affectkit keys create NAME.")
            if args.rate_per_min < 1:
                raise InvalidInputError("--rate-per-min must be >= 1 (or use --unlimited).")
            token, key = store.create_key(args.name, None if args.unlimited else args.rate_per_min)
            limit = "no rate limit" if key.rate_per_min is None else f"{key.rate_per_min}/min"
            print(f"{key.id}  {printable(key.name)}  {limit}")
            print(f"key (shown once, store it now): {token}")
        elif args.action == "list":
            for k in store.list_keys():
                when = dt.datetime.fromtimestamp(k.created).isoformat(timespec="seconds")
                state = "revoked" if k.revoked else "active"
                limit = "unlimited" if k.rate_per_min is None else f"{k.rate_per_min}/min"
                print(f"{k.id}  {printable(k.name):<20} {limit:<10} {state:<8} created {when}")
        else:
            if not args.name:
                raise InvalidInputError(
                    "Give the id of the key to revoke (see `affectkit keys list`)."
                )
            if not store.revoke_key(args.name):
                raise InvalidInputError(f"No active key with id {args.name!r}.")
            print(f"revoked {printable(args.name)}")
    finally:
        store.close()
    return 0
