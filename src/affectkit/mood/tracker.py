"""`MoodTracker`: journal entries analysed and kept in the store, and each person's trend.

Entries are analysed by the default analyzer of their language (`affectkit.api.analyze`), or
the model given, and stored with their valence and emotions (``store.mood``); a person's
series, baseline and notices are computed from their stored entries whenever they are asked
for (`affectkit.mood.trends`), so they always follow the settings asked with. Nothing leaves
the machine: the store is the local SQLite file or the PostgreSQL server given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from affectkit import api
from affectkit.mood.journal import Entry, check_person
from affectkit.mood.trends import MoodSettings, daily, summary, trend
from affectkit.mood.wording import ABOUT
from affectkit.storage import Store


@dataclass
class Added:
    """What became of a batch of entries: per entry (in order) ``{"index", "id", "status",
    "reason"}`` with status stored | duplicate | rejected."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(e["status"] == status for e in self.entries)


class MoodTracker:
    """Entries in, trends out, for the people of one store."""

    def __init__(
        self,
        store: Store,
        *,
        model: str = "auto",
        model_options: dict | None = None,
        settings: MoodSettings | None = None,
    ) -> None:
        self.store = store
        self.model, self.model_options = model, model_options or {}
        self.settings = settings or MoodSettings()

    def add(self, entries: Sequence[Entry]) -> Added:
        """Analyse and store `entries`. An entry the model cannot read (or gives no valence:
        a language it does not cover) is rejected with the reason; the others are stored."""
        out = Added()
        texts = [e.text for e in entries]
        results = api.analyze(
            texts, model=self.model, errors="flag", model_options=self.model_options
        )
        rows = []
        for i, (entry, r) in enumerate(zip(entries, results, strict=True)):
            status = {"index": i, "id": entry.id, "person": entry.person, "status": "stored",
                      "reason": None}  # fmt: skip
            out.entries.append(status)
            if r.label == "error":
                why = str(r.raw.get("error", "could not be analysed")).splitlines()[0][:300]
                status.update(status="rejected", reason=why)
                continue
            if r.valence is None:
                why = f"{r.model} gives no valence for this text (language {r.language})"
                status.update(status="rejected", reason=why)
                continue
            rows.append({
                "person": entry.person, "id": entry.id, "day": entry.day, "time": entry.time,
                "text": entry.text, "valence": float(r.valence),
                "emotions": dict(r.emotions) if r.emotions else None, "label": r.label,
                "language": r.language, "model": r.model,
            })  # fmt: skip
        # an id twice in one batch (or already stored) is stored once
        seen: set[tuple[str, str]] = set()
        unique = []
        for row in rows:
            if (row["person"], row["id"]) not in seen:
                seen.add((row["person"], row["id"]))
                unique.append(row)
        fresh = self.store.mood.add_entries(unique) if unique else set()
        for status in out.entries:
            key = (status["person"], status["id"])
            if status["status"] != "stored":
                continue
            if key in fresh:
                fresh.discard(key)  # a second entry with its id in this batch is a duplicate
            else:
                status.update(status="duplicate", reason="already stored")
        return out

    def person(self, person: str, settings: MoodSettings | None = None) -> dict[str, Any] | None:
        """A person's summary, daily series and notices (None: no entries)."""
        person = check_person(person)
        rows = self.store.mood.entries(person)
        if not rows:
            return None
        s = settings or self.settings
        series, notices = trend(
            person, daily((r["day"], r["valence"], r["emotions"]) for r in rows), s
        )
        return {
            **summary(person, series, notices, len(rows)),
            "series": [d.to_dict() for d in series],
            "notice_list": [n.to_dict() for n in notices],
            "settings": s.to_dict(),
            "about": ABOUT,
        }

    def people(self, settings: MoodSettings | None = None) -> list[dict[str, Any]]:
        """Every person's summary (no series)."""
        out = []
        for p in self.store.mood.people():
            found = self.person(p["person"], settings)
            if found is not None:
                drop = ("series", "settings", "about")
                out.append({k: v for k, v in found.items() if k not in drop})
        return out

    def delete(self, person: str) -> int:
        """Delete every stored entry of `person`; returns how many there were."""
        return self.store.mood.delete_person(check_person(person))
