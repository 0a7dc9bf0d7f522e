"""Recalibration of a trained folder on its validation split, rebuilt from the recipe."""

import json
import shutil

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


def test_recalibrate_rebuilds_the_validation_split_from_the_recipe(trained):
    from affectkit.training.recalibrate import recalibrate

    r = recalibrate(trained.path, log=lambda m: None)
    assert r["n"] == 12 and r["temperature"] > 0
    config = json.loads((trained.path / "config.json").read_text())
    assert config["temperature"] == pytest.approx(r["temperature"])
    # metrics.json carries the same re-measured figures, not the training run's loss
    metrics = json.loads((trained.path / "metrics.json").read_text())
    assert metrics["validation"]["ece"] == config["validation"]["ece"] == r["ece"]
    assert "loss" not in metrics["validation"] and "loss" not in config["validation"]


def test_recalibrate_with_class_bias_stores_and_applies_it(trained, tmp_path):

    from affectkit.text.classifier import TextModelAnalyzer
    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "m"
    shutil.copytree(trained.path, folder)
    (folder / "reference.json").write_text("{}")  # a drift profile of the old calibration
    texts = ["A wonderful, moving film.", "Dull and far too long."]
    before = TextModelAnalyzer.from_pretrained(folder).predict_proba(texts)
    t_before = json.loads((folder / "config.json").read_text())["temperature"]
    r = recalibrate(folder, class_bias=True, log=lambda m: None)
    config = json.loads((folder / "config.json").read_text())
    bias = config["class_bias"]
    assert len(bias) == len(config["labels"]) and bias[0] == 0.0 and bias == r["class_bias"]
    assert config["validation"]["class_bias"] == bias
    assert not (folder / "reference.json").exists()
    after = TextModelAnalyzer.from_pretrained(folder).predict_proba(texts)
    # the stored offsets are applied on top of the refitted temperature
    logits = np.log(before) * t_before
    want = np.exp(logits / config["temperature"] + bias)
    assert after == pytest.approx(want / want.sum(1, keepdims=True), abs=1e-5)
    # fitting again without --class-bias removes the offsets
    recalibrate(folder, log=lambda m: None)
    assert "class_bias" not in json.loads((folder / "config.json").read_text())


def test_a_failed_recalibration_or_compression_leaves_the_folder_as_it_was(trained, tmp_path):

    from affectkit.training.compress import compress
    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "m"
    shutil.copytree(trained.path, folder)
    config = json.loads((folder / "config.json").read_text())
    config["training"]["config"]["data"] = [str(tmp_path / "gone.csv")]  # the data moved away
    (folder / "config.json").write_text(json.dumps(config))
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    with pytest.raises(InvalidInputError, match=r"gone\.csv"):
        recalibrate(folder, preprocess="none", log=lambda m: None)
    with pytest.raises(InvalidInputError, match=r"gone\.csv.*are not there"):
        compress(str(folder), log=lambda m: None)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def test_recalibrate_covers_texts_that_analyze_would_flag(trained, tmp_path):
    # validation texts in a script the model does not cover (emoji-only posts, Chinese) are
    # still validation examples: analyze() flags them, calibration must still use them

    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "m"
    shutil.copytree(trained.path, folder)
    data = tmp_path / "other.csv"
    rows = [f"太好了{i} 😀,positive\n太差了{i} 😡,negative\n" for i in range(8)]
    data.write_text("text,label\n" + "".join(rows), encoding="utf-8")
    config = json.loads((folder / "config.json").read_text())
    config["training"]["config"]["data"] = [str(data)]
    (folder / "config.json").write_text(json.dumps(config))
    r = recalibrate(folder, log=lambda m: None)
    assert r["n"] == 4 and r["temperature"] > 0


def test_recalibrate_does_not_depend_on_the_stored_calibration(trained, tmp_path):
    # a long text's probabilities average its chunks' calibrated probabilities, so the fit
    # must start from the model run without its calibration, not from inverted outputs

    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "m"
    shutil.copytree(trained.path, folder)
    good, bad = "The opening was wonderful and moving. ", "The ending was dull and far too long. "
    rows = []
    for i in range(8):
        rows.append(f'"{good * (30 + i)}{bad * 20} Seen {i}.",positive\n')
        rows.append(f'"{bad * (30 + i)}{good * 20} Seen {i}.",negative\n')
    data = tmp_path / "long.csv"
    data.write_text("text,label\n" + "".join(rows), encoding="utf-8")
    config = json.loads((folder / "config.json").read_text())
    config["training"]["config"].update(data=[str(data)], val_ratio=0.4)
    fits = []
    for stored in (0.3, 4.0):  # two different calibrations stored before the same refit
        config["temperature"], config["class_bias"] = stored, [0.0, 2.0]
        (folder / "config.json").write_text(json.dumps(config))
        fits.append(recalibrate(folder, method="temperature+bias", log=lambda m: None))
    assert fits[0]["n"] >= 6
    assert fits[0]["temperature"] == pytest.approx(fits[1]["temperature"], rel=1e-6)
    assert fits[0]["class_bias"] == pytest.approx(fits[1]["class_bias"], abs=1e-6)
    assert fits[0]["ece_before"] == pytest.approx(fits[1]["ece_before"], abs=1e-9)


def test_recalibrate_auto_needs_two_training_files(trained, tmp_path):

    from affectkit.training.recalibrate import recalibrate

    folder = tmp_path / "copy"
    shutil.copytree(trained.path, folder)
    with pytest.raises(InvalidInputError, match="needs a model trained on two or more files"):
        recalibrate(folder, method="auto", log=lambda m: None)
    with pytest.raises(InvalidInputError, match="is not a model folder"):
        recalibrate(tmp_path / "nothing-here", log=lambda m: None)
    with pytest.raises(InvalidInputError, match="method must be 'auto' or one of"):
        recalibrate(folder, method="platt", log=lambda m: None)
    with pytest.raises(InvalidInputError, match="preprocess must be 'none' or one of"):
        recalibrate(folder, preprocess="emoji", log=lambda m: None)
    recalibrate(folder, preprocess="none", log=lambda m: None)
    assert "preprocess" not in json.loads((folder / "config.json").read_text())
    r = recalibrate(folder, method="balanced-temperature", preprocess="social", log=lambda m: None)
    assert registry.load(str(folder)).config.preprocess == "social"  # set, then calibrated with
    config = json.loads((folder / "config.json").read_text())
    assert r["method"] == config["validation"]["calibration"]["method"] == "balanced-temperature"
    assert config["temperature"] == pytest.approx(r["temperature"]) and "class_bias" not in config
