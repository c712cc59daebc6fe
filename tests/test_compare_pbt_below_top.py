"""l2l compare of a PBT run with no member at the top budget yet (stopped early) beside a finished one.

Before, its row showed best loss NaN but named a "best candidate" (one at a lower budget), and the table's
columns came in another order when that run was listed first (its row had no 'found at compute' column).
"""

from __future__ import annotations

import l2l
from l2l.plot.compare import table

CONFIG = {
    "run": {"name": "pb"}, "space": {"learning_rate": {"low": 0.001, "high": 0.3, "log": True}},
    "simulator": {"name": "noisy-sgd", "max_budget": 200},
    "objectives": [{"name": "loss", "direction": "minimize"}],
    "policy": {"name": "pbt", "population": 4, "interval": 50}, "backend": {"name": "serial"}}


def test_the_best_candidate_says_none_at_the_top_budget_and_the_columns_keep_their_order(tmp_path):
    mid = l2l.run(l2l.from_mapping({**CONFIG, "run": {"name": "pb", "compute": 300}}), tmp_path / "mid.h5",
                  progress=False)
    full = l2l.run(l2l.from_mapping(CONFIG), tmp_path / "full.h5", progress=False)
    assert not (l2l.load(mid, segments=True)["budget"] >= 200).any()
    first, second = table([mid, full]), table([full, mid])
    assert list(first.columns) == list(second.columns)
    assert list(first.columns)[-2:] == ["loss found at compute (training steps)", "best candidate"]
    stopped = first.iloc[0]
    assert stopped["best candidate"] == "none at the top budget yet" and stopped["best loss"] != stopped["best loss"]
    assert second.iloc[0]["best candidate"].startswith("trial ")
