"""The component registries: declared option rules, third-party entry points, nothing leaking between runs."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import logging
import sys
import textwrap
import warnings

import numpy as np
import pytest

from l2l.cli import main
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS
from l2l.optimizers.base import Problem
from l2l.registry import Registry, rule_of
from l2l.simulators import SIMULATORS
from l2l.space import Space
from slurm_helpers import write_toml

REGISTRIES = {"optimizer": OPTIMIZERS, "simulator": SIMULATORS, "backend": BACKENDS}


@pytest.mark.parametrize("registry, name, options, message", [
    (OPTIMIZERS, "ga", {"population_size": 1}, "optimizer 'ga': population_size must be >= 2, got 1"),
    (OPTIMIZERS, "random", {"population_size": 10**12},
     "optimizer 'random': population_size must be <= 1000000, got 1000000000000"),
    (OPTIMIZERS, "gradient-descent", {"method": "newton"},
     "optimizer 'gradient-descent': method must be one of ['classic', 'stochastic', 'adam', 'rmsprop'], "
     "got 'newton'"),
    (OPTIMIZERS, "cross-entropy", {"elite_fraction": 0.0},
     "optimizer 'cross-entropy': elite_fraction must be in (0, 1], got 0.0"),
    (OPTIMIZERS, "nsga2", {"crossover_probability": float("nan")},
     "optimizer 'nsga2': crossover_probability must be in [0, 1], got nan"),
    (SIMULATORS, "sleep", {"median": -1.0}, "simulator 'sleep': median must be >= 0, got -1.0"),
    (SIMULATORS, "lsm", {"kinds": ["pattern", "sudoku"]}, "simulator 'lsm': kinds must be one of"),
    (BACKENDS, "slurm-array", {"nodes": 0}, "backend 'slurm-array': nodes must be >= 1, got 0"),
    (BACKENDS, "slurm", {"cores": 0}, "backend 'slurm': cores must be >= 1, got 0"),
])
def test_a_broken_rule_is_refused_naming_component_option_value_and_rule(registry, name, options, message):
    with pytest.raises(ConfigError) as error:
        registry.create(name, options)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_every_default_obeys_its_own_rule_and_the_listing_shows_every_rule():
    for registry in REGISTRIES.values():
        for name in registry.names():
            cls = registry.get(name)
            listed = {o["name"]: o for o in registry.describe(name)["options"]}
            for f in dataclasses.fields(cls):
                rule = rule_of(f)
                if rule is None or not f.init:
                    continue
                default = f.default_factory() if f.default is dataclasses.MISSING else f.default
                assert rule.violation(default) is None, (name, f.name, default)
                assert f"({rule.describe()})" in listed[f.name]["help"], (name, f.name)


def test_l2l_list_shows_the_rules(capsys):
    assert main(["list", "optimizers"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "tournament_size" in line)
    assert "(>= 1)" in line
    assert "(in [0, 1])" in out and "one of ['adam', 'sgd']" in out


def test_a_generation_too_large_for_memory_is_refused_before_anything_is_allocated(tmp_path, capsys):
    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "big"}, "space": {"w": {"type": "float", "low": 0.0, "high": 1.0, "shape": [1000]}},
        "optimizer": {"name": "random", "population_size": 1_000_000}, "simulator": {"name": "sphere"},
        "backend": {"name": "serial"}})
    assert main(["run", str(config), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "optimizer 'random': a generation of 1000000 candidates of 1000 values" in err
    assert err.count("\n") == 1 and not list(tmp_path.glob("*.h5"))


# -- third-party components through entry points ---------------------------------------------------

PLUGIN_MODULE = '''
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.registry import option
from l2l.simulators.base import Simulator


@dataclass(frozen=True)
class Cube(Simulator):
    """Sum of |x|^3 (a third-party simulator)."""

    name: ClassVar[str] = "cube"
    produces: ClassVar[tuple] = ("value",)
    power: float = option(3.0, help="the exponent", gt=0)

    def run(self, params, seed):
        return {"value": float(sum(np.sum(np.abs(v) ** self.power) for v in params.values()))}


NotADataclass = object()
'''


@pytest.fixture
def plugin_path(tmp_path, monkeypatch):
    """A folder on sys.path holding a fake installed distribution with l2l entry points."""
    root = tmp_path / "site"
    (root / "fake_l2l_plugin-1.0.dist-info").mkdir(parents=True)
    (root / "fake_l2l_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fake-l2l-plugin\nVersion: 1.0\n")
    (root / "fake_l2l_plugin-1.0.dist-info" / "entry_points.txt").write_text(textwrap.dedent("""\
        [l2l.simulators]
        cube = fake_l2l_cube:Cube
        broken = fake_l2l_broken:Thing
        odd = fake_l2l_cube:NotADataclass
        sphere = fake_l2l_cube:Cube
        """))
    (root / "fake_l2l_cube.py").write_text(PLUGIN_MODULE)
    (root / "fake_l2l_broken.py").write_text("raise ImportError('needs the frobnicator library')\n")
    monkeypatch.syspath_prepend(str(root))
    importlib.invalidate_caches()
    yield root
    for module in ("fake_l2l_cube", "fake_l2l_broken"):
        sys.modules.pop(module, None)


def test_third_party_components_are_found_by_entry_point_and_imported_only_when_named(plugin_path):
    registry = Registry("simulator", {"sphere": "l2l.simulators.functions:Sphere"})
    assert {"cube", "broken", "odd", "sphere"} <= set(registry.names())
    assert "fake_l2l_cube" not in sys.modules and "fake_l2l_broken" not in sys.modules
    cube = registry.create("cube", {"power": 2.0})
    assert cube.run({"x": np.array([1.0, -2.0])}, 0) == {"value": 5.0}
    assert "fake_l2l_broken" not in sys.modules
    # a built-in name is never shadowed by a plugin
    assert registry.get("sphere").__module__ == "l2l.simulators.functions"
    with pytest.raises(ConfigError, match="power must be > 0"):
        registry.create("cube", {"power": 0.0})


def test_a_broken_plugin_is_a_clear_error_only_when_named(plugin_path):
    registry = Registry("simulator", {"sphere": "l2l.simulators.functions:Sphere"})
    with pytest.raises(ConfigError) as error:
        registry.create("broken")
    message = str(error.value)
    for word in ("simulator 'broken'", "fake_l2l_broken:Thing", "l2l.simulators", "fake-l2l-plugin 1.0",
                 "ImportError: needs the frobnicator library"):
        assert word in message
    with pytest.raises(ConfigError, match="'odd' .* is not a dataclass"):
        registry.create("odd")
    assert registry.create("sphere").name == "sphere"
    assert registry.create("cube").name == "cube"


def test_a_config_can_name_a_plugin_simulator_and_a_broken_one_ends_in_one_line(plugin_path, tmp_path, capsys,
                                                                                monkeypatch):
    monkeypatch.setattr(SIMULATORS, "_entries", dict(SIMULATORS._entries))
    monkeypatch.setattr(SIMULATORS, "_plugins", None)
    data = {"run": {"name": "plug", "generations": 1}, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "cube"},
            "backend": {"name": "serial"}}
    assert main(["run", str(write_toml(tmp_path / "ok.toml", data)), "--dry-run"]) == 0
    capsys.readouterr()
    data["simulator"] = {"name": "broken"}
    assert main(["run", str(write_toml(tmp_path / "bad.toml", data)), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "frobnicator" in err and "Traceback" not in err


# -- nothing leaks into the process ----------------------------------------------------------------

def test_tpe_leaves_optuna_s_log_level_and_the_warning_filters_as_it_found_them():
    import optuna

    saved = optuna.logging.get_verbosity()
    filters = copy.copy(warnings.filters)
    optuna.logging.set_verbosity(logging.DEBUG)
    try:
        problem = Problem(Space.from_json({"x": {"type": "float", "low": 0.0, "high": 1.0}}),
                          (Objective("value", "minimize"),))
        tpe = OPTIMIZERS.create("tpe", {"population_size": 2, "n_startup_trials": 1})
        state = tpe.init(problem, 0)
        for _ in range(2):
            candidates, state = tpe.ask(problem, state)
            state = tpe.tell(problem, state, candidates, -candidates.sum(axis=1, keepdims=True))
        assert optuna.logging.get_verbosity() == logging.DEBUG
        assert logging.getLogger("optuna").level == logging.DEBUG
        assert warnings.filters == filters
    finally:
        optuna.logging.set_verbosity(saved)


def test_a_simulator_class_given_by_path_inside_emulated_hardware_leaves_the_registry_alone():
    names = SIMULATORS.names()
    path = "l2l.simulators.analog_classifier:AnalogClassifier"
    hardware = SIMULATORS.create("emulated-hardware", {"simulator": path})
    assert type(hardware.inner).__name__ == "AnalogClassifier"
    assert SIMULATORS.names() == names and path not in SIMULATORS


def test_list_shows_whole_summaries_and_aligned_options(capsys):
    from l2l.cli import main

    assert main(["list", "policies"]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = next(line for line in lines if line.strip().startswith("model-based"))
    assert summary.endswith("agrees with the full one.")  # the docstring's whole first paragraph
    options = [line for line in lines if line.startswith("      ") and " = " in line[:34]]
    assert len(options) > 20
    for line in options:  # "name = default" padded to one width: every help text starts in column 35
        assert line[34] == " " and line[35] != " ", line


def test_l2l_list_offers_no_policy_option_the_policy_refuses():
    from l2l.policies import POLICIES

    for name in POLICIES.names():
        for option in POLICIES.describe(name)["options"]:
            if option["name"] == "max_candidates":  # every listed option is accepted with a value set
                POLICIES.create(name, {"max_candidates": 10})
    assert "max_candidates" not in {o["name"] for o in POLICIES.describe("model-based")["options"]}
    with pytest.raises(ConfigError, match="max_candidates does not apply"):
        POLICIES.create("model-based", {"max_candidates": 10})
