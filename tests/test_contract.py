"""One contract suite run over every registered analyzer (in the spirit of scikit-learn's
estimator checks): whatever the model, these hold."""

import json
import math

import pytest

from affectkit import labels, registry
from affectkit.errors import InvalidInputError
from affectkit.protocols import Analyzer
from affectkit.results import AffectResult

SAMPLES = {
    "en": ["I love this!", "This is awful.", "The meeting is at noon.", "🎉🎉", "ok 👍 but slow"],
    "zh": ["我非常喜欢这个", "太差劲了，很失望", "明天开会", "今天好开心😊", "還不錯，但是有點貴"],
}
SPECS = [s for s in registry.list_models() if s.modality == "text"]


@pytest.fixture(scope="module", params=SPECS, ids=lambda s: s.full_name)
def loaded(request):
    spec = request.param
    return spec, registry.load(spec.full_name)


def samples(spec):
    return [t for lang in spec.languages for t in SAMPLES.get(lang, SAMPLES["en"])]


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
    a = loaded[1]
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
