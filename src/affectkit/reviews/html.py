"""The review report (`build_report`'s dict) as one self-contained HTML page.

Everything is inline: the CSS, and the charts as SVG drawn here (no matplotlib, no script, no
URL of any kind), so the page opens offline, can be mailed as one file, and its Chinese text is
drawn by the reader's browser with the font stack below (Noto CJK and the systems' own CJK
fonts) instead of by whatever fonts the machine that made it had. Every text from the input is
escaped (`html.escape`); nothing in a review can add markup to the page.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any

from affectkit.reviews.report import MAX_SKIPPED

POLARITY_COLOURS = {"negative": "#c0392b", "neutral": "#b4b4b4", "positive": "#2e8b57"}
LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f")  # fmt: skip
MAX_LINES = 6  # groups drawn over time (the largest ones)
OPEN_ASPECTS = 3  # aspects whose examples are shown open; the rest fold
FONTS = (
    'system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "Noto Sans SC", '
    '"Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", sans-serif'
)
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

CSS = """
body { font-family: FONTS; margin: 0 auto; max-width: 1080px; padding: 1.5rem; color: #1d2330;
       line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .8rem; min-width: 7rem; }
.card b { display: block; font-size: 1.4rem; }
.muted { color: #666; font-size: .9rem; }
nav a { margin-right: .8rem; white-space: nowrap; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child, td.words { text-align: left; }
svg { display: block; max-width: 100%; height: auto; margin: .6rem 0; }
svg text { font-size: 12px; fill: #1d2330; }
mark { background: #ffe28a; padding: 0 .1em; border-radius: 2px; }
u.ev { text-decoration-color: #4a6fa5; text-decoration-thickness: 2px; }
details { margin: .3rem 0 .6rem; } summary { cursor: pointer; }
blockquote { margin: .3rem 0 .3rem 1rem; padding-left: .6rem; border-left: 4px solid #ccc; }
blockquote.positive { border-color: #2e8b57; } blockquote.negative { border-color: #c0392b; }
.legend span { margin-right: 1rem; white-space: nowrap; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem;
          vertical-align: middle; border-radius: 2px; }
""".replace("FONTS", FONTS)


def render_html(report: dict[str, Any], title: str = "Review report") -> str:
    """The page for `report` (the dict `build_report` returns)."""
    groups = report["groups"]
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_t(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        f"<h1>{_t(title)}</h1>\n",
        _summary(report["summary"]),
    ]
    if len(groups) > 1:
        links = " ".join(f'<a href="#g{i}">{_t(g["name"])}</a>' for i, g in enumerate(groups))
        parts.append(f"<nav>Groups: {links}</nav>\n")
    if report.get("over_time"):
        parts.append(_over_time(report["over_time"], groups))
    for i, g in enumerate(groups):
        parts.append(_group(i, g))
    parts.append(_skipped(report["summary"], report["skipped"]))
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def _t(text: Any) -> str:
    """User text made safe for HTML, with a lang attribute's worth of care left to `_lang`."""
    return escape(str(text), quote=True)


def _lang(text: str) -> str:
    return ' lang="zh"' if _HAN.search(text) else ""


def _num(x: float | None, fmt: str = "+.2f") -> str:
    return "–" if x is None else format(x, fmt)


def _summary(s: dict[str, Any]) -> str:
    langs = ", ".join(f"{_t(k)} {v}" for k, v in s["languages"].items()) or "–"
    cards = [
        ("reviews", s["reviews"]),
        ("analysed", s["analysed"]),
        ("with aspects", s["with_aspects"]),
        ("aspect mentions", s["aspects"]),
        ("skipped", s["skipped"]),
    ]
    body = "".join(f'<div class="card"><b>{v:,}</b>{k}</div>' for k, v in cards)
    model = f" · model {_t(s['model'])}" if s["model"] else ""
    return (
        f'<div class="cards">{body}</div>\n'
        f'<p class="muted">Languages: {langs}{model}. A review "with aspects" names at least '
        f"one thing it judges; the rest are counted but add nothing below.</p>\n"
    )


# --- one group ---------------------------------------------------------------------------------


def _group(i: int, g: dict[str, Any]) -> str:
    pooled = (
        f" (the {g['pooled_groups']:,} smaller groups pooled)" if g.get("pooled_groups") else ""
    )
    head = (
        f'<section id="g{i}">\n<h2{_lang(g["name"])}>{_t(g["name"])}</h2>\n'
        f'<p class="muted">{g["reviews"]:,} reviews{pooled}, {g["aspects_found"]:,} aspect '
        f"mentions, mean valence {_num(g['mean_valence'])}.</p>\n"
    )
    if not g["aspects"]:
        return head + "<p>No aspects were found in these reviews.</p>\n</section>\n"
    return (
        head
        + _bars(g["aspects"])
        + _table(g["aspects"])
        + _examples(g["aspects"])
        + ("</section>\n")
    )


def _bars(aspects: list[dict[str, Any]]) -> str:
    """A diverging bar per aspect: negative mentions left of the centre line, positive right,
    neutral ones grey and split across it."""
    label_w, half, right_w, row_h, top = 190, 230, 110, 22, 26
    width = label_w + 2 * half + right_w
    height = top + row_h * len(aspects) + 8
    extent = max(max(a["negative"], a["positive"]) + a["neutral"] / 2 for a in aspects) or 1
    scale = half / extent
    mid = label_w + half
    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="mentions per aspect: negative left, positive right">',
        f'<text x="{mid - 6}" y="14" text-anchor="end">◀ negative</text>',
        f'<text x="{mid + 6}" y="14">positive ▶</text>',
    ]
    for k, a in enumerate(aspects):
        y = top + k * row_h
        neu = a["neutral"] * scale
        segments = (
            ("negative", mid - neu / 2 - a["negative"] * scale, a["negative"] * scale),
            ("neutral", mid - neu / 2, neu),
            ("positive", mid + neu / 2, a["positive"] * scale),
        )
        term = a["term"] if len(a["term"]) <= 26 else a["term"][:25] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end"{_lang(term)}>{_t(term)}</text>'
        )
        for polarity, x, w in segments:
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
                    f'fill="{POLARITY_COLOURS[polarity]}"><title>{a[polarity]} {polarity}'
                    f"</title></rect>"
                )
        out.append(
            f'<text x="{mid + half + 8}" y="{y + 15}">{a["mentions"]} · net {a["net"]:+.2f}</text>'
        )
    out.append(
        f'<line x1="{mid}" x2="{mid}" y1="{top - 4}" y2="{height - 4}" stroke="#333" '
        f'stroke-width="1"/></svg>\n'
    )
    return "\n".join(out)


def _table(aspects: list[dict[str, Any]]) -> str:
    rows = []
    for a in aspects:
        n = a["mentions"]
        words = ", ".join(f"{_t(w)} ×{c}" for w, c in a["evidence_words"]) or "–"
        rows.append(
            f"<tr><td{_lang(a['term'])}>{_t(a['term'])}</td><td>{n:,}</td>"
            f"<td>{a['positive'] / n:.0%}</td><td>{a['neutral'] / n:.0%}</td>"
            f"<td>{a['negative'] / n:.0%}</td><td>{a['net']:+.2f}</td>"
            f"<td>{_num(a['mean_valence'])}</td><td>{_num(a['confidence'], '.2f')}</td>"
            f'<td class="words"{_lang(words)}>{words}</td></tr>'
        )
    return (
        "<table><thead><tr><th>aspect</th><th>mentions</th><th>positive</th><th>neutral</th>"
        "<th>negative</th><th>net</th><th>mean valence</th><th>confidence</th>"
        "<th>evidence words</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
    )


def _examples(aspects: list[dict[str, Any]]) -> str:
    out = []
    for k, a in enumerate(aspects):
        if not a["examples"]:
            continue
        quotes = "".join(
            f'<blockquote class="{_t(e["polarity"])}"{_lang(e["text"])}>'
            f"{highlight(e['text'], e['from'], e['to'], e['evidence'])}"
            f'<br><span class="muted">row {e["row"]} · {_t(e["polarity"])} '
            f"({e['confidence']:.2f})</span></blockquote>"
            for e in a["examples"]
        )
        attr = " open" if k < OPEN_ASPECTS else ""
        out.append(
            f"<details{attr}><summary>Examples for <b{_lang(a['term'])}>{_t(a['term'])}</b>"
            f"</summary>{quotes}</details>"
        )
    return "\n".join(out) + "\n"


def highlight(text: str, start: int, end: int, evidence: list[str]) -> str:
    """`text` escaped, with ``text[start:end]`` in <mark> and the evidence words outside it
    underlined (each occurrence; a Latin word only where it stands as a whole word)."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    spans = [(start, end, "mark")] if end > start else []
    for word in dict.fromkeys(w.strip() for w in evidence if w and w.strip()):
        bound = r"(?<!\w)" if word[0].isascii() and word[0].isalnum() else ""
        tail = r"(?!\w)" if word[-1].isascii() and word[-1].isalnum() else ""
        for m in re.finditer(bound + re.escape(word) + tail, text, flags=re.IGNORECASE):
            if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
                spans.append((m.start(), m.end(), 'u class="ev"'))
    out, pos = [], 0
    for a, b, tag in sorted(spans):
        out.append(escape(text[pos:a]) + f"<{tag}>" + escape(text[a:b]) + f"</{tag.split()[0]}>")
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out)


# --- over time ---------------------------------------------------------------------------------


def _over_time(over: dict[str, Any], groups: list[dict[str, Any]]) -> str:
    """Mean valence per period, one line per group (the largest `MAX_LINES`), and the number
    of reviews per period below it."""
    points = over["points"]
    periods = sorted({p["period"] for p in points})
    names = [g["name"] for g in groups if any(p["group"] == g["name"] for p in points)]
    names = names[:MAX_LINES]
    left, plot_w, val_h, vol_h, gap = 44, 660, 200, 70, 30
    w = left + plot_w + 44  # room for the last period's label
    height = 10 + val_h + gap + vol_h + 24
    step = plot_w / max(1, len(periods) - 1) if len(periods) > 1 else 0

    def x(i: int) -> float:
        return left + (i * step if len(periods) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return 10 + (1 - v) / 2 * val_h

    index = {p: i for i, p in enumerate(periods)}
    out = [
        "<section>\n<h2>Sentiment over time</h2>\n",
        f'<p class="muted">Mean valence of the aspect mentions per {_FREQ[over["freq"]]} '
        f"(positive minus negative probability, −1 to +1), for the {len(names)} largest "
        "group(s); below, the number of reviews per period (all groups).</p>\n",
        f'<svg viewBox="0 0 {w} {height}" width="{w}" height="{height}" role="img" '
        f'aria-label="mean valence over time">',
    ]
    for v in (-1, -0.5, 0, 0.5, 1):
        tick = f"{v:+g}" if v else "0"
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="{"#999" if v == 0 else "#e6e6e6"}"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for k, name in enumerate(names):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        pts = [(index[p["period"]], p) for p in points
               if p["group"] == name and p["mean_valence"] is not None]  # fmt: skip
        if len(pts) > 1:
            line = " ".join(f"{x(i):.1f},{y(p['mean_valence']):.1f}" for i, p in pts)
            out.append(
                f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for i, p in pts:
            out.append(
                f'<circle cx="{x(i):.1f}" cy="{y(p["mean_valence"]):.1f}" r="3" fill="{colour}">'
                f"<title>{_t(name)} {_t(p['period'])}: {p['mean_valence']:+.2f} "
                f"({p['reviews']} reviews, {p['aspects']} aspects)</title></circle>"
            )
    volume = [0] * len(periods)
    for p in points:
        volume[index[p["period"]]] += p["reviews"]
    top, most = 10 + val_h + gap, max(volume) or 1
    bar_w = max(1.0, min(24.0, plot_w / max(1, len(periods)) * 0.8))
    out.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end">{most:,}</text>')
    for i, n in enumerate(volume):
        h = n / most * vol_h
        out.append(
            f'<rect x="{x(i) - bar_w / 2:.1f}" y="{top + vol_h - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="#9db4d6"><title>{_t(periods[i])}: {n} reviews</title></rect>'
        )
    every = max(1, math.ceil(len(periods) / 8))
    for i in range(0, len(periods), every):
        out.append(
            f'<text x="{x(i):.1f}" y="{top + vol_h + 16}" text-anchor="middle">'
            f"{_t(periods[i])}</text>"
        )
    out.append("</svg>\n")
    legend = "".join(
        f'<span{_lang(n)}><i class="swatch" style="background:{LINE_COLOURS[k % 8]}"></i>'
        f"{_t(n)}</span>"
        for k, n in enumerate(names)
    )
    out.append(f'<p class="legend">{legend}</p>\n</section>\n')
    return "".join(out)


_FREQ = {"D": "day", "W": "week (ISO)", "M": "month"}


# --- skipped rows ------------------------------------------------------------------------------


def _skipped(summary: dict[str, Any], skipped: list[dict[str, Any]]) -> str:
    out = ['<section>\n<h2 id="skipped">Rows left out</h2>\n']
    if not skipped:
        out.append("<p>Every row was used.</p>\n</section>\n")
        return "".join(out)
    out.append(
        f'<p class="muted">{summary["skipped"]:,} row(s) could not be analysed. Rows are '
        "numbered from 1, the first row after the header. A row whose date could not be read "
        "is listed here too: it is used everywhere but in the sentiment over time. The report "
        f"lists the first {MAX_SKIPPED}.</p>\n"
    )
    rows = "".join(
        f'<tr><td>{s["row"]}</td><td class="words">{_t(s["error"])}</td></tr>' for s in skipped
    )
    out.append(f"<table><thead><tr><th>row</th><th>why</th></tr></thead><tbody>{rows}")
    out.append("</tbody></table>\n</section>\n")
    return "".join(out)
