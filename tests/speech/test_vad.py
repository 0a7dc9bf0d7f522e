"""Voice activity detection on real speech: segments where people speak, shaped for emotion."""

import numpy as np
import pytest

from affectkit.speech import vad
from affectkit.speech.vad import FRAME_SECONDS, Segmenter, VADConfig
from tests.speech import media


@pytest.fixture(scope="module")
def detector():
    return vad.SileroVAD()


def test_speech_is_found_between_silences(shared_data, detector):
    x = media.call(shared_data, [(1, "neutral"), (2, "happy")], pause=1.5)
    segs = vad.speech_segments(x, vad=detector)
    assert len(segs) == 2
    first = media.read(media.clip(shared_data, 1, "neutral", 0))
    assert segs[0].start < segs[0].end <= len(first) / 16_000 + 0.2
    assert segs[1].start > len(first) / 16_000
    assert all(s.probability > 0.5 for s in segs)


def test_silence_and_noise_give_no_segments(detector):
    rng = np.random.default_rng(0)
    assert vad.speech_segments(np.zeros(32_000, np.float32), vad=detector) == []
    hum = 0.01 * rng.standard_normal(32_000).astype(np.float32)
    assert vad.speech_segments(hum, vad=detector) == []


def test_streamed_in_odd_chunks_equals_whole(shared_data, detector):
    x = media.call(shared_data, [(3, "sad"), (3, "angry"), (4, "fearful")])
    whole = vad.speech_segments(x, vad=detector)
    chunks = [x[i : i + 777] for i in range(0, len(x), 777)]
    streamed = [s for s in vad.segments(chunks, vad=detector) if s.start < len(x) / 16_000]
    assert [(round(s.start, 3)) for s in streamed] == [round(s.start, 3) for s in whole]


def test_close_segments_merge_and_long_speech_is_cut():
    frames = int(1 / FRAME_SECONDS)
    # 1 s speech, 0.4 s pause, 1 s speech: one segment (merge_gap 0.5)
    probs = [0.9] * frames + [0.05] * int(0.4 / FRAME_SECONDS) + [0.9] * frames + [0.0] * 40
    seg = Segmenter(VADConfig())
    out = seg.feed(probs) + seg.finish()
    assert len(out) == 1 and 2.2 < out[0].duration < 2.8
    # 20 s of unbroken speech with a dip: pieces of at most 8 s (+ padding)
    probs = [0.9] * int(20 / FRAME_SECONDS)
    probs[int(7 / FRAME_SECONDS)] = 0.4
    seg = Segmenter(VADConfig())
    out = seg.feed(probs + [0.0] * 40) + seg.finish()
    assert len(out) >= 3
    assert all(s.duration <= 8.0 + 2 * 0.1 + 1e-6 for s in out)
    assert abs(sum(s.duration for s in out) - 20 - 2 * 0.1 * len(out)) < 0.2


def test_too_short_blips_are_dropped():
    seg = Segmenter(VADConfig())
    out = seg.feed([0.0] * 20 + [0.9] * 3 + [0.0] * 40) + seg.finish()
    assert out == []


def test_config_is_checked():
    with pytest.raises(ValueError, match="threshold"):
        VADConfig(threshold=1.5)


def test_a_held_segment_is_released_once_nothing_can_join_it():
    seg = Segmenter(VADConfig())
    frames = int(1 / FRAME_SECONDS)
    out = seg.feed([0.9] * frames + [0.0] * frames)  # 1 s speech, then 1 s of silence
    assert len(out) == 1 and out[0].duration < 1.5  # out before any further speech
