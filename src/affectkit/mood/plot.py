"""A person's mood trend as a PNG: daily valence with the baseline band and the notice days
marked, and the emotion mix stacked below (matplotlib, Agg backend, imported only here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError, require
from affectkit.labels import EMOTIONS
from affectkit.plots import COLOURS, save_figure


def mood_plot(people: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Save one panel pair per person (`MoodTracker.person`'s dicts) as a PNG at `path`."""
    people = [p for p in people if p and p["series"]]
    if not people:
        raise InvalidInputError("Nothing to draw: no person has analysed entries.")
    matplotlib = require("matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        2 * len(people), 1, figsize=(11, 4.2 * len(people)), dpi=110, squeeze=False,
        gridspec_kw={"height_ratios": [2.2, 1] * len(people)},
    )  # fmt: skip
    for i, person in enumerate(people):
        top, bottom = axes[2 * i][0], axes[2 * i + 1][0]
        series = person["series"]
        x = [dt.date.fromisoformat(d["day"]) for d in series]
        nan = float("nan")
        base = [d["baseline"] if d["baseline"] is not None else nan for d in series]
        low = [d["threshold"] if d["threshold"] is not None else nan for d in series]
        top.fill_between(x, low, base, color="#9db4d6", alpha=0.35, step="mid",
                         label="baseline (median) to median − k·spread")  # fmt: skip
        top.plot(x, base, color="#4a6fa5", linewidth=1, drawstyle="steps-mid")
        top.plot(x, [d["valence"] for d in series], color="#1d2330", marker="o", markersize=3,
                 linewidth=1, label="daily mean valence")  # fmt: skip
        lows = [(xi, d["valence"]) for xi, d in zip(x, series) if d["low"]]
        if lows:
            top.scatter(*zip(*lows), color="#b02a37", s=18, zorder=3, label="below the band")
        for n in person["notice_list"]:
            a, b = dt.date.fromisoformat(n["start"]), dt.date.fromisoformat(n["end"])
            top.axvspan(a - dt.timedelta(hours=12), b + dt.timedelta(hours=12),
                        color="#f0ad4e", alpha=0.25)  # fmt: skip
            top.axvline(dt.date.fromisoformat(n["fired"]), color="#b26b00", linestyle="--",
                        linewidth=1)  # fmt: skip
        top.set_ylim(-1.05, 1.05)
        top.set_ylabel("valence")
        top.set_title(f"{person['person']}: {person['notices']} notice(s)", fontsize=10,
                      loc="left")  # fmt: skip
        top.legend(fontsize=7, loc="lower left", frameon=False)
        mixes = [d["emotions"] or {} for d in series]
        bottom_y = [0.0] * len(series)
        for e in EMOTIONS:
            h = [m.get(e, 0.0) for m in mixes]
            bottom.bar(x, h, bottom=bottom_y, color=COLOURS[e], width=0.9, label=e)
            bottom_y = [b + v for b, v in zip(bottom_y, h)]
        bottom.set_ylim(0, 1)
        bottom.set_ylabel("emotion mix")
        if not any(mixes):
            bottom.text(0.5, 0.5, "the model gives no emotions", ha="center", va="center",
                        transform=bottom.transAxes, fontsize=8, color="#666666")  # fmt: skip
        bottom.legend(fontsize=7, ncol=len(EMOTIONS), loc="upper left",
                      bbox_to_anchor=(0, 1.25), frameon=False)  # fmt: skip
    fig.tight_layout()
    return save_figure(fig, plt, path)
