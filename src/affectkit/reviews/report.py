"""The review report as data: rows of a review file and their aspect results in, one dict out
(the JSON of ``affectkit report``, which the HTML page and the dashboard draw). Pure functions:
no model, no files.

Per group (a column's values, largest first; the rest pooled as "other"): the aspects talked
about most, how many mentions were positive, neutral and negative, the words that carried the
sentiment, and example sentences; and per period (day, week or month) the volume and mean
valence of each group. Rows that cannot be used (no text, an unreadable row) are counted and
listed with their reason; a row whose date cannot be read is used everywhere but over time.
docs/reviews.md describes the schema.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from affectkit.aspects.types import MAX_TEXT_CHARS, Aspect, TextAspects
from affectkit.errors import InvalidInputError
from affectkit.records import bad_text
from affectkit.records.dates import parse_day
from affectkit.reviews.table import check_columns

TOP_GROUPS = 12
TOP_ASPECTS = 15
EXAMPLES = 3
FREQS = ("auto", "D", "W", "M")
MAX_PERIODS = 60  # "auto" picks the finest of D, W, M with at most this many periods
MAX_SKIPPED = 100  # rows listed in "skipped" (all are counted)
MAX_GROUP_CHARS = 100
MAX_EXAMPLE_CHARS = 300  # an example longer than this is cut around its aspect
EVIDENCE_WORDS = 5
ALL = "all"  # the one group when there is no group column
OTHER = "other"  # the groups after the first top_n_groups, pooled
NO_GROUP = "(no group)"  # rows whose group cell is empty


def text_problem(value: Any) -> str | None:
    """Why a text cell cannot be analysed (one line), or None when it can."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "no text (the cell is empty)"
    if not isinstance(value, str):
        return f"the text is a {type(value).__name__} ({str(value)[:40]!r}), not a text"
    if len(value) > MAX_TEXT_CHARS:
        return f"the text has {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}"
    if bad_text(value) or "\x00" in value:
        return "the text is not valid UTF-8 text"
    return None


def analysable(
    rows: Sequence[Mapping[str, Any]], text_col: str, row_errors: Mapping[int, str] | None = None
) -> list[int]:
    """The indexes of the rows whose text can be analysed (what `build_report` expects a
    result for)."""
    row_errors = row_errors or {}
    return [
        i
        for i, row in enumerate(rows)
        if i not in row_errors and text_problem(row.get(text_col)) is None
    ]


def term_key(term: str) -> str:
    """The key aspect terms are counted under: lowercased, whitespace collapsed."""
    return " ".join(term.split()).lower()


@dataclass
class _Mention:
    row: int  # 1-based data row
    text: str
    aspect: Aspect
    id: str | None


@dataclass
class _Group:
    name: str
    reviews: int = 0
    mentions: list[_Mention] = field(default_factory=list)
    pooled: int = 0  # groups pooled into this one ("other")


def build_report(
    rows: Sequence[Mapping[str, Any]],
    results: Sequence[TextAspects | None],
    *,
    text_col: str,
    time_col: str | None = None,
    group_col: str | None = None,
    id_col: str | None = None,
    top_n_groups: int = TOP_GROUPS,
    top_n_aspects: int = TOP_ASPECTS,
    examples: int = EXAMPLES,
    freq: str = "auto",
    row_errors: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """The report of `rows` (one dict per data row of the file, in order: row i + 1) and
    `results` (the aspects of each row's text; None for a row not analysed). `row_errors` maps
    a row's index to why it could not be read (`Table.errors`). With `id_col`, examples and
    skipped rows also carry the row's ``"id"``. See docs/reviews.md for the shape."""
    _check_settings(rows, results, top_n_groups, top_n_aspects, examples, freq)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if columns:
        check_columns("The reviews", columns, text_col=text_col, time_col=time_col,
                      group_col=group_col, id_col=id_col)  # fmt: skip
    row_errors = row_errors or {}
    skipped: list[dict[str, Any]] = []
    not_analysed = with_aspects = 0
    languages: Counter[str] = Counter()
    models: Counter[str] = Counter()
    groups: dict[str, _Group] = {}
    dated: list[tuple[dt.date, str, int, list[Aspect]]] = []  # (day, group, row, aspects)

    def skip(i: int, why: str) -> None:
        item: dict[str, Any] = {"row": i + 1, "error": why}
        if id_col is not None:
            item["id"] = _cell(rows[i].get(id_col))
        skipped.append(item)

    for i, (row, result) in enumerate(zip(rows, results)):
        why = row_errors.get(i) or text_problem(row.get(text_col))
        if why is None and result is None:
            why = "not analysed"
        if why is not None:
            not_analysed += 1
            skip(i, why)
            continue
        languages[result.language or "unknown"] += 1
        with_aspects += bool(result.aspects)
        if result.model:
            models[result.model] += 1
        name = _group_name(row.get(group_col)) if group_col else ALL
        g = groups.setdefault(name, _Group(name))
        g.reviews += 1
        rid = _cell(row.get(id_col)) if id_col else None
        g.mentions.extend(_Mention(i + 1, result.text, a, rid) for a in result.aspects)
        if time_col is not None:
            try:
                day = _day(row.get(time_col))
            except InvalidInputError as exc:
                skip(i, f"{exc}; the review is used, but not in the sentiment over time")
            else:
                dated.append((day, name, i + 1, list(result.aspects)))

    ordered = sorted(groups.values(), key=lambda g: (-g.reviews, g.name))
    shown = ordered[:top_n_groups]
    if len(ordered) > top_n_groups:
        other = _Group(OTHER, pooled=len(ordered) - top_n_groups)
        for g in ordered[top_n_groups:]:
            other.reviews += g.reviews
            other.mentions.extend(g.mentions)
        shown.append(other)
    final = {g.name: g.name for g in shown if not g.pooled}
    analysed = len(rows) - not_analysed
    skipped.sort(key=lambda s: s["row"])
    return {
        "summary": {
            "reviews": len(rows),
            "analysed": analysed,
            "with_aspects": with_aspects,
            "aspects": sum(len(g.mentions) for g in ordered),
            "languages": dict(languages.most_common()),
            "model": ", ".join(m for m, _ in models.most_common()),
            "skipped": not_analysed,
        },
        "groups": [_group_dict(g, top_n_aspects, examples, id_col is not None) for g in shown],
        "over_time": _over_time(dated, final, freq, [g.name for g in shown]),
        "skipped": skipped[:MAX_SKIPPED],
    }


def _check_settings(rows, results, top_n_groups, top_n_aspects, examples, freq) -> None:
    if len(rows) != len(results):
        raise InvalidInputError(
            f"build_report needs one result per row (None for a row not analysed); got "
            f"{len(rows)} rows and {len(results)} results."
        )
    for name, value in (("top_n_groups", top_n_groups), ("top_n_aspects", top_n_aspects),
                        ("examples", examples)):  # fmt: skip
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidInputError(f"{name} must be a positive integer. Got {value!r} instead.")
    if freq not in FREQS:
        raise InvalidInputError(f"freq must be one of {list(FREQS)}. Got {freq!r} instead.")


def _cell(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


def _group_name(value: Any) -> str:
    name = " ".join(str(value).split()) if value is not None else ""
    return name[:MAX_GROUP_CHARS] if name else NO_GROUP


def _day(value: Any) -> dt.date:
    """The calendar day a date cell names (as `affectkit mood` reads dates), or an
    `InvalidInputError` saying why not."""
    return dt.date.fromisoformat(parse_day(value))


def _r(x: float) -> float:
    return round(float(x), 4)


def _mean(xs: Sequence[float]) -> float | None:
    return _r(sum(xs) / len(xs)) if xs else None


# --- groups and aspects ------------------------------------------------------------------------


def _group_dict(g: _Group, top_n_aspects: int, examples: int, with_id: bool) -> dict[str, Any]:
    by_term: dict[str, list[_Mention]] = {}
    for m in g.mentions:
        by_term.setdefault(term_key(m.aspect.term), []).append(m)
    top = sorted(by_term.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top_n_aspects]
    out: dict[str, Any] = {
        "name": g.name,
        "reviews": g.reviews,
        "aspects_found": len(g.mentions),
        "mean_valence": _mean([m.aspect.valence for m in g.mentions]),
        "aspects": [_aspect_dict(ms, examples, with_id) for _, ms in top],
    }
    if g.pooled:
        out["pooled_groups"] = g.pooled
    return out


def _aspect_dict(ms: list[_Mention], examples: int, with_id: bool) -> dict[str, Any]:
    pol = Counter(m.aspect.polarity for m in ms)
    surface = Counter(" ".join(m.aspect.term.split()) for m in ms)
    words: Counter[str] = Counter()
    for m in ms:
        words.update({term_key(e.word) for e in m.aspect.evidence if e.word.strip()})
    n = len(ms)
    return {
        "term": max(surface, key=surface.__getitem__),  # ties: the first seen
        "mentions": n,
        "positive": pol["positive"],
        "neutral": pol["neutral"],
        "negative": pol["negative"],
        "net": _r((pol["positive"] - pol["negative"]) / n),
        "mean_valence": _mean([m.aspect.valence for m in ms]),
        "confidence": _mean([m.aspect.confidence for m in ms]),
        "evidence_words": [[w, c] for w, c in _top(words, EVIDENCE_WORDS)],
        "examples": [_example(m, with_id) for m in pick_examples(ms, examples)],
    }


def _top(counts: Counter[str], k: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:k]  # ties: alphabetical


def pick_examples(ms: Sequence[_Mention], k: int) -> list[_Mention]:
    """At most `k` mentions, most confident first, one per review where possible; with room
    for two, the most confident positive and negative mention are both in when both occur."""
    order = sorted(range(len(ms)), key=lambda j: (-ms[j].aspect.confidence, ms[j].row,
                                                 ms[j].aspect.start))  # fmt: skip
    chosen: list[int] = []
    if k >= 2:
        for polarity in ("positive", "negative"):
            j = next((j for j in order if ms[j].aspect.polarity == polarity), None)
            if j is not None:
                chosen.append(j)
    for distinct_rows in (True, False):
        for j in order:
            if len(chosen) >= k:
                break
            if j not in chosen and not (distinct_rows and ms[j].row in {ms[c].row for c in chosen}):
                chosen.append(j)
    return [ms[j] for j in sorted(chosen[:k], key=order.index)]


def _example(m: _Mention, with_id: bool) -> dict[str, Any]:
    text, start, end = sentence_around(m.text, m.aspect.start, m.aspect.end)
    out: dict[str, Any] = {
        "row": m.row,
        "text": text,
        "from": start,
        "to": end,
        "polarity": m.aspect.polarity,
        "confidence": _r(m.aspect.confidence),
        "evidence": [e.word for e in m.aspect.evidence],
    }
    if with_id:
        out["id"] = m.id
    return out


def sentence_around(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The sentence of `text` holding ``text[start:end]`` (the sentences it spans, when it
    crosses a boundary), trimmed, and the span's offsets in it. A sentence longer than
    `MAX_EXAMPLE_CHARS` is cut around the span, with "…" where it was cut."""
    from affectkit.text.segment import split_sentences

    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    spans = split_sentences(text) or [(0, len(text))]
    s = max((a for a, b in spans if a <= start), default=0)
    e = min((b for a, b in spans if b >= end and b > start), default=len(text))
    while s < start and text[s].isspace():
        s += 1
    while e > end and text[e - 1].isspace():
        e -= 1
    before = after = ""
    half = max(0, (MAX_EXAMPLE_CHARS - (end - start)) // 2)
    if e - s > MAX_EXAMPLE_CHARS:
        if start - s > half:
            s, before = start - half, "…"
        if e - end > half:
            e, after = end + half, "…"
    return before + text[s:e] + after, start - s + len(before), end - s + len(before)


# --- over time ---------------------------------------------------------------------------------


def pick_freq(days: Sequence[dt.date], freq: str = "auto") -> str:
    """`freq` itself, or for "auto" the finest of D, W, M with at most `MAX_PERIODS`
    periods between the first and the last day."""
    if freq != "auto":
        return freq
    first, last = min(days), max(days)
    if (last - first).days + 1 <= MAX_PERIODS:
        return "D"
    weeks = (_monday(last) - _monday(first)).days // 7 + 1
    return "W" if weeks <= MAX_PERIODS else "M"


def period(day: dt.date, freq: str) -> str:
    """The label of the period `day` falls in: 2024-03-05 (D), 2024-W10 (ISO week, W),
    2024-03 (M)."""
    if freq == "D":
        return day.isoformat()
    if freq == "W":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _over_time(dated, final: dict[str, str], freq: str, order: list[str]) -> dict[str, Any] | None:
    if not dated:
        return None
    freq = pick_freq([d for d, *_ in dated], freq)
    cells: dict[tuple[str, str], list] = {}
    for day, group, _row, aspects in dated:
        cell = cells.setdefault((period(day, freq), final.get(group, OTHER)), [0, []])
        cell[0] += 1
        cell[1].extend(aspects)
    rank = {name: i for i, name in enumerate(order)}
    points = []
    for (p, group), (reviews, aspects) in sorted(
        cells.items(), key=lambda kv: (kv[0][0], rank.get(kv[0][1], 0))
    ):
        pol = Counter(a.polarity for a in aspects)
        points.append({
            "period": p,
            "group": group,
            "reviews": reviews,
            "aspects": len(aspects),
            "positive": pol["positive"],
            "neutral": pol["neutral"],
            "negative": pol["negative"],
            "mean_valence": _mean([a.valence for a in aspects]),
        })  # fmt: skip
    return {"freq": freq, "points": points}
