"""Training the face-expression network: augmentation keeps shapes and range, a run stops and
resumes from its checkpoint, and the model folder comes out with its figures."""

import json

import numpy as np
import pytest
import torch

from affectkit.errors import ModelLoadError
from affectkit.training.vision import VisionTrainConfig, augment, stratified_split, train_vision


def test_augmentation_keeps_shape_and_range_and_changes_images():
    x = torch.rand(16, 1, 48, 48)
    y = augment(x.clone(), torch.Generator().manual_seed(0))
    assert y.shape == x.shape and 0 <= float(y.min()) and float(y.max()) <= 1
    assert not torch.allclose(x, y)
    again = augment(x.clone(), torch.Generator().manual_seed(0))
    assert torch.equal(y, again)  # reproducible from the seed


def test_validation_is_stratified_and_disjoint():
    labels = np.repeat(np.arange(7), [50, 5, 40, 70, 45, 44, 30])
    train, val = stratified_split(labels, 0.1, seed=0)
    assert not set(train) & set(val) and len(train) + len(val) == len(labels)
    assert set(np.unique(labels[val])) == set(range(7))


@pytest.mark.slow
def test_a_run_stops_resumes_and_writes_its_model(shared_data, tmp_path):
    face = shared_data / "face" / "fer2013"
    cfg = dict(data=str(face / "train.npz"), output=str(tmp_path / "run"),
               dev_data=str(face / "dev.npz"), epochs=2, batch_size=64, max_rows=700,
               data_terms="FER2013: research use")  # fmt: skip
    assert train_vision(VisionTrainConfig(**cfg, max_epochs_this_run=1)) is None
    history = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1
    early = train_vision(VisionTrainConfig(**cfg, finish_now=True))  # the best so far, now
    assert json.loads((early / "config.json").read_text())["training"]["epochs_run"] == 1
    assert "stopped with --finish-now before the 2 planned" in (early / "MODEL_CARD.md").read_text()
    folder = train_vision(VisionTrainConfig(**cfg))
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 2
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["dev"]["n"] == 3589 and 0 <= metrics["dev_flip"]["accuracy"] <= 1
    config = json.loads((folder / "config.json").read_text())
    assert config["affectkit_kind"] == "face-expression" and config["temperature"] > 0
    assert (folder / "weights.safetensors").stat().st_size > 1_000_000
    # the ONNX exports: fp32 agrees with PyTorch; int8 is used only where it held on validation
    from affectkit.vision.expression import FaceExpressionModel

    assert isinstance(config["int8_holds"], bool)
    assert metrics["int8"]["holds"] == config["int8_holds"]
    images = np.load(face / "dev.npz")["images"][:16]
    want = FaceExpressionModel.from_pretrained(folder, backend="torch").predict_proba(list(images))
    got = FaceExpressionModel.from_pretrained(folder, backend="onnx").predict_proba(list(images))
    assert np.abs(got - want).max() < 1e-3
    int8 = FaceExpressionModel.from_pretrained(folder, backend="onnx-int8")
    assert (int8.predict_proba(list(images)).argmax(1) == want.argmax(1)).mean() >= 0.75
    auto = FaceExpressionModel.from_pretrained(folder).backend
    assert auto == ("onnx-int8" if config["int8_holds"] else "onnx")
    (folder / "model.onnx").write_bytes(b"not onnx")
    with pytest.raises(ModelLoadError, match="Cannot open the ONNX file"):
        FaceExpressionModel.from_pretrained(folder, backend="onnx")
    card = (folder / "MODEL_CARD.md").read_text()
    assert "research use" in card.lower() and "affectkit train --modality image" in card
    assert "FER2013 dev, with flip" in card and "| happy |" in card
