"""The simulator contract as pytest classes to subclass (see :mod:`l2l.testing`).

What l2l relies on of every simulator (the contract of :mod:`l2l.simulators.base`), checked by running it the
way a worker does (:func:`l2l.jobs.base.evaluate`, whose refusals become failed rows in a run):

* it is a dataclass whose fields are its options, each with a help text and a default, and it survives
  pickling (it is shipped once to every worker) as a simulator that gives the same results;
* an evaluation returns the run's objectives (:meth:`~l2l.simulators.base.Simulator.objectives`), finite,
  every name it declares in ``produces``, and output vectors exactly when ``returns_outputs`` says so;
* the same parameters and seed give the same result (unless the test class sets ``deterministic = False``).

:class:`MultiFidelitySimulatorContract` adds what a multi-fidelity run relies on of a simulator that declares a
:class:`~l2l.simulators.base.Fidelity`:

* budgets at its minimum and its maximum are accepted;
* a curve holds rows ``[fidelity, value]`` in increasing order within the segment, and an objective's curve ends
  at the segment's budget with the objective returned there;
* a checkpoint is a dict of arrays, numbers and strings that l2l stores without pickle (and holds no pickled
  bytes in an array either);
* continuing from a checkpoint, encoded and decoded as the trajectory stores it, to a higher budget gives what a
  run from scratch to that budget gives: exactly, or within ``continuation_rtol`` for a simulator documented to
  approximate it; the continued curve holds only the points past the checkpoint's budget.
"""

from __future__ import annotations

import math
import pickle
from typing import Any, Callable, ClassVar, Mapping

import numpy as np
import pytest

from l2l.jobs.base import CURVE_PREFIX, Outcome, Settings, Task, evaluate
from l2l.numbers import number
from l2l.outcomes import CURVE_TOLERANCE
from l2l.results_schema import codec
from l2l.simulators.base import Fidelity, Simulator

#: Bytes that open a pickle of protocol 2 to 5 (the protocol opcode and its number).
_PICKLE_OPENINGS = tuple(bytes([0x80, protocol]) for protocol in range(2, 6))


class SimulatorContract:
    """The checks every simulator passes. Subclass as ``TestSomething``, set ``name`` or ``simulator_class``, and
    ``params``: one candidate's values as the simulator receives them (``{"x": np.array([0.5, -1.0])}``).

    Override the ``make_simulator`` fixture (a callable returning a fresh simulator) to test something else.
    """

    #: Name of a registered simulator (used when ``simulator_class`` is None).
    name: ClassVar[str | None] = None
    #: The simulator's class (a frozen dataclass subclassing :class:`l2l.simulators.base.Simulator`).
    simulator_class: ClassVar[type[Simulator] | None] = None
    #: Options that keep the simulator quick (short training, few test trials), as a config's [simulator] gives them.
    options: ClassVar[Mapping[str, Any]] = {}
    #: One candidate's parameters, as the simulator receives them from the space.
    params: ClassVar[Mapping[str, Any]] = {}
    #: The evaluation seed the checks use.
    seed: ClassVar[int] = 7
    #: False for a simulator whose result for the same parameters and seed may differ (say so in its docs): the
    #: checks of equal results are left out, those of their shape are not.
    deterministic: ClassVar[bool] = True
    #: Metrics that may differ between two runs of a deterministic simulator (a wall-clock time).
    varying_metrics: ClassVar[tuple[str, ...]] = ()

    @pytest.fixture
    def make_simulator(self) -> Callable[[], Simulator]:
        from l2l.registry import Registry

        if self.simulator_class is not None:
            cls = self.simulator_class
            registry = Registry("simulator", {cls.name: cls}, group=None)
            return lambda: registry.create(cls.name, dict(self.options))
        if self.name is None:
            raise TypeError(f"{type(self).__name__}: set simulator_class or name (or override make_simulator)")
        from l2l.simulators import SIMULATORS

        return lambda: SIMULATORS.create(self.name, dict(self.options))

    @pytest.fixture
    def simulator(self, make_simulator: Callable[[], Simulator]) -> Simulator:
        return make_simulator()

    # -- helpers ----------------------------------------------------------------------------------------------
    def run(self, simulator: Simulator, budget: float | None = None, checkpoint: Mapping[str, Any] | None = None,
            from_budget: float = 0.0, seed: int | None = None) -> Outcome:
        """One evaluation as a worker runs it; fails the check, with the error l2l would record, if it failed."""
        task = Task(0, 0, self.seed if seed is None else seed, dict(self.params), budget=budget,
                    from_budget=from_budget if checkpoint is not None else 0.0, checkpoint=checkpoint, trial=0)
        outcome = evaluate(simulator, task, Settings(objectives=_objective_names(simulator)))
        assert outcome.ok, f"{_segment(budget, checkpoint, from_budget)} failed as l2l runs it: {outcome.error}"
        return outcome

    # -- checks -----------------------------------------------------------------------------------------------
    def test_every_option_has_a_help_text_and_a_default(self, simulator: Simulator) -> None:
        from l2l.registry import Registry

        description = Registry("simulator", {"subject": type(simulator)}, group=None).describe("subject")
        assert description["summary"], f"{type(simulator).__name__} has no docstring (its summary in l2l list)"
        for entry in description["options"]:
            assert entry["help"], f"option {entry['name']!r} has no help text (declare it with l2l.registry.option)"
            assert entry["default"] != "(required)", f"option {entry['name']!r} has no default"

    def test_an_evaluation_returns_the_declared_objectives(self, simulator: Simulator) -> None:
        outcome = self.run(simulator)
        returned = {**outcome.metrics, **outcome.objectives}
        if simulator.produces is not None:
            missing = [name for name in simulator.produces if name not in returned]
            assert not missing, (f"the simulator declares produces = {simulator.produces} but returned no "
                                 f"{missing[0]!r} (returned: {sorted(returned)})")
            others = [o.name for o in simulator.objectives() if o.name not in simulator.produces]
            assert not others, f"its objective {others[0]!r} is not among produces = {simulator.produces}"
        if simulator.returns_outputs is True:
            assert outcome.outputs is not None, "returns_outputs = True, but the evaluation returned no outputs"
        elif simulator.returns_outputs is False:
            assert outcome.outputs is None, "returns_outputs = False, but the evaluation returned outputs"

    def test_the_same_parameters_and_seed_give_the_same_result(self, make_simulator) -> None:
        if not self.deterministic:
            pytest.skip("deterministic = False")
        first, again = self.run(make_simulator()), self.run(make_simulator())
        _assert_same(first, again, "a second evaluation with the same parameters and seed", self.varying_metrics)

    def test_the_simulator_survives_pickling_as_the_workers_receive_it(self, simulator: Simulator) -> None:
        try:
            copy = pickle.loads(pickle.dumps(simulator))
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            raise AssertionError(f"the simulator cannot be pickled, which shipping it to a worker does: "
                                 f"{type(exc).__name__}: {exc}; keep only options in its fields (open files, "
                                 f"locks and models are made inside run)") from None
        assert type(copy) is type(simulator) and copy.options() == simulator.options(), (
            "the unpickled simulator has other options than the original")
        assert copy.name == simulator.name, f"the unpickled simulator is named {copy.name!r}, not {simulator.name!r}"
        if self.deterministic:
            _assert_same(self.run(simulator), self.run(copy), "the simulator unpickled (as a worker has it)",
                         self.varying_metrics)


class MultiFidelitySimulatorContract(SimulatorContract):
    """The checks of a simulator with a fidelity (:meth:`~l2l.simulators.base.Simulator.run_to`), besides those
    of :class:`SimulatorContract`. ``budgets = (low, high)`` are the budgets the continuation check pauses at and
    continues to (default: the fidelity's minimum and maximum)."""

    #: The budget a candidate pauses at and the higher one it continues to; None: the fidelity's minimum and maximum.
    budgets: ClassVar[tuple[float, float] | None] = None
    #: False for a simulator that returns no checkpoint (each segment restarts from scratch, counted so).
    checkpoints: ClassVar[bool] = True
    #: 0: a continued candidate equals one run from scratch; > 0: the relative tolerance of a simulator documented
    #: to approximate it (objectives and curve values).
    continuation_rtol: ClassVar[float] = 0.0

    def fidelity_of(self, simulator: Simulator) -> Fidelity:
        fidelity = simulator.fidelity()
        assert isinstance(fidelity, Fidelity), (
            f"fidelity() returned {fidelity!r}, not an l2l.simulators.base.Fidelity: a simulator without a fidelity "
            f"is checked by SimulatorContract")
        return fidelity

    def pause_and_top(self, simulator: Simulator) -> tuple[float, float]:
        fidelity = self.fidelity_of(simulator)
        low, high = self.budgets if self.budgets is not None else (fidelity.minimum, fidelity.maximum)
        assert fidelity.minimum <= low < high <= fidelity.maximum, (
            f"budgets = ({number(low)}, {number(high)}) must be two budgets within the fidelity's range "
            f"[{number(fidelity.minimum)}, {number(fidelity.maximum)}], the first below the second")
        return low, high

    def test_the_fidelity_is_declared(self, simulator: Simulator) -> None:
        fidelity = self.fidelity_of(simulator)
        assert Fidelity(**fidelity.to_json()) == fidelity  # a valid declaration, stored with the run as JSON
        assert fidelity.name.isidentifier(), f"the fidelity's name {fidelity.name!r} is not a word"

    def test_budgets_at_the_minimum_and_the_maximum_are_accepted(self, simulator: Simulator) -> None:
        fidelity = self.fidelity_of(simulator)
        for budget in sorted({fidelity.minimum, fidelity.maximum}):
            outcome = self.run(simulator, budget)
            _check_curves(outcome, budget, 0.0, "")

    def test_the_curve_ends_at_the_budget_with_the_result(self, simulator: Simulator) -> None:
        low, high = self.pause_and_top(simulator)
        for budget in (low, high):
            outcome = self.run(simulator, budget)
            assert any(key.startswith(CURVE_PREFIX) for key in outcome.traces), (
                f"the segment to {number(budget)} returned no curve; return "
                f"curve={{{_objective_names(simulator)[0]!r}: [[fidelity, value], ...]}}, the objectives at the "
                f"fidelities it passed (policies read a candidate's value at the lower rungs from it)")
            _check_curves(outcome, budget, 0.0, f"the segment to {number(budget)}")

    def test_a_checkpoint_is_stored_without_pickle(self, simulator: Simulator) -> None:
        low, _ = self.pause_and_top(simulator)
        outcome = self.run(simulator, low)  # l2l's own refusal of what it cannot store fails it, as in a run
        if outcome.checkpoint is None:
            assert not self.checkpoints, (f"the segment to {number(low)} returned no checkpoint, so every segment "
                                          f"restarts from scratch; set checkpoints = False if that is meant")
            return
        _refuse_pickled_bytes(outcome.checkpoint)
        stored = codec.decode(codec.encode(outcome.checkpoint))
        assert codec.encode(stored) == codec.encode(outcome.checkpoint), "the checkpoint changes when stored and read"

    def test_continuing_from_a_stored_checkpoint_equals_a_run_from_scratch(self, simulator: Simulator) -> None:
        low, high = self.pause_and_top(simulator)
        first = self.run(simulator, low)
        if first.checkpoint is None:
            assert not self.checkpoints, (f"the segment to {number(low)} returned no checkpoint; set checkpoints = "
                                          f"False if every segment restarts from scratch")
            pytest.skip("checkpoints = False")
        stored = codec.decode(codec.encode(first.checkpoint))  # as a run hands it back: read from the trajectory
        continued = self.run(simulator, high, stored, low)
        _check_curves(continued, high, low, f"the segment from {number(low)} to {number(high)}")
        if not self.deterministic:
            return
        scratch = self.run(simulator, high)
        what = (f"continued from its checkpoint at {number(low)} to {number(high)}, the simulator returned {{}}; run "
                f"from scratch to {number(high)}, {{}}")
        hint = ("; a continued candidate must give what a run from scratch gives (restore every state: weights, "
                "optimizer moments, the random generator's state), or set continuation_rtol if the simulator is "
                "documented to approximate it")
        for name, value in scratch.objectives.items():
            other = continued.objectives[name]
            assert _close(other, value, self.continuation_rtol), what.format(f"{name} {other!r}",
                                                                             f"{value!r}") + hint
        for key, points in continued.traces.items():
            if not key.startswith(CURVE_PREFIX) or key not in scratch.traces:
                continue
            reference = {float(f): float(v) for f, v in np.asarray(scratch.traces[key]).reshape(-1, 2)}
            for fidelity, value in np.asarray(points).reshape(-1, 2):
                if float(fidelity) in reference:
                    assert _close(float(value), reference[float(fidelity)], self.continuation_rtol), what.format(
                        f"curve {key[len(CURVE_PREFIX):]!r} {value!r} at {number(fidelity)}",
                        f"{reference[float(fidelity)]!r} there") + hint


def _objective_names(simulator: Simulator) -> tuple[str, ...]:
    return tuple(o.name for o in simulator.objectives())


def _segment(budget: float | None, checkpoint: Any, from_budget: float) -> str:
    if budget is None:
        return "the evaluation (no budget: a run without a policy)"
    if checkpoint is None:
        return f"the segment to {number(budget)} (from scratch)"
    return f"the segment from the checkpoint at {number(from_budget)} to {number(budget)}"


def _close(a: float, b: float, rtol: float) -> bool:
    if rtol == 0:
        return a == b
    return math.isclose(a, b, rel_tol=rtol, abs_tol=rtol)


def _assert_same(first: Outcome, second: Outcome, what: str, varying: tuple[str, ...]) -> None:
    assert first.objectives == second.objectives, (
        f"{what} returned {second.objectives} where the first evaluation returned {first.objectives}; set "
        f"deterministic = False if its results may differ for the same seed (and say so in its docs)")
    metrics = {k: v for k, v in first.metrics.items() if k not in varying}
    others = {k: v for k, v in second.metrics.items() if k not in varying}
    assert metrics == others, (f"{what} returned the metrics {others} where the first evaluation returned "
                               f"{metrics}; list the metrics that may differ in varying_metrics")
    assert sorted(first.traces) == sorted(second.traces), f"{what} returned other traces: {sorted(second.traces)}"
    for key in first.traces:
        assert np.array_equal(first.traces[key], second.traces[key], equal_nan=True), f"{what}: trace {key!r} differs"
    if first.checkpoint is not None or second.checkpoint is not None:
        assert codec.encode(first.checkpoint) == codec.encode(second.checkpoint), f"{what}: the checkpoint differs"


def _check_curves(outcome: Outcome, budget: float, start: float, where: str) -> None:
    """The curves of ``outcome`` (a segment from ``start`` to ``budget``): increasing fidelities in (start, budget],
    an objective's curve ending at the budget with the objective."""
    where = where or f"the segment to {number(budget)}"
    for key, points in outcome.traces.items():
        if not key.startswith(CURVE_PREFIX):
            continue
        name = key[len(CURVE_PREFIX):]
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if not len(points):
            continue
        fidelities = points[:, 0]
        back = np.flatnonzero(np.diff(fidelities) <= 0)
        assert not len(back), (f"curve {name!r} of {where} has fidelities that do not increase: "
                               f"{number(fidelities[back[0]])} then {number(fidelities[back[0] + 1])}")
        assert not start or fidelities[0] > start, (
            f"curve {name!r} of {where} starts at fidelity {number(fidelities[0])}, not past the checkpoint's budget "
            f"{number(start)}: a continued segment's curve holds only the points it passed after its checkpoint")
        value = outcome.objectives.get(name, outcome.metrics.get(name))
        if value is None:
            continue
        end, last = float(fidelities[-1]), float(points[-1, 1])
        assert math.isclose(end, budget, rel_tol=1e-9), (
            f"curve {name!r} of {where} ends at fidelity {number(end)}, not at the segment's budget {number(budget)}, "
            f"where its result is {name} {value!r}: a curve's last point is [budget, the result] (after step e, "
            f"counted from 1, the point is [e, value])")
        assert abs(last - value) <= CURVE_TOLERANCE * max(abs(last), abs(value)), (
            f"curve {name!r} of {where} ends with {last!r} at fidelity {number(end)}, but the result there is {name} "
            f"{value!r}: the curve's value at the budget is the result (a curve of another quantity needs "
            f"another name)")


def _refuse_pickled_bytes(value: Any, where: str = "") -> None:
    """Fail on an array of bytes that opens like a pickle: storable, but it makes reading a checkpoint run code."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_pickled_bytes(item, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _refuse_pickled_bytes(item, f"{where}[{i}]")
    elif isinstance(value, np.ndarray) and value.dtype.itemsize == 1 and value.size >= 2:
        assert value.reshape(-1)[:2].tobytes() not in _PICKLE_OPENINGS, (
            f"checkpoint key {where} holds pickled bytes (a {value.dtype} array of {value.size}): a checkpoint "
            f"is stored pickle-free so that reading one never runs code; store the arrays and numbers "
            f"themselves (a model's weights as arrays, a generator's state as rng.bit_generator.state)")
