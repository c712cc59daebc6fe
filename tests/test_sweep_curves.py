"""A sweep without a [policy] whose function declares a fidelity keeps its learning curves.

Every candidate is then one call at the top budget; the function returns its curve, which a policy run stores
as the trace ``curve:<objective>`` of each segment. The sweep dropped it: ``l2l.traces`` was empty, so a user
comparing the sweep before and the policy run after had no learning curves of the sweep.
"""

from __future__ import annotations

import numpy as np

import l2l
from l2l import SimulationResult

TOP = 5


def train(params, seed, budget, checkpoint=None):
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, float((params["lr"] - 0.3) ** 2 + 1.0 / e)] for e in range(done + 1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget)})


def _config(policy: dict | None = None):
    mapping = {"run": {"name": "sweep", "seed": 3, "generations": 1},
               "space": {"lr": {"type": "float", "low": 0.01, "high": 1.0}},
               "optimizer": {"name": "random", "population_size": 4},
               "simulator": {"name": "python",
                             "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": TOP}},
               "objectives": [{"name": "loss", "direction": "minimize"}],
               "backend": {"name": "serial"}}
    if policy:
        mapping["policy"] = policy
    return l2l.from_mapping(mapping)


def test_a_sweep_without_policy_stores_each_candidates_learning_curve(tmp_path):
    path = l2l.run(_config(), tmp_path / "sweep.h5", simulator=train, progress=False)
    frame = l2l.load(path)
    assert len(frame) == 4 and (frame["status"] == "ok").all()
    traces = l2l.traces(path)
    curves = traces[traces["trace"] == "curve:loss"]
    assert set(traces["trace"]) == {"curve:loss"}
    assert len(curves.groupby(["generation", "individual"])) == 4
    for _, row in frame.iterrows():
        mine = curves[(curves["generation"] == row["generation"]) & (curves["individual"] == row["individual"])]
        expected = [(row["lr"] - 0.3) ** 2 + 1.0 / e for e in range(1, TOP + 1)]
        np.testing.assert_array_equal(mine["step"].to_numpy(), np.arange(1, TOP + 1, dtype=float))
        np.testing.assert_allclose(mine["value"].to_numpy(), expected, rtol=1e-12)
        assert mine["value"].iloc[-1] == row["loss"]  # the curve ends at the candidate's result


def test_the_sweep_stores_its_curves_under_the_name_a_policy_run_uses(tmp_path):
    policy = l2l.traces(l2l.run(_config({"name": "successive-halving", "eta": 3}), tmp_path / "p.h5",
                                simulator=train, progress=False))
    sweep = l2l.traces(l2l.run(_config(), tmp_path / "s.h5", simulator=train, progress=False))
    assert set(policy["trace"]) == set(sweep["trace"]) == {"curve:loss"}


def test_plot_curves_of_the_sweep_draws_every_candidates_curve(tmp_path):
    path = l2l.run(_config(), tmp_path / "sweep.h5", simulator=train, progress=False)
    fig = l2l.plot.curves(path)
    ax = fig.axes[0]
    drawn = [segments for collection in ax.collections for segments in collection.get_segments()]
    assert len(drawn) == 4
    frame = l2l.load(path)
    ends = sorted(float(points[-1][1]) for points in drawn)
    np.testing.assert_allclose(ends, sorted(frame["loss"]), rtol=1e-12)
    assert all(len(points) == TOP for points in drawn)
