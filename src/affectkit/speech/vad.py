"""Voice activity detection: where in an audio someone speaks, in seconds.

Silero VAD (`silero-vad`, MIT) ships its ONNX model; it is run here through onnxruntime on
512-sample windows (32 ms at 16 kHz) with its recurrent state carried across, so a stream of
audio chunks is segmented as it arrives, with memory bounded by the longest open segment.

Frame probabilities become segments by hysteresis (speech starts above `threshold`, ends after
`min_silence` seconds below `threshold - 0.15`), are padded by `pad` seconds, and then shaped for
emotion recognition: segments closer than `merge_gap` are joined while the result stays under
`max_seconds`, longer ones are cut at their quietest frame, and pieces under `min_speech` dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectkit.errors import require
from affectkit.onnxrt import open_session

SAMPLE_RATE = 16_000
WINDOW = 512  # samples per VAD frame at 16 kHz
CONTEXT = 64  # samples of the previous frame the model sees
FRAME_SECONDS = WINDOW / SAMPLE_RATE


@dataclass(frozen=True, slots=True)
class Segment:
    """Speech from `start` to `end` seconds; `probability` is its mean speech probability."""

    start: float
    end: float
    probability: float = 1.0

    @property
    def duration(self) -> float:
        return self.end - self.start


def model_path() -> Path:
    module = require("silero_vad", "speech")
    return Path(module.__file__).parent / "data" / "silero_vad.onnx"


class SileroVAD:
    """Speech probability of each 32 ms frame of 16 kHz mono audio, fed in chunks of any size."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._session = open_session(path or model_path(), threads=1, extra="speech")
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), np.float32)
        self._context = np.zeros(CONTEXT, np.float32)
        self._pending = np.zeros(0, np.float32)

    def _frame(self, frame: np.ndarray) -> float:
        x = np.concatenate([self._context, frame])[None, :]
        out, self._state = self._session.run(
            None, {"input": x, "state": self._state, "sr": np.array(SAMPLE_RATE, np.int64)}
        )
        self._context = frame[-CONTEXT:]
        return float(out[0, 0])

    def feed(self, chunk: np.ndarray) -> list[float]:
        """Probabilities of the whole frames completed by `chunk` (the rest waits for more)."""
        data = np.concatenate([self._pending, np.asarray(chunk, np.float32).reshape(-1)])
        n = len(data) // WINDOW
        probs = [self._frame(data[i * WINDOW : (i + 1) * WINDOW]) for i in range(n)]
        self._pending = data[n * WINDOW :]
        return probs

    def flush(self) -> list[float]:
        """The last, partial frame (zero-padded), if any."""
        if not len(self._pending):
            return []
        frame = np.zeros(WINDOW, np.float32)
        frame[: len(self._pending)] = self._pending
        self._pending = np.zeros(0, np.float32)
        return [self._frame(frame)]


@dataclass(frozen=True, slots=True)
class VADConfig:
    threshold: float = 0.5
    min_silence: float = 0.3  # seconds below the off-threshold that end a segment
    pad: float = 0.1  # seconds added before and after each segment
    min_speech: float = 0.25  # shorter pieces are dropped
    merge_gap: float = 0.5  # neighbours closer than this are joined ...
    max_seconds: float = 8.0  # ... while the result stays this short; longer ones are cut

    def __post_init__(self) -> None:
        if not 0 < self.threshold < 1:
            raise ValueError(f"VAD threshold must be in (0, 1). Got {self.threshold}.")
        if not self.max_seconds > self.min_speech > 0:
            raise ValueError("VAD needs max_seconds > min_speech > 0.")


class Segmenter:
    """Turns a stream of frame probabilities into shaped speech segments, as they close."""

    def __init__(self, config: VADConfig | None = None) -> None:
        self.config = config or VADConfig()
        self._frames = 0  # frames seen
        self._start: int | None = None  # first frame of the open raw segment
        self._silence = 0  # frames below the off-threshold in the open segment
        self._probs: list[float] = []  # probabilities of the open raw segment
        self._held: Segment | None = None  # a shaped segment that may still merge
        self._held_probs: list[float] = []

    def feed(self, probs: Iterable[float]) -> list[Segment]:
        cfg = self.config
        off = max(cfg.threshold - 0.15, 0.01)
        out: list[Segment] = []
        for p in probs:
            i = self._frames
            self._frames += 1
            if self._held is not None:
                # a held segment that nothing can join any more goes out now, not with the
                # next speech (its audio may be gone from the caller's buffer by then)
                since = self._start if self._start is not None else i
                if since * FRAME_SECONDS - self._held.end > cfg.merge_gap:
                    out += self._release()
            if self._start is None:
                if p >= cfg.threshold:
                    self._start, self._silence, self._probs = i, 0, [p]
                continue
            self._probs.append(p)
            self._silence = self._silence + 1 if p < off else 0
            if self._silence * FRAME_SECONDS >= cfg.min_silence:
                out += self._close(i + 1 - self._silence)
            elif (len(self._probs)) * FRAME_SECONDS >= 3 * cfg.max_seconds:
                out += self._close(i + 1)  # bound what is held: a very long stretch of speech
        return out

    def finish(self) -> list[Segment]:
        out = self._close(self._frames) if self._start is not None else []
        if self._held is not None:
            out += self._release()
        return out

    def _close(self, end: int) -> list[Segment]:
        assert self._start is not None
        probs = self._probs[: end - self._start]
        start = self._start
        self._start, self._probs, self._silence = None, [], 0
        out: list[Segment] = []
        for a, b in self._cut(start, end, probs):
            piece = probs[a - start : b - start]
            seg = Segment(a * FRAME_SECONDS, b * FRAME_SECONDS, float(np.mean(piece)))
            out += self._merge(seg, piece)
        return out

    def _cut(self, start: int, end: int, probs: list[float]) -> list[tuple[int, int]]:
        """Cut [start, end) at its quietest frames until every piece fits `max_seconds`."""
        limit = int(self.config.max_seconds / FRAME_SECONDS)
        if end - start <= limit:
            return [(start, end)]
        lo = start + limit // 4
        hi = min(end - limit // 4, start + limit)
        window = probs[lo - start : hi - start]
        cut = lo + int(np.argmin(window)) if window else start + limit
        return [(start, cut), *self._cut(cut, end, probs[cut - start :])]

    def _merge(self, seg: Segment, probs: list[float]) -> list[Segment]:
        cfg = self.config
        held = self._held
        if held is not None:
            gap = seg.start - held.end
            if gap <= cfg.merge_gap and seg.end - held.start <= cfg.max_seconds:
                p = self._held_probs + probs
                self._held = Segment(held.start, seg.end, float(np.mean(p)))
                self._held_probs = p
                return []
        out = self._release() if held is not None else []
        self._held, self._held_probs = seg, list(probs)
        return out

    def _release(self) -> list[Segment]:
        seg, self._held, self._held_probs = self._held, None, []
        assert seg is not None
        if seg.duration < self.config.min_speech:
            return []
        pad = self.config.pad
        return [Segment(max(0.0, seg.start - pad), seg.end + pad, seg.probability)]


def segments(
    chunks: Iterable[np.ndarray], config: VADConfig | None = None, vad: SileroVAD | None = None
) -> Iterator[Segment]:
    """Speech segments of a stream of 16 kHz mono chunks, yielded as soon as each is final.

    Padding may overlap a neighbour by up to `2 * pad`; an end past the audio is clipped by the
    caller, which knows the length.
    """
    vad = vad or SileroVAD()
    vad.reset()
    seg = Segmenter(config)
    for chunk in chunks:
        yield from seg.feed(vad.feed(chunk))
    yield from seg.feed(vad.flush())
    yield from seg.finish()


def speech_segments(
    audio: np.ndarray, config: VADConfig | None = None, vad: SileroVAD | None = None
) -> list[Segment]:
    """Speech segments of a whole 16 kHz mono array, clipped to its length."""
    total = len(audio) / SAMPLE_RATE
    chunks = (audio[i : i + SAMPLE_RATE] for i in range(0, len(audio), SAMPLE_RATE))
    out = []
    for s in segments(chunks, config, vad):
        if s.start < total:
            out.append(Segment(s.start, min(s.end, total), s.probability))
    return out
