"""The store's tables as SQLAlchemy Core `Table`s: what the queries in `store` are written
against, the same on SQLite and PostgreSQL.

The tables themselves are created and changed only by the migrations (`migrations/versions`);
a test checks that a migrated database matches these definitions. Times are UNIX seconds;
results and job parameters are JSON text. Items and jobs are listed in the order they were
added, which `seq` keeps (on SQLite it is the rowid itself).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()

# SQLite numbers the rows of an INTEGER PRIMARY KEY itself; PostgreSQL's is a BIGINT identity
SEQ = BigInteger().with_variant(Integer(), "sqlite")

keys_table = Table(
    "api_keys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("hash", Text, nullable=False, unique=True),  # SHA-256 of the token, never the token
    Column("rate_per_min", Integer),  # NULL: no limit
    Column("created", Float, nullable=False),
    Column("revoked", Float),
)

items_table = Table(
    "items",
    metadata,
    Column("seq", SEQ, Identity(), primary_key=True),
    Column("id", Text, nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("key_id", Text),
    Column("kind", Text, nullable=False, server_default="text"),  # text | audio | image | video
    Column("ref", Text, nullable=False),  # the text, or the media's path or sha256: digest
    Column("result", Text, nullable=False),  # the AffectResult as JSON
    Index("items_created", "created"),
)

jobs_table = Table(
    "jobs",
    metadata,
    Column("seq", SEQ, Identity(), primary_key=True),
    Column("id", Text, nullable=False, unique=True),
    Column("created", Float, nullable=False),
    Column("key_id", Text),
    Column("status", Text, nullable=False),  # queued | running | done | failed
    Column("filename", Text, nullable=False),  # as uploaded (shown only)
    Column("input_path", Text, nullable=False),  # inside the data folder
    Column("output_path", Text, nullable=False),
    Column("params", Text, nullable=False),  # model, language, columns (JSON)
    Column("rows_done", Integer, nullable=False, server_default=text("0")),
    Column("rows_total", Integer),
    Column("errors", Integer, nullable=False, server_default=text("0")),
    Column("error", Text),
    Column("finished", Float),
)

# what a key is, as `ApiKey` holds it (never its hash)
KEY_COLUMNS = tuple(c for c in keys_table.c if c.name != "hash")
# what a job is, as `Store.get_job` returns it (the row's place in the list is not part of it)
JOB_COLUMNS = tuple(c for c in jobs_table.c if c.name != "seq")
