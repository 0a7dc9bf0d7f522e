"""A synthetic diary built from real labelled texts (SST-2 dev, ../shared/data/text/sst2):
a steady stretch of positive sentences, then a planted low stretch of negative ones, a few
entries a day."""

import csv
import datetime as dt
import random
from pathlib import Path

START = dt.date(2024, 1, 1)
STEADY_DAYS, LOW_DAYS, PER_DAY = 40, 14, 3


def sst2(shared_data: Path) -> dict[str, list[str]]:
    with open(shared_data / "text" / "sst2" / "dev.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {lab: [r["text"] for r in rows if r["label"] == lab] for lab in ("positive", "negative")}


def diary(texts: dict[str, list[str]], low: bool = True, seed: int = 0, person: str = "ana"):
    """(person, date, text) rows: STEADY_DAYS of positive texts, then LOW_DAYS of negative
    ones (or positive ones again when not `low`), PER_DAY entries a day."""
    rng = random.Random(seed)
    rows = []
    for day in range(STEADY_DAYS + LOW_DAYS):
        label = "negative" if low and day >= STEADY_DAYS else "positive"
        for hour in range(PER_DAY):
            when = dt.datetime.combine(START + dt.timedelta(day), dt.time(9 + 5 * hour))
            rows.append((person, when.isoformat(timespec="minutes"), rng.choice(texts[label])))
    return rows


def low_start() -> str:
    return (START + dt.timedelta(STEADY_DAYS)).isoformat()
