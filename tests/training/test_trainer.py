"""`train()` end to end: the seeds it hands each trainer, and a partial-labels run recorded in
its folder, calibration and card."""

import json

import numpy as np
import pytest

from affectkit import registry
from affectkit.training.config import TrainingConfig

pytestmark = pytest.mark.slow  # every test here trains or loads MiniLM


@pytest.mark.parametrize("fewshot", [False, True])
def test_train_seed_drives_the_training_randomness(tmp_path, fixtures, monkeypatch, fewshot):
    torch = pytest.importorskip("torch")
    from affectkit.training import fewshot as F
    from affectkit.training import loop, trainer

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

    monkeypatch.setattr(loop, "_batches", stop("batches"))
    monkeypatch.setattr(F, "make_pairs", stop("pairs"))
    cfg = TrainingConfig(data=[str(fixtures / "train_reviews.csv")], val_ratio=0.25, seed=3,
                         train_seed=11, fewshot=fewshot, output=str(tmp_path / "m"),
                         name="seeded@1")  # fmt: skip
    with pytest.raises(Stop):
        trainer.train(cfg, progress=False, log=lambda m: None)
    assert seen == {"torch": 11, "pairs" if fewshot else "batches": 11}


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
    from affectkit.training.recalibrate import recalibrate

    # calibrated on the same split, its binary rows scored over negative/positive as in training
    r = recalibrate(res.path, method="auto", log=lambda m: None)
    assert r["n"] == config["validation"]["n"] and np.isfinite(r["temperature"])
    from affectkit.training.cards import write_card

    card = write_card(res.path, summary="A toy.", rebuild="affectkit train t.toml",
                      evaluate_cmd="", limitations=[]).read_text()  # fmt: skip
    assert "- Partial labels: each training file's rows were scored only over" in card
    from affectkit.training.cards import _classifier_lines

    config["training"]["config"]["partial_labels"] = [str(three)]  # the per-file form
    _, lines = _classifier_lines(config)
    assert f"- Partial labels: the rows of `{three}` were scored only over" in "\n".join(lines)
    assert "- Label smoothing 0.1: the training target put 0.9 on the true label" in card
    assert "- Focal loss, gamma 2: each row's loss was weighted by (1 - p)^2" in card
    assert all(np.isfinite(h["val_loss"]) for h in res.history)  # smoothing beside -inf logits
