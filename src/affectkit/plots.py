"""Pictures of results people would rather look at than read: a recording's timeline, the
faces of a photo.

`timeline_plot` draws a result whose `parts` have spans in seconds (a speech timeline): one row
per thing measured — the voice's emotion per segment (colour = emotion, height = confidence),
the words' polarity per segment where there is a transcript, and valence/arousal of the voice —
with speakers marked. matplotlib is imported only here, with the Agg backend (no screen).
"""

from __future__ import annotations

from pathlib import Path

from affectkit.errors import InvalidInputError, StorageError, require
from affectkit.labels import EMOTIONS
from affectkit.results import AffectResult

COLOURS = {
    "anger": "#d62728",
    "disgust": "#8c564b",
    "fear": "#9467bd",
    "joy": "#ffbf00",
    "sadness": "#1f77b4",
    "surprise": "#17becf",
    "neutral": "#b0b0b0",
}


def timeline_plot(result: AffectResult, path: str | Path, title: str = "") -> Path:
    """Save the timeline of `result` (parts with spans in seconds) as a PNG; returns the path.
    A video's face timeline (faces as parts, their seconds as their parts) goes to
    `face_timeline_plot`."""
    if result.modality == "face" and any(p.parts for p in result.parts):
        return face_timeline_plot(result, path, title)
    if result.modality == "fused":
        return fused_timeline_plot(result, path, title)
    parts = [p for p in result.parts if p.span is not None and p.span.unit == "seconds"]
    if not parts:
        raise InvalidInputError("Nothing to draw: the result has no timed segments.")
    matplotlib = require("matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    has_words = any(p.raw.get("text") for p in parts)
    rows = 3 if has_words else 2
    end = max(p.span.end for p in parts)
    if result.span is not None:
        end = max(end, result.span.end)
    fig, axes = plt.subplots(rows, 1, figsize=(11, 1.2 + 1.5 * rows), sharex=True, dpi=110)
    ax = axes[0]
    for p in parts:
        ax.bar(
            p.span.start,
            p.confidence,
            width=p.span.duration,
            align="edge",
            color=COLOURS.get(p.label, "#444444"),
            edgecolor="white",
            linewidth=0.5,
        )
        speaker = p.raw.get("speaker")
        if speaker and result.raw.get("speakers", 1) > 1:
            ax.text(p.span.start + p.span.duration / 2, 1.02, speaker, ha="center", fontsize=7)
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("voice\nemotion")
    used = [e for e in EMOTIONS if any(p.label == e for p in parts)]
    ax.legend(
        handles=[Patch(color=COLOURS[e], label=e) for e in used],
        fontsize=7,
        ncol=len(used),
        loc="upper left",
        bbox_to_anchor=(0, 1.35),
        frameon=False,
    )
    if has_words:
        ax = axes[1]
        for p in parts:
            t = p.raw.get("text")
            if not t or t.get("score") is None:
                continue
            score = t["score"]
            ax.bar(
                p.span.start,
                score,
                width=p.span.duration,
                align="edge",
                color="#2ca02c" if score >= 0 else "#d62728",
                alpha=0.8,
            )
        ax.axhline(0, color="black", lw=0.5)
        ax.set_ylim(-1.05, 1.05)
        ax.set_ylabel("words\npolarity")
    ax = axes[-1]
    mids = [p.span.start + p.span.duration / 2 for p in parts]
    ax.plot(mids, [p.valence for p in parts], "o-", ms=3, label="valence", color="#2ca02c")
    ax.plot(mids, [p.arousal for p in parts], "s-", ms=3, label="arousal", color="#ff7f0e")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("voice")
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    ax.set_xlim(0, end)
    ax.set_xlabel("seconds")
    fig.suptitle(title or "timeline", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, plt, path)


MAX_FACE_ROWS = 8


def face_timeline_plot(result: AffectResult, path: str | Path, title: str = "") -> Path:
    """A video's faces over time: one row per face (the first `MAX_FACE_ROWS` by time on
    screen; colour = emotion, height = confidence, per second), then valence per face and the
    engagement proxy per face and second."""
    faces = sorted(result.parts, key=lambda f: -len(f.parts))[:MAX_FACE_ROWS]
    faces = sorted(faces, key=lambda f: (f.span.start if f.span else 0.0, f.box.x if f.box else 0))
    if not faces:
        raise InvalidInputError("Nothing to draw: no face was found in the video.")
    matplotlib = require("matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = len(faces) + 2
    end = max([f.span.end for f in faces] + [result.span.end if result.span else 0])
    fig, axes = plt.subplots(rows, 1, figsize=(11, 1.4 + 1.0 * rows), sharex=True, dpi=110)
    lines = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    used: set[str] = set()
    for ax, face in zip(axes, faces):
        used.update(sec.label for sec in face.parts)
        ax.bar(  # one call per face: a two-hour video is thousands of seconds
            [sec.span.start for sec in face.parts], [sec.confidence for sec in face.parts],
            width=[sec.span.duration for sec in face.parts], align="edge",
            color=[COLOURS.get(sec.label, "#444444") for sec in face.parts], linewidth=0,
        )  # fmt: skip
        ax.set_ylim(0, 1.05)
        ax.set_yticks([])
        ax.set_ylabel(face.raw.get("face", "face"), rotation=0, ha="right", va="center")
    axes[0].legend(
        handles=[Patch(color=COLOURS[e], label=e) for e in EMOTIONS if e in used], fontsize=7,
        ncol=len(used), loc="upper left", bbox_to_anchor=(0, 1.45), frameon=False,
    )  # fmt: skip
    val, eng = axes[-2], axes[-1]
    for i, face in enumerate(faces):
        colour = lines[i % len(lines)]
        name = face.raw.get("face", str(i + 1))
        mids, valence, score = _with_gaps(face.parts)
        val.plot(mids, valence, "-", lw=1.2, color=colour, label=name)
        eng.plot(mids, score, "-", lw=1.2, color=colour, label=name)
    val.axhline(0, color="black", lw=0.5)
    val.set_ylim(-1.05, 1.05)
    val.set_ylabel("valence")
    val.legend(fontsize=7, loc="lower right", frameon=False, ncol=min(len(faces), 8))
    eng.set_ylim(-0.05, 1.05)
    eng.set_ylabel("facing the\ncamera")
    eng.set_xlim(0, end)
    eng.set_xlabel("seconds")
    fig.suptitle(title or "faces over time", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, plt, path)


def fused_timeline_plot(result: AffectResult, path: str | Path, title: str = "") -> Path:
    """A fused timeline: one row per modality (its own emotion per window: colour = emotion,
    height = confidence; disagreeing windows hatched), the fused row, then the fused valence."""
    windows = [p for p in result.parts if p.span is not None]
    if not windows:
        raise InvalidInputError("Nothing to draw: the fused result has no windows.")
    order = ("voice", "words", "face")
    present = {m for w in windows for m, v in w.raw.get("modalities", {}).items() if "label" in v}
    mods = [m for m in order if m in present] + sorted(present - set(order))
    matplotlib = require("matplotlib", "plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rows = len(mods) + 2
    end = max([w.span.end for w in windows] + [result.span.end if result.span else 0])
    fig, axes = plt.subplots(rows, 1, figsize=(11, 1.4 + 0.9 * rows), sharex=True, dpi=110)
    used: set[str] = set()

    def row(ax, items, name, bold=False):
        if items:
            used.update(label for _, _, label, _ in items)
            ax.bar([a for a, _, _, _ in items], [c for _, _, _, c in items],
                   width=[b - a for a, b, _, _ in items], align="edge", linewidth=0,
                   color=[COLOURS.get(label, "#444444") for _, _, label, _ in items])  # fmt: skip
        ax.set_ylim(0, 1.05)
        ax.set_yticks([])
        ax.set_ylabel(name, rotation=0, ha="right", va="center",
                      fontweight="bold" if bold else "normal")  # fmt: skip

    for ax, m in zip(axes, mods):
        items = [(w.span.start, w.span.end, v["label"], v["confidence"]) for w in windows
                 if "label" in (v := w.raw["modalities"].get(m, {}))]  # fmt: skip
        row(ax, items, m)
    fused = axes[len(mods)]
    row(fused, [(w.span.start, w.span.end, w.label, w.confidence) for w in windows], "fused", True)
    for w in windows:
        if "disagree" in w.flags:
            fused.bar(w.span.start, 1.05, width=w.span.end - w.span.start, align="edge",
                      fill=False, hatch="//", edgecolor="#555555", linewidth=0)  # fmt: skip
    axes[0].legend(
        handles=[Patch(color=COLOURS[e], label=e) for e in EMOTIONS if e in used]
        + [Patch(fill=False, hatch="//", edgecolor="#555555", label="modalities disagree")],
        fontsize=7, ncol=len(used) + 1, loc="upper left", bbox_to_anchor=(0, 1.6), frameon=False,
    )  # fmt: skip
    val = axes[-1]
    mids, valence, _ = _with_gaps(windows)
    val.plot(mids, valence, "-", lw=1.2, color="#2ca02c")
    val.axhline(0, color="black", lw=0.5)
    val.set_ylim(-1.05, 1.05)
    val.set_ylabel("valence\n(fused)")
    val.set_xlim(0, end)
    val.set_xlabel("seconds")
    fig.suptitle(title or "voice, words and faces over time", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, plt, path)


def _with_gaps(seconds) -> tuple[list[float], list[float], list[float]]:
    """Mid-points, valence and engagement of a face's seconds, with NaN where it was not seen
    (so a line breaks instead of joining across the gap)."""
    mids: list[float] = []
    valence: list[float] = []
    score: list[float] = []
    nan = float("nan")
    for k, sec in enumerate(seconds):
        if k and sec.span.start - seconds[k - 1].span.end > 0.01:
            mids.append(sec.span.start - 0.01)
            valence.append(nan)
            score.append(nan)
        mids.append(sec.span.start + sec.span.duration / 2)
        valence.append(nan if sec.valence is None else sec.valence)
        score.append(sec.raw.get("engagement", nan))
    return mids, valence, score


def save_figure(fig, plt, path: str | Path) -> Path:
    """Write `fig` as a PNG at `path` and close it; a write that fails is a `StorageError`."""
    path = Path(path)
    try:
        fig.savefig(path, format="png")
    except (OSError, ValueError) as exc:
        raise StorageError(f"Cannot write the plot to {path}: {exc}") from None
    finally:
        plt.close(fig)
    return path


def annotate_faces(rgb, result: AffectResult, path: str | Path) -> Path:
    """Save `rgb` (uint8 [H, W, 3]) with each face of `result` boxed and labelled, as a PNG."""
    image_mod = require("PIL.Image", "vision")
    draw_mod = require("PIL.ImageDraw", "vision")
    img = image_mod.fromarray(rgb)
    draw = draw_mod.Draw(img)
    width = max(2, round(max(img.size) / 300))
    for part in result.parts:
        if part.box is None:
            continue
        b = part.box
        colour = COLOURS.get(part.label, "#444444")
        draw.rectangle([b.x, b.y, b.x + b.width, b.y + b.height], outline=colour, width=width)
        text = f"{part.label} {part.confidence:.2f}"
        top = max(0, b.y - 14)
        draw.rectangle([b.x, top, b.x + 7 * len(text) + 6, top + 13], fill=colour)
        draw.text((b.x + 3, top), text, fill="white")
    path = Path(path)
    try:
        img.save(path, format="PNG")
    except (OSError, ValueError) as exc:
        raise StorageError(f"Cannot write the picture to {path}: {exc}") from None
    return path
