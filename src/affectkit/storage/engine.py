"""Where a store lives: a file path or a database URL, made into a SQLAlchemy engine.

SQLite (a file; the service's default): WAL, so readers never wait for the writer and a crash
leaves each change whole or absent; foreign keys enforced; a writer waits up to
`BUSY_TIMEOUT_S` for another's lock; and SQLAlchemy, not the sqlite3 module, begins the
transactions, so that schema changes are transactional too. PostgreSQL (``postgresql://``,
through psycopg 3): a connection is checked before it is used (a restarted server costs no
request) and connecting gives up after `CONNECT_TIMEOUT_S` unless the URL says otherwise.
Messages name a URL with its password replaced by ``***``.
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from affectkit.errors import StorageError, require

BUSY_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 10
POSTGRES = ("postgresql", "postgres", "postgresql+psycopg")
SQLITE = ("sqlite", "sqlite+pysqlite")
FORMS = "Give a file path, sqlite:///PATH or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE."
# a transaction on a connection with this execution option takes SQLite's write lock at once
# (BEGIN IMMEDIATE): a migration reads the schema, then changes it, with no writer between
IMMEDIATE = "affectkit_begin_immediate"


def database_url(target: str | Path) -> URL:
    """The URL of a store: a `Path` or a string without ``://`` is a SQLite file."""
    if isinstance(target, Path) or "://" not in target:
        return URL.create("sqlite", database=str(target))
    try:
        url = make_url(target)
    except (ArgumentError, ValueError):
        raise StorageError(f"{redact(target)} is not a database URL. {FORMS}") from None
    if url.drivername in POSTGRES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in SQLITE:
        if url.host or url.username or url.port or url.database in (None, "", ":memory:"):
            raise StorageError(
                f"{redact(target)} is not a SQLite file: the store needs one that lasts, "
                f"e.g. sqlite:///data/affectkit.sqlite3 (relative) or sqlite:////srv/ak.sqlite3."
            )
        return url.set(drivername="sqlite")
    raise StorageError(f"affectkit stores to SQLite or PostgreSQL, not {redact(target)}. {FORMS}")


def display(url: URL) -> str:
    """How messages name a store: a SQLite file's path, or the URL without its password."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def redact(text: str) -> str:
    """A URL (or a message holding one) with any ``user:password@`` password as ``***``."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def reason(exc: DBAPIError, url: URL) -> str:
    """The database driver's message (its first line: psycopg adds hints and the statement),
    without the URL's password."""
    text = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0].strip()
    if url.password:
        text = text.replace(str(url.password), "***")
    return redact(text)


def create_engine(url: URL) -> Engine:
    """An engine set up for the store's database (see the module's docstring)."""
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
        )
        event.listen(engine, "connect", _sqlite_connected)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    require("psycopg", "serve")
    args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    return sa.create_engine(url, connect_args=args, pool_pre_ping=True)


def _sqlite_connected(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # `_sqlite_begin` begins instead
    for pragma in ("journal_mode = WAL", "foreign_keys = ON"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


def _sqlite_begin(connection: sa.Connection) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
