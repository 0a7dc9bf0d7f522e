"""Temperature scaling and ECE."""

import numpy as np
import pytest

from affectkit.training.calibration import (
    ece,
    fit_temperature,
    fit_temperature_bias,
    reliability_plot,
    softmax,
)


def test_fit_temperature_recovers_the_true_temperature():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, size=(5000, 3))
    y = np.array([rng.choice(3, p=p) for p in softmax(true_logits)])
    overconfident = true_logits * 3.0  # a model 3x too sure of itself
    t = fit_temperature(overconfident, y)
    assert t == pytest.approx(3.0, rel=0.1)
    before = ece(softmax(overconfident).max(1), softmax(overconfident).argmax(1) == y)
    after = ece(softmax(overconfident, t).max(1), softmax(overconfident).argmax(1) == y)
    assert after < 0.03 < before


def test_fit_temperature_bias_recovers_a_shifted_prior():
    # a model trained with class weights: 2x too sure and its middle class 1.5 logits too likely
    pytest.importorskip("scipy")
    rng = np.random.default_rng(2)
    true_logits = rng.normal(0, 2, size=(6000, 3))
    y = np.array([rng.choice(3, p=p) for p in softmax(true_logits)])
    shifted = (true_logits + np.array([0.0, 1.5, 0.0])) * 2.0
    t, b = fit_temperature_bias(shifted, y)
    assert t == pytest.approx(2.0, rel=0.1)
    assert b[0] == 0.0 and b[1] == pytest.approx(-1.5, abs=0.2) and abs(b[2]) < 0.2
    fixed = softmax(shifted / t + b)
    plain = softmax(shifted, fit_temperature(shifted, y))
    assert ece(fixed.max(1), fixed.argmax(1) == y) < 0.03
    # the temperature alone keeps calling the middle class too often
    assert np.mean(plain.argmax(1) == 1) > np.mean(fixed.argmax(1) == 1) + 0.05


def test_ece_edges():
    assert ece(np.array([1.0, 1.0]), np.array([True, True])) == 0.0
    assert ece(np.array([0.9, 0.9]), np.array([False, False])) == pytest.approx(0.9)


def test_reliability_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.5, 1, 200)
    path = reliability_plot(conf, rng.random(200) < conf, tmp_path / "r.png", title="t")
    assert path.read_bytes()[:4] == b"\x89PNG"
