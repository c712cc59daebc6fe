"""The closing line of l2l run / resume gives a slow inner loop's rate with two significant digits: a Brian2 network
that simulated 6.3 biological seconds in 25 s read '0 biological seconds/s', 32 evaluations in 24 s '1 evaluations/s'.
"""

from __future__ import annotations

import re

import l2l
from conftest import make_config
from l2l.summary import finished_text


def test_a_rate_below_ten_keeps_two_significant_digits_and_one_above_stays_whole(tmp_path):
    path = l2l.run(make_config(run={"name": "slow", "generations": 2},
                               optimizer={"name": "random", "population_size": 5}), tmp_path / "slow.h5",
                   progress=False)
    rate = re.compile(r", ([0-9.]+) evaluations/s$")
    assert rate.search(finished_text(path, 40.0).splitlines()[0]).group(1) == "0.25"
    assert rate.search(finished_text(path, 7.0).splitlines()[0]).group(1) == "1.4"
    assert rate.search(finished_text(path, 0.5).splitlines()[0]).group(1) == "20"
