"""Monitoring: streams, their events (idempotent by id), window aggregates, alerts and the
deliveries of alerts to webhooks (`affectkit.monitor`)."""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")


def upgrade() -> None:
    op.create_table(
        "streams",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("stream", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("time", sa.Float, nullable=False),
        sa.Column("received", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("meta", sa.Text),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("polarity_label", sa.Text),
        sa.Column("emotion_label", sa.Text),
        sa.Column("score", sa.Float),
        sa.Column("polarity", sa.Text),
        sa.Column("emotions", sa.Text),
        sa.Column("valence", sa.Float),
        sa.Column("language", sa.Text),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
    )
    op.create_index("events_stream_time", "events", ["stream", "time"])
    op.create_table(
        "windows",
        sa.Column("stream", sa.Text, primary_key=True),
        sa.Column("width", sa.Integer, primary_key=True),
        sa.Column("start", sa.Float, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("negative", sa.Integer, nullable=False),
        sa.Column("neutral", sa.Integer, nullable=False),
        sa.Column("positive", sa.Integer, nullable=False),
        *(sa.Column(f"emo_{e}", sa.Integer, nullable=False) for e in EMOTIONS),
        sa.Column("valence_sum", sa.Float, nullable=False),
        sa.Column("valence_n", sa.Integer, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("stream", sa.Text, nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("window_end", sa.Float, nullable=False),
        sa.Column("fired", sa.Float, nullable=False),
        sa.Column("statistic", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("alerts_stream_fired", "alerts", ["stream", "fired"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("alert", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    op.create_index("deliveries_alert", "deliveries", ["alert"])


def downgrade() -> None:
    op.drop_index("deliveries_alert", "deliveries")
    op.drop_table("deliveries")
    op.drop_index("alerts_stream_fired", "alerts")
    op.drop_table("alerts")
    op.drop_table("windows")
    op.drop_index("events_stream_time", "events")
    op.drop_table("events")
    op.drop_table("streams")
