"""The tests behind the alert rules: pure functions of counts.

- `two_proportion_z`: is a window's share of some events (negatives, angry ones) above the
  baseline's? One-sided two-proportion z-test with the pooled proportion.
- `poisson_upper_tail`: how unlikely is a window's volume given the baseline's mean volume?
"""

from __future__ import annotations

import math


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
