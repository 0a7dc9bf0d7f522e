"""The statistics of mood trends: a person's days, their own rolling baseline, and notices.

Pure functions over a person's analysed entries (day, valence, emotions); no storage, no model.

- A **day** is a calendar date as the entry wrote it. Its valence is the mean valence of its
  entries (each in [-1, 1]); its emotion mix the mean of their emotion distributions (entries
  whose model gives none are left out of the mix).
- The **baseline** of a day is robust statistics of the person's own daily valences over the
  `MoodSettings.window_days` calendar days before it: the median, and the spread
  ``1.4826 · MAD`` (the median absolute deviation, scaled to match a standard deviation on
  normal data), at least `MoodSettings.min_spread`. It needs `MoodSettings.min_history_days`
  days with entries in that window; before that there is no baseline and no notice.
- A day is **low** when its valence is below ``median − k · spread``.
- A **notice** comes when `MoodSettings.consecutive_days` days with entries in a row are low
  (a gap of more than `MoodSettings.max_gap_days` days without entries starts the count
  again). While a run of low days goes on its baseline stays the one of its first day, so the
  low days do not lower the level they are compared with. One notice per run: it fires on the
  run's `consecutive_days`-th day and ends with the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from affectkit.errors import InvalidInputError
from affectkit.labels import EMOTIONS
from affectkit.mood.wording import notice_message

MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data


@dataclass(frozen=True)
class MoodSettings:
    """Every knob of the trends, with its default (docs/mood.md explains each)."""

    window_days: int = 28  # the trailing calendar days a baseline is computed over
    min_history_days: int = 14  # days with entries in that window before a baseline exists
    k: float = 1.0  # how many spreads below the median a day must be to count as low
    min_spread: float = 0.1  # the smallest spread used (valence units): a very even diary
    # does not turn a small dip into a notice
    consecutive_days: int = 5  # low days in a row before a notice
    max_gap_days: int = 2  # days without entries a run of low days may skip

    def __post_init__(self) -> None:
        for name in ("window_days", "min_history_days", "consecutive_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(f"{name} must be a positive integer. Got {value!r}.")
        if isinstance(self.max_gap_days, bool) or not isinstance(self.max_gap_days, int):
            raise InvalidInputError(f"max_gap_days must be an integer. Got {self.max_gap_days!r}.")
        if self.max_gap_days < 0:
            raise InvalidInputError(f"max_gap_days must be >= 0. Got {self.max_gap_days}.")
        if self.min_history_days > self.window_days:
            raise InvalidInputError(
                f"min_history_days ({self.min_history_days}) cannot be more than window_days "
                f"({self.window_days}): the window could never hold that many days."
            )
        for name in ("k", "min_spread"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise InvalidInputError(f"{name} must be a number >= 0. Got {value!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Day:
    """One day of a person's series."""

    day: str  # YYYY-MM-DD
    entries: int
    valence: float
    emotions: dict[str, float] | None  # the mean mix, None: no entry had emotions
    baseline: float | None = None  # the median it is compared with; None: not enough history
    spread: float | None = None
    threshold: float | None = None  # median − k · spread
    low: bool = False
    notice: bool = False  # a notice fired on this day

    def to_dict(self) -> dict[str, Any]:
        return {k: _round(v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Notice:
    """A run of low days long enough for a notice: from `start` to `end` (its last low day so
    far), fired on `fired`."""

    person: str
    start: str
    fired: str
    end: str
    days: int  # low days with entries in the run
    mean_valence: float
    baseline: float

    @property
    def message(self) -> str:
        return notice_message(self.days)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: _round(v) for k, v in asdict(self).items()}, "message": self.message}


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, dict):
        return {k: round(x, 4) for k, x in v.items()}
    return v


def daily(entries: Iterable[tuple[str, float, Mapping[str, float] | None]]) -> list[Day]:
    """(day, valence, emotions or None) entries as one `Day` per calendar day, in order."""
    by_day: dict[str, list[tuple[float, Mapping[str, float] | None]]] = {}
    for day, valence, emotions in entries:
        by_day.setdefault(day, []).append((float(valence), emotions))
    out = []
    for day in sorted(by_day):
        rows = by_day[day]
        mixes = [e for _, e in rows if e]
        mix = None
        if mixes:
            mix = {name: float(np.mean([m.get(name, 0.0) for m in mixes])) for name in EMOTIONS}
        out.append(Day(day, len(rows), float(np.mean([v for v, _ in rows])), mix))
    return out


def robust_baseline(values: Sequence[float], min_spread: float) -> tuple[float, float]:
    """(median, spread) of `values`: spread = 1.4826 · MAD, at least `min_spread`."""
    x = np.asarray(values, dtype=float)  # (n,)
    median = float(np.median(x))
    mad = float(np.median(np.abs(x - median)))
    return median, max(MAD_TO_SD * mad, float(min_spread))


def trend(
    person: str, days: Sequence[Day], settings: MoodSettings | None = None
) -> tuple[list[Day], list[Notice]]:
    """Each of `days` (one person's, in order) with its baseline and whether it is low, and
    the notices of the series (see the module docstring)."""
    s = settings or MoodSettings()
    ordinals = [dt.date.fromisoformat(d.day).toordinal() for d in days]
    out: list[Day] = []
    notices: list[Notice] = []
    run: list[int] = []  # indices of the current run of low days
    frozen: tuple[float, float] | None = None  # the run's baseline
    fired = False
    for i, d in enumerate(days):
        if run and ordinals[i] - ordinals[run[-1]] - 1 > s.max_gap_days:
            run, frozen, fired = [], None, False
        if frozen is not None:
            base: tuple[float, float] | None = frozen
        else:
            since = ordinals[i] - s.window_days
            history = [days[j].valence for j in range(i) if ordinals[j] >= since]
            base = None
            if len(history) >= s.min_history_days:
                base = robust_baseline(history, s.min_spread)
        if base is None:
            out.append(Day(d.day, d.entries, d.valence, d.emotions))
            run, frozen, fired = [], None, False
            continue
        median, spread = base
        threshold = median - s.k * spread
        low = d.valence < threshold
        notice = False
        if low:
            run.append(i)
            frozen = base
            if len(run) >= s.consecutive_days:
                start, mean = days[run[0]].day, float(np.mean([days[j].valence for j in run]))
                found = Notice(person, start, d.day, d.day, len(run), mean, median)
                if not fired:
                    notices.append(found)
                    notice = fired = True
                else:  # the run goes on: the notice grows with it
                    notices[-1] = Notice(
                        person, start, notices[-1].fired, d.day, len(run), mean, median
                    )
        else:
            run, frozen, fired = [], None, False
        out.append(Day(d.day, d.entries, d.valence, d.emotions, median, spread, threshold,
                       low, notice))  # fmt: skip
    return out, notices


def summary(person: str, series: Sequence[Day], notices: Sequence[Notice], entries: int) -> dict:
    """A person's figures as the table, ``--json`` and ``GET /v1/mood/people`` show them."""
    last = next((d for d in reversed(series) if d.baseline is not None), None)
    return {
        "person": person,
        "entries": entries,
        "days": len(series),
        "first_day": series[0].day if series else None,
        "last_day": series[-1].day if series else None,
        "mean_valence": _round(float(np.mean([d.valence for d in series]))) if series else None,
        "baseline": _round(last.baseline) if last else None,
        "spread": _round(last.spread) if last else None,
        "notices": len(notices),
        "last_notice": notices[-1].fired if notices else None,
    }
