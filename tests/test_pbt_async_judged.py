"""Asynchronous PBT judges the members that finish an interval first, too.

Before, a member was judged only against the members that had reached its budget, and only once half of the
population had: on one worker (members trained in turn) the first members to finish each interval were never
judged, so the worst learner of a run could train to the end untouched, and in half of these runs no member
ever copied another.
"""

from __future__ import annotations

import l2l


def learner(params, seed, budget, checkpoint=None):
    """A learner whose loss at every step is its parameter ``x`` plus a falling curve: the order never changes."""
    step = 0 if checkpoint is None else int(checkpoint["step"])
    curve = [[s, params["x"] + 1.0 / s] for s in range(step + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"step": int(budget)})


def run(seed, path):
    config = l2l.from_mapping({
        "run": {"name": "async", "seed": seed}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 100}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 8, "interval": 10, "synchronous": False},
        "backend": {"name": "serial"}})
    return l2l.run(config, path, simulator=learner, progress=False)


def test_on_one_worker_the_worst_members_are_replaced_wherever_they_stand_in_the_order(tmp_path):
    for seed in range(10):
        segments = l2l.load(run(seed, tmp_path / f"a{seed}.h5"), segments=True)
        assert (segments["parent"] >= 0).sum() >= 1, seed  # some member copied another
        first = segments[(segments["trial"] < 8) & (segments["budget"] == 10)].sort_values("loss")
        worst = set(first["trial"].tolist()[-2:])  # the bottom quarter at the first interval (and at every one)
        untouched = worst & set(segments.loc[segments["budget"] == 100, "trial"])
        # Trained in turn, trial 0 finishes every interval first: no member is ever at or beyond its budget to
        # be its donor (an exploiter never goes back), so it alone may stay. Every other one is replaced.
        assert untouched <= {0}, (seed, sorted(untouched))
        assert (segments.loc[segments["budget"] == 100, "trial"].nunique()) == 8  # the population kept its size
