"""Four things of multi-fidelity runs shown or measured not as meant, each with a small run on the serial backend.

* PBT over a continuous fidelity stored and showed the ends of its intervals as computed: an interval of 0.1 gave
  0.30000000000000004, 0.6000000000000001 and 0.7000000000000001 (the rungs of the other policies were rounded
  in 75e77ec). A run stored with them goes on with them when resumed (its scores are keyed by them).
* The closing line of ``l2l run`` gave its rate in the phrase a simulator declares, ``training iterations (Adam
  steps)/s``, under a bar saying ``iterations/s``.
* ``spore`` at a budget too short for its last quarter to hold a whole step (0.1 s with ``dt = 0.05``) scored the
  mean of no reward: NaN with numpy's 'Mean of empty slice' warning, and every segment failed.
* ``Trajectory.evaluations``, ``l2l.load`` and the SPEC did not name the states ``running`` and ``interrupted``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import l2l
import l2l.policies.pbt
from l2l.cli import main

TESTS = Path(__file__).resolve().parent
TENTHS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]


def _pbt(compute: float, explore: str = "pb2"):
    return l2l.from_mapping({
        "run": {"name": "pbt", "seed": 2, "compute": compute},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0, "shape": [2]}},
        "optimizer": {"name": "random"},
        "policy": {"name": "pbt", "population": 4, "interval": 0.1, "max_budget": 0.7, "explore": explore},
        "simulator": {"name": "python", "function": "models_continuous_fidelity:train",
                      "multi_fidelity": {"name": "seconds", "minimum": 0.1, "maximum": 8.1, "integer": False}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}}, base_dir=TESTS)


def _old_rungs(interval: float, minimum: float, maximum: float, integer: bool = True) -> list[float]:
    """The ends of PBT's intervals as l2l computed them before they were rounded (cdb9061)."""
    count = max(1, int(math.ceil(maximum / interval - 1e-9)))
    budgets = sorted({max(minimum, min(maximum, interval * (k + 1))) for k in range(count)})
    if len(budgets) >= 2 and budgets[-1] - budgets[-2] < interval / 2:
        del budgets[-2]
    return [float(b) for b in budgets]


def _rows(path) -> dict[str, np.ndarray]:
    with l2l.Trajectory(path) as trajectory:
        return trajectory.rows(("generation", "individual", "seed", "status", "trial", "budget", "from_budget",
                                "objectives/loss"))


def test_pbt_budgets_of_a_continuous_fidelity_are_the_numbers_meant_and_a_stored_run_keeps_its_own(
        tmp_path, monkeypatch):
    path = l2l.run(_pbt(2.8), tmp_path / "new.h5", progress=False)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.run["fidelity"]["rungs"] == TENTHS  # before: 0.30000000000000004, 0.6000000000000001
        assert trajectory.state()["policy"]["budgets"] == TENTHS
        scores = {key for record in trajectory.state()["trials"].values() for key in record["scores"]}
    assert scores == {repr(b) for b in TENTHS}
    assert set(l2l.load(path, segments=True)["budget"]) == set(TENTHS)
    # a run written before: its budgets and keys as stored, and it goes on as it would have (adopt's stored_rungs)
    monkeypatch.setattr(l2l.policies.pbt, "_rungs", _old_rungs)
    whole = l2l.run(_pbt(2.8), tmp_path / "whole.h5", progress=False)
    cut = l2l.run(_pbt(1.3), tmp_path / "cut.h5", progress=False)
    monkeypatch.undo()
    with l2l.Trajectory(cut) as trajectory:
        assert 0.30000000000000004 in trajectory.state()["policy"]["budgets"]
    l2l.resume(cut, compute=2.8, progress=False)
    before, after = _rows(whole), _rows(cut)
    assert len(after["trial"]) == 28
    for name, column in before.items():
        assert np.array_equal(column, after[name], equal_nan=True), name
    with l2l.Trajectory(whole) as a, l2l.Trajectory(cut) as b:
        assert b.state()["trials"] == a.state()["trials"] and b.state()["policy"] == a.state()["policy"]


@pytest.mark.parametrize("interval, minimum, maximum", [(1, 1, 10), (20, 1, 200), (9, 9, 81), (3, 5, 100),
                                                        (7, 1, 1000), (1e11, 1, 1e15)])
def test_pbt_budgets_of_a_whole_fidelity_are_as_before(interval, minimum, maximum):
    policy = l2l.policies.pbt.PBT(interval=interval, max_budget=maximum)
    assert policy.rungs(minimum, maximum, True) == _old_rungs(float(interval), minimum, maximum)


def test_the_closing_line_gives_its_rate_in_the_bars_unit(tmp_path):
    from l2l.progress import rate_unit
    from l2l.summary.text import finished_text

    path = l2l.run(l2l.from_mapping({
        "run": {"name": "unit", "seed": 1, "compute": 20}, "space": {"lr": {"low": 0.01, "high": 1.0}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha"},
        "simulator": {"name": "python", "function": "models_mf_exit_curves:train",
                      "multi_fidelity": {"name": "iterations", "unit": "training iterations (Adam steps)",
                                         "minimum": 1, "maximum": 9}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=TESTS), tmp_path / "unit.h5", progress=False)
    done = finished_text(path, 2.0).splitlines()[0]
    assert done.endswith(" iterations/s") and "(Adam steps)/s" not in done, done  # before: the phrase in full
    assert "compute 20 of 20 training iterations (Adam steps)" in done  # the amount keeps the declared phrase
    with l2l.Trajectory(path) as trajectory:
        assert rate_unit(trajectory.run["fidelity"]) == "iterations"  # the bar's rule, from the stored fidelity
    assert rate_unit({"name": "seconds", "unit": "biological seconds"}) == " biological seconds"
    assert rate_unit({"name": "epochs", "unit": "epochs"}) == "epochs" and rate_unit({}) == "budget"


def test_spore_scores_a_budget_shorter_than_its_last_quarter_on_its_last_step():
    from l2l.simulators.spore import Spore
    from l2l.simulators.spore_arm import SporeArm

    for simulator in (Spore(min_budget=0.1, duration=2.7, dt=0.05, tau_motor=0.05, n_inputs=2, n_motor=2),
                      SporeArm(min_budget=0.04, duration=2.0, dt=0.02, curve_points=200)):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # before: RuntimeWarning 'Mean of empty slice' and a NaN reward
            result = simulator.run_to({}, 0, 2 * simulator.dt, None)
        rewards = result.checkpoint["rewards"]
        assert len(rewards) == 2 and result.objectives["reward"] == rewards[-1], simulator.name
        assert all(np.isfinite(value) for _, value in result.curve["reward"])
        assert all(np.isfinite(value) for value in result.metrics.values())
    long = Spore(duration=2.7, min_budget=0.4, n_inputs=2, n_motor=2)  # a budget of 40 steps: as before
    result = long.run_to({}, 0, 0.4, None)
    assert result.objectives["reward"] == float(result.checkpoint["rewards"][30:].mean())
    with pytest.raises(ValueError, match="below one time step"):
        long.run_to({}, 0, 0.004, None)


def test_a_spore_min_budget_below_one_step_is_refused_in_one_line(tmp_path, capsys):
    config = tmp_path / "spore.toml"
    config.write_text('[run]\nname = "s"\ncompute = 4\n\n[space]\ntemperature = { low = 0.01, high = 100.0 }\n\n'
                      '[optimizer]\nname = "random"\n\n[policy]\nname = "asha"\n\n[simulator]\nname = "spore"\n'
                      'duration = 2.7\nmin_budget = 0.005\n\n[backend]\nname = "serial"\n')
    capsys.readouterr()
    assert main(["run", str(config), "--no-progress", "--out", str(tmp_path / "s.h5")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "l2l: error: simulator 'spore': min_budget = 0.005 is below dt = 0.01, one time step, the least a candidate "
        "can learn and be scored on: give a min_budget of at least 0.01, or a smaller dt"]
    assert not (tmp_path / "s.h5").exists()


def test_the_states_of_candidates_in_flight_are_documented_where_load_is():
    from l2l.results_schema.frames import segment_view

    spec = (TESTS.parent / "l2l" / "results_schema" / "SPEC.md").read_text()
    for text in (l2l.Trajectory.evaluations.__doc__, l2l.load.__doc__, segment_view.__doc__, spec):
        assert "running" in text and "interrupted" in text
