"""The input type every modality shares."""

import pytest

import affectkit
from affectkit.errors import InvalidInputError
from affectkit.inputs import Input


def test_kinds_from_values_and_paths():
    assert Input.of("hello") == Input("text", text="hello")
    assert Input.of(Input.from_path("a/b.WAV")).kind == "audio"
    assert Input.from_path("face.png").kind == "image"
    assert Input.from_path("clip.mp4").kind == "video"
    assert Input.from_path("x.bin", kind="audio").path == "x.bin"


def test_references_keep_text_path_or_digest():
    assert Input.of("hi").reference == "hi"
    assert Input.from_path("calls/1.wav").reference == "calls/1.wav"
    ref = Input.from_bytes("image", b"\x89PNG").reference
    assert ref.startswith("sha256:") and len(ref) == 7 + 64


def test_bad_inputs_say_what_was_expected():
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        Input("smell", text="x")
    with pytest.raises(InvalidInputError, match="exactly one of"):
        Input("audio", path="a.wav", data=b"x")
    with pytest.raises(InvalidInputError, match="not text"):
        Input("audio", text="x")
    with pytest.raises(InvalidInputError, match="Cannot tell the kind"):
        Input.from_path("notes.xyz")
    with pytest.raises(InvalidInputError, match="Expected a text"):
        Input.of(3)


def test_text_inputs_analyse_like_strings_and_media_without_a_model_is_unsupported(
    lexicon_defaults,
):
    from affectkit import registry

    registry._DEFAULTS.pop(("image", "*"), None)  # a checkout without the face model (a copy)
    a, b, c = affectkit.analyze(
        [Input.of("I love it"), "I love it", Input.from_path("face.png")], model="auto"
    )
    assert a.to_dict() == b.to_dict()
    assert c.label == "unsupported" and "unsupported" in c.flags
    assert c.raw["reason"] == "no image analyzer"


def test_a_text_model_refuses_media_by_name():
    with pytest.raises(InvalidInputError, match="takes text inputs, not image"):
        affectkit.analyze([Input.from_path("face.png")], model="lexicon-en")
    (r,) = affectkit.analyze([Input.from_path("face.png")], model="lexicon-en", errors="flag")
    assert "unsupported" in r.flags and r.model == "lexicon-en@1"


def test_unsupported_media_results_name_their_modality(lexicon_defaults):
    from affectkit import registry

    audio, image = affectkit.analyze([Input.from_path("a.wav"), Input.from_path("f.png")])
    # an audio file's default is the fused timeline where the speech and face models ship
    fused = registry.default_model("audio", "*") == "fused-affect@1"
    assert (audio.modality, image.modality) == ("fused" if fused else "speech", "face")
    assert "error" in audio.flags and "a.wav" in audio.raw["error"], audio.raw
