"""Monitoring streams of texts: events in, windows kept, alerts out.

- `events`: what an event is, checked one by one (times in ISO-8601 or epoch s/ms).
- `ingest`: `Monitor` analyses a batch, stores it with its window aggregates in one
  transaction (idempotent by event id) and judges the windows it touched.
- `commit`: batches ingested at once from several threads share one write transaction.
- `rules`: the alert rules and their statistics (`stats`), configurable per stream.
- `webhooks`: alerts POSTed in the background, with retries, each attempt recorded.

Storage is `affectkit.storage` (``store.streams``): SQLite or PostgreSQL.
"""

from affectkit.monitor.events import Event, parse_event, parse_time
from affectkit.monitor.ingest import Ingested, Monitor, check_stream_name
from affectkit.monitor.rules import DEFAULT_WIDTHS, Rule, default_rules, load_rules
from affectkit.monitor.webhooks import Notifier, WebhookSettings

__all__ = [
    "DEFAULT_WIDTHS",
    "Event",
    "Ingested",
    "Monitor",
    "Notifier",
    "Rule",
    "WebhookSettings",
    "check_stream_name",
    "default_rules",
    "load_rules",
    "parse_event",
    "parse_time",
]
