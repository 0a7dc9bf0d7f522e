"""Storage behind one interface: keys, stored items and batch jobs.

`Store` is the embedded SQLite backend (one file in the service's data folder); the interface it
implements is `affectkit.protocols.Storage`, so a PostgreSQL backend can stand beside it.
"""

from affectkit.storage.sqlite import KEY_PREFIX, ApiKey, Store, hash_key

__all__ = ["KEY_PREFIX", "ApiKey", "Store", "hash_key"]
