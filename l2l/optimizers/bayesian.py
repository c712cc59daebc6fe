"""Bayesian optimization through Optuna's ask/tell interface: TPE and multi-objective TPE.

The state is the list of told trials as arrays (codes and larger-is-better
scores) plus the codes asked but not yet told. Every ``ask`` replays them
into a fresh in-memory study, with a sampler seeded from the run seed and the
number of asks so far, so asking is a pure function of the state: a resumed
run continues exactly. Asked-but-untold points enter the study as running
trials, which TPE's constant-liar strategy treats as bad results. A whole
generation can thus be asked at once, and ``tell`` accepts any subset of what
was asked.

The Gaussian-process optimizer ``gp`` is in :mod:`l2l.optimizers.gaussian_process`.

Each element of an array parameter becomes its own float dimension.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator

import numpy as np

from l2l.optimizers._common import record_told
from l2l.optimizers.base import MAX_POPULATION, Optimizer, Problem, State
from l2l.registry import option
from l2l.space import Categorical, Int


def _optuna():
    import optuna

    return optuna


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Optuna's per-trial log lines and experimental-feature warnings silenced during our calls only.

    The level of the ``optuna`` logger and the warning filters are restored
    afterwards, so a program that uses Optuna itself keeps its own settings.
    """
    optuna = _optuna()
    saved = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(saved)


def distributions(problem: Problem) -> dict[str, Any]:
    """Optuna distributions of the space's coordinates, named like the analysis columns."""
    optuna = _optuna()
    out: dict[str, Any] = {}
    for p in problem.space.parameters:
        if isinstance(p, Categorical):
            out[p.name] = optuna.distributions.CategoricalDistribution(list(p.choices))
        elif isinstance(p, Int):
            out[p.name] = optuna.distributions.IntDistribution(p.low, p.high, log=p.log)
        else:
            for column in p.columns():
                out[column] = optuna.distributions.FloatDistribution(p.low, p.high, log=p.log)
    return out


def to_params(problem: Problem, code: np.ndarray) -> dict[str, Any]:
    """One code vector as an Optuna parameter dict."""
    out: dict[str, Any] = {}
    for p, value in problem.space.decode(code).items():
        parameter = problem.space[p]
        if getattr(parameter, "shape", ()):
            for column, element in zip(parameter.columns(), np.asarray(value).reshape(-1)):
                out[column] = float(element)
        elif isinstance(parameter, (Categorical, Int)):
            out[p] = value
        else:
            out[p] = float(value)
    return out


def from_params(problem: Problem, params: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`to_params`."""
    values: dict[str, Any] = {}
    for p in problem.space.parameters:
        if getattr(p, "shape", ()):
            values[p.name] = np.array([params[c] for c in p.columns()], dtype=float).reshape(p.shape)
        else:
            values[p.name] = params[p.name]
    return problem.space.encode(values)


def _sampler_seed(state: State) -> int:
    sequence = np.random.SeedSequence(state["seed"], spawn_key=(11, state["asks"]))
    return int(sequence.generate_state(1)[0])


@dataclass(frozen=True)
class _OptunaOptimizer(Optimizer):
    supports_async: ClassVar[bool] = True

    population_size: int = option(10, help="candidates asked per generation", ge=1, le=MAX_POPULATION)
    n_startup_trials: int = option(10, help="random trials before the model is used", ge=0)

    # -- state -----------------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        dimension, k = problem.space.dimension, problem.n_objectives
        return {"seed": int(seed), "asks": 0,
                "codes": np.empty((0, dimension)), "scores": np.empty((0, k)),
                "pending": np.empty((0, dimension))}

    def _sampler(self, problem: Problem, seed: int):
        raise NotImplementedError

    def _study(self, problem: Problem, state: State):
        optuna = _optuna()
        directions = ["maximize"] * problem.n_objectives
        study = optuna.create_study(sampler=self._sampler(problem, _sampler_seed(state)), directions=directions)
        dists = distributions(problem)
        trials = []
        for code, score in zip(state["codes"], state["scores"]):
            params = to_params(problem, code)
            if np.all(np.isfinite(score)):
                trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                        values=[float(s) for s in score]))
            else:
                trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                        state=optuna.trial.TrialState.FAIL))
        for code in state["pending"]:
            trials.append(optuna.trial.create_trial(params=to_params(problem, code), distributions=dists,
                                                    state=optuna.trial.TrialState.RUNNING))
        study.add_trials(trials)
        return study, dists

    # -- the contract ----------------------------------------------------------
    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        size = self.population_size if n is None else int(n)
        rows = []
        with _quiet_optuna():
            study, dists = self._study(problem, state)
            for _ in range(size):
                trial = study.ask(fixed_distributions=dists)
                rows.append(from_params(problem, trial.params))
        candidates = np.array(rows, dtype=float).reshape(size, problem.space.dimension)
        pending = np.vstack([state["pending"], candidates])
        return candidates, {**state, "asks": state["asks"] + 1, "pending": pending}

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        return record_told(problem, state, candidates, scores)


@dataclass(frozen=True)
class TPE(_OptunaOptimizer):
    """Tree-structured Parzen estimator (Optuna), multivariate, batches by constant liar."""

    name: ClassVar[str] = "tpe"

    multivariate: bool = option(True, help="model the parameters jointly rather than one by one")
    n_ei_candidates: int = option(24, help="samples drawn to pick each candidate by expected improvement", ge=1)

    def _sampler(self, problem: Problem, seed: int):
        optuna = _optuna()
        return optuna.samplers.TPESampler(seed=seed, multivariate=self.multivariate, constant_liar=True,
                                          n_startup_trials=self.n_startup_trials,
                                          n_ei_candidates=self.n_ei_candidates)


@dataclass(frozen=True)
class MultiObjectiveTPE(TPE):
    """Multi-objective TPE (Optuna): several objectives, batches by constant liar."""

    name: ClassVar[str] = "motpe"
    multi_objective: ClassVar[bool] = True
