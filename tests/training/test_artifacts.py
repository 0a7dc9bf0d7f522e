"""The model folder a run writes: its files, loadable by path, and figures of the weights as
stored."""

import importlib.util
import json

import pytest

from affectkit import registry
from affectkit.training.config import TrainingConfig

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


def test_model_folder_is_complete(trained):
    path = trained.path
    names = {p.name for p in path.iterdir()}
    assert {
        "config.json",
        "head.safetensors",
        "encoder.safetensors",
        "metrics.json",
        "history.jsonl",
    } <= names
    assert "checkpoint.pt" not in names
    from safetensors import safe_open

    with safe_open(str(path / "encoder.safetensors"), "pt") as f:
        keys = set(f.keys())
    assert "embeddings.word_embeddings.weight" not in keys  # frozen: read from the package
    assert "encoder.layer.5.output.dense.weight" in keys
    config = json.loads((path / "config.json").read_text())
    assert config["training"]["config"]["epochs"] == 4
    assert config["preprocess"] == "social"  # trained on masked text, so inference masks too
    assert config["validation"]["n"] == 12
    assert config["temperature"] > 0 and 0 <= config["validation"]["ece"] <= 1
    assert len(trained.history) >= 4
    if importlib.util.find_spec("tensorboard") is not None:
        assert list((path / "runs").glob("events.out.tfevents.*")), "TensorBoard event log"


def test_trained_model_learned_and_loads_by_path(trained):
    a = registry.load(str(trained.path))
    rs = a.analyze(
        ["An absolutely wonderful and lovely film.", "A dreadful, boring and ugly mess."]
    )
    assert [r.label for r in rs] == ["positive", "negative"]
    assert rs[0].model == "tiny-reviews@1"
    assert trained.metrics["accuracy"] >= 0.75


def test_training_stores_delta4_and_reports_figures_of_the_stored_weights(tmp_path, fixtures):
    from safetensors.torch import load_file

    from affectkit.text.packing import stored_dtype
    from affectkit.training.recalibrate import recalibrate
    from affectkit.training.trainer import train

    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=2, batch_size=8,
        lr=1e-4, head_lr=3e-3, evals_per_epoch=1, weights_dtype="delta4",
        output=str(tmp_path / "m"), name="tiny-delta4@1",
    )  # fmt: skip
    res = train(cfg, progress=False, log=lambda m: None)
    assert stored_dtype(load_file(str(res.path / "encoder.safetensors"))) == "delta4"
    trained_acc = json.loads((res.path / "config.json").read_text())["validation"]["accuracy"]
    # measured again from the files: the training run's figure already described them
    assert recalibrate(res.path, log=lambda m: None)["n"] == 12
    config = json.loads((res.path / "config.json").read_text())
    assert config["validation"]["accuracy"] == trained_acc
