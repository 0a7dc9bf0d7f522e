"""Every store test runs on both databases, unless it is about one of them."""

import pytest

pytest.importorskip("sqlalchemy")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """Where a test's store lives: a new SQLite file in a new data folder, or a new schema on
    the PostgreSQL server (skipped, saying why, when none answers: see `postgres_server`)."""
    if request.param == "sqlite":
        return tmp_path / "data" / "affectkit.sqlite3"
    return request.getfixturevalue("postgres_url")
