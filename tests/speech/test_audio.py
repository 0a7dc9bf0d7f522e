"""Audio decoding: every format we claim, any rate and channel count, and every bad input a
one-line error (or a flagged partial decode), never a crash."""

import numpy as np
import pytest
import soundfile as sf

from affectkit.errors import LimitExceededError
from affectkit.inputs import Input
from affectkit.speech import audio
from affectkit.speech.audio import AudioError, AudioLimits
from tests.speech import media


@pytest.fixture(scope="module")
def speech(shared_data):
    return media.read(media.clip(shared_data, 1, "angry"))


def _rms(x):
    return float(np.sqrt(np.mean(x**2)))


@pytest.mark.parametrize(
    ("suffix", "rate", "channels", "decoder"),
    [
        (".wav", 44_100, 2, "soundfile"),
        (".wav", 48_000, 6, "soundfile"),
        (".wav", 8_000, 1, "soundfile"),
        (".flac", 16_000, 1, "soundfile"),
        (".ogg", 22_050, 1, "soundfile"),
        (".mp3", 16_000, 1, "soundfile"),
    ],
)
def test_formats_rates_and_channels_become_mono_16k(
    tmp_path, speech, suffix, rate, channels, decoder
):
    import soxr

    resampled = soxr.resample(speech, 16_000, rate).astype(np.float32)
    data = np.repeat(resampled[:, None], channels, axis=1) if channels > 1 else resampled
    path = tmp_path / f"clip{suffix}"
    sf.write(str(path), data, rate)
    stream = audio.open_audio(path)
    assert (stream.decoder, stream.sample_rate, stream.channels) == (decoder, rate, channels)
    out = np.concatenate(list(stream.chunks()))
    assert out.dtype == np.float32
    assert abs(len(out) / 16_000 - len(speech) / 16_000) < 0.1
    assert abs(_rms(out) - _rms(speech)) < 0.2 * _rms(speech)


def test_m4a_and_a_videos_sound_through_pyav(tmp_path, speech):
    import av

    m4a = tmp_path / "clip.m4a"
    with av.open(str(m4a), "w") as c:
        s = c.add_stream("aac", rate=16_000)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(speech[None, :], "flt", "mono")
        frame.sample_rate = 16_000
        for p in [*s.encode(frame), *s.encode(None)]:
            c.mux(p)
    mp4 = media.write_mp4(tmp_path / "clip.mp4", speech)
    stereo = tmp_path / "stereo.m4a"
    with av.open(str(stereo), "w") as c:
        s = c.add_stream("aac", rate=16_000)
        s.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(np.stack([speech, speech]), "fltp", "stereo")
        frame.sample_rate = 16_000
        for p in [*s.encode(frame), *s.encode(None)]:
            c.mux(p)
    out = audio.load(stereo)  # averaged as soundfile averages, not FFmpeg's louder downmix
    assert abs(_rms(out) - _rms(speech)) < 0.15 * _rms(speech)
    for path in (m4a, mp4):
        stream = audio.open_audio(Input.from_path(path))
        out = np.concatenate(list(stream.chunks()))
        assert stream.decoder == "pyav"
        assert abs(len(out) / 16_000 - len(speech) / 16_000) < 0.2
        assert _rms(out) > 0.3 * _rms(speech)


def test_bytes_and_paths_decode_alike(tmp_path, speech):
    path = tmp_path / "a.flac"
    sf.write(str(path), speech, 16_000)
    assert np.array_equal(audio.load(path), audio.load(path.read_bytes()))
    assert np.array_equal(
        audio.load(path), audio.load(Input.from_bytes("audio", path.read_bytes()))
    )


def test_streaming_chunks_are_bounded(tmp_path, speech):
    path = tmp_path / "long.wav"
    sf.write(str(path), np.tile(speech, 6), 48_000)  # 6 clips at a foreign rate
    sizes = [len(c) for c in audio.stream(path, seconds=0.5)]
    assert len(sizes) > 10
    assert max(sizes) <= 0.6 * 16_000


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.wav", b"", "empty"),
        ("corrupt.wav", b"RIFF" + b"\x00" * 200, "not a readable audio"),
        ("text.mp3", b"this is not an mp3 at all" * 40, "not a readable audio"),
    ],
)
def test_unreadable_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AudioError, match=message) as info:
        audio.load(path)
    assert "\n" not in str(info.value)


def test_zero_samples_too_short_and_missing(tmp_path):
    sf.write(str(tmp_path / "zero.wav"), np.zeros(0, np.float32), 16_000)
    with pytest.raises(AudioError, match="no samples"):
        audio.load(tmp_path / "zero.wav")
    sf.write(str(tmp_path / "short.wav"), np.zeros(800, np.float32) + 0.1, 16_000)
    with pytest.raises(AudioError, match=r"at least 0\.1 s"):
        audio.load(tmp_path / "short.wav")
    with pytest.raises(AudioError, match="no such file"):
        audio.load(tmp_path / "missing.wav")


def test_a_video_without_sound_says_so(tmp_path):
    path = media.write_mp4(tmp_path / "silent.mp4", None)
    with pytest.raises(AudioError, match="video has no audio track"):
        audio.load(path)


def test_silence_is_decoded_and_marked(tmp_path):
    sf.write(str(tmp_path / "silent.wav"), np.zeros(16_000, np.float32), 16_000)
    stream = audio.open_audio(tmp_path / "silent.wav")
    assert len(np.concatenate(list(stream.chunks()))) == 16_000
    assert stream.silent


def test_limits_refuse_long_and_large_input_early(tmp_path, speech):
    path = tmp_path / "a.wav"
    sf.write(str(path), speech, 16_000)
    with pytest.raises(LimitExceededError, match="max_seconds"):
        audio.open_audio(path, AudioLimits(max_seconds=1.0))
    with pytest.raises(LimitExceededError, match="max_bytes"):
        audio.open_audio(path, AudioLimits(max_bytes=1000))


def test_a_header_without_length_is_limited_while_decoding(tmp_path, speech):
    """An MP4's audio duration can be missing or wrong: the limit holds while decoding too."""
    path = media.write_mp4(tmp_path / "a.mp4", speech)
    stream = audio.open_audio(path, AudioLimits(max_seconds=None))
    stream.limits = AudioLimits(max_seconds=1.0)  # as if the header had said nothing
    with pytest.raises(LimitExceededError, match="longer than the limit"):
        list(stream.chunks())


def test_a_broken_stream_keeps_what_came_before(tmp_path, speech):
    path = tmp_path / "a.wav"
    sf.write(str(path), np.tile(speech, 3), 16_000)
    stream = audio.open_audio(path)
    original = stream._open

    def breaking(size):
        for i, block in enumerate(original(size)):
            if i == 3:
                raise RuntimeError("Internal psf_fseek() failed.")
            yield block

    stream._open = breaking
    out = np.concatenate(list(stream.chunks(seconds=1.0)))
    assert len(out) == 3 * 16_000
    assert stream.truncated and "3.0 s" in stream.truncated


def test_an_mp3_with_a_broken_frame_still_decodes(tmp_path, speech):
    path = tmp_path / "a.mp3"
    sf.write(str(path), speech, 16_000)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 200] = b"\xff" * 200
    path.write_bytes(bytes(data))
    stream = audio.open_audio(path)
    out = np.concatenate(list(stream.chunks()))
    assert 0 < len(out) <= len(speech) + 16_000
    if len(out) < len(speech) - 0.25 * 16_000:  # libsndfile gave up at the damage: said so
        assert "header gives" in stream.truncated


def test_limits_are_validated():
    with pytest.raises(ValueError, match="max_seconds"):
        AudioLimits(max_seconds=0)
