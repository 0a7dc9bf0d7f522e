"""Ingestion: a batch of events checked, analysed, stored with their windows, and judged.

`Monitor.ingest` is the whole path of one batch: each event is parsed
(`affectkit.monitor.events`), the valid ones analysed together by the default analyzer of their
language (`affectkit.api.analyze`, or the model given), stored with the aggregates of their
windows in one transaction (`affectkit.storage.streams`), and the windows they touched judged
by the stream's rules (`affectkit.monitor.rules`). It returns only once the events are stored,
so whatever it reports ``stored`` survives a crash. Batches ingested at the same time from
several threads share one write transaction (`affectkit.monitor.commit`). New alerts go to
the webhooks (`affectkit.monitor.webhooks`) without waiting for them.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from affectkit import api
from affectkit.errors import InvalidInputError
from affectkit.monitor.commit import GroupCommit
from affectkit.monitor.events import MAX_TEXT_BYTES, Event, parse_events
from affectkit.monitor.rules import DEFAULT_WIDTHS, Rule, default_rules, judge, parse_rules
from affectkit.monitor.webhooks import Notifier
from affectkit.results import AffectResult
from affectkit.storage import Store
from affectkit.storage.streams import window_start

MAX_STREAM_CHARS = 100
EVIDENCE_WORDS = 10  # per event, the largest weights
ALERT_EVENTS = 5  # the most negative events an alert shows
ALERT_TEXT_CHARS = 500


def check_stream_name(name: str) -> str:
    """A stream's name: 1 to 100 letters, digits, ``.``, ``_``, ``-`` or ``:``."""
    ok = 0 < len(name) <= MAX_STREAM_CHARS and all(c.isalnum() or c in "._-:" for c in name)
    if not ok or not name.isascii():
        raise InvalidInputError(
            f"A stream's name is 1 to {MAX_STREAM_CHARS} ASCII letters, digits, '.', '_', '-' "
            f"or ':'. Got {name[:40]!r}."
        )
    return name


@dataclass
class Ingested:
    """What became of a batch: per event (in order) ``{"index", "id", "status", "reason"}``
    with status stored | duplicate | rejected, and the alerts it raised."""

    events: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(e["status"] == status for e in self.events)


class Monitor:
    """Streams ingested into `store`, windows of `widths` seconds, rules judged per batch."""

    def __init__(
        self,
        store: Store,
        *,
        widths: Sequence[int] = DEFAULT_WIDTHS,
        model: str = "auto",
        model_options: dict | None = None,
        max_text_bytes: int = MAX_TEXT_BYTES,
        notifier: Notifier | None = None,
    ) -> None:
        self.store, self.streams = store, store.streams
        self.widths = tuple(widths)
        self.model, self.model_options = model, model_options or {}
        self.max_text_bytes = max_text_bytes
        self.notifier = notifier
        self._commits: GroupCommit[tuple[str, list[dict]], set[str]] = GroupCommit(
            lambda batches: self.streams.add_event_batches(batches, self.widths)
        )

    # -- rules -----------------------------------------------------------------------------
    def rules(self, stream: str) -> list[Rule]:
        """The stream's rules: as set (`set_rules`), else `default_rules`."""
        config = self.streams.get_config(stream) or {}
        if "rules" not in config:
            return default_rules()
        return parse_rules(config["rules"], self.widths)

    def set_rules(self, stream: str, rules: list[dict[str, Any]] | list[Rule]) -> list[Rule]:
        check_stream_name(stream)
        dicts = [r.to_dict() if isinstance(r, Rule) else r for r in rules]
        checked = parse_rules(dicts, self.widths)
        config = self.streams.get_config(stream) or {}
        self.streams.set_config(stream, {**config, "rules": [r.to_dict() for r in checked]})
        return checked

    # -- ingestion -------------------------------------------------------------------------
    def ingest(self, stream: str, objs: Sequence[Any], received: float | None = None) -> Ingested:
        """Check, analyse, store and judge one batch (see the module docstring)."""
        check_stream_name(stream)
        received = time.time() if received is None else received
        out = Ingested()
        parsed = parse_events(list(objs), received, self.max_text_bytes)
        seen: set[str] = set()
        valid: list[tuple[int, Event]] = []
        for i, p in enumerate(parsed):
            if isinstance(p, str):
                out.events.append(_status(i, _id_of(objs[i]), "rejected", p))
            elif p.id in seen:
                why = "the same id came earlier in this batch"
                out.events.append(_status(i, p.id, "duplicate", why))
            else:
                seen.add(p.id)
                valid.append((i, p))
                out.events.append(_status(i, p.id, "stored"))
        texts = [e.text for _, e in valid]
        options = self.model_options
        results = api.analyze(texts, model=self.model, errors="flag", model_options=options)
        rows = []
        for (i, event), result in zip(valid, results, strict=True):
            if result.label == "error":
                why = str(result.raw.get("error", "could not be analysed"))
                out.events[i].update(status="rejected", reason=why.splitlines()[0][:300])
                continue
            rows.append(event_row(event, result, received))
        new = self._commits.submit((stream, rows)) if rows else set()
        touched: dict[int, set[float]] = {}
        index = {e.id: i for i, e in valid}
        for row in rows:
            if row["id"] not in new:
                out.events[index[row["id"]]].update(status="duplicate", reason="already stored")
                continue
            for width in self.widths:
                touched.setdefault(width, set()).add(window_start(row["time"], width))
        if touched:
            out.alerts = self.evaluate(stream, touched)
        return out

    def evaluate(self, stream: str, touched: dict[int, set[float]]) -> list[dict[str, Any]]:
        """Judge the windows (width -> starts) by the stream's rules; store the new alerts
        and hand them to the notifier. Returns them.

        Each touched window is judged once per rule, however many of the batch's events fell
        in it, on windows read in one transaction: for each, the windows its rules look back
        on (`Rule.baseline_windows` + `Rule.consecutive`) and itself, never the whole
        history between a late event's window and the current one."""
        rules = self.rules(stream)
        by_width: dict[int, list[Rule]] = {}
        for rule in rules:
            if rule.width in touched:
                by_width.setdefault(rule.width, []).append(rule)
        spans = {}
        for width, ours in by_width.items():
            reach = max(r.baseline_windows + r.consecutive for r in ours)
            spans[width] = [(s - reach * width, s + width) for s in touched[width]]
        near = self.streams.windows_near(stream, spans) if spans else {}
        fired = []
        for width in sorted(near):
            first, windows = near[width]
            for rule in by_width[width]:
                for start in sorted(touched[width]):
                    found = judge(rule, windows, start, first)
                    if found is not None:
                        alert = self._store_alert(stream, rule, found)
                        if alert is not None:
                            fired.append(alert)
        return fired

    def _store_alert(self, stream: str, rule: Rule, found: dict) -> dict[str, Any] | None:
        """Add the most negative events to a finding and store it as an alert (None: one of
        its window, or of its cool-down, exists); the notifier gets the new one."""
        start, end = found["window_start"], found["window_end"]
        worst = self.streams.events(stream, start, end, limit=ALERT_EVENTS, order="negative")
        found["evidence"]["most_negative"] = [
            {"id": e["id"], "time": e["time"], "text": e["text"][:ALERT_TEXT_CHARS],
             "score": e["score"], "evidence": e["evidence"]}
            for e in worst
        ]  # fmt: skip
        alert = {
            "key": f"{stream}/{rule.name}/{rule.width}/{start:.0f}",
            "stream": stream, "rule": rule.name, "kind": rule.kind, "width": rule.width,
            "fired": time.time(), **found,
        }  # fmt: skip
        alert_id = self.streams.add_alert(alert, rule.cooldown_s)
        if alert_id is None:
            return None
        alert["id"] = alert_id
        if self.notifier is not None:
            self.notifier.submit(alert)
        return alert


def _status(index: int, eid: str | None, status: str, reason: str | None = None) -> dict:
    return {"index": index, "id": eid, "status": status, "reason": reason}


def _id_of(obj: Any) -> str | None:
    eid = obj.get("id") if isinstance(obj, dict) else None
    return str(eid)[:200] if isinstance(eid, (str, int)) and not isinstance(eid, bool) else None


def event_row(event: Event, result: AffectResult, received: float) -> dict[str, Any]:
    """An event and its analysis as a row of the events table."""
    # stored to 4 decimals, as the API shows them (shorter to encode and to keep)
    polarity = {k: round(v, 4) for k, v in result.polarity.items()} if result.polarity else None
    emotions = {k: round(v, 4) for k, v in result.emotions.items()} if result.emotions else None
    evidence = result.evidence
    if len(evidence) > EVIDENCE_WORDS:
        evidence = heapq.nlargest(EVIDENCE_WORDS, evidence, key=lambda e: abs(e.weight))
    else:
        evidence = sorted(evidence, key=lambda e: -abs(e.weight))
    return {
        "id": event.id,
        "time": event.time,
        "received": received,
        "text": event.text,
        "author": event.author,
        "source": event.source,
        "meta": event.meta,
        "label": result.label,
        "polarity_label": _top(result.polarity),
        # a lexicon that found no emotion word says all-neutral: that is its dominant emotion
        "emotion_label": _top(result.emotions),
        "score": result.score,
        "polarity": polarity,
        "emotions": emotions,
        "valence": result.valence,
        "language": result.language,
        "evidence": [[e.text, round(e.weight, 4)] for e in evidence],
        "model": result.model,
    }


def _top(scores: dict[str, float] | None) -> str | None:
    """The label with the highest score (of the unrounded scores), None for none."""
    return max(scores, key=scores.__getitem__) if scores else None
