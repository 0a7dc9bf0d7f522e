"""The store of affectkit 0.1, its last release before Alembic: API keys, items, jobs.

A SQLite file that release wrote is stamped with this revision once it is brought to that
release's final schema (`affectkit.storage.legacy`); these tables are the same.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False, unique=True),
        sa.Column("rate_per_min", sa.Integer),  # NULL: no limit
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("revoked", sa.Float),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("key_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False, server_default="text"),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
    )
    op.create_index("items_created", "items", ["created"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("key_id", sa.Text),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("input_path", sa.Text, nullable=False),
        sa.Column("output_path", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("rows_total", sa.Integer),
        sa.Column("errors", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("error", sa.Text),
        sa.Column("finished", sa.Float),
    )


def downgrade() -> None:
    op.drop_table("jobs")
    op.drop_index("items_created", "items")
    op.drop_table("items")
    op.drop_table("api_keys")
