"""l2l.testing's simulator contract: the built-in inner loops pass it, a plug-in-like simulator passes it, and each
simulator broken in one way fails it with a message naming what is wrong."""

from __future__ import annotations

import pickle
import re
import sys
import types
from pathlib import Path
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np
import pytest

from l2l.objectives import DIRECTIONS, Objective
from l2l.registry import Registry, option
from l2l.simulators import SIMULATORS
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_tools import rng_from_state, rng_state
from l2l.testing import MultiFidelitySimulatorContract, SimulatorContract


class TestSphere(SimulatorContract):
    name = "sphere"
    options = {"noise": 0.1}
    params = {"x": np.array([1.0, -2.0])}


class TestSphereWithAFidelity(MultiFidelitySimulatorContract):
    name = "sphere"
    options = {"multi_fidelity": True, "max_budget": 9}
    params = {"x": np.array([1.0, -2.0])}
    budgets = (3, 9)


class TestSleep(MultiFidelitySimulatorContract):
    name = "sleep"
    options = {"median": 0.001, "max_budget": 9}
    params = {"x": np.array([0.5])}


class TestLSNN(MultiFidelitySimulatorContract):
    name = "lsnn"
    options = {"training_steps": 6, "batch_size": 4, "test_trials": 16, "curve_every": 2}
    budgets = (2, 6)


class TestEGRU(MultiFidelitySimulatorContract):
    name = "egru"
    options = {"trials": 12, "test_trials": 16, "curve_every": 4, "min_budget": 4}
    budgets = (5, 12)


@dataclass(frozen=True)
class NoisyDescent(Simulator):
    """Gradient descent on w**2 with noisy steps, one step per unit of budget (a plug-in written outside l2l)."""

    name: ClassVar[str] = "noisy-descent"
    steps: int = option(9, "the top budget, in steps", ge=1)

    def fidelity(self) -> Fidelity:
        return Fidelity("steps", "descent steps", 1, self.steps)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        return self.run_to(params, seed, self.steps, None)

    def resume(self, checkpoint, seed: int) -> tuple[int, float, np.random.Generator]:
        if checkpoint is None:
            return 0, 1.0, np.random.default_rng(seed)
        return int(checkpoint["step"]), float(checkpoint["w"]), rng_from_state(checkpoint["rng"], self.name)

    def run_to(self, params, seed, budget, checkpoint) -> SimulationResult:
        step, w, rng = self.resume(checkpoint, seed)
        curve = []
        for step in range(step + 1, int(budget) + 1):
            w = w * (1 - params["lr"]) + 0.01 * rng.standard_normal()
            curve.append([step, w * w])
        return SimulationResult(objectives={"value": curve[-1][1]}, curve=self.curve(curve),
                                checkpoint=self.checkpoint(int(budget), w, rng))

    def curve(self, points: list) -> dict[str, list]:
        return {"value": points}

    def checkpoint(self, step: int, w: float, rng: np.random.Generator) -> dict[str, Any]:
        return {"step": step, "w": w, "rng": rng_state(rng)}


class TestAPluginSimulatorPassesTheContract(MultiFidelitySimulatorContract):
    simulator_class = NoisyDescent
    params = {"lr": 0.3}
    budgets = (3, 9)


@dataclass(frozen=True)
class CurveNumberedFromZero(NoisyDescent):
    """Numbers each curve point by the step before it."""

    def curve(self, points):
        return {"value": [[step - 1, value] for step, value in points]}


@dataclass(frozen=True)
class CurveOfAnotherQuantity(NoisyDescent):
    """Its curve holds w, its objective w**2."""

    def curve(self, points):
        return {"value": [[step, float(np.sqrt(value))] for step, value in points]}


@dataclass(frozen=True)
class GeneratorInCheckpoint(NoisyDescent):
    """Keeps the generator itself in its checkpoint."""

    def checkpoint(self, step, w, rng):
        return {"step": step, "w": w, "rng": rng}


@dataclass(frozen=True)
class PickledCheckpoint(NoisyDescent):
    """Pickles its state into an array of bytes."""

    def checkpoint(self, step, w, rng):
        return {"state": np.frombuffer(pickle.dumps((step, w, rng)), dtype=np.uint8)}

    def resume(self, checkpoint, seed):
        return super().resume(None, seed) if checkpoint is None else pickle.loads(checkpoint["state"].tobytes())


@dataclass(frozen=True)
class NoiseRestartedOnContinuing(NoisyDescent):
    """Continues its weight but draws its noise from the seed again (the generator's state not restored)."""

    def resume(self, checkpoint, seed):
        step, w, _ = super().resume(checkpoint, seed)
        return step, w, np.random.default_rng(seed)


@dataclass(frozen=True)
class GlobalNoise(NoisyDescent):
    """Draws its noise from numpy's global generator, not from the seed."""

    def resume(self, checkpoint, seed):
        step, w, _ = super().resume(checkpoint, seed)
        return step, w, np.random.default_rng(np.random.randint(2 ** 31))


def suite(cls: type[Simulator], **attributes) -> MultiFidelitySimulatorContract:
    return type("Suite", (MultiFidelitySimulatorContract,),
                {"simulator_class": cls, "params": {"lr": 0.3}, "budgets": (3, 9), **attributes})()


def every_check(contract: SimulatorContract, cls: type[Simulator]) -> dict[str, str]:
    """Each check of the suite run on ``cls`` with the suite's options, as pytest runs them: the name of each that
    failed -> its message."""
    def make() -> Simulator:
        return Registry("simulator", {cls.name: cls}, group=None).create(cls.name, dict(contract.options))

    failures = {}
    for name in dir(contract):
        if not name.startswith("test_"):
            continue
        method = getattr(contract, name)
        wants = method.__code__.co_varnames[1]  # the suite's fixture the check takes
        arguments = {"simulator": make()} if wants == "simulator" else {"make_simulator": make}
        try:
            method(**arguments)
        except AssertionError as exc:
            failures[name] = str(exc)
        except pytest.skip.Exception:
            pass
    return failures


@pytest.mark.parametrize("cls, check, message", [
    (CurveNumberedFromZero, "test_the_curve_ends_at_the_budget_with_the_result",
     # refused as l2l refuses it in a run since the first segment's curve is checked too (it read: "curve 'value' of
     # the segment to 3 ends at fidelity 2, not at the segment's budget 3")
     r"curve 'value' runs from fidelity 0 to 2 in a segment from 0 to 3: numbered from 0\?"),
    (CurveOfAnotherQuantity, "test_the_curve_ends_at_the_budget_with_the_result",
     "curve 'value' of the segment to 3 ends with .* at fidelity 3, but the result there is value"),
    (GeneratorInCheckpoint, "test_a_checkpoint_is_stored_without_pickle",
     "the segment to 3 .from scratch. failed as l2l runs it: invalid result: checkpoint key 'rng' cannot be "
     "stored without pickle"),
    (PickledCheckpoint, "test_a_checkpoint_is_stored_without_pickle",
     r"checkpoint key \['state'\] holds pickled bytes"),
    (NoiseRestartedOnContinuing, "test_continuing_from_a_stored_checkpoint_equals_a_run_from_scratch",
     "continued from its checkpoint at 3 to 9, the simulator returned value .*; run from scratch to 9"),
    (GlobalNoise, "test_the_same_parameters_and_seed_give_the_same_result",
     "a second evaluation with the same parameters and seed returned"),
])
def test_a_broken_simulator_fails_the_check_of_what_it_breaks_with_a_clear_message(cls, check, message):
    failures = every_check(suite(cls), cls)
    assert check in failures, f"{cls.__name__} passed {check}; failures: {failures}"
    assert re.search(message, failures[check]), failures[check]


def test_the_plug_in_like_simulator_passes_every_check():
    assert every_check(suite(NoisyDescent), NoisyDescent) == {}


def test_a_simulator_documented_to_approximate_its_continuation_passes_within_its_tolerance():
    failures = every_check(suite(NoiseRestartedOnContinuing, continuation_rtol=1.0), NoiseRestartedOnContinuing)
    assert "test_continuing_from_a_stored_checkpoint_equals_a_run_from_scratch" not in failures


def test_the_worked_example_of_docs_multifidelity_simulators_passes_as_printed(monkeypatch):
    text = (Path(__file__).resolve().parents[1] / "docs" / "multifidelity_simulators.md").read_text()
    blocks = {block.splitlines()[0]: block for block in re.findall(r"```python\n(.*?)```", text, re.S)}
    package, models = types.ModuleType("my_package"), types.ModuleType("my_package.models")
    package.models = models
    monkeypatch.setitem(sys.modules, "my_package", package)
    monkeypatch.setitem(sys.modules, "my_package.models", models)
    exec(compile(blocks["# my_package/models.py"], "my_package/models.py", "exec"), models.__dict__)
    namespace: dict = {}
    exec(compile(blocks["# tests/test_descent.py"], "tests/test_descent.py", "exec"), namespace)
    suite = namespace["TestDescent"]()
    checks = [name for name in dir(suite) if name.startswith("test_")]
    assert len(checks) == 9 and "runs 9 checks" in text
    assert every_check(suite, models.Descent) == {}


def direction_problems(cls: type[Simulator]) -> list[str]:
    """What is wrong with the ``directions`` a simulator class declares (l2l.simulators.directions.natural_directions reads
    them): a side of a name it does not produce, a side other than 'minimize' or 'maximize', a default objective
    turned against its own side."""
    directions = getattr(cls, "directions", {})
    if not isinstance(directions, Mapping):
        return [f"{cls.__name__}.directions must be a mapping of metric -> 'minimize' or 'maximize', "
                f"got {directions!r}"]
    problems = []
    for name, direction in directions.items():
        if direction not in DIRECTIONS:
            problems.append(f"{cls.__name__}.directions[{name!r}] must be one of {DIRECTIONS}, got {direction!r}")
        if cls.produces is None or name not in cls.produces:
            problems.append(f"{cls.__name__}.directions names {name!r}, which it does not produce "
                            f"(produces: {cls.produces})")
    for objective in cls.default_objectives:
        if directions.get(objective.name, objective.direction) != objective.direction:
            problems.append(f"{cls.__name__}'s default objective {objective.name!r} is {objective.direction}d "
                            f"against its declared side {directions[objective.name]!r}")
    return problems


@pytest.mark.parametrize("name", SIMULATORS.names())
def test_every_registered_simulator_declares_sides_only_of_metrics_it_produces(name):
    assert direction_problems(SIMULATORS.get(name)) == []


@dataclass(frozen=True)
class SidesOfNothing(NoisyDescent):
    """Declares a side of a metric it never returns, a side that is no direction, and maximizes its default."""

    produces: ClassVar[tuple[str, ...] | None] = ("value",)
    directions: ClassVar[Mapping[str, str]] = {"reward": "maximize", "value": "smaller"}
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("value", "maximize"),)


def test_a_simulator_declaring_a_side_wrongly_fails_the_directions_check_with_each_problem_named():
    assert direction_problems(SidesOfNothing) == [
        "SidesOfNothing.directions names 'reward', which it does not produce (produces: ('value',))",
        "SidesOfNothing.directions['value'] must be one of ('minimize', 'maximize'), got 'smaller'",
        "SidesOfNothing's default objective 'value' is maximized against its declared side 'smaller'"]
    assert direction_problems(NoisyDescent) == []  # a plug-in that declares nothing
