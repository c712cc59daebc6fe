"""A generation's summary (best, median, worst) as the commit stores it.

The median is computed without ``np.median``, whose first call imports
``numpy.ma`` (11 ms that fell in the pause between a run's first and second
generations): the values must be numpy's, to the bit.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from l2l.objectives import Objective
from l2l.outcomes import median, summary


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 100, 101])
def test_the_median_is_numpys_to_the_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(200):
        column = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8)
        assert median(column) == float(np.median(column))
    column = np.array([3.0, np.nan, 1.0][:max(n, 2)])
    assert np.isnan(median(column))  # as numpy says


def test_the_summary_keeps_each_objectives_direction_and_ignores_failures():
    objectives = (Objective("loss", "minimize"), Objective("accuracy", "maximize"))
    values = np.array([[0.5, 0.9], [0.2, 0.7], [np.nan, np.nan], [0.4, 0.8]])
    ok = np.array([True, True, False, True])
    out = summary(objectives, values, ok)
    assert out["best"] == {"loss": 0.2, "accuracy": 0.9}
    assert out["worst"] == {"loss": 0.5, "accuracy": 0.7}
    assert out["median"] == {"loss": 0.4, "accuracy": 0.8}


def test_summarizing_a_generation_does_not_import_numpy_ma():
    code = ("import sys, numpy as np\n"
            "from l2l.objectives import Objective\n"
            "from l2l.outcomes import summary\n"
            "summary((Objective('value', 'minimize'),), np.arange(6.0).reshape(6, 1), np.ones(6, bool))\n"
            "print('numpy.ma' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
