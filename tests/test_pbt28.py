"""PBT as a user trains their own model: the best learner's weights out of the file (l2l.checkpoint), its whole
learning curve across exploits (l2l.lineage(..., curves=True))."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import l2l
from l2l.errors import TrajectoryError
from l2l.numbers import number

TARGET = np.array([1.0, -2.0, 0.5])


def train(params, seed, budget, checkpoint=None):
    """Gradient descent on a quadratic whose minimum is TARGET; the checkpoint holds the weights (float32, a list
    of arrays in a nested dict, a 0-d array) and the step."""
    if checkpoint is None:
        w, step = np.random.default_rng(seed).normal(size=3), 0
    else:
        w, step = np.asarray(checkpoint["net"]["layers"][0], dtype=float), int(checkpoint["step"])
    curve = []
    for step in range(step + 1, int(budget) + 1):
        w = w - params["lr"] * 2 * (w - TARGET)
        curve.append([step, float(np.sum((w - TARGET) ** 2))])
    return l2l.SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                                checkpoint={"net": {"layers": [w.astype(np.float32), w.copy()]},
                                            "step": np.array(int(budget))})


def config(seed=0, **simulator):
    return {"run": {"name": "own", "seed": seed},
            "space": {"lr": {"type": "float", "low": 0.001, "high": 0.4, "log": True}},
            "policy": {"name": "pbt", "population": 4, "interval": 2},
            "simulator": simulator or {"name": "python", "function": "x:y",
                                       "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 10}},
            "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_best_learners_checkpoint_is_its_trained_model(tmp_path, seed):
    path = l2l.run(config(seed), tmp_path / "r.h5", simulator=train, progress=False)
    best = l2l.best(path)
    weights = l2l.checkpoint(path)  # the best learner's (before: no way short of file row numbers)
    assert int(weights["step"]) == 10
    layers = weights["net"]["layers"]
    assert layers[0].dtype == np.float32 and layers[1].dtype == np.float64
    assert np.sum((layers[1] - TARGET) ** 2) == pytest.approx(best.value, rel=1e-12)  # the model that scored it
    other = l2l.load(path, segments=True)
    stopped = int(other.loc[other["state"] == "stopped", "trial"].iloc[0])
    budget = other.loc[other["trial"] == stopped, "budget"].max()
    assert int(l2l.checkpoint(path, stopped)["step"]) == budget  # any trial: its latest checkpoint


def test_the_learning_curve_of_a_learner_runs_through_its_ancestors(tmp_path):
    path = l2l.run(config(3), tmp_path / "r.h5", simulator=train, progress=False)
    schedule = l2l.lineage(path)
    curves = l2l.lineage(path, curves=True)
    traces = l2l.traces(path)
    for member, rows in curves.groupby("member"):
        assert rows["step"].tolist() == [float(s) for s in range(1, 11)]  # every step, across exploits
        assert set(rows["trial"]) == set(schedule.loc[schedule["member"] == member, "trial"])
        for _, point in rows.iterrows():  # the point of the trial that trained it, with that piece's lr
            same = traces[(traces["trial"] == point["trial"]) & (traces["step"] == point["step"])]
            assert same["value"].tolist() == [point["value"]]
            assert point["from_budget"] < point["step"] <= point["budget"]
    assert (schedule["trial"] != schedule["member"]).any()  # some learner had ancestors


PROGRAM = """
import json, os, sys
budget, folder, lr = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
state = os.path.join(folder, "w.txt")
w = float(open(state).read()) if os.path.exists(state) else 5.0
w *= (1 - lr) ** budget
open(state, "w").write(repr(w))
print(json.dumps({"loss": w * w}))
"""


def test_a_command_checkpoint_is_written_back_as_its_files(tmp_path):
    (tmp_path / "prog.py").write_text(PROGRAM)
    run = config(0, name="command", argv=[sys.executable, str(tmp_path / "prog.py"), "{budget}", "{checkpoint_dir}",
                                          "{lr}"], multi_fidelity={"name": "steps", "minimum": 1, "maximum": 4})
    run["policy"] = {"name": "pbt", "population": 2, "interval": 2}
    path = l2l.run(run, tmp_path / "c.h5", progress=False)
    stored = l2l.checkpoint(path, folder=tmp_path / "best")
    assert set(stored["files"]) == {"w.txt"}
    w = float((tmp_path / "best" / "w.txt").read_text())
    assert w * w == pytest.approx(l2l.best(path).value, rel=1e-12)


def test_checkpoint_refusals_are_one_line(tmp_path):
    path = l2l.run(config(0), tmp_path / "r.h5", simulator=train, progress=False)
    for call, words in [(lambda: l2l.checkpoint(path, 999), "no trial 999: its trials are numbered 0 to"),
                        (lambda: l2l.checkpoint(path, "3"), "trial must be a candidate's number"),
                        (lambda: l2l.checkpoint(path, folder=tmp_path / "f"), "holds no files to write")]:
        with pytest.raises(TrajectoryError, match=words) as caught:
            call()
        assert "\n" not in str(caught.value)
    sweep = {"run": {"name": "s", "seed": 0, "generations": 1}, "simulator": {"name": "sphere"},
             "space": {"x": {"type": "float", "low": 0, "high": 1}}, "backend": {"name": "serial"},
             "optimizer": {"name": "random", "population_size": 2}}
    sweep_path = l2l.run(sweep, tmp_path / "s.h5", progress=False)
    with pytest.raises(TrajectoryError, match="no checkpoints: the run did not train candidates in segments"):
        l2l.checkpoint(sweep_path)


def test_the_own_training_example_runs_and_its_model_comes_out(tmp_path, monkeypatch):
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parent.parent / "examples"))
    import pbt_own_training as example

    config = {**example.CONFIG, "policy": {**example.CONFIG["policy"], "population": 4},
              "simulator": {**example.CONFIG["simulator"], "multi_fidelity": {"name": "epochs", "minimum": 1,
                                                                              "maximum": 9}}}
    path = l2l.run(config, tmp_path / "own.h5", progress=False)
    best = l2l.best(path)
    weights = l2l.checkpoint(path)["weights"]
    assert example.loss(weights) == pytest.approx(best.value, rel=1e-9)  # the model that scored it
    curve = l2l.lineage(path, [best.trial], curves=True)
    assert curve["step"].tolist() == [float(s) for s in range(1, 10)]
    assert curve["value"].iloc[-1] == pytest.approx(best.value, rel=1e-12)


def failing(params, seed, budget, checkpoint=None):
    """:func:`train`, diverging at step 6 with a learning rate above 0.05."""
    if int(budget) == 6 and params["lr"] > 0.05:
        raise RuntimeError("diverged")
    return train(params, seed, budget, checkpoint)


@pytest.mark.parametrize("seed", [0, 2, 8])
def test_the_lineage_plot_keeps_one_row_per_member_and_names_the_final_trials(tmp_path, seed):
    from l2l.plot.lineage import lineage_figure

    run = config(seed)
    run["policy"] = {**run["policy"], "synchronous": False, "population": 6}
    path = l2l.run(run, tmp_path / "a.h5", simulator=failing, progress=False)
    ax = lineage_figure(path).axes[0]
    # a member that failed at 6 copies a donor already past it: it took a row of its own (7 or 8 rows before)
    assert len(ax.get_yticks()) == 6
    labels = [text.get_text().strip() for text in ax.texts if text.get_text().strip()]  # not the arrows
    finals = l2l.lineage(path)["member"].unique()
    best = l2l.best(path)
    assert sorted(label.split()[0] for label in labels) == sorted(str(m) for m in finals)
    assert f"{best.trial} (best, loss {number(best.value)})" in labels
