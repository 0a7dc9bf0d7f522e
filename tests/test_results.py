"""The result contract."""

import dataclasses
import json
import math

import pytest

from affectkit.protocols import Analyzer
from affectkit.results import SCHEMA_VERSION, AffectResult, Box, Evidence, Span


def make():
    return AffectResult(
        label="joy",
        confidence=0.8,
        model="x@1",
        emotions={"joy": 0.8, "neutral": 0.2},
        polarity={"negative": 0.1, "neutral": 0.1, "positive": 0.8},
        score=0.7,
        language="en",
        raw={"np": 1.0, "nested": {"a": (1, 2)}, "nan": float("nan")},
        evidence=(Evidence("good", 1.23456, 0, 4),),
    )


def test_to_dict_is_json_safe_and_versioned():
    d = make().to_dict()
    s = json.dumps(d, allow_nan=False)
    back = json.loads(s)
    assert back["schema_version"] == SCHEMA_VERSION
    assert back["evidence"][0] == {
        "text": "good", "weight": 1.2346, "start": 0, "end": 4,
        "kind": "lexicon", "label": None, "note": None, "unit": "chars", "box": None,
    }  # fmt: skip
    assert back["span"] is None and back["span_unit"] is None and back["box"] is None
    assert back["raw"]["nan"] is None


def test_round_trip():
    r = make()
    back = AffectResult.from_dict(json.loads(json.dumps(r.to_dict(), allow_nan=False)))
    assert back.label == r.label and back.polarity == r.polarity
    assert back.evidence[0].weight == pytest.approx(r.evidence[0].weight, abs=1e-4)
    assert back.to_dict() == r.to_dict()


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make().label = "anger"


def test_numpy_scalars_serialise():
    np = pytest.importorskip("numpy")
    r = dataclasses.replace(make(), raw={"p": np.float32(0.5), "k": np.int64(3)})
    assert json.loads(json.dumps(r.to_dict()))["raw"] == {"p": 0.5, "k": 3}
    assert not math.isnan(r.to_dict()["confidence"])


def test_third_party_analyzer_fits_the_protocol_without_subclassing():
    class Mine:
        name = "mine@1"
        modality = "text"
        languages = ("en",)

        def analyze(self, batch, *, explain=False):
            return [AffectResult(label="neutral", confidence=1.0, model=self.name) for _ in batch]

    assert isinstance(Mine(), Analyzer)


def test_spans_and_boxes_of_every_modality_round_trip():
    audio = AffectResult(
        label="anger",
        confidence=0.7,
        model="speech-emotion@1",
        modality="speech",
        span=Span(1.5, 3.25, "seconds"),
        evidence=(Evidence("segment", 0.7, 1.5, 3.25, kind="segment", unit="seconds"),),
    )
    face = AffectResult(
        label="joy",
        confidence=0.9,
        model="face-expression@1",
        modality="face",
        span=Span(12, 13, "frames"),
        box=Box(10, 20, 48, 48),
        evidence=(Evidence("face 1", 0.9, kind="face", box=Box(10, 20, 48, 48)),),
    )
    for r in (audio, face):
        d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
        back = AffectResult.from_dict(d)
        assert back == r
    d = face.to_dict()
    assert d["span"] == [12, 13] and d["span_unit"] == "frames"
    assert d["box"] == {"x": 10, "y": 20, "width": 48, "height": 48}
    assert audio.evidence[0].span == Span(1.5, 3.25, "seconds")


def test_a_plain_pair_is_a_character_span_and_version_1_json_still_reads():
    r = AffectResult(label="joy", confidence=1.0, model="m@1", span=(0, 5))
    assert r.span == Span(0, 5, "chars")
    v1 = {
        "schema_version": "1", "label": "joy", "confidence": 1.0, "model": "m@1",
        "span": [0, 5], "evidence": [{"text": "good", "weight": 1.0, "start": 0, "end": 4,
                                      "kind": "lexicon", "label": None, "note": None}],
    }  # fmt: skip
    back = AffectResult.from_dict(v1)
    assert back.span == Span(0, 5, "chars") and back.evidence[0].unit == "chars"


def test_bad_spans_and_boxes_say_what_was_expected():
    with pytest.raises(ValueError, match="unit must be one of"):
        Span(0, 1, "minutes")
    with pytest.raises(ValueError, match="ends at or after"):
        Span(2, 1, "seconds")
    with pytest.raises(ValueError, match="non-negative size"):
        Box(0, 0, -1, 5)


def test_non_finite_numbers_never_reach_the_json():
    r = AffectResult(
        label="joy", confidence=1.0, model="m@1", score=float("inf"),
        raw={"x": float("-inf")}, evidence=(Evidence("w", float("nan"), 0, 1),),
    )  # fmt: skip
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["score"] is None and d["raw"]["x"] is None and d["evidence"][0]["weight"] is None


def test_parts_nest_full_results_and_round_trip():
    seg = AffectResult("anger", 0.8, "speech-emotion@1", modality="speech",
                       span=Span(1.5, 3.25, "seconds"), raw={"transcript": "hi"})  # fmt: skip
    whole = AffectResult("anger", 0.8, "speech-emotion@1", modality="speech",
                         span=Span(0, 10, "seconds"), parts=(seg, seg))  # fmt: skip
    d = whole.to_dict()
    assert d["schema_version"] == SCHEMA_VERSION == "3"
    assert "schema_version" not in d["parts"][0] and d["parts"][0]["span"] == [1.5, 3.25]
    assert d["parts"][0]["span_unit"] == "seconds" and d["parts"][0]["parts"] == []
    back = AffectResult.from_dict(d)
    assert back.parts == (seg, seg) and back.to_dict() == d
    older = {k: v for k, v in d.items() if k != "parts"} | {"schema_version": "2"}
    assert AffectResult.from_dict(older).parts == ()
