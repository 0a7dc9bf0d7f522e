"""One contract suite run over every registered analyzer of every modality (in the spirit of
scikit-learn's estimator checks): whatever the model, these hold. Analyzers with a neural backend
load a transformer, so their runs are marked slow; plug-ins installed in the environment (the
test plug-in of tests/plugins) go through the same checks."""

import json
import math
import tempfile
from pathlib import Path

import pytest

from affectkit import labels, registry
from affectkit.errors import InvalidInputError
from affectkit.inputs import Input
from affectkit.protocols import Analyzer
from affectkit.results import AffectResult

SAMPLES = {
    "en": ["I love this!", "This is awful.", "The meeting is at noon.", "🎉🎉", "ok 👍 but slow"],
    "zh": ["我非常喜欢这个", "太差劲了，很失望", "明天开会", "今天好开心😊", "還不錯，但是有點貴"],
}
SPECS = registry.list_models()
# Input kinds the suite has fixtures for; an analyzer of another kind fails until it has some.
KINDS_WITH_SAMPLES = ("text", "audio", "video", "image")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def media_samples(spec) -> list:
    """Real speech from the shared clips: two clips and a video carrying one's sound. Real
    faces for face models: two FER2013 dev faces as PNG files, and a video of two of them."""
    from tests.speech import media

    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    if "image" in spec.inputs:
        from PIL import Image

        from tests.vision import scenes

        faces = scenes.dev_faces(SHARED)
        paths = [_TMP / f"face{i}.png" for i in range(2)]
        for face, path in zip(faces[:2], paths):
            Image.fromarray(face).save(path)
        if "video" in spec.inputs:
            paths.append(_TMP / f"{spec.name}-faces.mp4")
            if not paths[-1].exists():
                scenes.write_video(paths[-1], faces, seconds=2.0)
        return [Input.from_path(p) for p in paths]
    out = [Input.from_path(media.clip(SHARED, 2, "happy")),
           Input.from_path(media.clip(SHARED, 11, "angry"))]  # fmt: skip
    if "video" in spec.inputs:
        path = _TMP / f"{spec.name}.mp4"
        if not path.exists():
            media.write_mp4(path, media.read(media.clip(SHARED, 4, "sad")))
        out.append(Input.from_path(path))
    return out


_TMP = Path(tempfile.mkdtemp(prefix="affectkit-contract-"))


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(s, marks=[pytest.mark.slow] if s.backend != "python" else []) for s in SPECS
    ],
    ids=lambda s: s.full_name,
)
def loaded(request):
    spec = request.param
    missing = [k for k in spec.inputs if k not in KINDS_WITH_SAMPLES]
    assert not missing, f"{spec.full_name} takes {missing}: add samples of that kind here"
    return spec, registry.load(spec.full_name)


def samples(spec):
    if "text" not in spec.inputs:
        return media_samples(spec)
    langs = [lang for lang in spec.languages if lang in SAMPLES] or ["en"]
    return [t for lang in langs for t in SAMPLES[lang]]


def test_protocol_and_identity(loaded):
    spec, a = loaded
    assert isinstance(a, Analyzer)
    assert a.name == spec.full_name and a.modality == spec.modality
    assert set(a.languages) == set(spec.languages)


def test_empty_batch(loaded):
    assert loaded[1].analyze([]) == []


def test_one_valid_result_per_input(loaded):
    spec, a = loaded
    texts = samples(spec)
    results = a.analyze(texts)
    assert len(results) == len(texts)
    for r in results:
        assert isinstance(r, AffectResult)
        assert r.model == spec.full_name
        assert r.label in set(spec.labels) | {"empty"}
        assert 0.0 <= r.confidence <= 1.0
        if "*" not in spec.languages:
            assert r.language in spec.languages
        for dist, names in ((r.polarity, labels.POLARITIES), (r.emotions, labels.EMOTIONS)):
            if dist is not None:
                assert set(dist) == set(names)
                assert math.isclose(sum(dist.values()), 1.0, abs_tol=1e-6)
        if r.score is not None:
            assert -1.0 <= r.score <= 1.0
        json.dumps(r.to_dict(), allow_nan=False)


def test_order_invariance(loaded):
    spec, a = loaded
    texts = samples(spec)
    assert a.analyze(texts) == a.analyze(texts[::-1])[::-1]


def test_blank_and_unicode(loaded):
    spec, a = loaded
    if "text" not in spec.inputs:
        pytest.skip("a media analyzer: its empty inputs are tested with its modality")
    rs = a.analyze(["", "   ", "\u200b", "👍" * 3, "a\x00b"])
    assert [("empty" in r.flags) for r in rs[:3]] == [True, True, True]
    assert all(isinstance(r, AffectResult) for r in rs)


def test_wrong_type_is_a_clear_error(loaded):
    with pytest.raises(InvalidInputError, match="item 0"):
        loaded[1].analyze([42])


def test_reload_gives_identical_results(loaded):
    spec, a = loaded
    again = spec.load()
    texts = samples(spec)
    assert again.analyze(texts) == a.analyze(texts)


def test_json_round_trip(loaded):
    spec, a = loaded
    for r in a.analyze(samples(spec)):
        d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
        assert AffectResult.from_dict(d).to_dict() == d


def _walk(r: AffectResult):
    """A result and its parts, and theirs (a video's faces and their seconds)."""
    yield r
    for p in r.parts:
        yield from _walk(p)


def test_explain_gives_the_same_decisions(loaded):
    spec, a = loaded
    texts = samples(spec)[:2]
    plain, explained = a.analyze(texts), a.analyze(texts, explain=True)
    assert [r.label for r in explained] == [r.label for r in plain]
    for r, text in zip(explained, texts, strict=True):
        if not isinstance(text, str):  # placed in time, or on the picture
            assert all(e.unit in ("seconds", "frames") or (e.box is not None and e.start is None)
                       for p in _walk(r) for e in p.evidence)  # fmt: skip
            continue
        for e in r.evidence:
            assert e.unit == "chars"
            if e.start is not None:
                assert 0 <= e.start <= e.end <= len(text)
