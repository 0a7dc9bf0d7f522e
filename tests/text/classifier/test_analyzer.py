"""TextModelAnalyzer on the review model (`reviews.model_dir`): lazy loading, results, inputs,
preprocessing with user offsets, embeddings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.protocols import Analyzer
from affectkit.results import FLAG_EMPTY, FLAG_UNSUPPORTED, SCHEMA_VERSION, AffectResult
from affectkit.text import classifier as tm
from tests.text.classifier.reviews import HELD_OUT, NAME


@pytest.mark.slow
def test_from_pretrained_is_cheap_and_lazy(model_dir):
    a = registry.load(str(model_dir))
    assert isinstance(a, tm.TextModelAnalyzer) and isinstance(a, Analyzer)
    assert (a.name, a.modality, a.languages) == (NAME, "text", ("en",))
    assert "loaded=False" in repr(a)


def test_importing_the_module_does_not_import_torch():
    code = "import sys, affectkit.text.classifier; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_held_out_reviews_are_classified_right(analyzer):
    results = analyzer.analyze([t for t, _ in HELD_OUT])
    assert [r.label for r in results] == [label for _, label in HELD_OUT]
    for r in results:
        assert r.model == NAME and r.modality == "text" and r.language == "en"
        assert r.polarity["neutral"] == 0.0
        assert sum(r.polarity.values()) == pytest.approx(1.0)
        assert r.score == pytest.approx(r.polarity["positive"] - r.polarity["negative"])
        assert r.confidence == max(r.polarity.values())
        assert r.emotions is None
        assert set(r.raw["labels"]) == {"negative", "positive"}
        assert r.evidence == ()


@pytest.mark.slow
def test_empty_batch_blank_text_and_unsupported_language(analyzer):
    assert analyzer.analyze([]) == []
    blank, chinese = analyzer.analyze(["   \n", "这家酒店的服务非常好"])
    assert (blank.label, blank.confidence, blank.flags) == ("empty", 0.0, (FLAG_EMPTY,))
    assert chinese.flags == (FLAG_UNSUPPORTED,) and chinese.language == "zh"


@pytest.mark.slow
def test_bad_input_types_name_the_item(analyzer):
    with pytest.raises(InvalidInputError, match=r"item 1.*got int"):
        analyzer.analyze(["fine", 42])
    with pytest.raises(InvalidInputError, match="Wrap it"):
        analyzer.analyze("a single string")


@pytest.mark.slow
def test_escaped_text_reads_as_its_characters_with_user_offsets(analyzer):
    raw = r"a wonderful\u002c lovely evening\u2019s end"
    plain = "a wonderful, lovely evening\u2019s end"
    assert analyzer.predict_proba([raw])[0] == pytest.approx(
        analyzer.predict_proba([plain])[0], abs=1e-5
    )
    (r,) = analyzer.analyze([raw], explain=True)
    top = max(r.evidence, key=lambda e: e.weight)  # offsets into the text as the user sent it
    assert top.text in {"wonderful", "lovely"} and raw[top.start : top.end] == top.text


@pytest.mark.slow
def test_a_social_preprocess_model_ignores_mentions_and_keeps_user_offsets(model_dir, tmp_path):
    config = json.loads((model_dir / "config.json").read_text())
    folder = tmp_path / "social"
    shutil.copytree(model_dir, folder)
    (folder / "config.json").write_text(json.dumps({**config, "preprocess": "social"}))
    social = registry.load(str(folder))
    plain = registry.load(str(model_dir))
    tweet = "@dreadfulboring a wonderful, lovely evening #great"
    bare = "a wonderful, lovely evening great"
    p_social, p_bare = social.predict_proba([tweet, bare])
    assert p_social == pytest.approx(p_bare, abs=1e-5)  # the mention no longer counts
    assert plain.predict_proba([tweet])[0] != pytest.approx(p_bare, abs=1e-3)
    (r,) = social.analyze([tweet], explain=True)
    assert r.evidence and all(tweet[e.start : e.end] == e.text for e in r.evidence)


@pytest.mark.slow
def test_results_survive_a_json_round_trip(analyzer):
    texts = [HELD_OUT[0][0], "", "Terrible. " * 200]
    for r in analyzer.analyze(texts, explain=True):
        d = json.loads(json.dumps(r.to_dict()))
        assert d["schema_version"] == SCHEMA_VERSION
        assert AffectResult.from_dict(d).to_dict() == d


@pytest.mark.slow
def test_embed_shape(analyzer):
    x = analyzer.embed(["hello there", "a much longer sentence about a hotel"])
    assert x.shape == (2, 384) and x.dtype == np.float32
    assert analyzer.embed([]).shape == (0, 384)
    y = analyzer.embed(["", "hello there", "  "])  # nothing to embed: NaN, never a vector
    assert np.isnan(y[[0, 2]]).all() and np.allclose(y[1], x[0], atol=1e-5)
    assert np.isnan(analyzer.embed([""])).all()


@pytest.mark.slow
def test_forced_language_and_emoji_only_text(analyzer, model_dir):
    import affectkit
    from affectkit.text.route import EMOJI_ANALYZER

    mixed = "The room was 非常满意!"  # Han outweighs Latin: detected as Chinese
    detected, forced = (
        affectkit.analyze([mixed], model=str(model_dir), language=lang)[0]
        for lang in ("auto", "en")
    )
    assert detected.label == "unsupported"
    assert (
        forced.model == NAME
        and forced.language == "en"
        and forced.label in ("positive", "negative")
    )
    thumbs, frown = analyzer.analyze(["👍", ":("])
    assert (thumbs.label, frown.label) == ("positive", "negative")
    assert thumbs.model == NAME and thumbs.raw["by"].startswith(EMOJI_ANALYZER)
