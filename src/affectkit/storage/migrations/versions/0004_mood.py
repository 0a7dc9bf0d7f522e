"""Mood trends: journal entries per person with their analysis (`affectkit.mood`)."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mood_entries",
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("time", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("valence", sa.Float, nullable=False),
        sa.Column("emotions", sa.Text),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("language", sa.Text),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("stored", sa.Float, nullable=False),
    )
    op.create_index("mood_entries_person_day", "mood_entries", ["person", "day"])


def downgrade() -> None:
    op.drop_index("mood_entries_person_day", "mood_entries")
    op.drop_table("mood_entries")
