"""Five things users of multi-fidelity runs noticed, each with a small run on the serial backend.

* The rungs of a continuous fidelity were stored as computed: 0.1 to 8.1 gave 0.09999999999999999,
  0.8999999999999999 and 2.6999999999999997 in ``l2l.load``, ``l2l show``, the plots and the bar. They are rounded
  now, and a run stored with the old rungs goes on with them when resumed (its scores are keyed by them).
* ``l2l.load`` of a run still being written called its candidates with a segment in flight ``paused`` (or
  ``stopped``) while ``l2l show`` counted them ``running``.
* ``l2l plot --kind curves`` broke a candidate's line at each NaN or inf point of its curve.
* The progress bar of a ``spore`` run gave its rate in ``seconds/s`` (wall seconds per second?): the unit is
  biological seconds.
* The banner of a ``model-based`` run named the optimizer it never asks (``random x python``).
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

import l2l
import l2l.policies
from l2l.cli import main
from file_corruptions import killed_with_in_flight
from l2l.policies import rung_budgets

TESTS = Path(__file__).resolve().parent
RUNGS = [0.1, 0.3, 0.9, 2.7, 8.1]


def _config(policy: str, compute: float, **run):
    return l2l.from_mapping({
        "run": {"name": policy, "seed": 2, "compute": compute, **run},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": policy, "eta": 3},
        "simulator": {"name": "python", "function": "models_continuous_fidelity:train",
                      "multi_fidelity": {"name": "seconds", "minimum": 0.1, "maximum": 8.1, "integer": False}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}}, base_dir=TESTS)


def _old_rungs(minimum: float, maximum: float, eta: float, integer: bool = True) -> list[float]:
    """The rungs as l2l computed them before they were rounded (cdb9061)."""
    levels = int(math.floor(math.log(maximum / minimum) / math.log(eta) + 1e-9))
    budgets = [maximum * eta ** (k - levels) for k in range(levels + 1)]
    if integer:
        out: list[float] = []
        for b in (float(max(1, round(b))) for b in budgets):
            if not out or b > out[-1]:
                out.append(b)
        return out
    return [float(b) for b in budgets]


def _rows(path) -> dict[str, np.ndarray]:
    with l2l.Trajectory(path) as trajectory:
        return trajectory.rows(("generation", "individual", "seed", "status", "trial", "budget", "from_budget",
                                "objectives/loss"))


def test_the_rungs_of_a_continuous_fidelity_are_the_numbers_given_and_a_run_uses_them(tmp_path):
    assert rung_budgets(0.1, 8.1, 3, integer=False) == RUNGS  # before: 0.09999999999999999, 0.3, 0.89999...
    assert rung_budgets(0.3, 8.1, 3, integer=False) == RUNGS[1:]
    assert rung_budgets(0.1, 10, 3, integer=False)[-1] == 10.0 and rung_budgets(0.1, 10, 3, integer=False)[0] > 0.1
    assert rung_budgets(1e-300, 1e300, 1e10, integer=False)[:3] == [1e-300, 1e-290, 1e-280]  # before: 0, 0, 0
    assert rung_budgets(1, 81, 3) == [1.0, 3.0, 9.0, 27.0, 81.0] and rung_budgets(2, 100, 3) == [4.0, 11.0, 33.0,
                                                                                               100.0]
    path = l2l.run(_config("asha", 60), tmp_path / "asha.h5", progress=False)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["rungs"] == RUNGS
        scores = {key for record in trajectory.state()["trials"].values() for key in record["scores"]}
    assert scores <= {repr(b) for b in RUNGS}
    segments = l2l.load(path, segments=True)
    assert set(segments["budget"]) <= set(RUNGS) and set(segments["from_budget"]) <= {0.0, *RUNGS}


def test_a_run_stored_with_the_old_rungs_resumes_as_it_would_have_gone_on(tmp_path, monkeypatch):
    """Its policy state and trial scores hold the old rungs: the resumed run keys new scores by them too (before
    the loop went on with the config's rounded rungs, the model-based policy's curve scores at 0.9 went under
    '0.9' while it read '0.8999999999999999')."""
    monkeypatch.setattr(l2l.policies, "rung_budgets", _old_rungs)  # the old l2l writes both files
    whole = l2l.run(_config("model-based", 150), tmp_path / "whole.h5", progress=False)
    cut = l2l.run(_config("model-based", 60), tmp_path / "cut.h5", progress=False)
    monkeypatch.undo()
    with l2l.Trajectory(cut) as trajectory:
        assert trajectory.run["fidelity"]["rungs"][0] == 8.1 / 3 ** 4 != 0.1  # the old rungs, as stored
    l2l.resume(cut, compute=150, progress=False)
    before, after = _rows(whole), _rows(cut)
    assert len(after["trial"]) > 30
    for name, column in before.items():
        assert np.array_equal(column, after[name], equal_nan=True), name
    with l2l.Trajectory(whole) as a, l2l.Trajectory(cut) as b:
        assert b.state()["trials"] == a.state()["trials"]
        assert b.state()["policy"] == a.state()["policy"]


def test_load_gives_the_candidates_in_flight_the_state_show_counts_them_in(tmp_path):
    from l2l.results_schema.lock import WriterLock
    from l2l.summary import summarize

    ended = l2l.run(_config("asha", 30), tmp_path / "asha.h5", progress=False)
    before = l2l.load(ended)
    paused = before.loc[before["state"] == "paused"]
    trial, budget = int(paused["trial"].iloc[0]), float(paused["budget"].iloc[0])
    path = tmp_path / "cut.h5"
    shutil.copy(ended, path)
    killed_with_in_flight(path, [[trial, 3 * budget, budget], [int(before["trial"].max()) + 1, 0.1, 0.0]])

    def states() -> tuple[dict, dict, str, str]:
        with l2l.Trajectory(path) as trajectory:
            shown = summarize(trajectory).candidates
        frame, segments = l2l.load(path), l2l.load(path, segments=True)
        loaded = frame["state"].astype(str).value_counts().to_dict()
        return shown, loaded, frame.set_index("trial")["state"][trial], segments.drop_duplicates(
            "trial", keep="last").set_index("trial")["state"][trial]

    with WriterLock(path):  # a writer alive (this process): show counts the two running
        shown, loaded, state, last = states()
    assert shown["running"] == 2 and state == last == "running", (shown, loaded)  # before: paused
    for name in ("completed", "stopped", "paused"):  # the new candidate has no row to load
        assert loaded.get(name, 0) == shown[name], (shown, loaded)
    assert loaded["running"] == 1 and len(l2l.load(path)) == len(before)
    shown, loaded, state, last = states()  # no writer: interrupted, to be run again by l2l resume
    assert shown["interrupted"] == 2 and state == last == "interrupted" and loaded["interrupted"] == 1
    assert l2l.load(ended)["state"].tolist() == before["state"].tolist()  # a finished run: as before


def test_the_curves_plot_draws_a_line_through_the_finite_points_of_each_curve(tmp_path, capsys):
    from matplotlib.collections import LineCollection

    from l2l.plot.curves import curves_figure

    config = tmp_path / "nan.toml"
    config.write_text('[run]\nname = "nan"\nseed = 1\ngenerations = 1\npolicy = "median-stopping"\n\n[space]\n'
                      'lr = { type = "float", low = 0.01, high = 1.0 }\n\n[optimizer]\nname = "random"\n'
                      'population_size = 9\n\n[simulator]\nname = "python"\n'
                      'function = "models_mf_exit_curves:nan_points"\n'
                      'multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }\n\n[[objectives]]\n'
                      'name = "loss"\ndirection = "minimize"\n\n[backend]\nname = "serial"\n')
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / "nan.h5")]) == 0
    capsys.readouterr()
    curves = l2l.traces(tmp_path / "nan.h5")
    finite = curves[np.isfinite(curves["step"]) & np.isfinite(curves["value"])].groupby("trial").size()
    assert (~np.isfinite(curves["value"])).any()  # the curves hold NaN and inf points between finite ones
    ax = curves_figure(tmp_path / "nan.h5").axes[0]
    paths = [p for c in ax.collections if isinstance(c, LineCollection) for p in c.get_paths()]
    assert paths and all(np.isfinite(p.vertices).all() for p in paths)  # before: NaN broke the lines
    assert sorted(len(p.vertices) for p in paths) == sorted(finite[finite > 0].tolist())


def test_a_spore_runs_bar_gives_its_rate_in_biological_seconds(tmp_path, capsys):
    from l2l.progress import rate_unit
    from l2l.simulators.base import Fidelity

    config = l2l.from_mapping({
        "run": {"name": "spore", "seed": 0, "compute": 8}, "space": {"temperature": {"low": 0.01, "high": 100.0,
                                                                                    "log": True}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "spore", "duration": 2.7, "min_budget": 0.3, "n_inputs": 2, "n_motor": 2},
        "backend": {"name": "serial"}})
    capsys.readouterr()
    l2l.run(config, tmp_path / "spore.h5", progress=True)
    err = capsys.readouterr().err
    assert " biological seconds/s" in err and "seconds/s" not in err.replace(" biological seconds/s", ""), err
    # a declared unit of time as declared (a NEST model's), other phrases by the fidelity's name as before
    assert rate_unit(Fidelity("ms", "ms of biological time", 5, 45)) == " ms of biological time"
    assert rate_unit(Fidelity("iterations", "training iterations (Adam steps)", 1, 80)) == "iterations"


def test_the_banners_of_a_model_based_run_name_the_policy_that_proposes_its_candidates(tmp_path, capsys):
    config = tmp_path / "mb.toml"
    config.write_text('[run]\nname = "mb"\nseed = 2\ncompute = 20\n\n[space]\n'
                      'x = { type = "float", low = -1.0, high = 1.0, shape = [2] }\n\n[optimizer]\nname = "tpe"\n\n'
                      '[policy]\nname = "model-based"\n\n[simulator]\nname = "python"\n'
                      'function = "models_continuous_fidelity:train"\n'
                      'multi_fidelity = { name = "seconds", minimum = 0.1, maximum = 8.1, integer = false }\n\n'
                      '[[objectives]]\nname = "loss"\ndirection = "minimize"\n\n[backend]\nname = "serial"\n')
    path = tmp_path / "mb.h5"
    assert main(["run", str(config), "--no-progress", "--out", str(path)]) == 0
    banner, note = capsys.readouterr().err.splitlines()[:2]
    assert banner.startswith("l2l ") and ": mb: model-based x python on serial, policy model-based" in banner, banner
    assert note.endswith("optimizer 'tpe' is not used")  # before: 'mb: tpe x python on serial'
    assert main(["resume", str(path), "--compute", "30", "--no-progress"]) == 0
    assert ": resuming mb: model-based x python on serial; " in capsys.readouterr().err.splitlines()[0]
    asha = tmp_path / "asha.toml"  # a policy that asks the optimizer: named as before
    asha.write_text(config.read_text().replace('"model-based"', '"asha"').replace('"mb"', '"asha"'))
    assert main(["run", str(asha), "--no-progress", "--out", str(tmp_path / "asha.h5")]) == 0
    assert ": asha: tpe x python on serial, policy asha" in capsys.readouterr().err.splitlines()[0]


@pytest.mark.parametrize("minimum, maximum, eta", [(1, 81, 3), (2, 100, 3), (1, 27, 2), (3, 1000, 4)])
def test_the_rungs_of_a_whole_fidelity_are_as_before(minimum, maximum, eta):
    assert rung_budgets(minimum, maximum, eta) == _old_rungs(minimum, maximum, eta)
