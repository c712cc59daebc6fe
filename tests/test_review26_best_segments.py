"""l2l.best of a frame of segments (``l2l.load(path, segments=True)``): a trial's earlier segments are its way up,
not repeats of it. Before, where no candidate had reached the top budget yet (a run stopped early, a run.compute
short of the top), the best candidate came back as the mean of its segments at different budgets ('n = 2', budget
1, a value no result of it had), where l2l show and ``l2l.best(path)`` give its latest result."""

from __future__ import annotations

import numpy as np

import l2l
from conftest import TESTS

SHORT = {"run": {"seed": 2, "compute": 12}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
         "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
         "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}


def test_best_of_the_segments_frame_is_the_candidate_show_ranks_first(tmp_path):
    path = l2l.run(l2l.from_mapping(SHORT, base_dir=TESTS), tmp_path / "short.h5", progress=False)
    segments = l2l.load(path, segments=True)
    assert segments["budget"].max() < 81 and segments["trial"].duplicated().any()  # promoted, none at the top
    best = l2l.best(segments)
    assert best == l2l.best(path) and best.n == 1 and np.isnan(best.sd["value"])
    own = segments[segments["trial"] == best.trial]
    assert best.budget == own["budget"].max() and best.value == own.loc[own["budget"].idxmax(), "value"]
    assert l2l.front(segments) == [best]
