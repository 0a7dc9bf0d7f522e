"""Training the face-expression network: augmentation keeps shapes and range, a run stops and
resumes from its checkpoint, and the model folder comes out with its figures."""

import json

import numpy as np
import pytest
import torch

from affectkit.errors import DataFormatError, InvalidInputError, ModelLoadError
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
    with np.load(face / "dev.npz") as d:  # 400 real dev faces keep the four dev passes short
        np.savez(tmp_path / "dev.npz", images=d["images"][::8][:400], labels=d["labels"][::8][:400],
                 label_names=d["label_names"])  # fmt: skip
    cfg = dict(data=str(face / "train.npz"), output=str(tmp_path / "run"),
               dev_data=str(tmp_path / "dev.npz"), epochs=2, batch_size=64, max_rows=700,
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
    assert metrics["dev"]["n"] == 400 and 0 <= metrics["dev_flip"]["accuracy"] <= 1
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


@pytest.mark.slow
def test_runs_on_one_split_combine_into_an_ensemble_and_others_are_refused(shared_data, tmp_path):
    from affectkit.training.vision import combine_runs
    from affectkit.vision.expression import FaceExpressionModel

    face = shared_data / "face" / "fer2013"
    # one epoch of two planned: the runs stop with a checkpoint and write no model folder
    base = dict(data=str(face / "train.npz"), epochs=2, max_epochs_this_run=1, batch_size=64,
                max_rows=600)  # fmt: skip
    runs = [tmp_path / "a", tmp_path / "b", tmp_path / "other-split"]
    for run, extra in zip(runs[:2], ({}, {"train_seed": 1}), strict=True):
        assert train_vision(VisionTrainConfig(**base, output=str(run), **extra)) is None
    saved = torch.load(runs[1] / "checkpoint.pt", weights_only=False)
    saved["config"]["seed"] = 3  # a run whose validation images the others trained on
    runs[2].mkdir()
    torch.save(saved, runs[2] / "checkpoint.pt")
    with pytest.raises(DataFormatError, match="another split"):
        combine_runs(runs, tmp_path / "bad")
    with pytest.raises(InvalidInputError, match="two or more"):
        combine_runs(runs[:1], tmp_path / "bad")
    folder = combine_runs(runs[:2], tmp_path / "ensemble", data_terms="FER2013: research use")
    config = json.loads((folder / "config.json").read_text())
    assert config["members"] == [24, 24] and len(config["training"]["members"]) == 2
    images = list(np.load(face / "dev.npz")["images"][:12])
    torch_model = FaceExpressionModel.from_pretrained(folder, backend="torch")
    want = torch_model.predict_proba(images)
    got = FaceExpressionModel.from_pretrained(folder, backend="onnx").predict_proba(images)
    assert np.abs(got - want).max() < 1e-3
    # the ensemble is the mean of its members' logits
    from affectkit.vision.expression import predict_logits, to_input
    from affectkit.vision.network import ExpressionNet

    single = []
    for run in runs[:2]:
        saved = torch.load(run / "checkpoint.pt", weights_only=False)
        single.append(ExpressionNet(7, 24))
        single[-1].load_state_dict(saved["best_model"])
    x = np.stack([to_input(i) for i in images])
    mean = np.mean([predict_logits(m, x, fp32=True) for m in single], axis=0)
    assert np.abs(predict_logits(torch_model.net, x, fp32=True) - mean).max() < 1e-4
    card = (folder / "MODEL_CARD.md").read_text()
    assert "an ensemble of 2" in card and "--train-seed 1" in card and "--ensemble" in card
