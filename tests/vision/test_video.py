"""Video decoding: frames sampled at a rate from an H.264 MP4, bounded, and bad videos refused."""

import itertools

import numpy as np
import pytest

from affectkit.errors import LimitExceededError
from affectkit.inputs import Input
from affectkit.vision import video
from affectkit.vision.video import VideoError, VideoLimits
from tests.speech import media


def test_frames_at_a_rate(tmp_path):
    path = media.write_mp4(tmp_path / "v.mp4", None, seconds=3.0)  # 10 fps, 64x48
    stream = video.open_video(Input.from_path(path))
    assert (stream.width, stream.height) == (64, 48) and stream.duration == pytest.approx(
        3, abs=0.2
    )
    got = list(stream.frames(fps=2))
    times = [t for t, _ in got]
    assert 5 <= len(got) <= 7 and times == sorted(times)
    assert all(f.shape == (48, 64, 3) and f.dtype == np.uint8 for _, f in got)
    assert len(list(video.open_video(path.read_bytes()).frames(fps=100))) == 30
    # a rate that does not divide the video's: sampled on the grid 0, 1/3, 2/3, ... (no drift)
    thirds = [t for t, _ in video.open_video(path).frames(fps=3)]
    assert (
        len(thirds) == 9
        and thirds[0] == 0
        and all(b - a < 0.45 for a, b in itertools.pairwise(thirds))
    )


def test_bad_videos_are_one_line_errors(tmp_path, shared_data):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "junk.mp4").write_bytes(b"\x00\x00\x00 ftypisom" + bytes(100))
    sound_only = tmp_path / "sound.m4a"
    media.write_mp4(tmp_path / "tmp.mp4", media.read(media.clip(shared_data, 1, "calm")))
    import av

    with av.open(str(tmp_path / "tmp.mp4")) as src, av.open(str(sound_only), "w") as dst:
        s = dst.add_stream_from_template(src.streams.audio[0])
        for packet in src.demux(src.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = s
                dst.mux(packet)
    cases = [("empty.mp4", "empty"), ("junk.mp4", "not a readable video"),
             ("sound.m4a", "no video track"), ("missing.mp4", "no such file")]  # fmt: skip
    for name, message in cases:
        with pytest.raises(VideoError, match=message) as info:
            list(video.open_video(tmp_path / name).frames())
        assert "\n" not in str(info.value)


def test_limits(tmp_path):
    path = media.write_mp4(tmp_path / "v.mp4", None, seconds=3.0)
    with pytest.raises(LimitExceededError, match="limit"):
        video.open_video(path, VideoLimits(max_seconds=1.0))
    with pytest.raises(LimitExceededError, match="pixels"):
        video.open_video(path, VideoLimits(max_pixels=100))
