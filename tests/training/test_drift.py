"""Drift: PSI of new data against the model's validation profile (`reference.json`)."""

import json
import shutil

import pytest

from affectkit.errors import InvalidInputError


@pytest.mark.slow
def test_drift_flags_shifted_data_and_not_similar_data(trained, fixtures):
    from affectkit.training.drift import drift, psi

    assert psi([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0)
    assert psi([0.5, 0.5], [0.9, 0.1]) > 0.25
    import csv

    texts = [r["text"] for r in csv.DictReader((fixtures / "train_reviews.csv").open())]
    same = drift(str(trained.path), texts * 3)
    assert same["psi_labels"] < 0.1 and same["n"] == 3 * len(texts)
    assert (trained.path / "reference.json").is_file()
    negative_only = [t for t in texts if any(w in t for w in ("awful", "rude", "dull", "worst"))]
    shifted = drift(str(trained.path), negative_only * (100 // len(negative_only) + 1))
    assert shifted["psi_labels"] > same["psi_labels"] and shifted["retrain"]
    few = drift(str(trained.path), negative_only[:5])  # PSI of 5 rows is noise, not a verdict
    assert not few["retrain"] and few["verdict"].startswith("too few rows")


@pytest.mark.slow
def test_drift_without_a_reference_or_the_training_data_is_a_clear_error(trained, tmp_path):

    from affectkit.training.drift import drift

    moved = tmp_path / "moved"  # a model taken to a machine without its training files
    shutil.copytree(trained.path, moved)
    (moved / "reference.json").unlink(missing_ok=True)
    config = json.loads((moved / "config.json").read_text())
    config["training"]["config"]["data"] = ["elsewhere/train.csv"]
    (moved / "config.json").write_text(json.dumps(config))
    with pytest.raises(InvalidInputError, match=r"no drift reference.*elsewhere/train.csv"):
        drift(str(moved), ["fine"])
    shutil.copy(trained.path / "reference.json", moved)  # shipped with the model: no data needed
    assert drift(str(moved), ["fine", "awful"])["n"] == 2


def test_shipped_models_carry_their_drift_reference():
    from affectkit.text.catalog import MODELS  # the shipped model folders

    folders = sorted(
        f
        for f in MODELS.iterdir()
        if (f / "config.json").is_file()
        and json.loads((f / "config.json").read_text()).get("affectkit_kind", "").startswith("text")
    )  # the text models: drift is measured on texts
    assert folders
    for folder in folders:
        ref = json.loads((folder / "reference.json").read_text())
        assert ref["n"] >= 500 and abs(sum(ref["labels"].values()) - 1) < 1e-6, folder.name
