"""Fixtures of the training tests."""

import pytest

from affectkit.training.config import TrainingConfig


@pytest.fixture(scope="module")
def trained(tmp_path_factory, fixtures):
    """A tiny MiniLM run on the review fixture (one per test module: tests change its folder)."""
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
