"""The simulator contract: (parameters, seed) -> objectives, metrics, traces, outputs.

A simulator is a dataclass whose fields are its options (set from the
``[simulator]`` table of a config). It must be picklable: it is shipped once
to every worker. Implement :meth:`Simulator.run`; it receives

* ``params``: a dict in the order of the space, with floats as ``float``,
  ints as ``int``, categorical values as the choice itself and array
  parameters as ``numpy.ndarray``;
* ``seed``: a non-negative integer below 2**63 derived from (run seed,
  generation, individual). All randomness of an evaluation must come from it.

and returns one of

* a float (one objective),
* a mapping ``{objective name: value}``,
* a :class:`SimulationResult` with objectives, scalar metrics, array traces
  (for example a learning curve) and an optional output vector (what the
  ensemble Kalman filter compares to its target).

Raising an exception is allowed: the evaluation is recorded as failed.

**Multi-fidelity inner loops** (see docs/multifidelity.md) also declare
:meth:`Simulator.fidelity` (what their budget counts: training iterations,
examples, seconds of biological time) and implement :meth:`Simulator.run_to`,
called with the budget to reach and the checkpoint the same candidate returned
at its previous budget (``None`` the first time). They return a
:class:`SimulationResult` with the result at that budget, a ``curve`` (the
objectives at intermediate fidelities) and a new ``checkpoint``: a dict of
numpy arrays, numbers and strings, stored with the run without pickle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective

#: The name a model's module file is loaded under (l2l.simulators.python_import): this prefix, the first
#: USER_MODULE_DIGEST hex digits of its path's digest, '_', its own name; failure lines take it out again
#: (l2l.jobs.base), so that a model's exception class reads ``model.ConvergenceError``.
USER_MODULE_PREFIX, USER_MODULE_DIGEST = "_l2l_user_", 12


@dataclass
class SimulationResult:
    """What one evaluation produced."""

    objectives: Mapping[str, float] | float
    metrics: Mapping[str, float] = field(default_factory=dict)
    traces: Mapping[str, np.ndarray] = field(default_factory=dict)
    outputs: np.ndarray | None = None
    #: Multi-fidelity: {objective: [[fidelity, value], ...]} at the fidelities this segment passed.
    curve: Mapping[str, Any] | None = None
    #: Multi-fidelity: what the candidate needs to continue (arrays, numbers, strings); None: cannot.
    checkpoint: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Fidelity:
    """What a multi-fidelity simulator's budget counts, and its range.

    ``name`` is a short word (``iterations``), ``unit`` says it for people
    (``training iterations``); budgets run from ``minimum`` to ``maximum``
    (whole numbers if ``integer``).
    """

    name: str
    unit: str
    minimum: float
    maximum: float
    integer: bool = True

    def __post_init__(self) -> None:
        if not (0 < self.minimum <= self.maximum) or not np.isfinite(self.maximum):
            raise ConfigError(f"fidelity {self.name!r}: 0 < minimum <= maximum must hold, "
                              f"got (minimum={self.minimum}, maximum={self.maximum})")

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class EvaluationContext:
    """Where and how an evaluation runs; passed to :meth:`Simulator.evaluate`."""

    generation: int
    individual: int
    attempt: int = 0
    timeout: float | None = None
    run_dir: str | None = None
    #: Multi-fidelity: the budget to reach (None: a single-fidelity evaluation), the budget the
    #: checkpoint was taken at, the checkpoint (None: start from scratch) and the candidate's id.
    budget: float | None = None
    from_budget: float = 0.0
    checkpoint: Mapping[str, Any] | None = None
    trial: int = -1


@dataclass(frozen=True)
class Simulator:
    """Base class of every inner loop."""

    name: ClassVar[str] = "simulator"
    #: Objectives a run uses when its config names none.
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("value", "minimize"),)
    #: The objective names every evaluation returns, when they are known without running it; a config
    #: naming another objective is refused when it is read. None: known only by running (python, command).
    produces: ClassVar[tuple[str, ...] | None] = None
    #: The better side of the produced names that have one ("minimize" for an error or a loss, "maximize" for an
    #: accuracy, a reward, a capacity): a name alone in a config's objectives takes it, the other side is refused
    #: (:func:`l2l.simulators.directions.natural_directions`). A name left out (a rate, a count) goes the way the config
    #: says (alone: minimized).
    directions: ClassVar[Mapping[str, str]] = {}
    #: False if no evaluation ever returns output vectors (:attr:`SimulationResult.outputs`), so that an optimizer
    #: that needs them (``enkf``) is refused when the config is read, not after a generation ran; None: known only
    #: by running (a user's function or command, a plugin), True: every evaluation returns them.
    returns_outputs: ClassVar[bool | None] = None
    #: True if :meth:`evaluate` enforces ``context.timeout`` itself (e.g. a subprocess).
    handles_timeout: ClassVar[bool] = False
    #: False for a function passed to ``l2l.run`` itself, which exists in this process alone: the backends with
    #: worker processes pickle it first (its ``check_sendable``), ``slurm-array``, whose tasks build the simulator
    #: from its options, refuses it. True for every simulator built from the options of a config.
    from_options: ClassVar[bool] = True

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult | Mapping[str, float] | float:
        raise NotImplementedError

    def evaluate(self, params: dict[str, Any], seed: int, context: EvaluationContext):
        """Entry point used by the executors; override to use the context."""
        if context.budget is not None:
            return self.run_to(params, seed, context.budget, context.checkpoint)
        return self.run(params, seed)

    # -- multi-fidelity ------------------------------------------------------------
    def fidelity(self) -> Fidelity | None:
        """What this simulator's budget counts; None if it has no fidelity (the default)."""
        return None

    def run_to(self, params: dict[str, Any], seed: int, budget: float,
               checkpoint: Mapping[str, Any] | None) -> SimulationResult | Mapping[str, float] | float:
        """Continue the candidate ``params`` from ``checkpoint`` (None: from scratch) up to ``budget``."""
        raise NotImplementedError(f"simulator {self.name!r} has no fidelity")

    def restarts(self) -> bool:
        """True where every segment is known to train from scratch, whatever it returns as checkpoint (a python
        function without a ``checkpoint`` parameter): a policy's compute then counts each at its whole budget;
        False where not known (the default)."""
        return False

    def objectives(self) -> tuple[Objective, ...]:
        return self.default_objectives

    @classmethod
    def directions_for(cls, options: Mapping[str, Any]) -> Mapping[str, str]:
        """The :attr:`directions` of a simulator configured with ``options`` (read before it is built; a wrapper
        gives those of the simulator it wraps)."""
        return cls.directions

    #: Parameters a run may explore; each one not explored takes the option of the same name.
    explorable: ClassVar[tuple[str, ...]] = ()

    def check_space(self, space) -> None:
        """Raise :class:`l2l.errors.ConfigError` if ``space`` cannot drive this simulator."""
        if self.explorable:
            self._refuse_unknown(space.names, "cannot explore")

    def _refuse_unknown(self, names, what: str = "unknown parameter") -> None:
        unknown = [name for name in names if name not in self.explorable]
        if unknown:
            raise ConfigError(f"simulator {self.name!r}: {what} {unknown[0]!r}; "
                              f"explorable: {', '.join(self.explorable)}")

    def explored(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every explorable value of one evaluation: from ``params`` where given, else the option."""
        self._refuse_unknown(params)
        return {key: params[key] if key in params else getattr(self, key) for key in self.explorable}

    def options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.init and not f.name.startswith("_")}


def as_result(value: Any) -> SimulationResult:
    """Normalise whatever ``run`` returned into a :class:`SimulationResult`."""
    if isinstance(value, SimulationResult):
        return value
    if isinstance(value, Mapping):
        return SimulationResult(objectives=dict(value))
    return SimulationResult(objectives=value)


def empty_curve(name: str) -> str:
    """What an empty curve ``name`` of a result is said as (by :func:`l2l.jobs.base.curves` and by the ``command``
    simulator, which adds its program's last line on stderr)."""
    return f"curve {name!r} is empty (no [fidelity, value] row)"


def empty_curves(curve: Any) -> list[str]:
    """The names of the empty curves of a result's ``curve`` (a dict of lists)."""
    if not isinstance(curve, dict):
        return []
    return [str(name) for name, points in curve.items() if isinstance(points, (list, tuple)) and not points]
