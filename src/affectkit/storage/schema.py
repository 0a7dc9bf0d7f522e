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

# -- monitoring (`affectkit.monitor`): streams of events, their windows, alerts, deliveries --
# Times are UTC epoch seconds. JSON columns are JSON text, as elsewhere in the store.

# the canonical emotions each window counts (the dominant emotion of each event), one column
# each: `emo_<name>` (a window's counts change by adding to them in one upsert)
WINDOW_EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
POLARITY_COUNTS = ("negative", "neutral", "positive")

streams_table = Table(
    "streams",
    metadata,
    Column("name", Text, primary_key=True),
    Column("created", Float, nullable=False),
    Column("config", Text, nullable=False),  # JSON: {"rules": [...]} (affectkit.monitor.rules)
)

events_table = Table(
    "events",
    metadata,
    Column("stream", Text, primary_key=True),
    Column("id", Text, primary_key=True),  # the sender's id: a re-sent event is a duplicate
    Column("time", Float, nullable=False),  # when it happened (the sender's time), UTC
    Column("received", Float, nullable=False),  # when it was stored
    Column("text", Text, nullable=False),
    Column("author", Text),
    Column("source", Text),
    Column("meta", Text),  # JSON object or NULL
    Column("label", Text, nullable=False),  # the result's label
    Column("polarity_label", Text),  # negative | neutral | positive, NULL: no polarity
    Column("emotion_label", Text),  # the dominant emotion, NULL: no emotions
    Column("score", Float),
    Column("polarity", Text),  # JSON {negative, neutral, positive} or NULL
    Column("emotions", Text),  # JSON over the canonical emotions or NULL
    Column("valence", Float),
    Column("language", Text),
    Column("evidence", Text, nullable=False),  # JSON [[word, weight], ...]
    Column("model", Text, nullable=False),
    Index("events_stream_time", "stream", "time"),
)

windows_table = Table(
    "windows",
    metadata,
    Column("stream", Text, primary_key=True),
    Column("width", Integer, primary_key=True),  # seconds
    Column("start", Float, primary_key=True),  # a multiple of width
    Column("n", Integer, nullable=False),  # events
    *(Column(p, Integer, nullable=False) for p in POLARITY_COUNTS),
    *(Column(f"emo_{e}", Integer, nullable=False) for e in WINDOW_EMOTIONS),
    Column("valence_sum", Float, nullable=False),
    Column("valence_n", Integer, nullable=False),  # events with a valence
)

alerts_table = Table(
    "alerts",
    metadata,
    Column("id", Text, primary_key=True),
    Column("key", Text, nullable=False, unique=True),  # stream/rule/width/start: one per window
    Column("stream", Text, nullable=False),
    Column("rule", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("width", Integer, nullable=False),
    Column("window_start", Float, nullable=False),
    Column("window_end", Float, nullable=False),
    Column("fired", Float, nullable=False),
    Column("statistic", Float, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON
    Index("alerts_stream_fired", "stream", "fired"),
)

deliveries_table = Table(
    "deliveries",
    metadata,
    Column("id", Text, primary_key=True),
    Column("alert", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("status", Text, nullable=False),  # pending | delivered | failed | dropped
    Column("last_error", Text),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Index("deliveries_alert", "alert"),
)

# -- mood trends (`affectkit.mood`): journal entries per person, each with its analysis ------
# A person's daily series is computed from these rows; deleting a person deletes their rows.

mood_entries_table = Table(
    "mood_entries",
    metadata,
    Column("person", Text, primary_key=True),
    Column("id", Text, primary_key=True),  # the entry's id: a re-read entry is stored once
    Column("day", Text, nullable=False),  # YYYY-MM-DD, the date as the entry wrote it
    Column("time", Text, nullable=False),  # the date (and time) as written
    Column("text", Text, nullable=False),
    Column("valence", Float, nullable=False),
    Column("emotions", Text),  # JSON over the canonical emotions, or NULL
    Column("label", Text, nullable=False),
    Column("language", Text),
    Column("model", Text, nullable=False),
    Column("stored", Float, nullable=False),  # UTC epoch seconds
    Index("mood_entries_person_day", "person", "day"),
)
