"""`affectkit export`: ONNX fp32 + int8 files and the side-by-side comparison."""

import pytest

from affectkit.errors import InvalidInputError
from affectkit.training.export import export


@pytest.mark.slow
def test_export_writes_both_files_and_compares(model_dir, tmp_path, fixtures):
    pytest.importorskip("onnxruntime")
    s = export(str(model_dir), tmp_path / "out", data=fixtures / "eval_reviews.csv",
               label_map={"pos": "positive", "neg": "negative"})  # fmt: skip
    assert (tmp_path / "out/model.onnx").stat().st_size > 10e6
    assert s["files"]["model.int8.onnx"] < s["files"]["model.onnx"] / 2
    assert set(s["backends"]) == {"PyTorch fp32", "ONNX fp32", "ONNX int8"}
    for b in s["backends"].values():
        assert b["n"] == 4 and b["accuracy"] == 1.0 and b["per_second"] > 0


def test_lexicons_do_not_export(tmp_path):
    with pytest.raises(InvalidInputError, match="not a transformer text model"):
        export("lexicon-en", tmp_path)


@pytest.mark.slow
def test_bad_data_columns_fail_before_anything_is_exported(model_dir, tmp_path, fixtures):
    with pytest.raises(InvalidInputError, match="review"):
        export(str(model_dir), tmp_path / "out", data=fixtures / "eval_reviews.csv",
               input_col="review")  # fmt: skip
    assert not (tmp_path / "out").exists()
