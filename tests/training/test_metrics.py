"""Our numpy metrics agree with scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support, recall_score

from affectkit.training.metrics import format_report, multilabel_report, report


def test_single_label_matches_sklearn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 300)
    p = np.where(rng.random(300) < 0.6, y, rng.integers(0, 4, 300))
    rep = report(y, p, ["a", "b", "c", "d"])
    assert rep["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert rep["macro_f1"] == pytest.approx(f1_score(y, p, average="macro"))
    assert rep["macro_recall"] == pytest.approx(recall_score(y, p, average="macro"))
    _, _, f, s = precision_recall_fscore_support(y, p)
    assert rep["per_class"]["c"]["f1"] == pytest.approx(f[2])
    assert rep["per_class"]["c"]["support"] == s[2]
    assert "macro F1" in format_report(rep)


def test_multilabel_matches_sklearn():
    rng = np.random.default_rng(1)
    y = rng.random((200, 5)) < 0.3
    p = np.where(rng.random((200, 5)) < 0.7, y, ~y)
    rep = multilabel_report(y, p, list("abcde"))
    assert rep["macro_f1"] == pytest.approx(f1_score(y, p, average="macro", zero_division=0))
    assert rep["micro_f1"] == pytest.approx(f1_score(y, p, average="micro"))
    assert rep["accuracy"] == pytest.approx(accuracy_score(y, p))
