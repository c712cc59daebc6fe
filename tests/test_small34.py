"""Settings a built-in inner loop's user met that were silently ignored (helper-286, session 34).

1. A ``pbt`` run whose run.compute is too small to train any member to the top budget (examples/spore_arm.toml
   with ``--compute 600`` against the 2400 it needs) ended with no member there and no word, where hyperband
   warns: now the same warning line, as the run starts and on ``l2l resume --compute``.
2. lsm with the objective ``memory_capacity`` and task kinds without a sequence of bits to recall
   (``kinds = ["pattern"]``) optimized a constant 0: now refused in one line.
3. ``curve_every`` of lsnn and egru did nothing in a run without a ``[policy]`` (one call of ``run``, which
   measured at the end only): now that run records the learning curve too, its results unchanged.
"""

from __future__ import annotations

import textwrap

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.loop import build
from l2l.run_warnings import compute_short_of_top

CONTINUING = textwrap.dedent("""
    from l2l.simulators.base import SimulationResult

    def train(params, seed, budget, checkpoint=None):
        return SimulationResult({"value": float(params["x"]) ** 2 + 1.0 / budget},
                                checkpoint={"steps": [float(budget)]})
""")


def pbt_run(folder, compute: float, synchronous: bool = True, **run):
    """Three members over rungs 3, 6, 9 steps (synchronous: all three reach 6 before any goes on, 18 steps)."""
    (folder / "continuing_small34.py").write_text(CONTINUING)
    return l2l.from_mapping({
        "run": {"name": "short", "seed": 1, "compute": compute, **run},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        "optimizer": {"name": "random"},
        "policy": {"name": "pbt", "population": 3, "interval": 3, "synchronous": synchronous},
        "simulator": {"name": "python", "function": "continuing_small34:train", "path": str(folder),
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}})


@pytest.mark.parametrize("synchronous, least, enough", [(True, "18", 19), (False, "at least 12", 13)])
def test_a_pbt_compute_that_trains_no_member_to_the_top_budget_is_warned_about(tmp_path, synchronous, least,
                                                                                enough):
    said = compute_short_of_top(build(pbt_run(tmp_path, 12, synchronous)))
    assert said == (f"run.compute = 12 steps ends the run before policy 'pbt' trains any candidate to the top budget "
                    f"(9 steps): its first segment there starts only after {least} steps at the lower rungs; give "
                    f"run.compute = {enough} or more (run.compute = 27 trains every member to the top)")
    assert compute_short_of_top(build(pbt_run(tmp_path, 19, synchronous))) == ""
    with pytest.raises(ConfigError, match="could never end at its target"):
        build(pbt_run(tmp_path, 12, synchronous, target=0.5))


def test_the_synchronous_pbt_compute_said_is_where_a_member_first_reaches_the_top(tmp_path, capsys):
    reached = []
    for compute in (18, 19):
        path = l2l.run(pbt_run(tmp_path, compute), tmp_path / f"{compute}.h5")
        reached.append(float(l2l.load(path, segments=True)["budget"].max()))
        warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]
        assert len(warned) == (compute == 18)
    assert reached == [6.0, 9.0]


def test_l2l_resume_with_a_compute_short_of_the_top_budget_warns_in_its_words(tmp_path, capsys):
    path = l2l.run(pbt_run(tmp_path, 10), tmp_path / "run.h5")
    capsys.readouterr()
    l2l.resume(path, compute=15)
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]
    assert warned == ["l2l: warning: --compute 15 steps ends the run before policy 'pbt' trains any candidate to the "
                      "top budget (9 steps): its first segment there starts only after 18 steps at the lower rungs; "
                      "give --compute 19 or more (--compute 27 trains every member to the top)"]
    l2l.resume(path, compute=19)
    assert "l2l: warning" not in capsys.readouterr().err
    assert float(l2l.load(path, segments=True)["budget"].max()) == 9.0


def lsm_config(kinds: list[str], tasks: int = 4, objectives=("memory_capacity",)):
    return l2l.from_mapping({
        "run": {"name": "mc", "seed": 0, "generations": 1},
        "space": {"J_EE": {"type": "float", "low": 0.5, "high": 2.0}},
        "optimizer": {"name": "random"}, "objectives": [{"name": name} for name in objectives],
        "simulator": {"name": "lsm", "kinds": kinds, "tasks": tasks, "n_exc": 40, "n_inh": 10},
        "backend": {"name": "serial"}})


@pytest.mark.parametrize("kinds, tasks, which", [
    (["pattern"], 4, "kinds = ['pattern']"),
    (["pattern", "memory"], 1, "tasks = 1 (of kinds ['pattern', 'memory'], drawn in turn: ['pattern'])")])
def test_an_lsm_memory_capacity_objective_without_a_task_to_recall_is_refused(kinds, tasks, which):
    with pytest.raises(ConfigError) as refused:
        build(lsm_config(kinds, tasks, ("test_error", "memory_capacity")))
    assert str(refused.value) == (f"simulator 'lsm': objective 'memory_capacity' is 0 for every candidate with "
                                  f"{which}, no task with bits to recall; add 'memory' (or 'xor') to kinds, or "
                                  f"remove the objective")


def test_an_lsm_memory_capacity_objective_with_a_task_to_recall_is_built():
    for kinds in (["pattern", "memory"], ["xor"]):
        assert [o.name for o in build(lsm_config(kinds)).problem.objectives] == ["memory_capacity"]
    assert build(lsm_config(["pattern"], objectives=("test_error",)))


def test_l2l_run_refuses_it_with_exit_status_2_before_anything_runs(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "mc.toml"
    config.write_text('[run]\nname = "mc"\nseed = 0\ngenerations = 1\n[space]\n'
                      'J_EE = { type = "float", low = 0.5, high = 2.0 }\n[optimizer]\nname = "random"\n'
                      '[[objectives]]\nname = "memory_capacity"\n[simulator]\nname = "lsm"\nkinds = ["pattern"]\n'
                      '[backend]\nname = "serial"\n')
    done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["l2l: error: simulator 'lsm': objective 'memory_capacity' is 0 for "
                                                "every candidate with kinds = ['pattern'], no task with bits to "
                                                "recall; add 'memory' (or 'xor') to kinds, or remove the objective"]
    assert not list(tmp_path.glob("*.h5"))


SMALL = {"lsnn": {"training_steps": 6, "batch_size": 2, "test_trials": 4, "n_lif": 2, "n_alif": 4},
         "egru": {"trials": 24, "batch_size": 4, "test_trials": 8, "units": 4, "min_budget": 4}}


@pytest.mark.parametrize("name, top", [("lsnn", 6), ("egru", 24)])
def test_curve_every_records_a_learning_curve_in_a_run_without_a_policy(tmp_path, name, top):
    from l2l.simulators import SIMULATORS

    simulator = SIMULATORS.create(name, {**SMALL[name], "curve_every": 2 if name == "lsnn" else 8})
    plain = SIMULATORS.create(name, SMALL[name]).run({}, 3)
    result = simulator.run({}, 3)
    assert result.objectives == plain.objectives and result.checkpoint is None
    objective = next(iter(result.objectives))
    points = [row[0] for row in result.curve[objective]]
    assert points == ([2, 4, 6] if name == "lsnn" else [8, 16, 24])
    assert result.curve[objective][-1][1] == result.objectives[objective]
    config = l2l.from_mapping({
        "run": {"name": name, "seed": 0, "generations": 1},
        "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.01, "log": True}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": name, **SMALL[name], "curve_every": 2 if name == "lsnn" else 8},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "run.h5")
    from l2l.results_schema.reader import Trajectory

    with Trajectory(path) as trajectory:
        stored = trajectory.traces()
    assert len(stored) == 2
    assert all([row[0] for row in traces[f"curve:{objective}"]] == points for traces in stored)
