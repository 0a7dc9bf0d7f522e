"""Storage behind one interface: API keys, stored items and batch jobs.

`Store` implements `affectkit.protocols.Storage` on two databases with one schema
(`affectkit.storage.schema`, SQLAlchemy Core): SQLite, one file in the service's data folder
(the default), or PostgreSQL by URL (``postgresql://USER@HOST/DATABASE``, through psycopg 3).
The schema lives in Alembic revisions shipped in ``migrations/`` and applied when a store is
opened (`affectkit.storage.migrate`); a SQLite file from before Alembic is upgraded in place
with every key, item and job kept. Needs the ``serve`` extra (SQLAlchemy, Alembic, psycopg).
"""

from affectkit.storage.store import KEY_PREFIX, ApiKey, Store, hash_key

__all__ = ["KEY_PREFIX", "ApiKey", "Store", "hash_key"]
