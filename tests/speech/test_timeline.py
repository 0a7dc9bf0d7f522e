"""The speech analyzers end to end on real speech: segments, voice emotion, transcript, words'
emotion, speakers, adaptation, bad input in a batch, streaming with bounded memory."""

import json

import numpy as np
import pytest
import soundfile as sf

from affectkit import deadline, registry
from affectkit.errors import DeadlineExceeded, InvalidInputError
from affectkit.inputs import Input
from affectkit.labels import EMOTIONS
from affectkit.results import FLAG_EMPTY, FLAG_ERROR, AffectResult
from affectkit.speech.analyzer import SpeechAnalyzer
from affectkit.speech.catalog import MODEL_DIR
from affectkit.speech.emotion import SpeechEmotionModel
from affectkit.speech.timeline import FLAG_ADAPTED, PipelineOptions, SpeechPipeline, _Rolling
from tests.speech import media

pytestmark = pytest.mark.skipif(
    not (MODEL_DIR / "config.json").is_file(), reason="the speech-emotion model is not shipped"
)


@pytest.fixture(scope="module")
def model():
    return SpeechEmotionModel.from_pretrained(MODEL_DIR)


@pytest.fixture(scope="module")
def words(model):
    """speech-affect with the English lexicon reading the words (no transformer)."""
    return SpeechAnalyzer("speech-affect@1", model, transcribe=True, text_model="lexicon-en")


@pytest.fixture(scope="module")
def two_voices(model):
    return SpeechAnalyzer("speech-affect@1", model, transcribe=True, text_model="lexicon-en",
                          options=PipelineOptions(speakers=2))  # fmt: skip


@pytest.fixture(scope="module")
def voice(model):
    return SpeechAnalyzer("speech-emotion@1", model, transcribe=False)


@pytest.fixture(scope="module")
def two_speakers(shared_data, tmp_path_factory):
    pairs = [(1, "angry"), (2, "happy"), (1, "sad"), (2, "fearful")]
    path = tmp_path_factory.mktemp("calls") / "call.wav"
    sf.write(str(path), media.call(shared_data, pairs, pause=1.0), 16_000)
    return path


def test_a_call_becomes_a_timeline(words, two_speakers):
    (r,) = words.analyze([Input.from_path(two_speakers)])
    assert r.modality == "speech" and r.model == "speech-affect@1"
    assert r.span.unit == "seconds" and r.span.end == pytest.approx(r.raw["duration"], abs=0.01)
    assert len(r.parts) == 4
    ends = [0.0] + [p.span.end for p in r.parts]
    for p, prev_end in zip(r.parts, ends):
        assert p.span.unit == "seconds" and p.span.start >= prev_end - 0.25
        assert set(p.emotions) == set(EMOTIONS) and abs(sum(p.emotions.values()) - 1) < 1e-6
        assert "door" in p.raw["transcript"].lower()
        assert p.raw["text"]["model"].startswith("lexicon-en")
        assert all(e.unit == "seconds" and p.span.start <= e.start <= p.span.end + 0.5
                   for e in p.evidence)  # fmt: skip
        assert -1 <= p.valence <= 1 and -1 <= p.arousal <= 1
    assert "door" in r.raw["transcript"].lower()
    assert sum(r.raw["labels"].values()) == pytest.approx(1.0, abs=1e-6)
    assert r.language == "en"
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert AffectResult.from_dict(d).to_dict() == d


def test_two_voices_are_told_apart(two_voices, two_speakers):
    (r,) = two_voices.analyze([two_speakers])
    speakers = [p.raw["speaker"] for p in r.parts]
    assert speakers == ["S1", "S2", "S1", "S2"]
    assert set(r.raw["by_speaker"]) == {"S1", "S2"}


def test_silence_and_noise_are_empty_timelines(voice, tmp_path):
    sf.write(str(tmp_path / "silent.wav"), np.zeros(32_000, np.float32), 16_000)
    noise = 0.02 * np.random.default_rng(0).standard_normal(32_000).astype(np.float32)
    sf.write(str(tmp_path / "noise.wav"), noise, 16_000)
    silent, noisy = voice.analyze([tmp_path / "silent.wav", tmp_path / "noise.wav"])
    for r in (silent, noisy):
        assert r.label == "empty" and FLAG_EMPTY in r.flags and r.parts == ()
    assert silent.raw["reason"] == "silent audio"
    assert noisy.raw["reason"] == "no speech found"


def test_bad_inputs_in_a_batch_are_their_own_errors(voice, shared_data, tmp_path):
    (tmp_path / "broken.wav").write_bytes(b"RIFF" + bytes(300))
    good = media.clip(shared_data, 3, "calm")
    rs = voice.analyze([good, tmp_path / "broken.wav", tmp_path / "missing.flac", good])
    assert [FLAG_ERROR in r.flags for r in rs] == [False, True, True, False]
    assert "not a readable audio" in rs[1].raw["error"] and rs[1].modality == "speech"
    assert "no such file" in rs[2].raw["error"]
    assert rs[0] == rs[3]
    with pytest.raises(InvalidInputError, match="item 0"):
        voice.analyze([42])


def test_a_video_is_analysed_for_its_sound(voice, shared_data, tmp_path):
    x = media.read(media.clip(shared_data, 5, "surprised"))
    (r,) = voice.analyze([Input.from_path(media.write_mp4(tmp_path / "v.mp4", x))])
    assert len(r.parts) == 1 and r.raw["decoder"] == "pyav"


def test_enough_of_one_speaker_is_adapted(voice, shared_data, tmp_path):
    labels = ["neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised"]
    x = media.call(shared_data, [(7, lab) for lab in labels * 2], pause=1.0)
    sf.write(str(tmp_path / "seven.wav"), x, 16_000)
    (r,) = voice.analyze([tmp_path / "seven.wav"])
    assert len(r.parts) == 16 and r.raw["speech_seconds"] >= 20 and r.raw["speakers"] == 1
    assert FLAG_ADAPTED in r.flags and all(p.raw["adapted"] for p in r.parts)
    (single,) = voice.analyze([media.clip(shared_data, 7, "angry")])
    assert FLAG_ADAPTED not in single.flags


def test_segments_stream_with_a_bounded_buffer(model, shared_data):
    x = media.call(shared_data, [(8, "happy"), (9, "sad"), (8, "angry")] * 2, pause=1.0)
    pulled = []

    def chunks():
        for i in range(0, len(x), 16_000):
            pulled.append(i)
            yield x[i : i + 16_000]

    pipeline = SpeechPipeline(model, "speech-emotion@1")
    stream = pipeline.segments(chunks())
    first = next(stream)
    assert first.end < 5 and len(pulled) * 16_000 < len(x) / 2  # yielded before the end
    assert len([first, *stream]) == 6
    buf = _Rolling(keep=2.0)
    for _ in range(10):
        buf.add(np.ones(16_000, np.float32))
    assert len(buf.data) == 32_000 and buf.end == 10.0 and len(buf.get(8.5, 9.5)) == 16_000


def test_work_stops_at_the_deadline(voice, two_speakers):
    with pytest.raises(DeadlineExceeded), deadline.scope(0.0):
        voice.analyze([two_speakers])


def test_registry_defaults_send_audio_to_the_fused_timeline_then_speech_affect(monkeypatch):
    # fused-affect (voice + words fused per second) where the face model ships too
    assert registry.default_model("audio", "*") in ("fused-affect@1", "speech-affect@1")
    monkeypatch.setitem(registry._REGISTRY, "fused-affect", {})  # as if it were not shipped
    assert registry.default_model("audio", "*") == "speech-affect@1"
    assert set(registry.takes("speech-emotion")) == {"audio", "video"}
    assert set(registry.takes(str(MODEL_DIR))) == {"audio", "video"}


def test_speech_after_a_long_pause_keeps_its_own_audio(model, shared_data):
    """A segment is released once nothing can join it, not when the next speech ends: after
    45 s of silence (more than the rolling buffer holds) both clips are still analysed."""
    clip = media.read(media.clip(shared_data, 16, "angry"))
    x = np.concatenate([clip, np.zeros(45 * 16_000, np.float32), clip])
    (r,) = SpeechAnalyzer("speech-emotion@1", model, transcribe=False).analyze(
        [Input.from_bytes("audio", _flac(x))]
    )
    assert len(r.parts) == 2
    assert r.parts[0].label == r.parts[1].label
    assert r.parts[0].confidence == pytest.approx(r.parts[1].confidence, abs=0.05)


def _flac(x: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    sf.write(buf, x, 16_000, format="FLAC")
    return buf.getvalue()


def test_a_model_folder_says_it_takes_audio_in_a_fresh_process():
    import subprocess
    import sys

    code = f"from affectkit import registry; print(registry.takes({str(MODEL_DIR)!r}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "('audio', 'video')"
