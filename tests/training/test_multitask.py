"""Multi-task training: one encoder, a sentiment head and an emotion head, trained together."""

import json

import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig


def heads(fixtures, shared_data):
    emotion = shared_data / "text" / "tweeteval_emotion" / "train.csv"
    return {
        "sentiment": {"data": [str(fixtures / "train_reviews.csv")], "val_ratio": 0.25},
        "emotion": {"data": [str(emotion)], "max_rows": {str(emotion): 64},
                    "canonical": "tweeteval_emotion", "loss_weight": 0.5},
    }  # fmt: skip


@pytest.mark.slow
def test_two_heads_share_one_encoder(tmp_path, fixtures, shared_data):
    pytest.importorskip("torch")
    from affectkit.training.trainer import train

    cfg = TrainingConfig(heads=heads(fixtures, shared_data), epochs=2, batch_size=8, lr=1e-4,
                         head_lr=3e-3, evals_per_epoch=1, patience=10, max_length=48,
                         output=str(tmp_path / "mt"), name="tiny-mt@1")  # fmt: skip
    logs = []
    res = train(cfg, progress=False, log=logs.append)
    out = tmp_path / "mt"
    assert {"encoder.safetensors", "multitask.json", "sentiment", "emotion"} <= {
        p.name for p in out.iterdir()
    }
    assert set(res.metrics) == {"sentiment", "emotion"}
    history = [json.loads(x) for x in (out / "sentiment" / "history.jsonl").open()]
    assert set(history[-1]["heads"]) == {"sentiment", "emotion"}
    for head, name in (("sentiment", "tiny-mt-sentiment@1"), ("emotion", "tiny-mt-emotion@1")):
        config = json.loads((out / head / "config.json").read_text())
        assert config["name"] == name
        assert config["encoder"]["weights"] == "../encoder.safetensors"
        assert not (out / head / "encoder.safetensors").exists()
        assert config["training"]["multitask"]["heads"] == ["sentiment", "emotion"]
    sent = registry.load(str(out / "sentiment"))
    emo = registry.load(str(out / "emotion"))
    assert sent.labels == ("negative", "positive")
    assert set(emo.labels) == {"anger", "joy", "optimism", "sadness"}
    r = emo.analyze(["I am so happy today!"])[0]
    assert r.emotions is not None and abs(sum(r.emotions.values()) - 1) < 1e-6
    assert sent.analyze(["A wonderful film."])[0].polarity is not None

    # one encoder in memory, and one encoder pass serves both heads
    sent.load()
    emo.load()
    encoder = sent.torch_module().encoder
    assert emo.torch_module().encoder is encoder
    calls = []
    hook = encoder.register_forward_hook(lambda *a: calls.append(1))
    texts = ["I am so happy today!", "", "This is the worst day ever. " * 40]
    both = sent.analyze_with([emo], texts)
    assert len(calls) == 1
    separate = [sent.analyze(texts), emo.analyze(texts)]
    hook.remove()
    for got, want in zip(both, separate, strict=True):
        assert [r.label for r in got] == [r.label for r in want]
        assert got[1].flags == ("empty",)
        for g, w in zip(got, want, strict=True):
            for lab, p in w.raw.get("labels", {}).items():
                assert g.raw["labels"][lab] == pytest.approx(p, abs=1e-5)
    assert "chunked" in both[1][2].flags  # the long text was chunked for the second head too
    assert [rows[1].model for rows in both] == [sent.name, emo.name]  # each head names itself


def test_a_head_may_not_change_the_shared_encoder(fixtures):
    with pytest.raises(InvalidInputError, match="cannot differ between heads"):
        TrainingConfig(heads={"a": {"data": [str(fixtures / "train_reviews.csv")], "lr": 1.0}})
    with pytest.raises(InvalidInputError, match="No training data"):
        TrainingConfig(heads={"a": {"label_col": "label"}})
    with pytest.raises(InvalidInputError, match="multi-task"):
        TrainingConfig(heads={"a": {"data": [str(fixtures / "train_reviews.csv")]}},
                       init_from="text-sentiment-en")  # fmt: skip
