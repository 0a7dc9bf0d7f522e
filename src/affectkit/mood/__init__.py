"""Mood trends: journal entries or messages per person, their daily valence and emotion mix,
a personal rolling baseline, and a notice when mood stays below it for days.

- `journal`: entries checked one by one, read from CSV or JSON Lines (`read_journal`).
- `trends`: the statistics (pure functions): days, robust baseline, low days, notices.
- `wording`: the notice's words, in one place.
- `tracker`: `MoodTracker` analyses entries, keeps them in the store (``store.mood``), and
  computes each person's trend; a person can be deleted with everything of theirs.
- `plot`: the trend as a PNG (matplotlib).

Everything stays on the machine. docs/mood.md explains the statistics and their defaults.
"""

from affectkit.mood.journal import DEFAULT_PERSON, BadEntry, Entry, make_entry, read_journal
from affectkit.mood.tracker import Added, MoodTracker
from affectkit.mood.trends import Day, MoodSettings, Notice, daily, robust_baseline, trend
from affectkit.mood.wording import ABOUT, NOTICE_TEXT, NOTICE_TITLE, notice_message

__all__ = [
    "ABOUT",
    "DEFAULT_PERSON",
    "NOTICE_TEXT",
    "NOTICE_TITLE",
    "Added",
    "BadEntry",
    "Day",
    "Entry",
    "MoodSettings",
    "MoodTracker",
    "Notice",
    "daily",
    "make_entry",
    "notice_message",
    "read_journal",
    "robust_baseline",
    "trend",
]
