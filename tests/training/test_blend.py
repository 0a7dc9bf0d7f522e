"""`affectkit blend` and the ensemble folder it writes (two n-gram models: no torch needed)."""

import json

import numpy as np
import pytest

from affectkit import registry
from affectkit.cli.main import main
from affectkit.errors import InvalidInputError, ModelLoadError
from affectkit.text.ensemble import EnsembleAnalyzer, EnsembleConfig, Member
from affectkit.text.explain import word_deletions
from affectkit.training.blend import BlendConfig, blend, choose_weight, ngram_config
from affectkit.training.config import TrainingConfig

pytest.importorskip("sklearn")


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory, fixtures):
    """A word-n-gram base model blended with a character n-gram member trained on more data."""
    from affectkit.training.trainer import train

    root = tmp_path_factory.mktemp("blend")
    extra = root / "extra.csv"
    extra.write_text(
        "text,label\n"
        + "".join(
            f"{t} {i},{lab}\n"
            for i in range(6)
            for t, lab in (
                ("Truly wonderful and moving", "positive"),
                ("Dull and clumsy", "negative"),
            )
        )
        # a copy of a training text is not added twice
        + "I loved every minute of it.,positive\n"
    )
    cfg = TrainingConfig(
        data=[str(fixtures / "train_reviews.csv")],
        backbone="tfidf",
        char_ngrams=None,
        val_ratio=0.25,
        min_df=1,
        output=str(root / "model" / "base"),
        name="reviews-base@1",
    )
    train(cfg, log=lambda m: None)
    logs = []
    summary = blend(
        cfg,
        BlendConfig.from_dict(
            {
                "output": str(root / "model"),
                "name": "reviews@1",
                "extra_data": [str(extra)],
                "min_df": 1,
            }
        ),
        log=logs.append,
    )
    return root / "model", summary, logs, cfg


def test_blend_writes_a_loadable_ensemble_with_its_members(ensemble):
    folder, summary, logs, _ = ensemble
    config = json.loads((folder / "config.json").read_text())
    assert config["affectkit_kind"] == "text-ensemble" and config["name"] == "reviews@1"
    assert [m["folder"] for m in config["members"]] == ["base", "ngram"]
    w = config["members"][0]["weight"]
    assert 0.0 <= w <= 1.0 and abs(w + config["members"][1]["weight"] - 1) < 1e-9
    assert w == summary["weight"] and config["temperature"] == summary["temperature"] > 0
    assert config["training"]["blend"]["extra_data"] and "validation" in config
    assert any("more examples for the n-gram member" in line for line in logs)
    model = registry.load(str(folder))
    assert isinstance(model, EnsembleAnalyzer)
    assert [m.name for m in model.members] == ["reviews-base@1", "reviews-ngram@1"]


def test_ensemble_results_blend_the_members_and_keep_their_evidence(ensemble):
    model = registry.load(str(ensemble[0]))
    texts = ["A wonderful, moving film.", "Clumsy and lifeless.", "  ", "服务很好"]
    res = model.analyze(texts)
    assert [r.label for r in res[:2]] == ["positive", "negative"]
    assert res[2].flags == ("empty",) and res[3].flags == ("unsupported",)
    for r in res[:2]:
        assert r.model == "reviews@1" and abs(sum(r.polarity.values()) - 1) < 1e-6
        assert set(r.raw["members"]) == {"reviews-base@1", "reviews-ngram@1"}
        assert r.evidence and all(e.kind == "ngram" for e in r.evidence)
    probs = model.predict_proba(texts[:2])
    got = np.array([[r.raw["labels"][lab] for lab in model.labels] for r in res[:2]])
    np.testing.assert_allclose(probs, got, atol=1e-9)


def test_explain_is_occlusion_of_the_blend_itself(ensemble):
    model = registry.load(str(ensemble[0]))
    text = "A wonderful, moving film."
    [r] = model.analyze([text], explain=True)
    assert r.evidence and all(e.kind == "token" and e.label == r.label for e in r.evidence)
    top = r.evidence[0]
    # a sentence start is read capitalised and as it is: the smaller drop is its weight
    variants = [v for *_, v in word_deletions(text, [(top.start, top.end)])]
    pos = list(model.labels).index(r.label)
    probs = model.predict_proba([text, *variants])
    drops = [probs[0, pos] - p[pos] for p in probs[1:]]
    assert top.weight == pytest.approx(min(drops, key=abs), abs=1e-9)


def test_blended_probabilities_follow_the_formula(ensemble):
    model = registry.load(str(ensemble[0]))
    texts = ["A wonderful, moving film.", "Avoid it."]
    p = [m.predict_proba(texts) for m in model.members]
    z = sum(w * np.log(q) for w, q in zip(model.weights, p, strict=True))
    z = z / model.config.temperature
    expect = np.exp(z - z.max(1, keepdims=True))
    expect /= expect.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(texts), expect, atol=1e-9)


def test_choose_weight_prefers_the_better_member_and_breaks_ties_evenly():
    y = np.array([0, 1, 0, 1, 0, 1])
    good = np.eye(2)[y] * 0.8 + 0.1  # right on every text
    bad = np.eye(2)[1 - y] * 0.8 + 0.1  # wrong on every text
    w, grid = choose_weight(good, bad, y, "accuracy")
    assert w > 0.5 and len(grid) == 21
    assert max(r["accuracy"] for r in grid) == 1.0
    w, _ = choose_weight(good, good, y, "accuracy")  # every weight ties
    assert w == 0.5


def test_the_ngram_member_keeps_the_data_settings_but_not_the_encoder_ones(tmp_path):
    # an encoder recipe with settings a tfidf model rejects (each alone used to stop the blend)
    base = TrainingConfig(
        data=["a.csv", "b.csv"],
        backbone="e5",
        train_seed=7,
        label_smoothing=0.1,
        focal_gamma=3.0,
        partial_labels=["b.csv"],
        max_rows={"a.csv": 10},
        labels=["negative", "positive"],
        output=str(tmp_path / "m" / "base"),
        name="reviews@2",
    )
    member = ngram_config(base, BlendConfig(output="m", name="reviews@2", ngram={"min_df": 1}),
                          tmp_path / "m" / "ngram")  # fmt: skip
    assert member.backbone == "tfidf" and member.name == "reviews-ngram@2" and member.min_df == 1
    assert member.train_seed is None and member.label_smoothing == member.focal_gamma == 0.0
    assert member.partial_labels is False and member.output == str(tmp_path / "m" / "ngram")
    assert member.data == base.data and member.max_rows == base.max_rows
    assert member.labels == base.labels and member.seed == base.seed


def test_blend_errors_name_the_fix(ensemble, tmp_path):
    _, _, _, cfg = ensemble
    outside = BlendConfig(output=str(tmp_path / "elsewhere"), name="x@1")
    with pytest.raises(InvalidInputError, match="must be a sub-folder"):
        blend(cfg, outside, log=lambda m: None)
    untrained = TrainingConfig(data=cfg.data, output=str(tmp_path / "m" / "base"), name="b@1")
    with pytest.raises(InvalidInputError, match="holds no trained model"):
        blend(untrained, BlendConfig(output=str(tmp_path / "m"), name="x@1"), log=lambda m: None)
    with pytest.raises(InvalidInputError, match=r"Unknown \[blend\] key"):
        BlendConfig.from_dict({"output": "o", "name": "x@1", "epochs": 3})
    with pytest.raises(InvalidInputError, match="needs 'name'"):
        BlendConfig.from_dict({"output": "o"})


def test_broken_ensemble_folders_fail_clearly(ensemble, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(ensemble[0], copy)
    shutil.rmtree(copy / "ngram")
    with pytest.raises(ModelLoadError, match="member folder 'ngram' is missing"):
        registry.load(str(copy))
    with pytest.raises(InvalidInputError, match="two or more members"):
        EnsembleConfig(name="x@1", labels=("a", "b"), members=(Member("a", 1.0),))
    with pytest.raises(InvalidInputError, match="weights must be >= 0"):
        EnsembleConfig(name="x@1", labels=("a", "b"), members=(Member("a", -1.0), Member("b", 1.0)))


def test_extra_data_with_other_labels_is_an_error(ensemble, tmp_path):
    _, _, _, cfg = ensemble
    odd = tmp_path / "odd.csv"
    odd.write_text("text,label\nso so,neutral\n")
    out = tmp_path / "m"
    base = TrainingConfig.from_dict({**cfg.to_dict(), "output": str(out / "base")})
    from affectkit.training.trainer import train

    train(base, log=lambda m: None)
    with pytest.raises(InvalidInputError, match=r"has labels the base model lacks: \['neutral'\]"):
        blend(base, BlendConfig(str(out), "x@1", [str(odd)]), log=lambda m: None)


def test_blend_cli_reads_a_recipe(tmp_path, capsys):
    recipe = tmp_path / "r.toml"
    recipe.write_text('[train]\ndata = ["a.csv"]\n')
    assert main(["blend", str(recipe)]) == 2
    assert "needs a [train] and a [blend] table" in capsys.readouterr().err


def test_a_blend_does_not_export_but_names_its_members(ensemble, tmp_path):
    from affectkit.training.export import export

    with pytest.raises(InvalidInputError, match="is a blend of"):
        export(str(ensemble[0]), tmp_path / "onnx")


@pytest.mark.slow
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
