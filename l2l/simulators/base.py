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
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective


@dataclass
class SimulationResult:
    """What one evaluation produced."""

    objectives: Mapping[str, float] | float
    metrics: Mapping[str, float] = field(default_factory=dict)
    traces: Mapping[str, np.ndarray] = field(default_factory=dict)
    outputs: np.ndarray | None = None


@dataclass(frozen=True)
class EvaluationContext:
    """Where and how an evaluation runs; passed to :meth:`Simulator.evaluate`."""

    generation: int
    individual: int
    attempt: int = 0
    timeout: float | None = None
    run_dir: str | None = None


@dataclass(frozen=True)
class Simulator:
    """Base class of every inner loop."""

    name: ClassVar[str] = "simulator"
    #: Objectives a run uses when its config names none.
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("value", "minimize"),)
    #: The objective names every evaluation returns, when they are known without running it; a config
    #: naming another objective is refused when it is read. None: known only by running (python, command).
    produces: ClassVar[tuple[str, ...] | None] = None
    #: True if :meth:`evaluate` enforces ``context.timeout`` itself (e.g. a subprocess).
    handles_timeout: ClassVar[bool] = False

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult | Mapping[str, float] | float:
        raise NotImplementedError

    def evaluate(self, params: dict[str, Any], seed: int, context: EvaluationContext):
        """Entry point used by the executors; override to use the context."""
        return self.run(params, seed)

    def objectives(self) -> tuple[Objective, ...]:
        return self.default_objectives

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
