"""Few-shot mode: contrastive sentence pairs on a handful of examples, then a logistic head."""

import json

import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig
from affectkit.training.fewshot import make_pairs

pytest.importorskip("sklearn")


def test_pairs_have_one_same_and_one_other_label_partner_per_example_and_round():
    labels = ["a", "a", "b", "b", "c"]
    pairs = make_pairs(labels, iterations=3, seed=0)
    for i, j, target in pairs:
        assert i != j and (labels[i] == labels[j]) == (target == 1.0)
    # "c" has no same-label partner, the others get one per round; everyone gets a negative
    assert sum(t for _, _, t in pairs) == 3 * 4 and len(pairs) == 3 * (4 + 5)
    assert make_pairs(labels, 3, 0) == pairs  # seeded


def test_config_rejects_fewshot_without_an_encoder(fixtures):
    with pytest.raises(InvalidInputError, match="fewshot needs an encoder"):
        TrainingConfig(data=[str(fixtures / "train_reviews.csv")], fewshot=True, backbone="tfidf")
    with pytest.raises(InvalidInputError, match="max_rows_per_label"):
        TrainingConfig(data=[str(fixtures / "train_reviews.csv")], max_rows_per_label=0)


@pytest.mark.slow
def test_fewshot_run_on_eight_examples_per_label(tmp_path, fixtures):
    pytest.importorskip("torch")
    from affectkit.training.evaluate import evaluate
    from affectkit.training.trainer import train

    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")],
        fewshot=True,
        max_rows_per_label=8,
        pair_iterations=4,
        batch_size=16,
        lr=2e-5,
        max_length=32,
        output=str(tmp_path / "m"),
        name="fewshot@1",
    )
    logs = []
    res = train(cfg, progress=False, log=logs.append)
    assert any("16 examples {'negative': 8, 'positive': 8}" in m for m in logs)
    config = json.loads((res.path / "config.json").read_text())
    assert config["validation"]["split"].startswith("training examples")
    assert config["training"]["pairs"] == 4 * 2 * 16
    model = registry.load(str(res.path))
    rep = evaluate(str(res.path), fixtures / "eval_reviews.csv")
    assert rep["n"] == 4 and rep["accuracy"] >= 3 / 4
    r = model.analyze(["What a wonderful film."])[0]
    assert r.polarity is not None and r.label in ("positive", "negative")


def test_fewshot_rejects_multilabel_tasks(tmp_path, fixtures):
    pytest.importorskip("torch")
    from affectkit.training.trainer import train

    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")],
        fewshot=True,
        task="multi",
        output=str(tmp_path / "m"),
    )
    with pytest.raises(InvalidInputError, match="single-label"):
        train(cfg, progress=False, log=lambda m: None)


def test_every_example_trains_and_every_label_needs_one(tmp_path):
    pytest.importorskip("torch")
    from affectkit.training.splits import load_splits
    from affectkit.training.trainer import train

    f = tmp_path / "few.csv"  # short texts that occur inside longer ones: none may be lost
    f.write_text("text,label\ngreat,pos\na great film,pos\nawful,neg\nan awful film,neg\n")
    cfg = TrainingConfig(data=[str(f)], fewshot=True, output=str(tmp_path / "m"), name="f@1")
    train_ex, val, _, _ = load_splits(cfg, log=lambda m: None, carve=False)
    assert len(train_ex) == 4 and val == []
    cfg = TrainingConfig(data=[str(f)], fewshot=True, labels=["neg", "neutral", "pos"],
                         output=str(tmp_path / "m"), name="f@1")  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"Add examples of \['neutral'\]"):
        train(cfg, progress=False, log=lambda m: None)
