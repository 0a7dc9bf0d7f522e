"""`fused-affect` end to end on a real recording: a video of real faces (FER2013) with real
speech (RAVDESS) becomes one fused timeline; a video without sound or an audio file falls back to
what there is; a file with nothing usable is a one-line error."""

import json

import numpy as np
import pytest

from affectkit import registry
from affectkit.fusion.analyzer import MultimodalAnalyzer
from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_ERROR, AffectResult
from affectkit.speech.analyzer import SpeechAnalyzer
from affectkit.speech.catalog import MODEL_DIR
from affectkit.speech.emotion import SpeechEmotionModel
from tests.speech import media
from tests.vision import scenes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (MODEL_DIR / "config.json").is_file(), reason="no speech model"),
]


@pytest.fixture(scope="module")
def fused():
    speech = SpeechAnalyzer(
        "speech-affect@1",
        SpeechEmotionModel.from_pretrained(MODEL_DIR),
        transcribe=True,
        text_model="lexicon-en",
    )
    return MultimodalAnalyzer(speech=speech, face=registry.load("face-expression"))


@pytest.fixture(scope="module")
def interview(shared_data, tmp_path_factory):
    """About 9 s: two real faces (one leaves after 2 s) and an angry then a happy voice."""
    audio = media.call(shared_data, [(3, "angry"), (3, "happy")], pause=0.5)
    path = tmp_path_factory.mktemp("av") / "interview.mp4"
    return scenes.write_video(path, scenes.dev_faces(shared_data), audio=audio), len(audio) / 16e3


@pytest.fixture(scope="module")
def result(fused, interview):
    return fused.analyze([Input.from_path(interview[0])])[0]


def test_a_video_with_speech_and_faces_is_one_fused_timeline(result, interview):
    _, seconds = interview
    r = result
    assert r.modality == "fused" and r.model == "fused-affect@1", r.raw
    assert r.span.unit == "seconds" and r.span.end == pytest.approx(seconds, abs=0.3)
    assert r.raw["missing"] == {} and set(r.raw["inputs"]) == {"speech", "face"}
    assert {"voice", "face"} <= set(r.raw["modalities"])
    # one window a second, in order, each a distribution over the canonical emotions
    starts = [p.span.start for p in r.parts]
    assert starts == sorted(starts) and all(p.span.end - p.span.start <= 1.0 for p in r.parts)
    assert len(r.parts) >= 6
    for p in r.parts:
        assert set(p.emotions) == set(EMOTIONS) and sum(p.emotions.values()) == pytest.approx(1)
        assert p.evidence and all(e.kind == "modality" for e in p.evidence)
        shares = sum(e.weight for e in p.evidence)
        assert shares == pytest.approx(1.0, abs=1e-6) or shares == 0
    both = [p for p in r.parts if {"voice", "face"} <= set(p.raw["modalities"])]
    assert both, "the voice and the faces overlap somewhere"
    # the JSON form round-trips with every modality's own result inside
    back = AffectResult.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back.raw["inputs"]["speech"]["modality"] == "speech"
    assert len(back.parts) == len(r.parts)


def test_a_silent_video_and_an_audio_file_fuse_what_they_have(fused, shared_data, tmp_path):
    silent = scenes.write_video(tmp_path / "silent.mp4", scenes.dev_faces(shared_data))
    (r,) = fused.analyze([Input.from_path(silent)])
    assert r.modality == "fused" and "speech" in r.raw["missing"], r.raw
    assert set(r.raw["modalities"]) == {"face"}
    (a,) = fused.analyze([media.clip(shared_data, 4, "angry")])
    assert a.modality == "fused" and set(a.raw["inputs"]) == {"speech"}
    assert "voice" in a.raw["modalities"]


def test_nothing_usable_is_a_one_line_error(fused, tmp_path):
    grey = media.write_mp4(tmp_path / "grey.mp4", None, seconds=1.0)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00" * 100)
    out = fused.analyze([Input.from_path(grey), Input.from_path(bad)])
    for r in out:
        assert FLAG_ERROR in r.flags and r.modality == "fused"
        assert "\n" not in r.raw["error"] and "nothing to fuse" in r.raw["error"]


def test_registered_for_recordings():
    spec = registry.get_spec("fused-affect")
    assert spec.modality == "fused" and set(spec.inputs) == {"video", "audio"}
    with pytest.raises(Exception, match="window"):
        registry.load("fused-affect", window="soon")
    assert np.isclose(registry.load("fused-affect", window=2).width, 2.0)


def test_the_plot_has_a_row_per_modality_and_the_fused_row(result, tmp_path):
    from PIL import Image

    from affectkit.plots import timeline_plot

    path = timeline_plot(result, tmp_path / "fused.png", title="interview")
    with Image.open(path) as im:
        assert (
            im.size[0] > 1000 and im.size[1] > 500
        )  # five rows: voice, words, face, fused, valence
    # the rule: confident channels that name different labels flag the window
    for w in result.parts:
        sure = {v["label"] for v in w.raw["modalities"].values() if v.get("confidence", 0) >= 0.5}
        assert ("disagree" in w.flags) == (len(sure) > 1)
