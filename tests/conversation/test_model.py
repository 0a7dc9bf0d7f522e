"""The logistic regression, its pooling and its file (`affectkit.conversation.model`), and the
metrics (`affectkit.conversation.metrics`), against scikit-learn where it has the same thing."""

import json

import numpy as np
import pytest

from affectkit.conversation.features import CONTEXT_FEATURES, TURN_FEATURES
from affectkit.conversation.metrics import auc, best_threshold, macro_f1
from affectkit.conversation.model import KIND, DissatisfactionModel, fit_logistic, pool
from affectkit.errors import ModelLoadError


def data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    feats = {"turn": rng.normal(size=(n, len(TURN_FEATURES))),
             "context": rng.normal(size=(n, len(CONTEXT_FEATURES)))}  # fmt: skip
    logit = 2 * feats["turn"][:, 0] - feats["context"][:, 3] - 1.5
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return feats, y


def test_fit_logistic_matches_scikit_learn():
    linear = pytest.importorskip("sklearn.linear_model")
    feats, y = data()
    x = feats["turn"]
    w, b = fit_logistic(x, y, l2=1.0)
    ref = linear.LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit(x, y)
    np.testing.assert_allclose(w, ref.coef_[0], atol=1e-4)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-4)


def test_auc_and_macro_f1_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y = rng.random(300) < 0.2
    s = np.round(rng.random(300) + y * 0.3, 1)  # ties included
    assert auc(y, s) == pytest.approx(metrics.roc_auc_score(y, s))
    pred = s > 0.6
    assert macro_f1(y, pred) == pytest.approx(metrics.f1_score(y, pred, average="macro"))
    assert np.isnan(auc(np.ones(3), np.arange(3)))
    assert 0.0 <= best_threshold(y, s) <= 1.3


def test_pooling():
    p = np.array([0.1, 0.6, 0.2])
    assert pool(p, "max") == 0.6 and pool(p, "last") == 0.2
    assert pool(p, "top2") == pytest.approx(0.4)
    assert pool(p, "noisy_or") == pytest.approx(1 - 0.9 * 0.4 * 0.8)
    assert np.isnan(pool(np.zeros(0), "max"))


def test_fit_predict_save_load_round_trip(tmp_path):
    feats, y = data()
    m = DissatisfactionModel().fit(feats, y)
    p = m.predict_proba(feats)
    assert auc(y, p) > 0.75
    dialogues = [p[i : i + 10] for i in range(0, 400, 10)]
    aucs = m.fit_dialogue(dialogues, np.arange(40) % 3 == 0, poolings=("last", "learned"))
    assert set(aucs) == {"last", "learned"} and m.pooling_ in aucs
    m.pooling_ = "learned"
    m.fit_dialogue(dialogues, np.arange(40) % 3 == 0, poolings=("learned",))
    m.save(tmp_path)
    back = DissatisfactionModel.load(tmp_path)
    np.testing.assert_allclose(back.predict_proba(feats), p, atol=1e-5)
    assert back.pooling_ == "learned"
    assert back.dialogue_proba(dialogues[0]) == pytest.approx(m.dialogue_proba(dialogues[0]))
    assert back.dialogue_proba(np.zeros(0)) is None
    top = back.drivers(back.contributions(feats)[int(np.argmax(p))])
    assert top[0]["feature"] == "turn.pol_negative"


def test_a_broken_model_file_is_a_model_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="Cannot read"):
        DissatisfactionModel.load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"affectkit_kind": "other"}))
    with pytest.raises(ModelLoadError, match="is not a conversation-dissatisfaction model"):
        DissatisfactionModel.load(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({"affectkit_kind": KIND, "groups": []}))
    with pytest.raises(ModelLoadError, match="missing or malformed field"):
        DissatisfactionModel.load(tmp_path)
