"""A store's schema brought up to date when it is opened, by Alembic.

The revisions ship in ``migrations/versions``; revision 0001 is the schema of affectkit 0.1, the
last release before Alembic. They run through Alembic's command API with the store's own
connection (no alembic.ini), all in one transaction: a crash or an error leaves the database
as it was. Opening takes a lock first (SQLite's write lock, a PostgreSQL advisory lock), so two
processes opening one new database do not both create it.

A SQLite file from before Alembic has no ``alembic_version`` table and its version in
``user_version``. It is brought to that release's final schema by that release's own, frozen,
migrations (`affectkit.storage.legacy`), stamped 0001, then upgraded like any other; every key,
item and job is kept. Once Alembic manages a SQLite file its ``user_version`` is
`ALEMBIC_USER_VERSION`, so that the older release refuses it instead of misreading it. A store
at a revision this affectkit does not know was written by a newer one: it is refused, unchanged.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from affectkit.errors import StorageError
from affectkit.storage import legacy
from affectkit.storage.engine import IMMEDIATE

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # the schema of the last release before Alembic
ALEMBIC_USER_VERSION = legacy.FINAL_VERSION + 1
TABLES = frozenset({"api_keys", "items", "jobs"})
PG_LOCK = 0x61666B74  # any constant: the advisory lock every affectkit takes while migrating


def alembic_config(connection: sa.Connection) -> Config:
    """Alembic's configuration for the store's revisions, run on `connection` (env.py)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, name: str) -> None:
    """Bring the store's schema to this affectkit's head revision (see the module docstring).
    `name` is how messages call the store."""
    with engine.connect() as connection:
        connection.execution_options(**{IMMEDIATE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK)))
            config = alembic_config(connection)
            tables = set(sa.inspect(connection).get_table_names())
            if "alembic_version" not in tables and tables & TABLES:
                _adopt_legacy(connection, config, name, tables)
            _refuse_newer(connection, config, name)
            command.upgrade(config, "head")
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql(f"PRAGMA user_version = {ALEMBIC_USER_VERSION}")


def _adopt_legacy(connection: sa.Connection, config: Config, name: str, tables: set) -> None:
    """Bring a store written before Alembic to the baseline revision and stamp it so."""
    if connection.dialect.name != "sqlite":  # affectkit never wrote these before Alembic
        raise StorageError(
            f"{name} already holds tables named {', '.join(sorted(tables & TABLES))} that "
            f"affectkit did not create (it has no alembic_version table). Give affectkit an "
            f"empty database, or a schema of its own (?options=-csearch_path%3DNAME in the URL)."
        )
    version = connection.exec_driver_sql("PRAGMA user_version").scalar() or 1
    if "items" not in tables:  # that release's first open created items with the others
        version = legacy.FINAL_VERSION
    if version > legacy.FINAL_VERSION:
        raise StorageError(
            f"{name} was written by a newer affectkit (store version {version}, without "
            f"Alembic's revision; this one reads up to {legacy.FINAL_VERSION}). Upgrade "
            f"affectkit, or use another data folder."
        )
    for step in range(version, legacy.FINAL_VERSION):
        for statement in legacy.statements(legacy.MIGRATIONS[step]):
            connection.exec_driver_sql(statement)
    for statement in legacy.statements(legacy.SCHEMA):
        connection.exec_driver_sql(statement)
    command.stamp(config, BASELINE)


def _refuse_newer(connection: sa.Connection, config: Config, name: str) -> None:
    script = ScriptDirectory.from_config(config)
    known = {s.revision for s in script.walk_revisions()}
    current = MigrationContext.configure(connection).get_current_heads()
    unknown = [r for r in current if r not in known]
    if unknown:
        raise StorageError(
            f"{name} was written by a newer affectkit (store revision {unknown[0]}; this one "
            f"knows up to {script.get_current_head()}). Upgrade affectkit, or use another "
            f"data folder or database."
        )
