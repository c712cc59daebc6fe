"""benchmarks/multifidelity.py's spread of "compute to reach the reference": a bootstrap over seeds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from peers.mf_report import bootstrap_compute  # noqa: E402

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def test_seeds_that_agree_give_a_point_interval():
    # every seed reaches quality 0 at half the compute; the reference ends at 0 on every seed
    curve = np.tile([1.0, 0.0, 0.0, 0.0], (6, 1))
    spread = bootstrap_compute(FRACTIONS, curve, np.zeros(6))
    assert spread == {"interval": [0.5, 0.5], "share_within_a_third": 0.0}


def test_a_slow_seed_widens_the_interval_and_the_share_counts_draws_within_a_third():
    # five seeds reach the reference at a quarter; one never gets below 1: whether the mean gets there at a
    # quarter depends on how often the slow seed is drawn
    curve = np.array([[0.0, 0.0, 0.0, 0.0]] * 5 + [[3.0, 3.0, 3.0, 1.0]])
    reference = np.full(6, 0.5)
    spread = bootstrap_compute(FRACTIONS, curve, reference)
    low, high = spread["interval"]
    assert low == 0.25 and high == 1.0
    share = spread["share_within_a_third"]
    # the mean over six draws is at most 0.5 at a quarter iff the slow seed is drawn at most once (3 * k / 6)
    exact = (5 / 6) ** 6 + 6 * (1 / 6) * (5 / 6) ** 5
    assert abs(share - exact) < 0.03
    # the same draws every time: the report does not change between two readings of the same files
    assert bootstrap_compute(FRACTIONS, curve, reference) == spread


def test_a_method_that_never_reaches_the_reference_is_inf():
    curve = np.ones((4, 4))
    spread = bootstrap_compute(FRACTIONS, curve, np.zeros(4))
    assert spread["interval"] == [np.inf, np.inf] and spread["share_within_a_third"] == 0.0
