"""The ONNX backend: same results as torch, exports cached by weights, int8 keeps labels."""

from __future__ import annotations

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from tests.text.classifier.reviews import HELD_OUT, NEGATIVE


@pytest.mark.slow
def test_onnx_matches_torch(analyzer, onnx_analyzer):
    texts = [t for t, _ in HELD_OUT] + NEGATIVE[:6] + ["Terrible. " * 200]
    for a, b in zip(analyzer.analyze(texts), onnx_analyzer.analyze(texts), strict=True):
        assert a.label == b.label and a.flags == b.flags
        for label, p in a.raw["labels"].items():
            assert b.raw["labels"][label] == pytest.approx(p, abs=1e-4)
    np.testing.assert_allclose(analyzer.embed(texts[:3]), onnx_analyzer.embed(texts[:3]), atol=1e-4)


@pytest.mark.slow
def test_onnx_export_is_cached_by_weights(onnx_analyzer, model_dir):
    path = onnx_analyzer.onnx_path()
    assert path.is_file() and path.parent == onnx_analyzer.cache_dir / "onnx"
    mtime = path.stat().st_mtime_ns
    again = registry.load(str(model_dir), backend="onnx", cache_dir=onnx_analyzer.cache_dir)
    assert again.onnx_path() == path
    again.load()
    assert path.stat().st_mtime_ns == mtime  # reused, not exported again


@pytest.mark.slow
def test_onnx_int8_keeps_labels_on_clear_sentences(model_dir, onnx_analyzer):
    int8 = registry.load(
        str(model_dir), backend="onnx", quantize=True, cache_dir=onnx_analyzer.cache_dir
    )
    assert int8.onnx_path().name.endswith(".int8.onnx")
    texts = [t for t, _ in HELD_OUT]
    assert [r.label for r in int8.analyze(texts)] == [label for _, label in HELD_OUT]


@pytest.mark.slow
def test_quantize_needs_the_onnx_backend(model_dir):
    with pytest.raises(InvalidInputError, match="quantize=True needs backend='onnx'"):
        registry.load(str(model_dir), quantize=True)
