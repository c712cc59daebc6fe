"""The LSM's metrics as objectives go the way the simulator says is better, and its curves hold every metric.

A name alone in ``objectives`` takes the simulator's direction (lsm's ``memory_capacity`` and egru's ``accuracy``
are maximized; they were refused, or minimized silently), a contrary direction is refused in one line, a firing
rate goes the way the config says; lsm's learning curves hold the training error, the memory capacity and the
rates at every budget point, as ``test_error``'s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.simulators.lsm import LiquidStateMachine

ROOT = Path(__file__).resolve().parents[1]
#: a small reservoir and two memory tasks: about 0.1 s per evaluation
SMALL = {"name": "lsm", "n_exc": 40, "n_inh": 10, "tasks": 2, "kinds": ["memory"], "train_examples": 8,
         "test_examples": 16, "steps": 40}


def config(simulator: dict, objectives, optimizer: str = "random", space: str = "J_EE") -> dict:
    return {"objectives": objectives, "run": {"name": "t", "seed": 1, "generations": 2},
            "space": {space: {"type": "float", "low": 0.001, "high": 8.0}},
            "optimizer": {"name": optimizer, "population_size": 6}, "simulator": simulator,
            "backend": {"name": "serial"}}


def directions(data: dict) -> list[tuple[str, str]]:
    return [(o.name, o.direction) for o in l2l.from_mapping(data, user_file=True).objectives]


@pytest.mark.parametrize("optimizer", ["cmaes", "nsga2"])
def test_memory_capacity_named_alone_is_maximized_and_a_rate_goes_the_way_the_config_says(optimizer):
    lsm = {"name": "lsm"}
    assert directions(config(lsm, ["memory_capacity"], optimizer)) == [("memory_capacity", "maximize")]
    assert directions(config(lsm, ["test_error", "memory_capacity"], "nsga2")) == \
        [("test_error", "minimize"), ("memory_capacity", "maximize")]
    assert directions(config(lsm, ["firing_rate", "memory_capacity"], "nsga2")) == \
        [("firing_rate", "minimize"), ("memory_capacity", "maximize")]
    assert directions(config(lsm, [{"name": "firing_rate", "direction": "maximize"},
                                   {"name": "memory_capacity"}], "nsga2")) == \
        [("firing_rate", "maximize"), ("memory_capacity", "maximize")]
    energy = l2l.load_config(ROOT / "examples" / "lsnn_energy_tradeoff.toml")  # fewer spikes, on purpose
    assert [(o.name, o.direction) for o in energy.objectives] == \
        [("recall_error", "minimize"), ("firing_rate", "minimize")]


def test_egru_accuracy_named_alone_is_maximized_not_minimized():
    egru = {"name": "egru"}
    assert directions(config(egru, ["accuracy"], "cmaes", "learning_rate")) == [("accuracy", "maximize")]
    assert directions(config(egru, ["test_error", "accuracy", "macs_per_step"], "nsga2", "learning_rate")) == \
        [("test_error", "minimize"), ("accuracy", "maximize"), ("macs_per_step", "minimize")]


def test_a_run_maximizing_memory_capacity_reports_the_largest_as_best(tmp_path):
    path, data = tmp_path / "mc.h5", config(SMALL, ["memory_capacity"], "random")
    data["run"]["generations"] = 1
    l2l.run(data, out=path)
    frame = l2l.load(path)
    assert frame["memory_capacity"].nunique() > 3
    assert l2l.best(path).objectives["memory_capacity"] == frame["memory_capacity"].max()


@pytest.mark.parametrize("simulator,entry", [
    ("lsm", {"name": "memory_capacity", "direction": "minimize"}),
    ("egru", {"name": "accuracy", "direction": "minimize"}),
    ("lsm", {"name": "test_error", "direction": "maximize"}),
])
def test_a_direction_against_the_simulators_is_refused_in_one_line(tmp_path, simulator, entry):
    space = "J_EE" if simulator == "lsm" else "learning_rate"
    data = config({"name": simulator}, [entry], "cmaes", space)
    with pytest.raises(ConfigError, match=f"objective '{entry['name']}': simulator '{simulator}' says "
                                          f"(larger|smaller) is better, so direction '{entry['direction']}'"):
        l2l.from_mapping(data, user_file=True)
    # a config an earlier l2l stored resumes as it ran
    assert l2l.from_mapping(data).objectives[0].direction == entry["direction"]
    if simulator == "egru":  # the command line: one line, exit status 2, no file
        toml = tmp_path / "c.toml"
        toml.write_text(f'[[objectives]]\nname = "accuracy"\ndirection = "minimize"\n[run]\nname = "c"\n'
                        f'[space]\nlearning_rate = {{ type = "float", low = 0.001, high = 0.1 }}\n'
                        f'[optimizer]\nname = "cmaes"\n[simulator]\nname = "egru"\n')
        done = subprocess.run([sys.executable, "-m", "l2l", "run", str(toml), "--out", str(tmp_path / "c.h5")],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().count("\n") == 0 and "would search for the worst" in done.stderr
        assert not (tmp_path / "c.h5").exists()


def test_lsm_curves_hold_train_error_memory_capacity_and_rates_at_every_budget_point():
    sim = LiquidStateMachine(**{k: tuple(v) if isinstance(v, list) else v for k, v in SMALL.items() if k != "name"})
    for seed in (0, 1, 2):
        first = sim.run_to({}, seed, 5, None)
        rest = sim.run_to({}, seed, 8, first.checkpoint)
        whole = sim.run({}, seed)
        for name in sim.produces:
            points = np.array(first.curve[name] + rest.curve[name])
            assert points[:, 0].tolist() == list(range(2, 9)), name
            assert points[-1, 1] == {**whole.metrics, **whole.objectives}[name], name
        capacity = np.array(first.curve["memory_capacity"] + rest.curve["memory_capacity"])[:, 1]
        assert capacity[-1] > capacity[0]  # more examples, a better estimate of the bits
        rates = np.array(first.curve["firing_rate"] + rest.curve["firing_rate"])[:, 1]
        assert np.all(rates == whole.metrics["firing_rate"])  # one reservoir at every budget
        # 50 neurons, at most 8 examples: the readout fits its training examples and misses test ones
        assert whole.metrics["train_error"] < whole.objectives["test_error"]
