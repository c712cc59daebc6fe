"""Two views of one run that disagreed, or said less than they drew (session 19; failed on commit dd84836).

* ``l2l.Trajectory(path).run["fidelity"]["compute"]`` gave the compute budget the run was created with after
  ``l2l resume FILE --compute N``, while ``l2l.load(path).attrs["fidelity"]["compute"]`` and ``l2l show`` gave N.
* The best-so-far line of ``l2l compare`` and ``l2l plot`` for a run with repeats follows the chosen candidate's
  mean of its results, which rises where a repeat of the leader comes in worse; the legends called it "best so
  far" only. The line keeps the mean (it ends where ``l2l show``'s best is; a running minimum would keep a lucky
  seed's value that the repeats showed to be luck) and the legends now say what it draws.
"""

from __future__ import annotations

import json

import h5py
import matplotlib
import numpy as np
from test_consistency_defects import noisy_choice  # a curve with noise by seed

import l2l
from l2l.cli import main

matplotlib.use("Agg")


def _policy_run(tmp_path, compute: int = 120, max_budget: int = 81):
    config = l2l.from_mapping({
        "run": {"name": "mf", "seed": 3, "compute": compute},
        "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "sphere", "multi_fidelity": True, "max_budget": max_budget},
        "backend": {"name": "serial"}})
    return l2l.run(config, tmp_path / "mf.h5", progress=False)


def test_trajectory_run_gives_the_compute_a_resume_raised_as_load_does(tmp_path):
    path = _policy_run(tmp_path)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["compute"] == 120
    assert main(["resume", str(path), "--compute", "200", "--no-progress"]) == 0
    assert l2l.load(path).attrs["fidelity"]["compute"] == 200
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["compute"] == 200
        assert trajectory.stored_run["fidelity"]["compute"] == 120  # as the run was created
        assert {k: v for k, v in trajectory.run["fidelity"].items() if k != "compute"} == \
            {k: v for k, v in trajectory.stored_run["fidelity"].items() if k != "compute"}
    with h5py.File(path, "r") as f:  # the metadata is not rewritten
        assert json.loads(f["run"].attrs["fidelity"])["compute"] == 120
    assert main(["resume", str(path), "--compute", "260", "--no-progress"]) == 0
    with l2l.Trajectory(path) as trajectory:  # the latest resume's
        assert trajectory.run["fidelity"]["compute"] == 260 == l2l.load(path).attrs["fidelity"]["compute"]


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend is not None else []


def test_the_best_so_far_line_of_a_run_with_repeats_is_labelled_as_the_chosen_candidate_s_mean(tmp_path):
    import matplotlib.pyplot as plt

    from l2l.plot import panels
    from l2l.plot.compare import compare, curves
    from l2l.plot.data import load_run

    config = l2l.from_mapping({
        "run": {"name": "repeats", "seed": 5, "compute": 300},
        "space": {"c": {"type": "categorical", "choices": [0, 1]}},
        "policy": {"name": "model-based", "eta": 3},
        "simulator": {"name": "python",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})
    repeated = l2l.run(config, tmp_path / "repeats.h5", simulator=noisy_choice, progress=False)
    plain = _policy_run(tmp_path, compute=200, max_budget=9)  # no candidate evaluated twice: a running best
    run, other = load_run(repeated, errors=False), load_run(plain, errors=False)
    objective = run.objectives[0]
    line = curves(run, objective, by_compute=True)["best_by_evaluations"]
    line = line[np.isfinite(line)]
    assert (np.diff(line) > 0).any(), line  # the case at hand: a repeat of the leader came in worse

    fig = compare([repeated, plain])
    left = fig.axes[0]
    texts = _legend(left)
    ours = [t for t in texts if t.startswith("repeats")]
    assert len(ours) == 1 and "the chosen candidate's mean of its repeats" in ours[0], texts
    assert "rises where a repeat comes in worse" in ours[0], texts
    assert [t for t in texts if t.startswith("mf")] == ["mf (random + asha)"], texts  # a running best: as before
    assert left.get_ylabel().startswith("best so far (repeats: their mean): "), left.get_ylabel()

    for data, mean in ((run, True), (other, False)):  # l2l plot: the fitness panel of a policy run
        fig, ax = plt.subplots()
        try:
            panels.draw_best_by_compute(ax, data, data.objectives[0])
            best = [t for t in _legend(ax) if t.startswith("best so far at the top budget")]
            assert len(best) == 1, _legend(ax)
            assert ("the chosen candidate's mean of its repeats" in best[0]) == mean, best
        finally:
            plt.close(fig)
