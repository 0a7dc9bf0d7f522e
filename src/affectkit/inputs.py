"""What an analyzer is given: a text, or a reference to an audio, an image or a video.

`Input` is the one input type of every modality. Text travels as its string; a media input
travels as a file path or as its bytes (an upload), never decoded here: decoding belongs to the
modality that reads it (speech decodes and resamples audio, vision reads frames). Plain strings
and bytes are accepted wherever an `Input` is, as text.

>>> Input.of("I love it").kind
'text'
>>> Input.from_path("call.wav").kind
'audio'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from affectkit.errors import InvalidInputError

KINDS: tuple[str, ...] = ("text", "audio", "image", "video")

# File suffixes that say a file's kind (lower case, with the dot).
SUFFIX_KINDS: dict[str, str] = {
    **dict.fromkeys((".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".webm"), "audio"),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".mp4", ".mov", ".avi", ".mkv", ".m4v"), "video"),
    **dict.fromkeys((".txt",), "text"),
}


@dataclass(frozen=True, slots=True)
class Input:
    """One input: `kind` is one of `KINDS`; exactly one of `text`, `path`, `data` is set.

    A text input has `text` (str, or bytes to be decoded as UTF-8 by the text package); a media
    input has `path` (a file to read) or `data` (its bytes, e.g. an upload). `reference` is what
    the store and the batch outputs keep of it.
    """

    kind: str
    text: str | bytes | None = None
    path: str | None = None
    data: bytes | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(
                f"An input's kind must be one of {list(KINDS)}. Got {self.kind!r} instead."
            )
        given = [n for n in ("text", "path", "data") if getattr(self, n) is not None]
        if len(given) != 1:
            raise InvalidInputError(
                f"An input holds exactly one of text, path or data; this one has {given or 'none'}."
            )
        if self.kind == "text" and self.text is None:
            raise InvalidInputError("A text input carries its text, not a path or bytes.")
        if self.kind != "text" and self.text is not None:
            raise InvalidInputError(
                f"An {self.kind} input carries a file path or its bytes, not text."
            )

    @classmethod
    def of(cls, value: str | bytes | Input) -> Input:
        """A text input from a str or bytes; an `Input` is returned as it is."""
        if isinstance(value, Input):
            return value
        if isinstance(value, (str, bytes)):
            return cls("text", text=value)
        raise InvalidInputError(
            f"Expected a text (str) or an affectkit.Input. Got {type(value).__name__} instead."
        )

    @classmethod
    def from_path(cls, path: str | Path, kind: str | None = None) -> Input:
        """A media input read from `path`; `kind` defaults to what the suffix says."""
        path = Path(path)
        kind = kind or SUFFIX_KINDS.get(path.suffix.lower())
        if kind is None:
            raise InvalidInputError(
                f"Cannot tell the kind of {str(path)!r} from its suffix; pass kind= one of "
                f"{list(KINDS[1:])}."
            )
        if kind == "text":
            raise InvalidInputError(
                f"{str(path)!r} is a text file: read its lines as texts (affectkit batch)."
            )
        return cls(kind, path=str(path))

    @classmethod
    def from_bytes(cls, kind: str, data: bytes) -> Input:
        """A media input held in memory (an upload)."""
        return cls(kind, data=bytes(data))

    @property
    def reference(self) -> str:
        """What is kept of the input: the text, the path, or ``sha256:<hex>`` of the bytes."""
        if self.text is not None:
            return self.text if isinstance(self.text, str) else self.text.decode("utf-8", "replace")
        if self.path is not None:
            return self.path
        assert self.data is not None  # checked in __post_init__
        return "sha256:" + hashlib.sha256(self.data).hexdigest()
