"""`affectkit compress`: int8 and delta4 encoder layers, figures measured again."""

import json
import shutil

import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


def test_compress_halves_the_layers_and_remeasures_validation(trained, tmp_path):

    from affectkit.training.compress import compress
    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "m"
    shutil.copytree(trained.path, folder)
    before = registry.load(str(folder)).analyze(["A wonderful, moving film."])[0]
    r = compress(str(folder), log=lambda m: None)
    assert r["changed"] and r["after"] < 0.6 * r["before"]
    config = json.loads((folder / "config.json").read_text())
    assert config["training"]["config"]["weights_dtype"] == "int8"
    assert config["validation"]["n"] == config["training"]["validation_examples"] == 12
    after = registry.load(str(folder)).analyze(["A wonderful, moving film."])[0]
    assert after.label == before.label
    assert after.confidence == pytest.approx(before.confidence, abs=0.05)
    assert compress(str(folder), log=lambda m: None)["changed"] is False  # already int8
    int8_size = r["after"]
    recalibrate(folder, method="temperature+bias", log=lambda m: None)
    before = registry.load(str(folder)).analyze(["A wonderful, moving film."])[0]
    r = compress(str(folder), dtype="delta4", log=lambda m: None)  # differences from MiniLM
    assert r["changed"] and r["after"] < 0.7 * int8_size and r["error"] < 0.01
    config = json.loads((folder / "config.json").read_text())
    assert config["training"]["config"]["weights_dtype"] == "delta4"
    # refitted with the method the model had, not reset to plain temperature
    assert config["validation"]["calibration"]["method"] == "temperature+bias"
    assert len(config["class_bias"]) == 2
    after = registry.load(str(folder)).analyze(["A wonderful, moving film."])[0]
    assert after.label == before.label
    assert after.confidence == pytest.approx(before.confidence, abs=0.05)
    with pytest.raises(InvalidInputError, match="not a transformer model folder"):
        compress("lexicon-en", log=lambda m: None)


def test_compress_remeasures_a_multilabel_model_with_its_thresholds(tmp_path, shared_data):
    import csv

    from affectkit.training.compress import compress
    from affectkit.training.trainer import train

    with (shared_data / "text/goemotions/train.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for _, r in zip(range(160), csv.DictReader(f))]
    data = tmp_path / "go.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "labels"])
        w.writerows([r["text"], r["label_names"]] for r in rows)
    cfg = TrainingConfig(
        data=[str(data)], label_col="labels", task="multi", val_ratio=0.25, epochs=1,
        batch_size=16, freeze_layers=4, evals_per_epoch=1, output=str(tmp_path / "m"),
        name="go-tiny@1",
    )  # fmt: skip
    train(cfg, progress=False, log=lambda m: None)
    folder = tmp_path / "m"
    before = json.loads((folder / "config.json").read_text())
    assert "loss" in before["validation"]  # the training run's own figure
    compress(str(folder), dtype="delta4", log=lambda m: None)
    after = json.loads((folder / "config.json").read_text())
    assert after["thresholds"] == before["thresholds"]  # kept, not re-tuned
    assert "loss" not in after["validation"]  # every figure measured again on stored weights
    assert after["validation"]["n"] == before["validation"]["n"]
    assert after["validation"]["micro_f1"] == pytest.approx(
        before["validation"]["micro_f1"], abs=0.05
    )
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["validation"]["macro_f1"] == after["validation"]["macro_f1"]
