"""Thresholds from the reference's scores over n seeds, with an estimated false-fail probability.

threshold = mean - max(K_SIGMA * std, min_margin) (predictive std, inflated for n), rounded down to
0.01. A correct submission fails only if its first run and its retry (an independent seed) both fall
below it:
false_fail_with_retry = p_single ** 2, estimated under a normal model of seed-to-seed variation.
Training checks only need to separate models that learn from models that cannot; subtle faults are
caught by behavioural checks, so the margin is generous: where the reference's spread is small
(short one-cycle runs are very repeatable), min_margin keeps the threshold from hugging the mean, so
working code that learns a little differently (3x3 kernels, a missing ReLU) is not failed for it.
"""

from __future__ import annotations

import math
from statistics import NormalDist, fmean, stdev

K_SIGMA = 4.0
MIN_SEEDS = 20
TARGET_FALSE_FAIL = 1e-3
MIN_MARGIN_POINTS = 2.0
"""An accuracy threshold sits at least this many points below the reference's mean."""
MIN_MARGIN_GAP_FRACTION = 0.5
"""A comparison's threshold (the assignment's `comparisons`) sits at most at this fraction of the
reference's mean gap: the check asks whether a model shows the effect clearly, not whether it shows
it as strongly as ours."""


def summarize(
    values: list[float], *, retry: bool = True, k_sigma: float = K_SIGMA, min_margin: float = 0.0
) -> dict:
    """k_sigma: how many predictive standard deviations below the mean the threshold sits. 4 (the
    default) gives a false fail with retry of about 1e-9; 3 gives about 2e-6, still far below the
    1e-3 target, and sits higher above models that learn badly (recorded per check in the table)."""
    if len(values) < 2:
        raise ValueError("need at least two seeds")
    n, mean, std = len(values), fmean(values), stdev(values)
    predictive = max(std, 1e-6) * math.sqrt(1 + 1 / n)
    sigma_margin = k_sigma * predictive
    threshold = math.floor((mean - max(sigma_margin, min_margin)) * 100) / 100
    p_single = NormalDist(mean, predictive).cdf(threshold)
    return {
        "n": n,
        "mean": round(mean, 4),
        "std": round(std, 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "threshold": threshold,
        "k_sigma": k_sigma,
        "min_margin": round(min_margin, 4),
        "margin_from": "sigma" if sigma_margin >= min_margin else "min_margin",
        "false_fail_single": p_single,
        "false_fail_with_retry": p_single**2 if retry else p_single,
        "meets_target": (p_single**2 if retry else p_single) <= TARGET_FALSE_FAIL,
        "values": [round(v, 4) for v in values],
    }
