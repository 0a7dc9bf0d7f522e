"""Temperature scaling and ECE."""

import numpy as np
import pytest

from affectkit.training.calibration import (
    CALIBRATIONS,
    TIE_ECE,
    choose_calibration,
    ece,
    fit_calibration,
    fit_temperature,
    fit_temperature_bias,
    reliability_plot,
    softmax,
    source_weights,
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


def test_source_weights_make_every_source_count_the_same():
    sources = np.array(["a"] * 6 + ["b"] * 2 + ["c"])
    w = source_weights(sources)
    assert w.mean() == pytest.approx(1.0)
    totals = [w[sources == s].sum() for s in "abc"]
    assert totals == pytest.approx([3.0, 3.0, 3.0])


def test_weighted_fits_equal_fits_on_repeated_examples():
    pytest.importorskip("scipy")
    rng = np.random.default_rng(4)
    z = rng.normal(0, 3, size=(300, 3))
    y = rng.integers(0, 3, size=300)
    counts = rng.integers(1, 4, size=300)
    rz, ry = np.repeat(z, counts, axis=0), np.repeat(y, counts)
    assert fit_temperature(z, y, weights=counts) == pytest.approx(fit_temperature(rz, ry), rel=1e-4)
    (t1, b1), (t2, b2) = fit_temperature_bias(z, y, counts), fit_temperature_bias(rz, ry)
    assert t1 == pytest.approx(t2, rel=1e-3) and b1 == pytest.approx(b2, abs=1e-3)


def _three_sources(seed=5):
    """A big source the model is 1x too sure on and two small ones it is 3x too sure on."""
    rng = np.random.default_rng(seed)
    zs, ys, ss = [], [], []
    for name, n, scale in (("big", 4000, 1.0), ("small1", 500, 3.0), ("small2", 500, 3.0)):
        true = rng.normal(0, 1.5, size=(n, 3))
        ys.append(np.array([rng.choice(3, p=p) for p in softmax(true)]))
        zs.append(true * scale)
        ss += [name] * n
    return np.concatenate(zs), np.concatenate(ys), np.array(ss)


def test_balanced_temperature_serves_the_small_sources_better():
    pytest.importorskip("scipy")
    z, y, s = _three_sources()
    t_plain, _ = fit_calibration(z, y, "temperature")
    t_bal, _ = fit_calibration(z, y, "balanced-temperature", s)
    assert t_plain < t_bal  # the small, overconfident sources pull harder when weighed equally
    with pytest.raises(ValueError, match="needs the source"):
        fit_calibration(z, y, "balanced-temperature")


def test_choose_calibration_compares_every_method_on_held_out_sources():
    pytest.importorskip("scipy")
    z, y, s = _three_sources()
    choice = choose_calibration(z, y, s)
    table = choice["held_out_source_ece"]
    assert set(table) == set(CALIBRATIONS)
    assert all(set(row) == {"big", "small1", "small2", "mean"} for row in table.values())
    lowest = min(row["mean"] for row in table.values())
    order = list(CALIBRATIONS)  # simplest first: the first one within TIE_ECE of the lowest
    chosen = order.index(choice["method"])
    assert table[choice["method"]]["mean"] <= lowest + TIE_ECE
    assert all(table[m]["mean"] > lowest + TIE_ECE for m in order[:chosen])
    # with one small source left out, the other still counts as much as the big one only when
    # sources are balanced, so the left-out one gets a T closer to its own
    assert choice["method"].startswith("balanced")
    t, _ = fit_calibration(z, y, choice["method"], s)
    assert choice["temperature"] == pytest.approx(t)
    with pytest.raises(ValueError, match="at least two sources"):
        choose_calibration(z, y, np.array(["one"] * len(y)))


def test_ece_edges():
    assert ece(np.array([1.0, 1.0]), np.array([True, True])) == 0.0
    assert ece(np.array([0.9, 0.9]), np.array([False, False])) == pytest.approx(0.9)


def test_reliability_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.5, 1, 200)
    path = reliability_plot(conf, rng.random(200) < conf, tmp_path / "r.png", title="t")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_ece_std_error_shrinks_with_the_square_root_of_the_sample():
    from affectkit.training.calibration import ece_std_error

    rng = np.random.default_rng(3)

    def sample(n):  # confidence 0.8, right 70% of the time: ECE about 0.10
        return np.full(n, 0.8), rng.random(n) < 0.7

    small, big = sample(400), sample(6_400)
    se_small, se_big = ece_std_error(*small, n_boot=300), ece_std_error(*big, n_boot=300)
    # one bin: the ECE is |mean(right) - 0.8|, whose standard error is sqrt(0.21 / n)
    assert abs(se_small - (0.21 / 400) ** 0.5) < 0.006
    assert 3 < se_small / se_big < 5.5  # sqrt(16) = 4
    assert ece_std_error(*small, n_boot=300) == se_small  # the seed fixes the resamples
