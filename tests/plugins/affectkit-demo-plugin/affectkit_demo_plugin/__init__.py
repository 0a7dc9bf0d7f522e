"""A third-party analyzer: arousal from exclamation marks. It subclasses nothing from affectkit.

The package's entry point (``affectkit.analyzers``: ``demo``) names `catalog`, which returns the
specs to register.
"""

from __future__ import annotations

from affectkit import AffectResult, Evidence, InvalidInputError
from affectkit.registry import ModelSpec
from affectkit.results import FLAG_EMPTY


class Exclaim:
    name = "demo-exclaim@1"
    modality = "text"
    languages = ("*",)

    def analyze(self, batch, *, explain=False):
        out = []
        for i, text in enumerate(batch):
            if not isinstance(text, str):
                raise InvalidInputError(f"Expected text (item {i}), got {type(text).__name__}.")
            if not text.strip(" \t\n\u200b"):
                out.append(AffectResult("neutral", 1.0, self.name, flags=(FLAG_EMPTY,)))
                continue
            marks = [i for i, c in enumerate(text) if c in "!！"]
            arousal = min(1.0, len(marks) / 3)
            label = "surprise" if marks else "neutral"
            out.append(
                AffectResult(
                    label=label,
                    confidence=0.5 + arousal / 2,
                    model=self.name,
                    arousal=arousal,
                    evidence=tuple(Evidence("!", 1.0, i, i + 1, kind="mark") for i in marks),
                )
            )
        return out


def load(**_options):
    return Exclaim()


def catalog():
    return [
        ModelSpec(
            "demo-exclaim", 1, "text", "arousal", ("*",), ("neutral", "surprise"),
            loader="affectkit_demo_plugin:load", description="exclamation marks (test plug-in)",
        )
    ]  # fmt: skip
