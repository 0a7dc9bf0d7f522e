"""How a long text's chunks become one prediction (`pool_chunks`, `aggregate`, the config's
``aggregation``) and fitting its temperature: pure numpy, then on the review model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from affectkit.errors import InvalidInputError
from affectkit.text import classifier as tm
from affectkit.text.classifier.config import AggregationConfig
from affectkit.text.classifier.inference import Chunks, aggregate, make_result, pool_chunks
from affectkit.training.calibration import aggregated_logits, fit_temperature, softmax

MEAN_LOGITS = AggregationConfig("mean-logits")
CHUNKS = np.array([[0.9, 0.1], [0.6, 0.4]])  # (K=2, L=2)
HALF = np.array([0.5, 0.5])


def test_one_chunk_is_never_changed_by_any_aggregation():
    one = np.array([[0.2, 0.3, 0.5]])
    for spec in (
        AggregationConfig(),
        AggregationConfig("mean-probs", 0.3),
        AggregationConfig("mean-logits", 0.3),
    ):
        assert pool_chunks(one, np.array([1.0]), spec).tolist() == [0.2, 0.3, 0.5]


def test_mean_probs_is_the_token_weighted_mean():
    w = np.array([0.75, 0.25])
    assert pool_chunks(CHUNKS, w).tolist() == (w @ CHUNKS).tolist()
    # a temperature below 1 sharpens the mean: softmax(log(mean) / T)
    sharp = pool_chunks(CHUNKS, HALF, AggregationConfig("mean-probs", 0.5))
    assert sharp == pytest.approx([0.75**2 / (0.75**2 + 0.25**2), 0.25**2 / (0.75**2 + 0.25**2)])


def test_mean_logits_is_a_weighted_geometric_mean_then_a_temperature():
    pos, neg = np.sqrt(0.9 * 0.6), np.sqrt(0.1 * 0.4)
    assert pool_chunks(CHUNKS, HALF, MEAN_LOGITS) == pytest.approx([pos, neg] / (pos + neg))
    sharp = pool_chunks(CHUNKS, HALF, AggregationConfig("mean-logits", 0.5))
    assert sharp == pytest.approx([0.54 / 0.58, 0.04 / 0.58])  # squared, renormalised
    # two confident chunks that agree stay confident; the mean of probabilities would too, but
    # one unsure chunk pulls the mean of probabilities further towards 0.5
    unsure = np.array([[0.99, 0.01], [0.5, 0.5]])
    assert pool_chunks(unsure, HALF, MEAN_LOGITS)[0] == pytest.approx(0.9087, abs=1e-4)
    assert pool_chunks(unsure, HALF)[0] == pytest.approx(0.745)


def test_mean_logits_of_a_sigmoid_head_averages_log_odds():
    chunks = np.array([[0.9, 0.2], [0.5, 0.2]])  # (K, L) independent labels
    out = pool_chunks(chunks, HALF, MEAN_LOGITS, multi_label=True)
    assert out == pytest.approx([0.75, 0.2])  # logit(0.75) = (logit(0.9) + 0) / 2


def test_a_certain_chunk_gives_a_finite_result():
    chunks = np.array([[1.0, 0.0], [0.3, 0.7]])
    out = pool_chunks(chunks, HALF, MEAN_LOGITS)
    assert np.isfinite(out).all() and out[0] == pytest.approx(1.0)


def test_aggregate_applies_the_config_per_text_and_the_result_says_how():
    probs = np.array([[0.8, 0.2], [0.9, 0.1], [0.6, 0.4], [0.7, 0.3]])  # (K_total, L)
    plans = [
        Chunks([(0, 10)], np.array([5.0])),  # a short text: one chunk
        Chunks([(0, 10), (10, 20), (20, 30)], np.array([10.0, 10.0, 20.0])),
    ]
    spec = AggregationConfig("mean-logits", 0.5)
    short, long = aggregate(probs, None, plans, spec)
    assert short.probs.tolist() == [0.8, 0.2]
    w = np.array([0.25, 0.25, 0.5])
    assert long.probs == pytest.approx(softmax((w @ np.log(probs[1:]))[None] / 0.5)[0])
    assert long.aggregation == spec
    plan = tm.LabelPlan.from_config(
        tm.TextModelConfig("x@1", ("negative", "positive"), task="sentiment")
    )
    fields = tm.summarise(long.probs, plan)
    r = make_result(long, fields, plan=plan, model="x@1", modality="text", language="en")
    assert r.raw["aggregation"] == {
        "method": "token-weighted mean of logits",
        "chunks": 3,
        "temperature": 0.5,
    }
    assert [c["tokens"] for c in r.raw["chunks"]] == [10, 10, 20]
    # the default keeps today's contract: no temperature key
    (_, before) = aggregate(probs, None, plans)
    r = make_result(before, tm.summarise(before.probs, plan), plan=plan, model="x@1",
                    modality="text", language="en")  # fmt: skip
    assert r.raw["aggregation"] == {"method": "token-weighted mean", "chunks": 3}


def test_another_heads_chunks_aggregate_as_that_head_says():
    probs = np.array([[0.9, 0.1], [0.6, 0.4]])
    (doc,) = aggregate(probs, None, [Chunks([(0, 5), (5, 9)], np.array([4.0, 4.0]))])
    again = doc.with_chunk_probs(probs, MEAN_LOGITS)
    assert again.probs == pytest.approx(pool_chunks(probs, HALF, MEAN_LOGITS))
    assert again.aggregation == MEAN_LOGITS and again.chunk_spans == doc.chunk_spans


def test_fitted_aggregation_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    chunks, labels = [], []
    for _ in range(3000):
        k = int(rng.integers(2, 7))
        z = rng.normal(0.0, 1.0) + rng.normal(0.0, 0.5, size=k)  # (K,) chunk log-odds
        probs = softmax(np.stack([np.zeros(k), z], axis=1))  # (K, 2)
        tokens = rng.integers(20, 126, size=k)
        w = tokens / tokens.sum()
        p_true = 1 / (1 + np.exp(-(w @ z) / 0.4))  # the text is surer than its chunks
        chunks.append((probs, tokens))
        labels.append(int(rng.random() < p_true))
    z = aggregated_logits(chunks, "mean-logits")  # (N, 2)
    assert fit_temperature(z, np.array(labels)) == pytest.approx(0.4, rel=0.1)


def test_aggregation_config_round_trip_and_default():
    d = {"name": "x@1", "labels": ["a", "b"]}
    plain = tm.TextModelConfig.from_dict(d)
    assert plain.aggregation == AggregationConfig("mean-probs", 1.0)
    assert "aggregation" not in plain.to_dict()  # a folder without it is saved as it was
    d["aggregation"] = {"method": "mean-logits", "temperature": 0.4}
    config = tm.TextModelConfig.from_dict(d)
    assert config.aggregation == AggregationConfig("mean-logits", 0.4)
    assert config.to_dict()["aggregation"] == {"method": "mean-logits", "temperature": 0.4}
    assert tm.TextModelConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("aggregation", "message"),
    [
        ({"method": "median"},
         r"aggregation.method must be one of \('mean-probs', 'mean-logits'\), got 'median'"),
        ({"temperature": 0}, "aggregation.temperature must be a number > 0, got 0"),
        ({"temperature": float("nan")}, "aggregation.temperature must be a number > 0, got nan"),
        ({"temperature": "0.5"}, "aggregation.temperature must be a number > 0, got '0.5'"),
        ({"temperature": True}, "aggregation.temperature must be a number > 0, got True"),
        ({"weights": "tokens"}, "unknown encoder/head/aggregation setting"),
    ],
)  # fmt: skip
def test_aggregation_config_errors_say_what_was_expected(aggregation, message):
    with pytest.raises(InvalidInputError, match=message):
        tm.TextModelConfig.from_dict(
            {"name": "x@1", "labels": ["a", "b"], "aggregation": aggregation}
        )


def test_shipped_english_sentiment_model_carries_its_long_text_calibration():
    from affectkit.text.catalog import MODELS

    path = MODELS / "text-sentiment-en" / "config.json"
    if not path.is_file():
        pytest.skip("text-sentiment-en is not in this checkout")
    config = tm.TextModelConfig.from_dict(json.loads(path.read_text()))
    assert config.aggregation != AggregationConfig()  # fitted by bench/long_reviews.py
    assert 0.1 < config.aggregation.temperature < 1.0  # long reviews: surer than their chunks


@pytest.mark.slow
def test_review_model_with_mean_logits_changes_long_texts_only(model_dir, tmp_path, analyzer):
    config = json.loads((model_dir / "config.json").read_text())
    folder = tmp_path / "mean-logits"
    shutil.copytree(model_dir, folder)
    config["aggregation"] = {"method": "mean-logits", "temperature": 0.5}
    (folder / "config.json").write_text(json.dumps(config))
    model = tm.TextModelAnalyzer.from_pretrained(folder).load()
    short = "The waiter was kind and the pasta was delicious."
    long = ("The staff were friendly and the food was delicious. " * 30).strip()
    mine, theirs = model.predict_proba([short, long]), analyzer.predict_proba([short, long])
    assert mine[0].tolist() == theirs[0].tolist()  # one chunk: identical
    assert mine[1, 1] > theirs[1, 1]  # many agreeing chunks: surer than their mean
    (r,) = model.analyze([long])
    assert r.raw["aggregation"]["method"] == "token-weighted mean of logits"
    assert r.raw["aggregation"]["temperature"] == 0.5
    # uncalibrated: the aggregation temperature is left out with the model's own
    raw = model.predict_chunks([long], calibrated=False)[0]
    w = raw.chunk_tokens / raw.chunk_tokens.sum()
    assert raw.probs == pytest.approx(pool_chunks(raw.chunk_probs, w, MEAN_LOGITS))
    with pytest.raises(InvalidInputError, match="Wrap it"):
        model.predict_chunks(long)


def test_shipped_english_models_read_long_texts_on_int8_unless_a_backend_is_chosen(monkeypatch):
    from affectkit.text import catalog

    seen = []
    monkeypatch.setattr(catalog, "load_folder", lambda folder, **options: seen.append(options))
    load = catalog._folder_loader(catalog.MODELS / "text-sentiment-en", "onnx-int8")
    load(threads=2)
    load(backend="torch")
    load(backend="onnx", quantize=True)
    load(long_backend="torch")
    installed = all(catalog.util.find_spec(m) for m in ("onnxruntime", "onnx"))
    first = {"threads": 2, "long_backend": "onnx-int8"} if installed else {"threads": 2}
    assert seen == [first, {"backend": "torch"}, {"backend": "onnx", "quantize": True},
                    {"long_backend": "torch"}]  # fmt: skip
    monkeypatch.setattr(catalog.util, "find_spec", lambda name: None)  # no onnxruntime
    load(threads=2)
    assert seen[-1] == {"threads": 2}
