"""The statistics of the alert rules against direct sums, exact fractions and known values."""

import math
from fractions import Fraction

import pytest

from affectkit.monitor.stats import (
    hypergeometric_upper_tail,
    normal_upper_tail,
    poisson_upper_tail,
    share_rise_p_value,
    two_proportion_z,
    z_of_upper_tail,
)

LEVEL = normal_upper_tail(3.5)  # the rules' default one-sided level, 2.3e-4


def exact_upper_tail(k: int, population: int, successes: int, draws: int) -> Fraction:
    """P(H >= k) of a hypergeometric H as an exact fraction of binomial coefficients."""
    top = min(draws, successes)
    ways = sum(
        math.comb(successes, i) * math.comb(population - successes, draws - i)
        for i in range(max(k, 0), top + 1)
    )
    return Fraction(ways, math.comb(population, draws))


def test_two_proportion_z_matches_the_formula():
    # 30/50 against 100/400: p = 130/450
    p = 130 / 450
    expected = (0.6 - 0.25) / math.sqrt(p * (1 - p) * (1 / 50 + 1 / 400))
    assert two_proportion_z(30, 50, 100, 400) == pytest.approx(expected)
    assert two_proportion_z(0, 10, 0, 100) == 0.0  # no negatives anywhere: no evidence
    assert two_proportion_z(5, 0, 3, 10) == 0.0


def test_normal_tail_and_its_inverse():
    assert normal_upper_tail(3.5) == pytest.approx(2.326e-4, rel=1e-3)
    assert z_of_upper_tail(0.05) == pytest.approx(1.6448536269514722, rel=1e-12)
    for z in (-3.0, 0.0, 1.5, 3.5, 8.0, 20.0):
        assert z_of_upper_tail(normal_upper_tail(z)) == pytest.approx(z, abs=1e-9)
    assert z_of_upper_tail(0.0) == pytest.approx(37.047, abs=1e-3)  # underflow: finite
    assert z_of_upper_tail(1.0) == pytest.approx(-8.2095, abs=1e-3)


def test_poisson_upper_tail_against_direct_sums():
    for k, lam in [(1, 0.5), (10, 4.0), (25, 10.0)]:
        direct = 1 - sum(math.exp(-lam) * lam**i / math.factorial(i) for i in range(k))
        assert poisson_upper_tail(k, lam) == pytest.approx(direct, rel=1e-9)
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert poisson_upper_tail(5000, 100.0) == 0.0  # below the smallest double


@pytest.mark.parametrize(
    ("population", "successes", "draws"),
    [(8, 4, 4), (50, 1, 10), (130, 38, 30), (520, 130, 40), (1300, 238, 100), (700, 700, 9)],
)
def test_hypergeometric_upper_tail_against_exact_fractions(population, successes, draws):
    for k in range(-1, draws + 2):
        exact = exact_upper_tail(k, population, successes, draws)
        got = hypergeometric_upper_tail(k, population, successes, draws)
        assert got == pytest.approx(float(exact), rel=1e-9, abs=1e-300), k


def test_hypergeometric_upper_tail_far_out_and_its_errors():
    # an hour of 1,200 events, 356 negative, against a day of 28,800 with 4,982
    got = hypergeometric_upper_tail(356, 30_000, 5_338, 1_200)
    assert got == pytest.approx(float(exact_upper_tail(356, 30_000, 5_338, 1_200)), rel=1e-8)
    assert 0.0 < got < 1e-20
    with pytest.raises(ValueError, match="need 0 <= successes, draws <= population"):
        hypergeometric_upper_tail(1, 10, 11, 5)


def test_share_rise_p_value_is_fishers_one_sided_test():
    # Fisher's lady tasting tea: 3 of 4 cups right, against 1 of 4: p = 17/70
    assert share_rise_p_value(3, 4, 1, 4) == pytest.approx(17 / 70, rel=1e-12)
    assert share_rise_p_value(30, 100, 208, 1200) == pytest.approx(
        float(exact_upper_tail(30, 1300, 238, 100)), rel=1e-9
    )
    assert share_rise_p_value(0, 40, 100, 480) == 1.0  # a count of 0 is never evidence
    assert share_rise_p_value(5, 0, 3, 10) == 1.0 and share_rise_p_value(5, 9, 0, 0) == 1.0


def test_share_rise_p_value_against_scipy():
    stats = pytest.importorskip("scipy.stats")  # a dev-only cross-check; not a dependency
    for x_w, n_w, x_b, n_b in [(28, 40, 120, 480), (7, 30, 24, 480), (356, 1200, 4982, 28800)]:
        table = [[x_w, n_w - x_w], [x_b, n_b - x_b]]
        expected = stats.fisher_exact(table, alternative="greater").pvalue
        assert share_rise_p_value(x_w, n_w, x_b, n_b) == pytest.approx(expected, rel=1e-8)


def false_alarm_probability(n_w: int, n_b: int, share: float, fires) -> float:
    """P(a window fires) when window and baseline are draws of one `share`: exact sums over
    both counts (`fires(x_w, x_b)` must be monotone in x_w)."""

    def pmf(n: int) -> list[float]:
        lp, lq = math.log(share), math.log1p(-share)
        log_c = [
            math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) for k in range(n + 1)
        ]
        return [math.exp(c + k * lp + (n - k) * lq) for k, c in enumerate(log_c)]

    p_w, p_b = pmf(n_w), pmf(n_b)
    tail = [sum(p_w[k:]) for k in range(n_w + 2)]
    total = 0.0
    for x_b, q in enumerate(p_b):
        if q > 1e-16:
            first = n_w * x_b // n_b  # nothing fires at or below the baseline's share
            c = next((x for x in range(first, n_w + 1) if fires(x, x_b)), n_w + 1)
            total += q * tail[c]
    return total


@pytest.mark.parametrize("share", [0.1, 0.17, 0.3])
def test_the_exact_test_keeps_its_level_where_the_z_test_does_not(share):
    """35 events a window against 420 in the baseline (an hour of 5-minute windows at the
    lowest volume the rules judge), nothing changed: how often does a window fire?"""
    n_w, n_b = 35, 420

    def exact(x, x_b):
        return share_rise_p_value(x, n_w, x_b, n_b) <= LEVEL

    def normal(x, x_b):
        return two_proportion_z(x, n_w, x_b, n_b) >= 3.5

    assert false_alarm_probability(n_w, n_b, share, exact) <= LEVEL
    assert false_alarm_probability(n_w, n_b, share, normal) > 1.5 * LEVEL
