"""The result contract."""

import dataclasses
import json
import math

import pytest

from affectkit.results import SCHEMA_VERSION, AffectResult, Analyzer, Evidence


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
        "kind": "lexicon", "label": None, "note": None,
    }  # fmt: skip
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

        def analyze(self, batch):
            return [AffectResult(label="neutral", confidence=1.0, model=self.name) for _ in batch]

    assert isinstance(Mine(), Analyzer)
