"""Alert rules: which change in a stream's windows is worth telling someone about.

Every rule looks at one window (of `Rule.width` seconds) against the stream's own rolling
baseline: the `baseline_windows` windows just before it, pooled (a window with no events counts
as empty). Three kinds, each a documented test (`affectkit.monitor.stats`):

- ``negative_spike``: the window's share of negative events against the baseline's. With
  x = negatives and n = events with a polarity, the one-sided p-value of "the window's share
  x_w/n_w is above the baseline's x_b/n_b" is Fisher's exact test: given x_w + x_b, x_w is
  hypergeometric under "no change", p = P(H >= x_w). It fires when n_w >= `min_volume`,
  n_b >= `min_baseline`, x_w/n_w - x_b/n_b >= `min_rise` and p <= P(Z >= `z`) for a standard
  normal Z (defaults 30, 100, 0.10, 3.5: a one-sided level of 2.3e-4 per judged window). The
  evidence gives p and its z (the z a normal test would have had).
- ``emotion_rise``: the same on the share of events whose dominant emotion is `emotion`
  (anger, fear, sadness...; n counts events with emotions), over `consecutive` consecutive
  windows (default 2) against the baseline before the first of them: each window must hold
  the volume and the rise (a sustained rise, not one noisy window), and the test is on the
  windows pooled, at the rule's level. (Each window tested at the level, as before, put the
  rule's level far below it, near its square, and missed sustained rises of 10-15 points at 100
  events a window.)
- ``volume_burst``: the window's event count k against a Poisson law with the baseline's mean
  count per window, lam = n_b / `baseline_windows`: it fires when P(X >= k) <= `p_value`
  (default 1e-6), k >= `min_volume` and k >= `min_ratio` * lam (default 3).

Why an exact test: the two-proportion z-test this module used before (`stats.two_proportion_z`,
z >= 3.5) leans on a normal law that a count of 35 events does not follow. A small share's count
is skewed to the right, so large z come more often than the normal says: at 35 events a window
against 420 in the baseline and a true share of 10-30%, it fired 1.9-5.4 times as often as its
level when nothing changed (exact sums, `docs/monitor.md`), and a 7-day calm replay at that volume
raised 3 false alarms. Fisher's test is exact at any count and carries the baseline's own noise;
being discrete it fires at most as often as its level (about half as often at 35 events). `z`
keeps its meaning in rule files: the level is P(Z >= z), as before.

Why `min_rise` 0.10 for negative shares (0.15 before): `min_rise` is a floor on the size of a
change, so a high-volume stream is not told of a significant but small one; it is read on the
analyzer's scale, and analyzers damp a real change. An analyzer that calls a negative text
negative with probability tpr and another text negative with probability fpr sees a true share
s as fpr + (tpr - fpr) s, so a real rise is seen times (tpr - fpr): the lexicons see a stream
going from 30% to 60% negative texts as 17% to 30% (a factor 0.41), under a 0.15 floor. At 0.10,
the same floor as emotions, a real rise of 24 points is seen by an analyzer as poor as the
lexicons and one of 12 points by a good model (tpr - fpr about 0.85).

Why two horizons by default: a 5-minute window of 100 events has the power for a large, sudden
change only (a rise of 12 points there is p about 2e-3); an hour of the same stream sees it at
p below 1e-20. The defaults watch both: each rule on 5-minute windows against the hour before,
and negative_spike and emotion_rise again on hourly windows against the day before (24 windows,
so every hour of the day weighs the same in the baseline; the hourly rules start firing once a
stream has a day of history). An hour is already a sustained rise: the hourly emotion_rise
rules need one window (`consecutive` 1).

A stream's first `baseline_windows` windows only build its baseline: nothing fires before the
stream has that much history. A window is judged as its events come, so an alert can fire
before the window closes (and a window is judged once per batch that touches it: the level
holds per look, and looks at a filling window are strongly correlated). An alert is kept once
per stream, rule and window, and not again for the same rule within `cooldown_s` (default one
hour, in event time) of a window that already fired (`affectkit.storage.streams`). A late event
is judged in its own window; windows after it are not judged again.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from affectkit.errors import InvalidInputError
from affectkit.monitor.stats import (
    normal_upper_tail,
    poisson_upper_tail,
    share_rise_p_value,
    z_of_upper_tail,
)

KINDS = ("negative_spike", "emotion_rise", "volume_burst")
EMOTIONS = ("anger", "disgust", "fear", "joy", "sadness", "surprise", "neutral")
DEFAULT_WIDTHS = (300, 3600, 86400)  # 5 minutes, 1 hour, 1 day


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str = ""  # default: the kind (with the emotion)
    width: int = 300  # seconds; one of the monitor's window widths
    baseline_windows: int = 12
    min_volume: int = 30
    min_baseline: int = 100
    min_rise: float | None = None  # the least rise of the share; None: 0.10
    z: float = 3.5  # negative_spike, emotion_rise: fire when p <= P(Z >= z) (2.3e-4)
    emotion: str | None = None  # emotion_rise
    consecutive: int = 2  # emotion_rise
    p_value: float = 1e-6  # volume_burst
    min_ratio: float = 3.0  # volume_burst
    cooldown_s: float = 3600.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or len(self.name) > 100:
            raise InvalidInputError("A rule's name must be a string of at most 100 characters.")
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise InvalidInputError(
                f"A rule's kind must be one of {', '.join(KINDS)}. Got {self.kind!r}."
            )
        if self.emotion is not None and not isinstance(self.emotion, str):
            raise InvalidInputError(f"A rule's emotion must be a string. Got {self.emotion!r}.")
        if self.kind == "emotion_rise" and self.emotion not in EMOTIONS:
            raise InvalidInputError(
                f"An emotion_rise rule needs emotion = one of {', '.join(EMOTIONS)}. Got "
                f"{self.emotion!r}."
            )
        for name in ("width", "baseline_windows", "min_volume", "min_baseline", "consecutive"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInputError(
                    f"A rule's {name} must be a positive integer. Got {value!r}."
                )
        for name in ("z", "min_ratio", "cooldown_s", "p_value"):
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not math.isfinite(value) or value < 0:
                raise InvalidInputError(f"A rule's {name} must be a number >= 0. Got {value!r}.")
        if self.min_rise is None:
            object.__setattr__(self, "min_rise", 0.10)
        if (
            isinstance(self.min_rise, bool)
            or not isinstance(self.min_rise, (int, float))
            or not -1 <= self.min_rise <= 1
        ):
            raise InvalidInputError(
                f"A rule's min_rise must be a share in [-1, 1]. Got {self.min_rise!r}."
            )
        if not self.name:
            name = f"{self.kind}:{self.emotion}" if self.kind == "emotion_rise" else self.kind
            object.__setattr__(self, "name", name)

    @classmethod
    def from_dict(cls, d: Any) -> Rule:
        if not isinstance(d, dict):
            raise InvalidInputError(f"A rule must be a table/object. Got {type(d).__name__}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise InvalidInputError(
                f"Unknown rule setting {unknown[0]!r}; a rule takes {', '.join(sorted(known))}."
            )
        if "kind" not in d:
            raise InvalidInputError(f"A rule needs a kind: one of {', '.join(KINDS)}.")
        return cls(**d)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_rules() -> list[Rule]:
    """What a stream is watched for when no rules are set for it: every rule on 5-minute
    windows against the hour before, and the share rules again on hourly windows against the
    day before (the module docstring says why)."""
    emotions = ("anger", "fear", "sadness")
    hourly = {"width": 3600, "baseline_windows": 24}
    return [
        Rule("negative_spike"),
        *(Rule("emotion_rise", emotion=e) for e in emotions),
        Rule("volume_burst"),
        Rule("negative_spike", name="negative_spike_1h", **hourly),
        *(
            Rule("emotion_rise", name=f"emotion_rise:{e}_1h", emotion=e, consecutive=1, **hourly)
            for e in emotions
        ),
    ]


def parse_rules(items: Any, widths: tuple[int, ...] = DEFAULT_WIDTHS) -> list[Rule]:
    """Rules from a list of dicts (a TOML file's ``[[rules]]``, the API's body), checked."""
    if not isinstance(items, list):
        raise InvalidInputError("rules must be a list of rules.")
    rules = [Rule.from_dict(d) for d in items]
    names = [r.name for r in rules]
    for r in rules:
        if r.width not in widths:
            raise InvalidInputError(
                f"Rule {r.name}: width {r.width} is not one of the monitored window widths "
                f"({', '.join(map(str, widths))} seconds)."
            )
        if names.count(r.name) > 1:
            raise InvalidInputError(f"Two rules are named {r.name!r}; give each its own name.")
    return rules


def load_rules(path: str | Path, widths: tuple[int, ...] = DEFAULT_WIDTHS) -> list[Rule]:
    """Rules from a TOML file of ``[[rules]]`` tables, e.g.::

    [[rules]]
    kind = "negative_spike"
    z = 4.0
    min_volume = 50

    [[rules]]
    kind = "emotion_rise"
    emotion = "anger"
    """
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise InvalidInputError(f"Cannot read the rules file {path}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"The rules file {path} is not valid TOML: {exc}.") from None
    if "rules" not in data:
        raise InvalidInputError(f"The rules file {path} has no [[rules]] table.")
    return parse_rules(data["rules"], widths)


# -- judging a window ---------------------------------------------------------------------------
POLARITIES = ("negative", "neutral", "positive")


def _pooled(windows: dict[float, dict], starts: list[float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in starts:
        for k, v in windows.get(s, {}).items():
            if k not in ("stream", "width", "start"):
                out[k] = out.get(k, 0) + v
    return out


def _figures(w: dict[str, float], width: int) -> dict[str, Any]:
    """A window's (or a pooled baseline's) figures as shown in an alert's evidence."""
    n = int(w.get("n", 0))
    polar = sum(int(w.get(p, 0)) for p in POLARITIES)
    emotional = sum(int(w.get(f"emo_{e}", 0)) for e in EMOTIONS)
    vn = int(w.get("valence_n", 0))
    return {
        "events": n,
        "with_polarity": polar,
        **{p: int(w.get(p, 0)) for p in POLARITIES},
        "negative_share": round(w.get("negative", 0) / polar, 4) if polar else None,
        "with_emotions": emotional,
        "emotions": {e: int(w.get(f"emo_{e}", 0)) for e in EMOTIONS},
        "mean_valence": round(w.get("valence_sum", 0.0) / vn, 4) if vn else None,
    }


def judge(
    rule: Rule, windows: dict[float, dict], start: float, first: float | None = None
) -> dict[str, Any] | None:
    """The alert `rule` raises for the window starting at `start`, or None.

    `windows` maps window starts to stored window rows (`affectkit.storage.streams`) of
    ``rule.width``; it must hold the window, the `rule.consecutive` - 1 before it (for
    emotion_rise) and their baseline. `first` is the start of the stream's first window: a
    baseline reaching back before it is not one yet (a new stream warms up for
    `baseline_windows` windows), and nothing fires. Returns ``{"window_start",
    "window_end", "statistic", "evidence"}`` (evidence: the window's and the baseline's
    figures and the test)."""
    w = rule.width
    if rule.kind == "emotion_rise":
        firsts = [start - (rule.consecutive - 1 - i) * w for i in range(rule.consecutive)]
    else:
        firsts = [start]
    base_starts = [firsts[0] - (i + 1) * w for i in range(rule.baseline_windows)]
    if first is not None and base_starts[-1] < first:
        return None
    base = _pooled(windows, base_starts)
    evidence: dict[str, Any] = {
        "rule": rule.to_dict(),
        "baseline": {
            "windows": rule.baseline_windows,
            "from": base_starts[-1],
            "to": firsts[0],
            **_figures(base, w),
        },
    }
    if rule.kind == "volume_burst":
        row = windows.get(start, {})
        k = int(row.get("n", 0))
        n_b = int(base.get("n", 0))
        lam = n_b / rule.baseline_windows
        if n_b < rule.min_baseline or k < rule.min_volume or k < rule.min_ratio * lam:
            return None
        p = poisson_upper_tail(k, lam)
        if p > rule.p_value:
            return None
        stat = -math.log10(max(p, 1e-300))
        evidence["window"] = {"start": start, "end": start + w, **_figures(row, w)}
        evidence["test"] = {
            "name": "poisson_upper_tail",
            "count": k,
            "baseline_mean": lam,
            "p_value": p,
            "threshold": rule.p_value,
            "statistic": "-log10(p)",
        }
        return {
            "window_start": start,
            "window_end": start + w,
            "statistic": stat,
            "evidence": evidence,
        }

    if rule.kind == "negative_spike":

        def share(r: dict) -> tuple[int, int]:
            return int(r.get("negative", 0)), sum(int(r.get(p, 0)) for p in POLARITIES)
    else:

        def share(r: dict) -> tuple[int, int]:
            return (
                int(r.get(f"emo_{rule.emotion}", 0)),
                sum(int(r.get(f"emo_{e}", 0)) for e in EMOTIONS),
            )

    x_b, n_b = share(base)
    if n_b < rule.min_baseline:
        return None
    # every window must hold the rise; one test, at the rule's level, on the windows pooled
    tests, x_all, n_all = [], 0, 0
    for s in firsts:
        x_w, n_w = share(windows.get(s, {}))
        if n_w < rule.min_volume:
            return None
        rise = x_w / n_w - x_b / n_b
        if rise < rule.min_rise:
            return None
        x_all, n_all = x_all + x_w, n_all + n_w
        p = share_rise_p_value(x_w, n_w, x_b, n_b)
        tests.append(
            {
                "start": s,
                "count": x_w,
                "events": n_w,
                "share": round(x_w / n_w, 4),
                "rise": round(rise, 4),
                "p_value": p,
                "z": round(z_of_upper_tail(p), 3),  # p as the z of a one-sided normal test
            }
        )
    level = normal_upper_tail(rule.z)
    p = share_rise_p_value(x_all, n_all, x_b, n_b)
    if p > level:
        return None
    z = round(z_of_upper_tail(p), 3)
    what = "negative" if rule.kind == "negative_spike" else rule.emotion
    evidence["window"] = {
        "start": firsts[0],
        "end": start + w,
        **_figures(_pooled(windows, firsts), w),
    }
    evidence["test"] = {
        # the name kept from the z-test this was (dashboards and webhook receivers key on it);
        # `method` says how p is computed, "z" is p's normal quantile
        "name": "two_proportion_z",
        "method": "fisher_exact_one_sided",
        "share_of": what,
        "baseline_share": round(x_b / n_b, 4),
        "share": round(x_all / n_all, 4),
        "p_value": p,
        "z": z,
        "threshold": rule.z,
        "p_threshold": level,
        "min_rise": rule.min_rise,
        "windows": tests,  # each window's own p and z, for reading
    }
    return {
        "window_start": firsts[0],
        "window_end": start + w,
        "statistic": z,
        "evidence": evidence,
    }
