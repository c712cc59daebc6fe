"""Every built-in simulator says which side of its metrics is better, so a name alone in ``objectives`` goes there.

Before, only lsm and egru said so: ``objectives = ["reward"]`` on ``spore`` or ``spore-arm`` minimized the reward
silently (a run searching for the worst learner, its best the lowest reward), and an lsnn's ``recall_error`` or a
loss could be maximized without a word. A benchmark's ``value`` (and zdt1's ``f1``, ``f2``) has no side: maximizing
a test function is a legitimate test of an optimizer.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError
from l2l.simulators import SIMULATORS

#: a learner of two simulated seconds: a few ms per evaluation
SHORT = {"duration": 2.0, "min_budget": 1.0}
#: words that give a metric's name a side: an error or a loss is smaller when better, the rest larger
SIDES = {"error": "minimize", "loss": "minimize", "reward": "maximize", "accuracy": "maximize",
         "capacity": "maximize", "fitness": "maximize"}


def config(simulator: dict, objectives, space: str = "temperature") -> dict:
    return {"objectives": objectives, "run": {"name": "t", "seed": 1, "generations": 1},
            "space": {space: {"type": "float", "low": 0.01, "high": 3.0, "log": True}},
            "optimizer": {"name": "random", "population_size": 6}, "simulator": simulator,
            "backend": {"name": "serial"}}


@pytest.mark.parametrize("simulator", ["spore", "spore-arm"])
def test_a_reward_named_alone_is_maximized_and_the_run_reports_the_largest_as_best(tmp_path, simulator):
    data = config({"name": simulator, **SHORT}, ["reward"])
    assert [(o.name, o.direction) for o in l2l.from_mapping(data, user_file=True).objectives] == \
        [("reward", "maximize")]
    l2l.run(data, out=tmp_path / "r.h5")
    rewards = l2l.load(tmp_path / "r.h5")["reward"]
    assert rewards.nunique() > 3
    assert l2l.best(tmp_path / "r.h5").objectives["reward"] == rewards.max() > rewards.min()


@pytest.mark.parametrize("simulator,entry,space", [
    ("spore", {"name": "reward", "direction": "minimize"}, "temperature"),
    ("spore-arm", {"name": "reward", "direction": "minimize"}, "temperature"),
    ("lsnn", {"name": "recall_error", "direction": "maximize"}, "thr"),
    ("noisy-sgd", {"name": "loss", "direction": "maximize"}, "learning_rate"),
    ("analog-classifier", {"name": "loss", "direction": "maximize"}, "gain"),
])
def test_a_direction_against_the_simulators_side_is_refused_in_one_line(simulator, entry, space):
    data = config({"name": simulator}, [entry], space)
    with pytest.raises(ConfigError, match=f"^objective '{entry['name']}': simulator '{simulator}' says "
                                          f"(larger|smaller) is better, so direction '{entry['direction']}' "
                                          f"would search for the worst; give direction = '[a-z]+' or the name "
                                          f"alone$"):
        l2l.from_mapping(data, user_file=True)
    # a config an earlier l2l stored resumes as it ran
    assert l2l.from_mapping(data).objectives[0].direction == entry["direction"]


@pytest.mark.parametrize("name", SIMULATORS.names())
def test_every_error_loss_reward_accuracy_or_capacity_a_simulator_produces_has_its_side_declared(name):
    cls = SIMULATORS.get(name)
    expected = {metric: SIDES[word] for metric in cls.produces or () for word in metric.split("_") if word in SIDES}
    assert {metric: cls.directions.get(metric) for metric in expected} == expected


@pytest.mark.parametrize("simulator,name", [("sphere", "value"), ("rastrigin", "value"), ("sleep", "value"),
                                            ("zdt1", "f1")])
def test_a_benchmark_function_may_be_maximized(tmp_path, simulator, name):
    """A test function's value has no better side of its own: maximizing it (the corners of the sphere) is a
    legitimate test of an optimizer, not refused."""
    data = config({"name": simulator} if simulator != "sleep" else {"name": "sleep", "median": 0.0},
                  [{"name": name, "direction": "maximize"}], "x")
    assert [(o.name, o.direction) for o in l2l.from_mapping(data, user_file=True).objectives][0] == (name, "maximize")


def test_a_wrapped_simulators_side_holds_on_emulated_chips(tmp_path):
    """``emulated-hardware`` over spore: its reward named alone is maximized as unwrapped (it was minimized: the
    wrapper declared no side), and a minimized reward refused."""
    wrapped = {"name": "emulated-hardware", "simulator": "spore", "simulator_options": SHORT, "chips": [0, 1]}
    data = config(wrapped, ["reward"])
    assert [(o.name, o.direction) for o in l2l.from_mapping(data, user_file=True).objectives] == \
        [("reward", "maximize")]
    with pytest.raises(ConfigError, match="^objective 'reward': simulator 'emulated-hardware' says larger is better"):
        l2l.from_mapping(config(wrapped, [{"name": "reward", "direction": "minimize"}]), user_file=True)
    data["run"]["generations"] = 1
    l2l.run(data, out=tmp_path / "r.h5")
    rewards = l2l.load(tmp_path / "r.h5")["reward"]
    assert l2l.best(tmp_path / "r.h5").objectives["reward"] == rewards.max() > rewards.min()
