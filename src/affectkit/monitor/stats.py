"""The tests behind the alert rules: pure functions of counts.

- `share_rise_p_value`: is a window's share of some events (negatives, angry ones) above the
  baseline's? Fisher's exact test, one-sided: the hypergeometric upper tail of the window's
  count given both counts' total (`hypergeometric_upper_tail`).
- `two_proportion_z`: the normal approximation of the same question, kept for comparison.
  Near small counts it is too permissive: its upper tail is fatter than the normal's when a
  share is small (see `docs/monitor.md`).
- `poisson_upper_tail`: how unlikely is a window's volume given the baseline's mean volume?
- `normal_upper_tail` and `z_of_upper_tail`: between a one-sided p-value and its z (z 3.5 is
  p 2.3e-4), so a rule's level can be written either way.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_REL = 1e-17  # a tail's sum stops when a term adds less than this, relative to the sum
_SMALLEST_P = 1e-300  # z_of_upper_tail's floor: z of a p-value that underflowed to 0


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def hypergeometric_upper_tail(k: int, population: int, successes: int, draws: int) -> float:
    """P(H >= k) for H ~ Hypergeometric: `draws` items drawn without replacement from
    `population` items of which `successes` are marked; H counts the marked ones drawn.

    Summed from k away from the mode (the lower tail's complement when k is at or below the
    mean), each term from the last by the pmf's ratio; relative error about 1e-10 (the log of
    the first term comes from `math.lgamma`)."""
    n_all, marked, n = population, successes, draws
    if not 0 <= marked <= n_all or not 0 <= n <= n_all:
        raise ValueError(
            f"need 0 <= successes, draws <= population. Got {successes}, {draws}, {population}."
        )
    lo, hi = max(0, n - (n_all - marked)), min(n, marked)
    if k <= lo:
        return 1.0
    if k > hi:
        return 0.0
    unmarked = n_all - marked

    def log_pmf(i: int) -> float:
        return _log_choose(marked, i) + _log_choose(unmarked, n - i) - _log_choose(n_all, n)

    upper = k * n_all > n * marked  # k above the mean n * marked / population
    i = k if upper else k - 1
    term = math.exp(log_pmf(i))
    total = 0.0
    while True:
        total += term
        if upper:  # P(i + 1) / P(i)
            if i == hi:
                break
            term *= (marked - i) * (n - i) / ((i + 1) * (unmarked - n + i + 1))
            i += 1
        else:  # P(i - 1) / P(i)
            if i == lo:
                break
            term *= i * (unmarked - n + i) / ((marked - i + 1) * (n - i + 1))
            i -= 1
        if term <= total * _REL:
            break
    return min(1.0, total) if upper else min(1.0, max(0.0, 1.0 - total))


def share_rise_p_value(x_w: int, n_w: int, x_b: int, n_b: int) -> float:
    """One-sided p-value of "the window's share x_w/n_w is above the baseline's x_b/n_b":
    Fisher's exact test. Under "no change" both are draws of one share; given their total
    x_w + x_b, the window's count is hypergeometric (n_w drawn from n_w + n_b events of which
    x_w + x_b are marked), and p = P(H >= x_w).

    Exact for any counts, with the baseline's own uncertainty in it: a rule that fires when
    p <= alpha fires with probability at most alpha when nothing changed (less, the counts
    being discrete). 1.0 when either window has no events."""
    if n_w <= 0 or n_b <= 0:
        return 1.0
    return hypergeometric_upper_tail(x_w, n_w + n_b, x_w + x_b, n_w)


def two_proportion_z(x_w: int, n_w: int, x_b: int, n_b: int) -> float:
    """z of a window's share ``p_w = x_w / n_w`` against a baseline's ``p_b = x_b / n_b``::

        p = (x_w + x_b) / (n_w + n_b)                 # pooled share under "no change"
        z = (p_w - p_b) / sqrt(p (1 - p) (1/n_w + 1/n_b))

    One-sided: large positive z means the window's share is higher. 0 when either count is 0
    or the pooled share is 0 or 1 (every event alike: no evidence of a change)."""
    if n_w <= 0 or n_b <= 0:
        return 0.0
    p = (x_w + x_b) / (n_w + n_b)
    var = p * (1.0 - p) * (1.0 / n_w + 1.0 / n_b)
    if var <= 0.0:
        return 0.0
    return (x_w / n_w - x_b / n_b) / math.sqrt(var)


def normal_upper_tail(z: float) -> float:
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def z_of_upper_tail(p: float) -> float:
    """The z with P(Z >= z) = p for a standard normal Z (`normal_upper_tail`'s inverse): a
    p-value as the z a normal test would have given. p is clipped to [1e-300, 1 - 1e-16], so
    the result is finite (at most 37.0)."""
    p = min(max(p, _SMALLEST_P), 1.0 - 1e-16)
    return -NormalDist().inv_cdf(p)


def poisson_upper_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), summed in log space from k upward (exact to double
    precision; no overflow for large counts)."""
    if k <= 0:
        return 1.0
    if mean <= 0.0:
        return 0.0
    log_term = -mean + k * math.log(mean) - math.lgamma(k + 1)  # log P(X = k)
    total, i = 0.0, k
    while True:
        term = math.exp(log_term)
        total += term
        i += 1
        log_term += math.log(mean) - math.log(i)
        if i > mean and (term <= total * 1e-17 or term == 0.0):
            break
    return min(1.0, total)
