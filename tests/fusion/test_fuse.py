"""Alignment and `fuse` on results built here as the analyzers build them: segments and seconds
land in the right windows, faces are averaged, a missing modality drops out, disagreement is
flagged, contributions add up, and results without a time axis give an empty fused result."""

import numpy as np
import pytest

from affectkit.fusion import fuse
from affectkit.fusion.align import observations, windows
from affectkit.fusion.fuse import FLAG_DISAGREE, contributions
from affectkit.fusion.late import LateFusion
from affectkit.labels import EMOTIONS, emotions_to_polarity
from affectkit.results import FLAG_EMPTY, AffectResult, Span


def dist(label, p=0.8):
    rest = (1 - p) / (len(EMOTIONS) - 1)
    return {e: (p if e == label else rest) for e in EMOTIONS}


def part(modality, label, start, end, p=0.8, **raw):
    d = dist(label, p)
    return AffectResult(
        label=label,
        confidence=p,
        model=f"{modality}-model@1",
        modality=modality,
        emotions=d,
        polarity=emotions_to_polarity(d),
        span=Span(start, end, "seconds"),
        raw=raw,
    )


def speech(*segments, words=None):
    """Segments (label, start, end); `words` a label per segment for its transcript."""
    parts = []
    for i, (label, a, b) in enumerate(segments):
        raw = {"speaker": "S1"}
        if words:
            d = dist(words[i], 0.6)
            raw["text"] = {"emotions": d, "polarity": emotions_to_polarity(d), "model": "lex@1"}
        parts.append(part("speech", label, a, b, **raw))
    end = segments[-1][2]
    return AffectResult(
        label=parts[0].label,
        confidence=0.8,
        model="speech-affect@1",
        modality="speech",
        span=Span(0, end, "seconds"),
        parts=tuple(parts),
    )


def faces(*tracks):
    """Tracks, each a list of (second, label)."""
    out = []
    for n, track in enumerate(tracks, 1):
        seconds = tuple(part("face", label, s, s + 1, face=f"F{n}") for s, label in track)
        out.append(
            AffectResult(
                label=seconds[0].label,
                confidence=0.8,
                model="face@1",
                modality="face",
                parts=seconds,
                span=Span(seconds[0].span.start, seconds[-1].span.end, "seconds"),
            )
        )
    end = max(f.span.end for f in out)
    return AffectResult(
        label="joy",
        confidence=0.5,
        model="face@1",
        modality="face",
        span=Span(0, end, "seconds"),
        parts=tuple(out),
    )


def test_observations_and_windows_weigh_overlap():
    s = speech(("anger", 0.5, 2.0), ("joy", 2.0, 2.5), words=["neutral", "joy"])
    obs = observations(s)
    assert [o.modality for o in obs] == ["voice", "words", "voice", "words"]
    ws = windows(obs, 1.0)
    assert [(w.start, w.end) for w in ws] == [(0, 1), (1, 2), (2, 2.5)]
    assert ws[0].coverage["voice"] == pytest.approx(0.5)
    assert EMOTIONS[ws[0].emotions["voice"].argmax()] == "anger"
    two = windows(obs, 2.0)  # 0-2: anger only; 2-2.5: joy
    assert EMOTIONS[two[1].emotions["voice"].argmax()] == "joy"
    mixed = windows(observations(speech(("anger", 0, 1.5), ("joy", 1.5, 2.0))), 2.0)
    assert (
        mixed[0].emotions["voice"][EMOTIONS.index("anger")]
        > mixed[0].emotions["voice"][EMOTIONS.index("joy")]
    )
    with pytest.raises(ValueError, match="positive"):
        windows(obs, 0)


def test_two_faces_in_a_second_are_averaged_and_time_without_input_is_left_out():
    f = faces([(0, "joy"), (1, "joy"), (5, "joy")], [(0, "anger")])
    ws = windows(observations(f), 1.0)
    assert [w.start for w in ws] == [0, 1, 5]
    first = ws[0].emotions["face"]
    assert first[EMOTIONS.index("joy")] == pytest.approx(first[EMOTIONS.index("anger")])
    assert ws[0].sources["face"] == ["face-model@1 F1", "face-model@1 F2"]


def test_fuse_gives_a_window_per_second_with_contributions_and_disagreement():
    s = speech(("anger", 0.0, 3.0), words=["anger"])
    f = faces([(0, "anger"), (1, "joy"), (2, "joy"), (3, "joy")])
    r = fuse([s, f])
    assert r.modality == "fused" and r.span.end == 4.0 and len(r.parts) == 4
    first, second, last = r.parts[0], r.parts[1], r.parts[3]
    assert first.label == "anger" and FLAG_DISAGREE not in first.flags
    assert FLAG_DISAGREE in second.flags  # an angry voice, a happy face
    assert {e.text.split(":")[0] for e in second.evidence} == {"voice", "words", "face"}
    assert sum(e.weight for e in second.evidence) == pytest.approx(1.0)
    assert last.label == "joy" and set(last.raw["modalities"]) == {"face"}  # the voice stopped
    assert last.evidence[0].weight == pytest.approx(1.0)
    assert r.raw["modalities"]["voice"]["windows"] == 3 and r.raw["disagreements"] >= 1
    assert sum(r.emotions.values()) == pytest.approx(1.0) and r.polarity is not None


def test_a_modality_the_method_does_not_trust_contributes_nothing():
    late = LateFusion(EMOTIONS, {"voice": 0.0, "face": 1.0, "words": 1.0})
    rows = {
        "voice": np.array([dist("anger", 0.9)[e] for e in EMOTIONS])[None],
        "face": np.array([dist("joy", 0.6)[e] for e in EMOTIONS])[None],
    }
    share = contributions(late, rows)
    assert share["voice"][0] == 0 and share["face"][0] == pytest.approx(1.0)


def test_nothing_on_a_time_axis_is_an_empty_fused_result():
    photo = AffectResult(label="joy", confidence=0.9, model="face@1", modality="face")
    text = AffectResult(label="joy", confidence=0.9, model="t@1", emotions=dist("joy"))
    r = fuse([photo, text])
    assert r.label == "empty" and FLAG_EMPTY in r.flags and "time axis" in r.raw["reason"]
    with pytest.raises(ValueError, match="must predict"):
        fuse([text], LateFusion(("negative", "positive")))
