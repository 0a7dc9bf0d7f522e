"""Losses and the label masks of `partial_labels` (torch, no model)."""

import numpy as np
import pytest

from affectkit.errors import InvalidInputError
from affectkit.training.config import TrainingConfig


def test_partial_labels_score_a_row_over_its_files_labels_only():
    import torch

    from affectkit.training.calibration import softmax
    from affectkit.training.data import Example
    from affectkit.training.losses import (
        file_label_sets,
        label_masks,
        restrict_logits,
        restrict_scores,
        validation_masks,
    )

    labels = ["negative", "neutral", "positive"]
    ex = [Example("a", ("negative",), "binary.csv"), Example("b", ("positive",), "binary.csv"),
          Example("c", ("neutral",), "three.csv"), Example("d", ("positive",), "three.csv"),
          Example("e", ("negative",), "three.csv")]  # fmt: skip
    y = np.array([labels.index(e.labels[0]) for e in ex])
    sets = file_label_sets(ex, labels)
    assert {k: v.tolist() for k, v in sets.items()} == {
        "binary.csv": [True, False, True], "three.csv": [True, True, True]
    }  # fmt: skip
    allowed = label_masks(ex, sets)
    assert allowed.tolist() == [[True, False, True]] * 2 + [[True, True, True]] * 3

    logits = torch.tensor([[0.3, 2.0, -0.4]] * 2 + [[0.3, 2.0, -0.4]] * 3, requires_grad=True)
    target = torch.from_numpy(y)
    losses = torch.nn.functional.cross_entropy(
        restrict_logits(logits, allowed), target, reduction="none"
    )
    losses.sum().backward()
    # a binary file's row: two-way cross-entropy, and its neutral logit is not pushed down
    polar = logits[:2, [0, 2]].detach()
    two_way = torch.nn.functional.cross_entropy(polar, (target[:2] == 2).long(), reduction="none")
    assert torch.allclose(losses[:2], two_way)
    assert logits.grad[:2, 1].abs().max() == 0
    # a file that uses every label: the ordinary three-way loss, neutral logit included
    full = torch.nn.functional.cross_entropy(logits[2:].detach(), target[2:], reduction="none")
    assert torch.allclose(losses[2:], full) and logits.grad[3:, 1].abs().min() > 0

    # validation rows are scored the same way: no neutral for a binary file's row, finite logits
    z = restrict_scores(logits.detach().numpy().astype(float), allowed)
    p = softmax(z)
    assert np.isfinite(z).all() and p[:2, 1].max() < 1e-12 and p[:2].argmax(1).tolist() == [0, 0]
    assert np.allclose(p[2:], softmax(logits[2:].detach().numpy().astype(float)))
    val = [Example("f", ("positive",), "binary.csv"), Example("g", ("neutral",), "three.csv")]
    on = TrainingConfig(data=["binary.csv", "three.csv"], partial_labels=True)
    assert validation_masks(on, ex, val, labels).tolist() == [[True, False, True], [True] * 3]
    given = [Example("h", ("neutral",), "my_validation.csv")]  # a validation_data file
    assert validation_masks(on, ex, given, labels).tolist() == [[True] * 3]
    off = TrainingConfig(data=["binary.csv", "three.csv"])
    assert validation_masks(off, ex, val, labels) is None


def test_partial_labels_can_name_the_files_it_restricts(tmp_path):
    from affectkit.cli.main import build_parser
    from affectkit.cli.train import build_config
    from affectkit.training.data import Example
    from affectkit.training.losses import file_label_sets, validation_masks

    labels = ["negative", "neutral", "positive"]
    rows = [("a", "negative", "tweets"), ("b", "positive", "tweets"), ("c", "negative", "reviews"),
            ("d", "positive", "reviews"), ("e", "neutral", "dialogue")]  # fmt: skip
    ex = [Example(text, (label,), f"d/{name}.csv") for text, label, name in rows]
    named = TrainingConfig(data=["../x/d/tweets.csv", "d/reviews.csv", "d/dialogue.csv"],
                           partial_labels=["../x/d/tweets.csv"])  # fmt: skip
    assert named.partial_sources == {"d/tweets.csv"}
    sets = file_label_sets(ex, labels, named.partial_sources)
    # the named binary file is restricted; the other binary file is scored over every label
    assert {k: v.tolist() for k, v in sets.items()} == {
        "d/tweets.csv": [True, False, True], "d/reviews.csv": [True] * 3,
        "d/dialogue.csv": [True] * 3,
    }  # fmt: skip
    val = [
        Example("f", ("positive",), "d/tweets.csv"),
        Example("g", ("positive",), "d/reviews.csv"),
    ]
    assert validation_masks(named, ex, val, labels).tolist() == [[True, False, True], [True] * 3]
    assert TrainingConfig(data=["a.csv"], partial_labels=True).partial_sources is None
    assert TrainingConfig(data=["a.csv"]).partial_sources == set()
    with pytest.raises(InvalidInputError, match=r"partial_labels names files that are not in"):
        TrainingConfig(data=["a.csv"], partial_labels=["b.csv"])
    with pytest.raises(InvalidInputError, match="'partial_labels' must be"):
        TrainingConfig(data=["a.csv"], partial_labels="a.csv")

    parser = build_parser()
    args = parser.parse_args(["train", "--data", "a.csv", "--data", "b.csv",
                              "--partial-labels-for", "b.csv", "-o", str(tmp_path)])  # fmt: skip
    assert build_config(args).partial_labels == ["b.csv"]
    args = parser.parse_args(["train", "--data", "a.csv", "--partial-labels", "-o", str(tmp_path)])
    assert build_config(args).partial_labels is True


def test_label_smoothing_spreads_over_the_labels_a_row_may_take():
    import torch

    from affectkit.training.losses import restrict_logits, training_cross_entropy

    logits = torch.tensor([[0.3, 2.0, -0.4], [1.5, -0.2, 0.1], [-1.0, 0.5, 2.5]])
    y = torch.tensor([0, 1, 2])
    want = torch.nn.functional.cross_entropy(logits, y, label_smoothing=0.2)
    assert torch.allclose(training_cross_entropy(logits, y, 0.2), want)
    # a row restricted to negative/positive: the two-way smoothed loss, finite
    allowed = np.array([[True, False, True]] * 3)
    masked = training_cross_entropy(restrict_logits(logits, allowed), torch.tensor([0, 2, 2]), 0.2)
    two_way = torch.nn.functional.cross_entropy(
        logits[:, [0, 2]], torch.tensor([0, 1, 1]), label_smoothing=0.2
    )
    assert torch.isfinite(masked) and torch.allclose(masked, two_way)
    # class weights weigh each row by its label's weight; smoothing 0 is plain cross-entropy
    w = torch.tensor([1.0, 3.0, 0.5])
    plain = torch.nn.functional.cross_entropy(logits, y, weight=w)
    assert torch.allclose(training_cross_entropy(logits, y, 0.0, weight=w), plain)
    # focal: each row's loss times (1 - p_y)^gamma, with class weights as above
    p_y = torch.softmax(logits, -1)[torch.arange(3), y]
    rows = -((1 - p_y) ** 2) * p_y.log()
    assert torch.allclose(training_cross_entropy(logits, y, gamma=2.0), rows.mean())
    assert torch.allclose(
        training_cross_entropy(logits, y, gamma=2.0, weight=w), (w[y] * rows).sum() / w[y].sum()
    )
    assert training_cross_entropy(logits, y, gamma=2.0) < plain
    # a row sure of its label (a one-label file under partial labels: p == 1 exactly) keeps
    # finite gradients for every gamma, below 1 too
    for gamma in (0.5, 1.0, 3.0):
        z = logits.clone().requires_grad_()
        sure = restrict_logits(z, np.array([[True, False, False]] * 3))
        training_cross_entropy(sure, torch.tensor([0, 0, 0]), 0.1, gamma).backward()
        assert torch.isfinite(z.grad).all()
    with pytest.raises(InvalidInputError, match="focal_gamma must be >= 0"):
        TrainingConfig(data=["a.csv"], focal_gamma=-1.0)
    with pytest.raises(InvalidInputError, match="focal_gamma applies to single-label"):
        TrainingConfig(data=["a.csv"], backbone="tfidf", focal_gamma=2.0)
    with pytest.raises(InvalidInputError, match=r"label_smoothing must be in \[0, 1\)"):
        TrainingConfig(data=["a.csv"], label_smoothing=1.0)
    with pytest.raises(InvalidInputError, match="label_smoothing applies to single-label"):
        TrainingConfig(data=["a.csv"], task="multi", label_smoothing=0.1)
