"""``auto``: picks an optimizer for the problem, the default when a config has no ``[optimizer]`` table.

The choice is made once, at ``init``, from what is known of the run, and is
stored in the state (so a resumed run keeps it even if this table changes).
``d`` is the dimension of the space (its number of coded coordinates),
``budget`` the evaluations the run will spend (the ``budget`` option, or 100 d
when not given), ``batch`` the candidates evaluated at once
(``population_size``; when it is not set, the backend's ``workers`` for every
row but the ``tpe`` ones, which keep TPE's own batch). The first row that
matches decides:

==== ===================================================== ============================================
row  when                                                   choice
==== ===================================================== ============================================
0    ``policy = "pbt"``: the optimizer only draws the        ``random``
     first population, and is never told
1    several objectives, budget < 40 per objective and d    ``motpe`` (model-based, few evaluations)
2    several objectives                                     ``nsga2`` (population max(batch, 4..40))
3    half or more of the coordinates are ints/categoricals  ``nevergrad`` NGOpt told budget and batch
     and Nevergrad installed and ``nevergrad`` (default)    (batch 10 when not given; see below)
     and no ``policy`` (a multi-fidelity policy leaves
     candidates untold, more than NGOpt keeps out)
4    half or more of the coordinates are ints/categoricals  ``tpe`` (batch asked at once)
     and every parameter bounded
5    ``noisy``                                              ``cmaes`` (population max(batch,
                                                            2 (4 + 3 ln d)))
6    d = 1 and the parameter bounded                        ``tpe``
7    otherwise                                              ``cmaes-quadratic`` (population max(batch,
                                                            4 + 3 ln d))
==== ===================================================== ============================================

On an existing Dask cluster (backend ``dask``) the workers are not known before the run reaches its scheduler:
in ``run.mode = 'async'`` the Nevergrad row then takes the workers the scheduler reports as the run starts (at
least 10) as its batch, and is told twice that as NGOpt's ``num_workers``, the most candidates an asynchronous
run keeps out on them (before, it took 10 and a cluster of more than 10 workers failed the run at its 21st
candidate out). Workers beyond those, joining later or found by ``l2l resume`` (which keeps the stored choice),
are left idle, said in one warning line. So are, on ``local``, ``slurm`` and ``slurm-array`` too (an array's
``max_running``), the workers beyond a
``population_size`` below them, or beyond the stored choice at ``l2l resume --workers`` (before, such a run
failed at its first ask past num_workers).

The figures behind the rows are in docs/optimizers.md (``benchmarks/optimizers.py``).
``describe(problem)`` gives the choice and the row as one line, for the run's
start message.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers.base import MAX_POPULATION, Optimizer, Problem, State
from l2l.registry import option
from l2l.space import Categorical, Int


#: The Nevergrad row's batch where neither population_size nor the backend's workers are known.
NEVERGRAD_BATCH = 10


def _nevergrad_installed() -> bool:
    """Nevergrad is installed and can run beside this numpy (see :func:`l2l.optimizers.nevergrad.numpy_conflict`)."""
    if importlib.util.find_spec("nevergrad") is None:
        return False
    from l2l.optimizers.nevergrad import numpy_conflict
    return numpy_conflict() is None


@dataclass(frozen=True)
class Auto(Optimizer):
    """Chooses an optimizer from the dimension, budget, batch size, parameter types, objectives and noise."""

    name: ClassVar[str] = "auto"
    multi_objective: ClassVar[bool] = True
    supports_async: ClassVar[bool] = True
    needs_bounds: ClassVar[bool] = False
    #: Results below the top budget go on to the chosen optimizer (tpe learns from them, the others ignore them).
    learns_partial: ClassVar[bool] = True

    budget: int | None = option(None, help="evaluations the run will spend (default: 100 per dimension)", ge=1)
    population_size: int | None = option(None, help="candidates evaluated at once (default: the chosen "
                                                    "optimizer's own)", ge=1, le=MAX_POPULATION)
    workers: int | None = option(None, help="evaluations the backend runs at once, set by the run from its "
                                            "backend; the batch size when population_size is not set (not for "
                                            "the tpe rows, which keep their own batch)", ge=1, le=MAX_POPULATION)
    noisy: bool = option(False, help="the evaluations are noisy (plain CMA-ES with a doubled population, no "
                                     "quadratic model)")
    policy: str | None = option(None, help="the run's multi-fidelity policy, set by the run from its [policy] "
                                           "table: 'pbt' draws only its first population from the optimizer "
                                           "(row 0: random); under any policy, Nevergrad is not chosen")
    generations: int | None = option(None, help="the run's generations where they, not run.evaluations, end "
                                                "it; set by the run: what they spend is said beside the budget",
                                     ge=1)
    mode: str | None = option(None, help="the run's run.mode, set by the run: with 'async' the Nevergrad row is "
                                         "told the candidates an asynchronous run keeps out at once (two per "
                                         "worker) as its num_workers", choices=(None, "generational", "async"))
    nevergrad: bool = option(True, help="use Nevergrad's NGOpt for single-objective runs over mostly discrete "
                                        "spaces when it is installed (false: l2l's own tpe)")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_inner", {})
        object.__setattr__(self, "_cluster", None)  # see size_by
        object.__setattr__(self, "_chosen", None)  # (name, options) of the last state seen; see busy_workers

    # -- an existing cluster, known as the run starts ------------------------------------
    def size_by(self, workers: Callable[[], int | None]) -> None:
        """Size the asynchronous Nevergrad row by ``workers()`` when ``workers`` and ``population_size`` are not
        set: the workers an existing Dask cluster's scheduler reports as the run starts (None until then, and
        where it is not reached: the default batch of 10)."""
        object.__setattr__(self, "_cluster", workers)

    def _cluster_workers(self) -> int | None:
        reported = self._cluster() if self._cluster is not None else None
        return None if reported is None else max(int(reported), NEVERGRAD_BATCH)

    def busy_workers(self) -> int:
        """The most workers an asynchronous run keeps busy for the choice of the last state this optimizer saw
        (from :meth:`init`, or a resumed run's through :meth:`resumes`): half the Nevergrad row's
        ``num_workers``, as the run keeps two candidates out per worker; 0 for any other choice (no limit)."""
        from l2l.policies.modes import Async

        if self._chosen is None or self._chosen[0] != "nevergrad" or self.mode != "async":
            return 0
        return max(1, int(self._chosen[1].get("num_workers") or 0) // Async.queue_depth)

    def excess(self, workers: int) -> str:
        """What the warning line says where the cluster has ``workers``, more than :meth:`busy_workers`."""
        options = self._chosen[1] if self._chosen is not None else {}
        return (f"the cluster has {workers} workers, and optimizer 'auto' chose 'nevergrad' as the run started, "
                f"with num_workers = {options.get('num_workers')}: the most candidates it keeps asked and not "
                f"told; run.mode = 'async' keeps 2 per worker out at once")

    def resumes(self, state: State) -> None:
        """Told the state a run goes on from, before anything is asked (see :meth:`busy_workers`)."""
        self._seen(state)

    def _seen(self, state: State) -> State:
        if isinstance(state, dict) and "choice" in state:
            object.__setattr__(self, "_chosen", (state["choice"], state.get("options") or {}))
        return state

    # -- the decision table ----------------------------------------------------------
    def choose(self, problem: Problem) -> tuple[str, dict[str, Any], int]:
        """(optimizer name, its options, the row of the table that decided)."""
        space = problem.space
        d = space.dimension
        budget = self.budget or 100 * d
        batch = self.population_size
        workers = batch or self.workers  # what the continuous, multi-objective and Nevergrad rows size by
        discrete = sum(p.size for p in space.parameters if isinstance(p, (Int, Categorical)))
        k = problem.n_objectives
        sized = {} if batch is None else {"population_size": batch}
        if self.policy == "pbt":
            return "random", {}, 0
        if k > 1 and budget < 40 * k * d:
            return "motpe", {**sized, "n_startup_trials": min(10, max(2, budget // 5))}, 1
        if k > 1:
            return "nsga2", {"population_size": max(workers or 0, min(40, max(4, budget // 25)))}, 2
        if 2 * discrete >= d and self.nevergrad and not self.policy and _nevergrad_installed():
            told = workers or NEVERGRAD_BATCH
            if self.mode == "async":  # NGOpt refuses more candidates out than num_workers
                from l2l.policies.modes import Async

                if not workers:  # an existing cluster: the workers its scheduler reports as the run starts
                    told = self._cluster_workers() or told
                return "nevergrad", {"budget": budget, "population_size": told,
                                     "num_workers": told * Async.queue_depth}, 3
            return "nevergrad", {"budget": budget, "population_size": told, "num_workers": told}, 3
        bounded = space.bounded  # tpe needs bounds: an unbounded parameter goes on to the CMA-ES rows
        if 2 * discrete >= d and bounded:
            return "tpe", {**sized, "n_startup_trials": min(10, max(2, budget // 5))}, 4
        if self.noisy:
            return "cmaes", self._cmaes_options(d, workers), 5
        if d == 1 and bounded:
            return "tpe", {**sized, "n_startup_trials": min(10, max(2, budget // 5))}, 6
        return "cmaes-quadratic", self._cmaes_options(d, workers), 7

    def _cmaes_options(self, d: int, batch: int | None) -> dict[str, Any]:
        default = 4 + int(3 * math.log(d))
        size = max(batch or 0, default * (2 if self.noisy else 1))
        return {"population_size": size}

    def describe(self, problem: Problem) -> str:
        name, options, row = self.choose(problem)
        settings = ", ".join(f"{k} = {v!r}" for k, v in options.items())
        if (name == "nevergrad" and self.mode == "async" and not (self.population_size or self.workers)
                and self._cluster is not None and self._cluster_workers() is None):  # sized as the run starts
            settings = (f"budget = {options['budget']!r}, population_size = the workers the cluster's scheduler "
                        f"reports as the run starts (at least {NEVERGRAD_BATCH}), num_workers = twice that")
        batch = (f", batch = {self.population_size}" if self.population_size else
                 f", workers = {self.workers}" if self.workers else "")
        noise = ("noisy = true" if self.noisy else
                 "noisy = false; set [optimizer] noisy = true if the objective is noisy")
        budget = f"budget = {self.budget or 100 * problem.space.dimension}"
        if self.budget is None and self.generations:  # the budget it chose by is not what the run spends
            per = options.get("population_size") or getattr(self._optimizer(name, options), "population_size", None)
            if self.mode == "async":  # a generation is the run's population_size, not the choice's (16 by default)
                from l2l.policies.modes import Async

                per = self.population_size or Async.population
            spends = f"{self.generations * per} evaluations" if isinstance(per, int) else "fewer evaluations"
            budget += (f" by default, while its {self.generations} generations spend {spends}: set "
                       f"run.evaluations to choose by the run's budget")
        elif self.budget is None and self.policy not in (None, "pbt"):  # candidates: what run.compute pays for
            budget += (" by default, not the run's: under a [policy] it starts as many candidates as run.compute "
                       "pays for; set [optimizer] budget to choose by their number")
        return (f"optimizer 'auto' chose {name!r}" + (f" ({settings})" if settings else "")
                + f", row {row} of its decision table (d = {problem.space.dimension}, "
                f"{budget}{batch}, objectives = {problem.n_objectives}, {noise})")

    def _optimizer(self, name: str, options: dict[str, Any]) -> Optimizer:
        key = (name, tuple(sorted(options.items())))
        if key not in self._inner:
            from l2l.optimizers import OPTIMIZERS

            self._inner[key] = OPTIMIZERS.create(name, dict(options))
        return self._inner[key]

    # -- the contract: delegated -------------------------------------------------------
    def check(self, problem: Problem) -> None:
        name, options, row = self.choose(problem)
        try:
            self._optimizer(name, options).check(problem)
        except ConfigError as exc:  # 'optimizer 'motpe' needs finite bounds' to a config that named no optimizer
            raise ConfigError(f"optimizer 'auto' chose {name!r} (row {row} of its decision table): {exc}") from None

    def init(self, problem: Problem, seed: int) -> State:
        name, options, row = self.choose(problem)
        inner = self._optimizer(name, options)
        return self._seen({"choice": name, "options": dict(options), "row": row,
                           "inner": inner.init(problem, seed)})

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        self._seen(state)
        candidates, inner = self._optimizer(state["choice"], state["options"]).ask(problem, state["inner"], n)
        return candidates, {**state, "inner": inner}

    def inject(self, problem: Problem, state: State, candidates: np.ndarray) -> State | None:
        """Known points (run.initial_points) injected into the chosen optimizer's generations where it takes them
        so (ga, cmaes, nsga2, ...: see l2l.optimizers._generations), or handed out by Nevergrad's suggest
        (nevergrad); None otherwise (tpe, random: told as results instead; the rest refuse them,
        l2l.initial_points)."""
        inject = getattr(self._optimizer(state["choice"], state["options"]), "inject", None)
        inner = inject(problem, state["inner"], candidates) if inject is not None else None
        return None if inner is None else {**state, "inner": inner}

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        inner = self._optimizer(state["choice"], state["options"]).tell(problem, state["inner"], candidates, scores)
        return {**state, "inner": inner}

    def tell_partial(self, problem, state, candidates, budgets, scores) -> State:
        inner = self._optimizer(state["choice"], state["options"]).tell_partial(problem, state["inner"], candidates,
                                                                                budgets, scores)
        return state if inner is state["inner"] else {**state, "inner": inner}

    def done(self, problem: Problem, state: State) -> bool:
        return self._optimizer(state["choice"], state["options"]).done(problem, state["inner"])
