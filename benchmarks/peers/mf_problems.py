"""The problems of benchmarks/multifidelity.py, shared by every method (l2l, Optuna, DEHB in its own venv).

A problem is an l2l simulator with a fidelity, a search space and a compute budget. Every method
searches the same unit cube: a point ``u`` in [0, 1]^d becomes parameters through l2l's own space
(``space.from_unit`` then ``space.decode``, so log-scaled parameters are log-uniform for everyone).

Methods hand back a *log*: one record per evaluated segment, in the order they finished,
``(compute_after, budget, observed_value, key)`` where compute is in fidelity units (a segment continued
from a checkpoint costs ``budget - from_budget``, one restarted from scratch costs ``budget``) and ``key``
names the candidate (its unit point, rounded). :func:`incumbent_at` applies ONE rule to every method:
the chosen candidate after compute ``c`` is the one with the best mean observed value over its
evaluations at the top budget finished by then (before the first top-budget result: at the highest
budget reached); on a tie of means the one evaluated more often, then the one evaluated first. A method
that evaluates a candidate at the top budget once (every peer) is judged by that one value; one that
trains a candidate again with a new seed is judged by the mean, so a lucky result cannot win alone. Its
quality is then measured honestly by :meth:`Problem.true_value`: the noise-free top-budget value for the
synthetic functions, the mean over fresh seeds (never seen by any selection) at the top budget for the
learning curves of ``lsnn`` and ``egru``: their test error, also for ``lsnn-loss`` and ``egru-loss``, where
every method optimizes the readout's cross-entropy on the test trials instead (opt-in: ``--problems``).

Only numpy and l2l are imported here: the DEHB runner imports this module from its own venv.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Seeds of the fresh re-evaluations of the learning-curve problems (no method's evaluation uses them:
#: l2l's seeds are 63-bit hashes, the peers' are below 2**31 and offset by the run seed * 1e6).
FRESH_SEED_BASE = 7_000_000_000_001
#: Environment variable that sets the number of fresh seeds of the honest re-evaluation of the learning-curve
#: problems (``benchmarks/multifidelity.py --fresh-seeds N``; the first ones are always the same seeds, so a
#: larger number measures a superset). Read in every process that builds a problem.
FRESH_SEEDS_VARIABLE = "L2L_BENCH_FRESH_SEEDS"

SYNTHETIC_SPACE = {3: {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [3]}},
                   6: {"x": {"type": "float", "low": 0.0, "high": 1.0, "shape": [6]}}}

LSNN_SPACE = {"tau_a": {"type": "float", "low": 5.0, "high": 500.0, "log": True},
              "beta": {"type": "float", "low": 1.0, "high": 200.0, "log": True},
              "thr": {"type": "float", "low": 0.3, "high": 3.0, "log": True},
              "learning_rate": {"type": "float", "low": 1e-4, "high": 1e-1, "log": True}}
EGRU_SPACE = {"theta_init": {"type": "float", "low": 0.0, "high": 1.0},
              "learning_rate": {"type": "float", "low": 3e-3, "high": 3e-1, "log": True},
              "density": {"type": "float", "low": 0.2, "high": 1.0}}


@dataclass(frozen=True)
class Spec:
    """What a problem is: simulator and options, space, class, budgets; ``quick`` overrides for --quick."""

    name: str
    kind: str  # "agree", "mislead" or "learning-curve"
    simulator: str
    options: dict[str, Any]
    space: dict[str, Any]
    objective: str
    min_budget: int
    max_budget: int
    evaluations: int  # the compute budget, in full-fidelity evaluations
    fresh_seeds: int = 0  # learning curves: seeds of the honest re-evaluation
    quality: str = ""  # the objective of the honest re-evaluation, if not the one the methods optimize
    quick: dict[str, Any] = field(default_factory=dict)


def _hartmann(dimension: int, low_fidelity: str) -> Spec:
    return Spec(f"hartmann{dimension}-{low_fidelity}", low_fidelity, f"hartmann{dimension}",
                {"multi_fidelity": True, "low_fidelity": low_fidelity, "min_budget": 1, "max_budget": 81},
                SYNTHETIC_SPACE[dimension], "value", 1, 81, 100, quick={"evaluations": 30})


SPECS = {spec.name: spec for spec in (
    _hartmann(3, "agree"), _hartmann(6, "agree"), _hartmann(3, "mislead"), _hartmann(6, "mislead"),
    Spec("lsnn", "learning-curve", "lsnn",
         {"n_lif": 5, "n_alif": 10, "training_steps": 81, "batch_size": 8, "test_trials": 128, "delay": 60,
          "min_budget": 3},
         LSNN_SPACE, "recall_error", 3, 81, 40, fresh_seeds=3,
         quick={"evaluations": 12, "fresh_seeds": 2}),
    Spec("egru", "learning-curve", "egru",
         {"units": 16, "trials": 162, "batch_size": 3, "noise": 0.1, "test_trials": 128, "min_budget": 6},
         EGRU_SPACE, "test_error", 6, 162, 30, fresh_seeds=3,
         quick={"evaluations": 12, "fresh_seeds": 2}),
)}
# egru trained three times as long (486 trials): at 162 trials whether a candidate learns the spiral task is
# mostly its training seed's luck (no rung below the top ranks candidates, docs/multifidelity_benchmark.md); at 486
# about 40 % of random candidates learn it and the rung at a third of the training ranks them about as lsnn's does.
SPECS["egru-long"] = Spec("egru-long", "learning-curve", "egru", {**SPECS["egru"].options, "trials": 486},
                          EGRU_SPACE, "test_error", 6, 486, 30, fresh_seeds=3,
                          quick={"evaluations": 12, "fresh_seeds": 2})
# The same learning curves, optimized on the readout's cross-entropy on the same test trials (smooth where the
# error sits at chance), judged on the test error on fresh seeds as the problems above.
for _name, _loss in (("lsnn", "recall_loss"), ("egru", "test_loss")):
    _spec = SPECS[_name]
    SPECS[f"{_name}-loss"] = Spec(f"{_name}-loss", _spec.kind, _spec.simulator, _spec.options, _spec.space, _loss,
                                  _spec.min_budget, _spec.max_budget, _spec.evaluations, _spec.fresh_seeds,
                                  quality=_spec.objective, quick=_spec.quick)

DEFAULT_PROBLEMS = ("hartmann3-agree", "hartmann6-agree", "hartmann3-mislead", "hartmann6-mislead", "lsnn", "egru")
QUICK_PROBLEMS = ("hartmann3-agree", "hartmann3-mislead", "lsnn")


class Problem:
    """One problem, ready to evaluate (built in whichever process runs a method)."""

    def __init__(self, name: str, quick: bool = False):
        from l2l.simulators import SIMULATORS
        from l2l.space import Space

        spec = SPECS[name]
        self.spec, self.name, self.kind, self.quick = spec, name, spec.kind, quick
        options = dict(spec.options)
        self.evaluations = spec.evaluations
        self.fresh_seeds = spec.fresh_seeds
        if quick:
            self.evaluations = spec.quick.get("evaluations", self.evaluations)
            self.fresh_seeds = spec.quick.get("fresh_seeds", self.fresh_seeds)
        if self.fresh_seeds and os.environ.get(FRESH_SEEDS_VARIABLE):
            self.fresh_seeds = int(os.environ[FRESH_SEEDS_VARIABLE])
        self.options = options
        self.simulator = SIMULATORS.create(spec.simulator, options)
        self.space = Space.from_json(spec.space)
        self.dimension = self.space.dimension
        self.objective = spec.objective
        self.quality = spec.quality or spec.objective
        self.min_budget, self.max_budget = spec.min_budget, spec.max_budget
        self.compute = float(self.evaluations * self.max_budget)
        self._true: dict[tuple, float] = {}

    def rungs(self, eta: float = 3.0) -> list[int]:
        levels = int(math.floor(math.log(self.max_budget / self.min_budget) / math.log(eta) + 1e-9))
        return sorted({int(round(self.max_budget * eta ** (k - levels))) for k in range(levels + 1)})

    # -- points ---------------------------------------------------------------------------------------
    def params(self, unit) -> dict[str, Any]:
        """Parameters of the unit point ``unit`` (through l2l's space: log parameters log-uniform)."""
        return self.space.decode(self.space.from_unit(np.asarray(unit, dtype=float)))

    def unit_of(self, params: dict[str, Any]) -> np.ndarray:
        return np.clip(self.space.to_unit(self.space.encode(params)), 0.0, 1.0)

    @staticmethod
    def key(unit) -> tuple:
        return tuple(round(float(v), 12) for v in unit)

    # -- evaluations ----------------------------------------------------------------------------------
    def run_to(self, unit, seed: int, budget: float, checkpoint=None, objective: str = "") -> tuple[float, Any]:
        """(observed value at ``budget``, checkpoint) of the candidate at ``unit``, from ``checkpoint``
        (the value of ``objective``, by default the one the methods optimize)."""
        from l2l.simulators.base import as_result

        result = as_result(self.simulator.run_to(self.params(unit), int(seed), int(budget), checkpoint))
        objectives = result.objectives if isinstance(result.objectives, dict) else {self.objective: result.objectives}
        return float(objectives[objective or self.objective]), result.checkpoint

    def true_value(self, unit) -> float:
        """The honest top-budget quality of the candidate at ``unit`` (cached)."""
        key = self.key(unit)
        if key not in self._true:
            params = self.params(unit)
            if self.kind == "learning-curve":
                values = [self.run_to(unit, FRESH_SEED_BASE + k, self.max_budget, objective=self.quality)[0]
                          for k in range(self.fresh_seeds)]
                self._true[key] = float(np.mean(values))
            else:
                from l2l.simulators.functions import vector
                self._true[key] = float(self.simulator.f(vector(params)))
        return self._true[key]

    @property
    def exact(self) -> bool:
        """True if :meth:`true_value` is free (synthetic functions): then every incumbent is measured."""
        return self.kind != "learning-curve"


def _choice(records) -> tuple | None:
    """The chosen key among ``records`` ((budget, value, key), finished ones): see :func:`incumbent_at`."""
    top = max((budget for budget, value, _ in records if np.isfinite(value)), default=None)
    if top is None:
        return None
    groups: dict[tuple, list[float]] = {}
    order: dict[tuple, int] = {}
    for budget, value, key in records:
        if budget == top and np.isfinite(value):
            groups.setdefault(key, []).append(value)
            order.setdefault(key, len(order))
    return min(groups, key=lambda k: (float(np.mean(groups[k])), -len(groups[k]), order[k]))


def incumbent_at(log: list[tuple[float, float, float, tuple]], compute: float, top: float) -> tuple | None:
    """The key of the candidate a method has chosen after ``compute`` units (see the module docstring)."""
    records = [(min(budget, top), value, key) for spent, budget, value, key in log if spent <= compute + 1e-9]
    return _choice(records)

