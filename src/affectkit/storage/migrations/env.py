"""Alembic's entry point for the store's revisions (``versions/``).

`affectkit.storage.migrate` runs it with the store's connection, inside the store's transaction,
in ``config.attributes["connection"]``; there is no alembic.ini and no offline (``--sql``) mode.
A new revision is a file in ``versions/`` written by hand: ``revision`` the next number,
``down_revision`` the last, ``upgrade()`` and ``downgrade()`` with `alembic.op` (both SQLite
and PostgreSQL; columns spelled out, not imported from `affectkit.storage.schema`, which moves
on). Then change `affectkit.storage.schema` to match: a test compares the two.
"""

from alembic import context

from affectkit.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "The store's migrations run when a store is opened (affectkit.storage.Store), which "
        "passes its connection; they are not run by the alembic command."
    )
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
