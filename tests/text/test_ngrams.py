"""TF-IDF n-grams + logistic regression: featurizer, training (`--backbone tfidf`), loading."""

import csv
import json

import numpy as np
import pytest

from affectkit import registry
from affectkit.errors import InvalidInputError, ModelLoadError
from affectkit.text.ngrams import NgramAnalyzer, NgramFeaturizer
from affectkit.training.config import TrainingConfig

pytest.importorskip("sklearn")


def test_featurizer_words_chars_and_spans():
    f = NgramFeaturizer(word=(1, 2), char=(2, 2))
    counts = f.counts("Not bad, not BAD")
    assert counts["w:not"][0] == 2 and counts["w:bad"][0] == 2
    assert counts["w:not bad"] == (
        2,
        0,
        7,
    )  # lower-cased; the span of the first  # first occurrence, character span
    assert counts["w:,"][0] == 1
    assert counts["c:ba"][0] == 2 and counts["c: n"][0] == 2  # the text is padded by spaces
    zh = f.counts("服务很好")
    assert {"w:服", "w:务", "w:服 务", "c:服务", "c:很好"} <= set(zh)  # one token per Han char


def test_featurizer_rejects_bad_ranges():
    with pytest.raises(InvalidInputError, match=r"features\.char"):
        NgramFeaturizer(char=(3, 1))


@pytest.fixture(scope="module")
def sentiment(tmp_path_factory, fixtures):
    from affectkit.training.trainer import train

    out = tmp_path_factory.mktemp("ngram") / "model"
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")],
        backbone="tfidf",
        val_ratio=0.25,
        min_df=1,
        output=str(out),
        name="ngram-reviews@1",
    )
    return train(cfg, log=lambda m: None)


def test_trained_folder_loads_by_path_and_gives_evidence(sentiment, fixtures):
    path = sentiment.path
    assert {"config.json", "vocab.json", "weights.safetensors", "metrics.json"} <= {
        p.name for p in path.iterdir()
    }
    config = json.loads((path / "config.json").read_text())
    assert config["affectkit_kind"] == "text-ngram-linear" and config["task"] == "sentiment"
    model = registry.load(str(path))
    assert isinstance(model, NgramAnalyzer)
    texts = ["A wonderful, moving film.", "Clumsy and lifeless.", "", "服务很好"]
    res = model.analyze(texts)
    assert {r.label for r in res[:2]} <= {"positive", "negative"}
    assert res[2].flags == ("empty",) and res[3].flags == ("unsupported",)
    ev = res[0].evidence
    assert ev and all(e.kind == "ngram" for e in ev)
    weights = [abs(e.weight) for e in ev]
    assert weights == sorted(weights, reverse=True) and weights[0] > 0
    for e in ev:
        if e.start is not None:
            assert texts[0][e.start : e.end] == e.text
    assert any(e.start is not None for e in ev)
    assert abs(sum(res[0].polarity.values()) - 1) < 1e-6


def test_held_out_accuracy_beats_chance(sentiment, fixtures):
    from affectkit.training.evaluate import evaluate

    rep = evaluate(str(sentiment.path), fixtures / "eval_reviews.csv")
    # 6 rows: one "mixed" label is excluded and one empty row skipped
    assert rep["n"] == 4 and rep["accuracy"] >= 3 / 4


def test_multilabel_goemotions_sample(tmp_path, shared_data):
    from affectkit.training.trainer import train

    src = shared_data / "text" / "goemotions" / "train.csv"
    with src.open(encoding="utf-8", newline="") as f:
        rows = [r for _, r in zip(range(1500), csv.DictReader(f))]
    data = tmp_path / "go.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "labels"])
        for r in rows:
            w.writerow([r["text"], r["label_names"]])
    cfg = TrainingConfig(
        data=[str(data)],
        label_col="labels",
        task="multi",
        backbone="tfidf",
        canonical="goemotions",
        output=str(tmp_path / "m"),
        name="go-ng@1",
    )
    train(cfg, log=lambda m: None)
    model = registry.load(str(tmp_path / "m"))
    assert model.config.multi_label and len(model.config.thresholds) == len(model.labels)
    r = model.analyze(["Thank you so much, I love it!"])[0]
    assert r.emotions is not None and r.emotions["joy"] == max(r.emotions.values())
    assert "over_threshold" in r.raw


def test_a_damaged_folder_is_a_clear_error(sentiment, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(sentiment.path, broken)
    (broken / "weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match=r"weights\.safetensors"):
        NgramAnalyzer.from_pretrained(broken)
    vocab = json.loads((broken / "vocab.json").read_text())
    (broken / "vocab.json").write_text(json.dumps(vocab[:-1]))
    shutil.copy(sentiment.path / "weights.safetensors", broken / "weights.safetensors")
    with pytest.raises(ModelLoadError, match="do not fit"):
        NgramAnalyzer.from_pretrained(broken)


def test_logits_match_analyze(sentiment):
    model = registry.load(str(sentiment.path))
    z = model.logits(["A wonderful film."])
    p = np.exp(z / model.config.temperature)
    p /= p.sum()
    assert model.analyze(["A wonderful film."])[0].raw["labels"]["positive"] == pytest.approx(
        p[0, model.labels.index("positive")], abs=1e-6
    )


def test_a_saved_multiclass_model_predicts_as_trained(tmp_path):
    """scikit-learn may hand back Fortran-ordered coefficients; the folder must keep the values."""
    rows = [
        ("I am so happy today", "joy"),
        ("what a great gift, thank you", "joy"),
        ("this makes me furious", "anger"),
        ("I hate this, so angry", "anger"),
        ("I miss her so much, crying", "sadness"),
        ("so sad and lonely tonight", "sadness"),
    ]
    data = tmp_path / "emo.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(4):  # distinct texts: validation never repeats a training text
            w.writerows((f"{text} {'!' * i}", label) for text, label in rows)
    from affectkit.training.trainer import train

    res = train(
        TrainingConfig(
            data=[str(data)],
            backbone="tfidf",
            min_df=1,
            val_ratio=0.25,
            output=str(tmp_path / "m"),
            name="emo@1",
        ),
        log=lambda m: None,
    )
    model = registry.load(str(tmp_path / "m"))
    assert model.coef.flags["C_CONTIGUOUS"]
    preds = [r.label for r in model.analyze([t for t, _ in rows])]
    assert preds == [lab for _, lab in rows]
    assert res.metrics["accuracy"] == 1.0


def test_a_social_preprocess_ngram_model_ignores_mentions(sentiment, tmp_path):
    import shutil

    folder = tmp_path / "social"
    shutil.copytree(sentiment.path, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "preprocess": "social"}))
    social, plain = registry.load(str(folder)), registry.load(str(sentiment.path))
    tweet, bare = "@awful_clumsy a wonderful film #moving", "a wonderful film moving"
    assert social.predict_proba([tweet]) == pytest.approx(plain.predict_proba([bare]))
    assert plain.predict_proba([tweet]) != pytest.approx(plain.predict_proba([bare]))
    [r] = social.analyze([tweet])
    assert all(tweet[e.start : e.end] == e.text for e in r.evidence if e.start is not None)
    config["preprocess"] = "emoji"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="preprocess must be null or one of"):
        registry.load(str(folder))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: (p / "config.json").write_text("[]"), r"config\.json holds a JSON array"),
        (lambda p: (p / "vocab.json").write_text('{"a": 1}'), r"vocab\.json holds a JSON object"),
        (lambda p: (p / "vocab.json").write_text("[1, 2]"), r"vocab\.json must be a JSON list"),
        (
            lambda p: (p / "weights.safetensors").write_bytes((2**40).to_bytes(8, "little")),
            r"weights\.safetensors is not a readable safetensors file",
        ),
        (
            lambda p: _drop_tensor(p / "weights.safetensors", "idf"),
            r"weights\.safetensors has no tensor\(s\) \['idf'\]",
        ),
    ],
    ids=["config-list", "vocab-object", "vocab-numbers", "huge-header", "missing-tensor"],
)
def test_a_damaged_shipped_folder_is_a_load_error_naming_the_file(tmp_path, damage, message):
    import shutil

    folder = tmp_path / "ngram"
    shutil.copytree(registry.get_spec("text-sentiment-zh").folder / "ngram", folder)
    damage(folder)
    with pytest.raises(ModelLoadError, match=message):
        registry.load(str(folder))


def _drop_tensor(path, name):
    from safetensors.numpy import load_file, save_file

    tensors = load_file(str(path))
    del tensors[name]
    save_file(tensors, str(path))
