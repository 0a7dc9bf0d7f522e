"""A real (tiny) fine-tuning run of MiniLM, its model folder, and resume after Ctrl-C."""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig

pytestmark = pytest.mark.slow
EXE = Path(sys.executable).with_name("affectkit")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, fixtures):
    pytest.importorskip("torch")
    from affectkit.training.trainer import train

    out = tmp_path_factory.mktemp("trained") / "reviews"
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")],
        val_ratio=0.25,
        epochs=4,
        batch_size=8,
        lr=1e-4,
        head_lr=3e-3,
        evals_per_epoch=1,
        patience=10,
        output=str(out),
        name="tiny-reviews@1",
        preprocess="social",
    )
    return train(cfg, progress=False, log=lambda m: None)


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


def test_interrupted_run_resumes_from_its_checkpoint(tmp_path, fixtures):
    out = tmp_path / "m"
    args = [
        str(EXE),
        "train",
        "--data",
        str(fixtures / "train_reviews.csv"),
        "-o",
        str(out),
        "--epochs",
        "4",
        "--batch-size",
        "4",
        "--evals-per-epoch",
        "3",
        "--patience",
        "20",
        "--name",
        "resume@1",
        "--val-ratio",
        "0.25",
        "-q",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # SIGINT at its default in the child even when this test runs in a background job (which
    # starts with SIGINT ignored, and Python then never raises KeyboardInterrupt)
    p = subprocess.Popen(
        args,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while not (out / "checkpoint.pt").exists() and time.time() < deadline and p.poll() is None:
        time.sleep(0.2)
    assert (out / "checkpoint.pt").exists(), "no checkpoint was written"
    # at once: the checkpoint is written atomically, and on an idle machine the rest of this
    # tiny run can finish in well under a second
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 2, err
    assert "Progress is saved" in err and "Traceback" not in err
    second = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "resuming from" in second.stderr
    history = [json.loads(x) for x in (out / "history.jsonl").read_text().splitlines()]
    assert history[-1]["epoch"] == pytest.approx(4.0)
    assert [h["step"] for h in history] == sorted(h["step"] for h in history)


def test_model_card_is_written_from_the_folders_own_figures(trained):
    from affectkit.training.cards import write_card

    metrics = json.loads((trained.path / "metrics.json").read_text())
    metrics["dev"] = {"toy dev": {"n": 3, "accuracy": 0.6667, "macro_f1": 0.5,
                                  "macro_recall": 0.5, "ece": 0.1}}  # fmt: skip
    (trained.path / "metrics.json").write_text(json.dumps(metrics))
    card = write_card(trained.path, summary="A toy.", data_terms={"toy": "CC0"},
                      rebuild="affectkit train toy.toml", evaluate_cmd="affectkit evaluate ...",
                      limitations=["tiny"]).read_text()  # fmt: skip
    assert (
        "# tiny-reviews@1" in card and "| toy dev | 3 | 0.6667 | 0.5000 | 0.5000 | 0.1000 |" in card
    )
    assert "**toy**: CC0" in card and "affectkit train toy.toml" in card
    assert f"{trained.metrics['macro_f1']:.4f}" in card
    assert "after calibration (temperature)" in card and '`preprocess = "social"`' in card


def test_recalibrate_rebuilds_the_validation_split_from_the_recipe(trained):
    from affectkit.training.trainer import recalibrate

    r = recalibrate(trained.path, log=lambda m: None)
    assert r["n"] == 12 and r["temperature"] > 0
    config = json.loads((trained.path / "config.json").read_text())
    assert config["temperature"] == pytest.approx(r["temperature"])
    # metrics.json carries the same re-measured figures, not the training run's loss
    metrics = json.loads((trained.path / "metrics.json").read_text())
    assert metrics["validation"]["ece"] == config["validation"]["ece"] == r["ece"]
    assert "loss" not in metrics["validation"] and "loss" not in config["validation"]


def test_recalibrate_with_class_bias_stores_and_applies_it(trained, tmp_path):
    import shutil

    from affectkit.text.model import TextModelAnalyzer
    from affectkit.training.trainer import recalibrate

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
    import shutil

    from affectkit.training.compress import compress
    from affectkit.training.trainer import recalibrate

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
    import shutil

    from affectkit.training.trainer import recalibrate

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
    import shutil

    from affectkit.training.trainer import recalibrate

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


def test_init_from_continues_a_trained_model(trained, tmp_path, fixtures):
    from affectkit.training.trainer import train

    messages = []
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=1, batch_size=8,
        lr=1e-5, evals_per_epoch=1, output=str(tmp_path / "again"), name="again@2",
        init_from=str(trained.path),
    )  # fmt: skip
    result = train(cfg, progress=False, log=messages.append)
    assert any("initialised from tiny-reviews@1: encoder and head" in m for m in messages)
    # a time estimate, measured on a few real steps, is printed before training starts
    assert any(
        re.search(
            r"batches/epoch x 1 epochs; estimated \d+ min .* s/batch on \d+ thread.*, "
            r"1 evaluation at [\d.]+ min each included",
            m,
        )
        for m in messages
    )
    # one low-lr epoch from a trained start is already as good as the start
    assert result.history[0]["val_accuracy"] >= trained.metrics["accuracy"] - 0.1
    assert json.loads((result.path / "config.json").read_text())["name"] == "again@2"


def test_init_from_with_another_head_saves_the_head_it_trained(trained, tmp_path, fixtures):
    from affectkit.training.trainer import train

    messages = []
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=1, batch_size=8,
        evals_per_epoch=1, output=str(tmp_path / "mlp"), name="mlp@2", head="mlp", head_hidden=32,
        init_from=str(trained.path),
    )  # fmt: skip
    result = train(cfg, progress=False, log=messages.append)
    assert any("its head is linear, the recipe asks for mlp" in m for m in messages)
    head = json.loads((result.path / "config.json").read_text())["head"]
    assert head["type"] == "mlp" and head["hidden"] == 32
    # another width is another head too (the base's was kept, and saved under the new width)
    narrower = replace(cfg, init_from=str(result.path), head_hidden=16, output=str(tmp_path / "n"))
    result = train(narrower, progress=False, log=messages.append)
    assert any("its head is mlp of 32, the recipe asks for mlp" in m for m in messages)
    assert json.loads((result.path / "config.json").read_text())["head"]["hidden"] == 16
    assert registry.load_folder(result.path).analyze(["Great fun."])[0].label


def test_init_from_a_lexicon_is_a_clear_error(tmp_path, fixtures):
    from affectkit.errors import InvalidInputError
    from affectkit.training.trainer import train

    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], init_from="lexicon-en",
                         output=str(tmp_path / "x"))  # fmt: skip
    with pytest.raises(InvalidInputError, match="not a transformer text model"):
        train(cfg, progress=False, log=lambda m: None)


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


def test_drift_without_a_reference_or_the_training_data_is_a_clear_error(trained, tmp_path):
    import shutil

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
    import affectkit.models

    shipped = Path(affectkit.models.__file__).parent
    for folder in sorted(f for f in shipped.iterdir() if (f / "config.json").is_file()):
        ref = json.loads((folder / "reference.json").read_text())
        assert ref["n"] >= 500 and abs(sum(ref["labels"].values()) - 1) < 1e-6, folder.name


def test_a_full_disk_is_a_clear_error_and_the_rerun_resumes(tmp_path, fixtures, monkeypatch):
    torch = pytest.importorskip("torch")
    import errno

    from affectkit.errors import StorageError
    from affectkit.training.trainer import train

    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=2,
                         batch_size=16, evals_per_epoch=1, output=str(tmp_path / "m"),
                         name="disk@1")  # fmt: skip
    real_save, calls = torch.save, []

    def save(obj, f, *a, **k):  # the filesystem is the boundary: the 2nd write finds it full
        calls.append(f)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save)
    with pytest.raises(StorageError, match=r"No space left on device.*resumes"):
        train(cfg, progress=False, log=lambda m: None)
    assert (tmp_path / "m" / "checkpoint.pt").is_file()  # the first checkpoint is intact
    assert not (tmp_path / "m" / "checkpoint.tmp").exists()
    monkeypatch.setattr(torch, "save", real_save)
    logs = []
    train(cfg, progress=False, log=logs.append)
    assert any("resuming from" in m for m in logs)
    assert (tmp_path / "m" / "config.json").is_file()


def test_compress_halves_the_layers_and_remeasures_validation(trained, tmp_path):
    import shutil

    from affectkit.training.compress import compress
    from affectkit.training.trainer import recalibrate

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


def test_training_stores_delta4_and_reports_figures_of_the_stored_weights(tmp_path, fixtures):
    from safetensors.torch import load_file

    from affectkit.text.packing import stored_dtype
    from affectkit.training.trainer import recalibrate, train

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


def test_partial_labels_score_a_row_over_its_files_labels_only():
    import torch

    from affectkit.training.calibration import softmax
    from affectkit.training.data import Example
    from affectkit.training.trainer import (
        file_label_sets,
        label_masks,
        restrict_logits,
        restrict_scores,
        validation_masks,
    )

    labels = ["negative", "neutral", "positive"]
    ex = [Example("a", ("negative",), "binary.csv"), Example("b", ("positive",), "binary.csv"),
          Example("c", ("neutral",), "three.csv"), Example("d", ("positive",), "three.csv"),
          Example("e", ("negative",), "three.csv")]  # fmt: skip
    y = np.array([labels.index(e.labels[0]) for e in ex])
    sets = file_label_sets(ex, labels)
    assert {k: v.tolist() for k, v in sets.items()} == {
        "binary.csv": [True, False, True], "three.csv": [True, True, True]
    }  # fmt: skip
    allowed = label_masks(ex, sets)
    assert allowed.tolist() == [[True, False, True]] * 2 + [[True, True, True]] * 3

    logits = torch.tensor([[0.3, 2.0, -0.4]] * 2 + [[0.3, 2.0, -0.4]] * 3, requires_grad=True)
    target = torch.from_numpy(y)
    losses = torch.nn.functional.cross_entropy(
        restrict_logits(logits, allowed), target, reduction="none"
    )
    losses.sum().backward()
    # a binary file's row: two-way cross-entropy, and its neutral logit is not pushed down
    polar = logits[:2, [0, 2]].detach()
    two_way = torch.nn.functional.cross_entropy(polar, (target[:2] == 2).long(), reduction="none")
    assert torch.allclose(losses[:2], two_way)
    assert logits.grad[:2, 1].abs().max() == 0
    # a file that uses every label: the ordinary three-way loss, neutral logit included
    full = torch.nn.functional.cross_entropy(logits[2:].detach(), target[2:], reduction="none")
    assert torch.allclose(losses[2:], full) and logits.grad[3:, 1].abs().min() > 0

    # validation rows are scored the same way: no neutral for a binary file's row, finite logits
    z = restrict_scores(logits.detach().numpy().astype(float), allowed)
    p = softmax(z)
    assert np.isfinite(z).all() and p[:2, 1].max() < 1e-12 and p[:2].argmax(1).tolist() == [0, 0]
    assert np.allclose(p[2:], softmax(logits[2:].detach().numpy().astype(float)))
    val = [Example("f", ("positive",), "binary.csv"), Example("g", ("neutral",), "three.csv")]
    on = TrainingConfig(data=["binary.csv", "three.csv"], partial_labels=True)
    assert validation_masks(on, ex, val, labels).tolist() == [[True, False, True], [True] * 3]
    given = [Example("h", ("neutral",), "my_validation.csv")]  # a validation_data file
    assert validation_masks(on, ex, given, labels).tolist() == [[True] * 3]
    off = TrainingConfig(data=["binary.csv", "three.csv"])
    assert validation_masks(off, ex, val, labels) is None


def test_partial_labels_can_name_the_files_it_restricts(tmp_path):
    from affectkit.cli.main import build_parser
    from affectkit.cli.train import build_config
    from affectkit.training.data import Example
    from affectkit.training.trainer import file_label_sets, validation_masks

    labels = ["negative", "neutral", "positive"]
    rows = [("a", "negative", "tweets"), ("b", "positive", "tweets"), ("c", "negative", "reviews"),
            ("d", "positive", "reviews"), ("e", "neutral", "dialogue")]  # fmt: skip
    ex = [Example(text, (label,), f"d/{name}.csv") for text, label, name in rows]
    named = TrainingConfig(data=["../x/d/tweets.csv", "d/reviews.csv", "d/dialogue.csv"],
                           partial_labels=["../x/d/tweets.csv"])  # fmt: skip
    assert named.partial_sources == {"d/tweets.csv"}
    sets = file_label_sets(ex, labels, named.partial_sources)
    # the named binary file is restricted; the other binary file is scored over every label
    assert {k: v.tolist() for k, v in sets.items()} == {
        "d/tweets.csv": [True, False, True], "d/reviews.csv": [True] * 3,
        "d/dialogue.csv": [True] * 3,
    }  # fmt: skip
    val = [
        Example("f", ("positive",), "d/tweets.csv"),
        Example("g", ("positive",), "d/reviews.csv"),
    ]
    assert validation_masks(named, ex, val, labels).tolist() == [[True, False, True], [True] * 3]
    assert TrainingConfig(data=["a.csv"], partial_labels=True).partial_sources is None
    assert TrainingConfig(data=["a.csv"]).partial_sources == set()
    with pytest.raises(InvalidInputError, match=r"partial_labels names files that are not in"):
        TrainingConfig(data=["a.csv"], partial_labels=["b.csv"])
    with pytest.raises(InvalidInputError, match="'partial_labels' must be"):
        TrainingConfig(data=["a.csv"], partial_labels="a.csv")

    parser = build_parser()
    args = parser.parse_args(["train", "--data", "a.csv", "--data", "b.csv",
                              "--partial-labels-for", "b.csv", "-o", str(tmp_path)])  # fmt: skip
    assert build_config(args).partial_labels == ["b.csv"]
    args = parser.parse_args(["train", "--data", "a.csv", "--partial-labels", "-o", str(tmp_path)])
    assert build_config(args).partial_labels is True


def test_label_smoothing_spreads_over_the_labels_a_row_may_take():
    import torch

    from affectkit.training.trainer import restrict_logits, training_cross_entropy

    logits = torch.tensor([[0.3, 2.0, -0.4], [1.5, -0.2, 0.1], [-1.0, 0.5, 2.5]])
    y = torch.tensor([0, 1, 2])
    want = torch.nn.functional.cross_entropy(logits, y, label_smoothing=0.2)
    assert torch.allclose(training_cross_entropy(logits, y, 0.2), want)
    # a row restricted to negative/positive: the two-way smoothed loss, finite
    allowed = np.array([[True, False, True]] * 3)
    masked = training_cross_entropy(restrict_logits(logits, allowed), torch.tensor([0, 2, 2]), 0.2)
    two_way = torch.nn.functional.cross_entropy(
        logits[:, [0, 2]], torch.tensor([0, 1, 1]), label_smoothing=0.2
    )
    assert torch.isfinite(masked) and torch.allclose(masked, two_way)
    # class weights weigh each row by its label's weight; smoothing 0 is plain cross-entropy
    w = torch.tensor([1.0, 3.0, 0.5])
    plain = torch.nn.functional.cross_entropy(logits, y, weight=w)
    assert torch.allclose(training_cross_entropy(logits, y, 0.0, weight=w), plain)
    # focal: each row's loss times (1 - p_y)^gamma, with class weights as above
    p_y = torch.softmax(logits, -1)[torch.arange(3), y]
    rows = -((1 - p_y) ** 2) * p_y.log()
    assert torch.allclose(training_cross_entropy(logits, y, gamma=2.0), rows.mean())
    assert torch.allclose(
        training_cross_entropy(logits, y, gamma=2.0, weight=w), (w[y] * rows).sum() / w[y].sum()
    )
    assert training_cross_entropy(logits, y, gamma=2.0) < plain
    # a row sure of its label (a one-label file under partial labels: p == 1 exactly) keeps
    # finite gradients for every gamma, below 1 too
    for gamma in (0.5, 1.0, 3.0):
        z = logits.clone().requires_grad_()
        sure = restrict_logits(z, np.array([[True, False, False]] * 3))
        training_cross_entropy(sure, torch.tensor([0, 0, 0]), 0.1, gamma).backward()
        assert torch.isfinite(z.grad).all()
    with pytest.raises(InvalidInputError, match="focal_gamma must be >= 0"):
        TrainingConfig(data=["a.csv"], focal_gamma=-1.0)
    with pytest.raises(InvalidInputError, match="focal_gamma applies to single-label"):
        TrainingConfig(data=["a.csv"], backbone="tfidf", focal_gamma=2.0)
    with pytest.raises(InvalidInputError, match=r"label_smoothing must be in \[0, 1\)"):
        TrainingConfig(data=["a.csv"], label_smoothing=1.0)
    with pytest.raises(InvalidInputError, match="label_smoothing applies to single-label"):
        TrainingConfig(data=["a.csv"], task="multi", label_smoothing=0.1)


def test_a_partial_labels_run_trains_and_records_the_setting(tmp_path, fixtures):
    from affectkit.training.trainer import train

    three = tmp_path / "three.csv"
    three.write_text(
        "text,label\n"
        + "".join(f"The parcel arrived on day {i}.,neutral\n" for i in range(8))
        + "What a lovely surprise!,positive\nThis is awful.,negative\n" * 4
    )
    logged = []
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv"), str(three)], val_ratio=0.25, epochs=1,
        batch_size=8, evals_per_epoch=1, partial_labels=True, label_smoothing=0.1,
        focal_gamma=2.0, output=str(tmp_path / "m"), name="tiny-partial@1",
    )  # fmt: skip
    res = train(cfg, progress=False, log=logged.append)
    restricted = [m for m in logged if "scored over" in m]
    assert restricted == ["  fixtures/train_reviews.csv: scored over negative, positive only (its "
                          "rows use no other label)"]  # fmt: skip
    config = json.loads((res.path / "config.json").read_text())
    assert config["labels"] == ["negative", "neutral", "positive"]
    assert config["training"]["config"]["partial_labels"] is True
    probs = registry.load(str(res.path)).predict_proba(["The parcel arrived on day 3."])
    assert probs.shape == (1, 3) and np.isfinite(probs).all()
    from affectkit.training.trainer import recalibrate

    # calibrated on the same split, its binary rows scored over negative/positive as in training
    r = recalibrate(res.path, method="auto", log=lambda m: None)
    assert r["n"] == config["validation"]["n"] and np.isfinite(r["temperature"])
    from affectkit.training.cards import write_card

    card = write_card(res.path, summary="A toy.", data_terms={}, rebuild="affectkit train t.toml",
                      evaluate_cmd="", limitations=[]).read_text()  # fmt: skip
    assert "- Partial labels: each training file's rows were scored only over" in card
    from affectkit.training.cards import _classifier_lines

    config["training"]["config"]["partial_labels"] = [str(three)]  # the per-file form
    _, lines = _classifier_lines(config)
    assert f"- Partial labels: the rows of `{three}` were scored only over" in "\n".join(lines)
    assert "- Label smoothing 0.1: the training target put 0.9 on the true label" in card
    assert "- Focal loss, gamma 2: each row's loss was weighted by (1 - p)^2" in card
    assert all(np.isfinite(h["val_loss"]) for h in res.history)  # smoothing beside -inf logits


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


def test_a_blend_with_a_transformer_member_predicts_and_continues_training(
    trained, tmp_path, fixtures
):
    import shutil

    from affectkit.training.blend import BlendConfig, blend
    from affectkit.training.trainer import train

    shutil.copytree(trained.path, tmp_path / "ens" / "tuned")
    recipe = json.loads((trained.path / "config.json").read_text())["training"]["config"]
    cfg = TrainingConfig.from_dict({**recipe, "output": str(tmp_path / "ens" / "tuned")})
    summary = blend(cfg, BlendConfig(str(tmp_path / "ens"), "tiny-blend@1"), log=lambda m: None)
    assert 0 <= summary["weight"] <= 1
    ens = registry.load(str(tmp_path / "ens"))
    [r] = ens.analyze(["A wonderful, moving film."], explain=True)
    assert r.label == "positive" and set(r.raw["members"]) == {
        "tiny-reviews@1",
        "tiny-blend-ngram@1",
    }
    assert r.evidence and {e.kind for e in r.evidence} == {"token"}  # occlusion of the blend
    [plain] = ens.analyze(["A wonderful, moving film."])
    assert {e.kind for e in plain.evidence} == {"ngram"}  # without explain: the free n-grams
    assert ens.embed(["A wonderful film."]).shape == (1, 384)  # the transformer's pooled output
    logs = []
    cont = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, epochs=1,
                          batch_size=8, init_from=str(tmp_path / "ens"),
                          output=str(tmp_path / "v2"), name="tiny-reviews@2")  # fmt: skip
    train(cont, progress=False, log=logs.append)
    assert any("is a blend: continuing its transformer member tiny-reviews@1" in m for m in logs)


def test_recalibrate_auto_needs_two_training_files(trained, tmp_path):
    import shutil

    from affectkit.training.trainer import recalibrate

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


@pytest.mark.parametrize("fewshot", [False, True])
def test_train_seed_drives_the_training_randomness(tmp_path, fixtures, monkeypatch, fewshot):
    torch = pytest.importorskip("torch")
    from affectkit.training import fewshot as F
    from affectkit.training import trainer

    class Stop(Exception):
        pass

    seen = {}
    real = torch.manual_seed
    monkeypatch.setattr(torch, "manual_seed", lambda s: (seen.setdefault("torch", s), real(s))[1])

    def stop(name):
        def record(*args):
            seen[name] = args[-1]  # the seed: last argument of _batches and make_pairs
            raise Stop

        return record

    monkeypatch.setattr(trainer, "_batches", stop("batches"))
    monkeypatch.setattr(F, "make_pairs", stop("pairs"))
    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, seed=3,
                         train_seed=11, fewshot=fewshot, output=str(tmp_path / "m"),
                         name="seeded@1")  # fmt: skip
    with pytest.raises(Stop):
        trainer.train(cfg, progress=False, log=lambda m: None)
    assert seen == {"torch": 11, "pairs" if fewshot else "batches": 11}
