"""`init_from`: continue training a trained model, with its head or a new one."""

import json
import re
from dataclasses import replace

import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig


@pytest.mark.slow
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


@pytest.mark.slow
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
    from affectkit.training.trainer import train

    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], init_from="lexicon-en",
                         output=str(tmp_path / "x"))  # fmt: skip
    with pytest.raises(InvalidInputError, match="not a transformer text model"):
        train(cfg, progress=False, log=lambda m: None)
