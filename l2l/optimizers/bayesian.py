"""Bayesian optimization through Optuna's ask/tell interface: TPE and multi-objective TPE.

The state is every asked code in ask order, with its larger-is-better
scores and whether it was told, as arrays. The study is a pure function of
the state: its trials are those codes in that order (told ones complete or
failed, the others running, which TPE's constant-liar strategy treats as bad
results), and its sampler is seeded from the run seed and the number of asks
so far, so a resumed run continues exactly. The optimizer object keeps the
study of its last ask and adds only the new trials and results at the next
ask, after checking that the state is the one it left (a different state,
e.g. a resumed one, rebuilds the study). A whole
generation can thus be asked at once, and ``tell`` accepts any subset of what
was asked.

Under a multi-fidelity policy (asha, successive-halving, hyperband,
median-stopping) a run's state also holds ``partial``: per asked code the
budget and score of its latest result below the top budget
(:meth:`~l2l.optimizers.base.Optimizer.tell_partial`; NaN budget: none). An
asked code not told at the top budget with such a result is a PRUNED trial
whose intermediate value at that budget is the score, as Optuna's pruners
leave a stopped trial (a failed segment: a FAIL trial, which TPE ignores):
TPE counts them toward ``n_startup_trials`` and ranks them after the complete
trials, by budget reached and then score. A candidate later promoted and told
at the top budget is a complete trial instead (one trial per candidate). A
state without the key (a run stored before, or ``learn_from_stopped = false``)
learns from results at the top budget only, as before.

With several objectives (``motpe``) a stopped candidate is a PRUNED trial
without a value, as Optuna leaves one in a multi-objective study (its pruners
and ``Trial.report`` are single-objective only): TPE counts it toward
``n_startup_trials`` and toward the split, and ranks it after every complete
trial (in the bad group unless too few trials are complete to fill the good
one), where a stopped candidate with one objective is ranked by its budget
and score (a state stored before session 31
with several objectives has no ``partial``: as before). A candidate never
asked (a point of ``run.initial_points``) is added at its first partial
result as an asked one, and is then told like any other, once; a state
without ``partial_unasked`` (stored before session 31) leaves it out, as
before.

The Gaussian-process optimizer ``gp`` is in :mod:`l2l.optimizers.gaussian_process`.

Each element of an array parameter becomes its own float dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from l2l.optimizers.base import MAX_BUDGET, MAX_POPULATION, Optimizer, Problem, State, new_rng_state, rng_from_state
from l2l.process_state import quiet_optuna as _quiet_optuna
from l2l.registry import option
from l2l.space import Categorical, Int


def _optuna():
    import optuna

    return optuna


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


def _as_log(problem: Problem, state: State) -> State:
    """The state in the ask-order layout (``codes``, ``scores``, ``told``); older states kept told and pending
    codes apart."""
    if "told" in state:
        return state
    pending = np.asarray(state["pending"], dtype=float).reshape(-1, problem.space.dimension)
    return {"seed": state["seed"], "asks": state["asks"],
            "codes": np.vstack([state["codes"], pending]),
            "scores": np.vstack([state["scores"], np.full((len(pending), problem.n_objectives), np.nan)]),
            "told": np.concatenate([np.ones(len(state["codes"]), dtype=bool), np.zeros(len(pending), dtype=bool)])}


def _reseeded(sampler, seed: int):
    """``sampler`` drawing as a new TPE sampler seeded with ``seed`` would (it keeps its search-space cache), or
    None if this Optuna version keeps its generators elsewhere."""
    try:
        generators = (sampler._rng, sampler._random_sampler._rng)
        for generator in generators:
            if not hasattr(generator, "rng"):
                return None
        for generator in generators:
            generator.rng.seed(seed)
    except AttributeError:
        return None
    return sampler


def _step(budget: float) -> int:
    """An Optuna step (an int) for a budget in fidelity units, in the budgets' order: the bits of a
    non-negative float64 read as an int64 grow with it, so the step is exact for any budget."""
    return int(np.float64(max(float(budget), 0.0)).view(np.int64))


def _grown(partial: dict[str, np.ndarray] | None, rows: int, k: int) -> dict[str, np.ndarray] | None:
    """``partial`` with ``rows`` rows of no result appended (None stays None: a state without the key)."""
    if partial is None:
        return None
    return {"budgets": np.concatenate([partial["budgets"], np.full(rows, np.nan)]),
            "scores": np.vstack([partial["scores"], np.full((rows, k), np.nan)])}


@dataclass
class _Study:
    """The live study of one optimizer object and the state arrays it holds (a cache, never the truth)."""

    study: Any
    seed: int
    codes: np.ndarray
    scores: np.ndarray
    told: np.ndarray
    #: The state's partial results (budgets, scores) the study holds, or None for a state without them.
    partial: tuple[np.ndarray, np.ndarray] | None = None


@dataclass(frozen=True)
class _OptunaOptimizer(Optimizer):
    supports_async: ClassVar[bool] = True

    population_size: int = option(10, help="candidates asked per generation", ge=1, le=MAX_POPULATION)
    n_startup_trials: int = option(10, help="random trials before the model is used", ge=0)
    budget: int | None = option(None, help="evaluations of the whole run (default: run.evaluations); below 20 per "
                                "dimension the start-up trials are a Latin hypercube of a share of it", ge=1,
                                le=MAX_BUDGET)
    learn_from_stopped: bool = option(True, help="under a multi-fidelity policy, learn from candidates' results "
                                      "below the top budget too, as Optuna's TPE learns from pruned trials "
                                      "(several objectives: as pruned trials without a value)")

    learns_partial: ClassVar[bool] = True

    def __post_init__(self) -> None:
        # The study of the last ask, kept so that the next ask adds only what is new instead of rebuilding
        # the study from every past trial. It is checked against the state, so it never changes a result.
        object.__setattr__(self, "_live", [])

    # -- state -----------------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        dimension, k = problem.space.dimension, problem.n_objectives
        state = {"seed": int(seed), "asks": 0, "codes": np.empty((0, dimension)), "scores": np.empty((0, k)),
                 "told": np.empty(0, dtype=bool)}
        if self.learn_from_stopped:
            state["partial"] = {"budgets": np.empty(0), "scores": np.empty((0, k))}
            state["partial_unasked"] = True  # a candidate never asked is added at its first partial result
        return state

    def _sampler(self, problem: Problem, seed: int, startup: int):
        raise NotImplementedError

    def _design(self, problem: Problem, state: State, size: int) -> State:
        """At the first ask of a run told a small budget: the start-up design (a Latin hypercube of a share of
        the budget, in whole batches of this ask), which replaces the random start-up trials."""
        from l2l.optimizers._common import Frame
        from l2l.optimizers._generations import BudgetSized, design_size, latin_hypercube, sized_by_default

        count = design_size(self.budget, problem.space.dimension, BudgetSized.design_share)
        if not sized_by_default(self):  # population_size or n_startup_trials set: kept as they are
            count = 0
        if not count or len(state["codes"]) or "design" in state:
            return state
        if size > 1:
            count = size * max(1, round(count / size))
        rng = rng_from_state(new_rng_state(state["seed"], 23))
        return {**state, "design": Frame(problem).from_frame(latin_hypercube(rng, count, problem.space.dimension))}

    def _study(self, problem: Problem, state: State):
        """The study holding every asked trial in ask order: told ones complete (or failed), the others pruned at
        their latest partial result (or failed there), else running."""
        live = self._live[0] if self._live else None
        codes, scores, told = state["codes"], state["scores"], state["told"]
        partial = state.get("partial")
        budgets = partial["budgets"] if partial is not None else np.full(len(codes), np.nan)
        values = partial["scores"] if partial is not None else None
        m = 0 if live is None else len(live.codes)
        reusable = (live is not None and live.seed == state["seed"] and m <= len(codes)
                    and np.array_equal(live.codes, codes[:m]) and not np.any(live.told & ~told[:m])
                    and np.array_equal(live.scores[live.told], scores[:m][live.told], equal_nan=True)
                    and (live.partial is None) == (partial is None))
        if reusable and partial is not None:
            # a trial the live study holds pruned (or failed) at a partial result cannot change: one whose
            # partial result moved on, or that was told at the top budget since, rebuilds the study
            was = ~live.told & np.isfinite(live.partial[0])
            reusable = (not np.any(was & told[:m]) and np.array_equal(live.partial[0][was], budgets[:m][was])
                        and np.array_equal(live.partial[1][was], values[:m][was], equal_nan=True))
        optuna = _optuna()
        dists = distributions(problem)
        single = problem.n_objectives == 1  # several: a pruned trial has no value, as in Optuna
        if reusable:
            study = live.study
            for i in np.flatnonzero(told[:m] & ~live.told):
                if np.all(np.isfinite(scores[i])):
                    study.tell(int(i), [float(v) for v in scores[i]], skip_if_finished=False)
                else:
                    study.tell(int(i), state=optuna.trial.TrialState.FAIL)
            if partial is not None:
                storage = study._storage
                for i in np.flatnonzero(~told[:m] & np.isnan(live.partial[0]) & np.isfinite(budgets[:m])):
                    if np.all(np.isfinite(values[i])):
                        if single:
                            trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, int(i))
                            storage.set_trial_intermediate_value(trial_id, _step(budgets[i]), float(values[i][0]))
                        study.tell(int(i), state=optuna.trial.TrialState.PRUNED)
                    else:
                        study.tell(int(i), state=optuna.trial.TrialState.FAIL)
        else:
            study = optuna.create_study(directions=["maximize"] * problem.n_objectives)
            m = 0
        trials = []
        for i in range(m, len(codes)):
            code, score, done = codes[i], scores[i], told[i]
            params = to_params(problem, code)
            if not done and np.isfinite(budgets[i]):
                if np.all(np.isfinite(values[i])) and not single:
                    trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                            state=optuna.trial.TrialState.PRUNED))
                elif np.all(np.isfinite(values[i])):
                    trials.append(optuna.trial.create_trial(
                        params=params, distributions=dists, state=optuna.trial.TrialState.PRUNED,
                        value=float(values[i][0]), intermediate_values={_step(budgets[i]): float(values[i][0])}))
                else:
                    trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                            state=optuna.trial.TrialState.FAIL))
            elif not done:
                trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                        state=optuna.trial.TrialState.RUNNING))
            elif np.all(np.isfinite(score)):
                trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                        values=[float(v) for v in score]))
            else:
                trials.append(optuna.trial.create_trial(params=params, distributions=dists,
                                                        state=optuna.trial.TrialState.FAIL))
        study.add_trials(trials)
        study.sampler = _reseeded(study.sampler, _sampler_seed(state)) if reusable else None
        if study.sampler is None:
            study.sampler = self._sampler(problem, _sampler_seed(state),
                                          len(state["design"]) if "design" in state else self.n_startup_trials)
        return study, dists

    # -- the contract ----------------------------------------------------------
    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        state = _as_log(problem, state)
        size = self.population_size if n is None else int(n)
        state = self._design(problem, state, size)
        design = state.get("design", np.empty((0, problem.space.dimension)))
        rows = []
        with _quiet_optuna():
            study, dists = self._study(problem, state)
            for i in range(size):
                if len(state["codes"]) + i < len(design):  # a point of the start-up design
                    study.enqueue_trial(to_params(problem, design[len(state["codes"]) + i]))
                trial = study.ask(fixed_distributions=dists)
                code = from_params(problem, trial.params)
                # The trial keeps exactly the parameters a study rebuilt from the code would hold.
                for name, value in to_params(problem, code).items():
                    study._storage.set_trial_param(trial._trial_id, name, dists[name].to_internal_repr(value),
                                                   dists[name])
                rows.append(code)
        candidates = np.array(rows, dtype=float).reshape(size, problem.space.dimension)
        k = problem.n_objectives
        new = {**state, "asks": state["asks"] + 1, "codes": np.vstack([state["codes"], candidates]),
               "scores": np.vstack([state["scores"], np.full((size, k), np.nan)]),
               "told": np.concatenate([state["told"], np.zeros(size, dtype=bool)])}
        partial = _grown(state.get("partial"), size, k)
        if partial is not None:
            new["partial"] = partial
        self._live[:] = [_Study(study, new["seed"], new["codes"].copy(), new["scores"].copy(), new["told"].copy(),
                                None if partial is None else (partial["budgets"].copy(), partial["scores"].copy()))]
        return candidates, new

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        """Results of asked candidates (any subset, any order); a candidate never asked is added as a result."""
        state = _as_log(problem, state)
        dimension, k = problem.space.dimension, problem.n_objectives
        candidates = np.asarray(candidates, dtype=float).reshape(-1, dimension)
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), k)
        codes, all_scores, told = state["codes"], state["scores"].copy(), state["told"].copy()
        extra = []
        for row, score in zip(candidates, scores):
            hits = np.flatnonzero(~told & np.all(codes == row, axis=1))
            if not len(hits):
                hits = np.flatnonzero(~told & np.all(np.isclose(codes, row, rtol=1e-12, atol=1e-12), axis=1))
            if len(hits):
                all_scores[hits[0]], told[hits[0]] = score, True
            else:
                extra.append((row, score))
        new = {**state}
        if extra:
            codes = np.vstack([codes] + [row[None, :] for row, _ in extra])
            all_scores = np.vstack([all_scores] + [score[None, :] for _, score in extra])
            told = np.concatenate([told, np.ones(len(extra), dtype=bool)])
            partial = _grown(state.get("partial"), len(extra), k)
            if partial is not None:
                new["partial"] = partial
        return {**new, "codes": codes, "scores": all_scores, "told": told}

    def tell_partial(self, problem, state, candidates, budgets, scores) -> State:
        """Latest results below the top budget of asked candidates not told yet (see the module's docstring): each
        replaces the candidate's earlier one; a candidate told already is left out, and so is one never asked
        unless the state has ``partial_unasked`` (new runs): it is then added as an asked candidate (a point of
        run.initial_points, which ``tell`` later finds there). A state without ``partial`` (stored before, or
        ``learn_from_stopped = false``) is returned as it is."""
        if state.get("partial") is None:
            return state
        dimension, k = problem.space.dimension, problem.n_objectives
        candidates = np.asarray(candidates, dtype=float).reshape(-1, dimension)
        budgets = np.asarray(budgets, dtype=float).reshape(len(candidates))
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), k)
        codes, told, all_scores = state["codes"], state["told"], state["scores"]
        kept, values = state["partial"]["budgets"].copy(), state["partial"]["scores"].copy()
        for row, budget, score in zip(candidates, budgets, scores):
            hits = np.flatnonzero(~told & np.all(codes == row, axis=1))
            if not len(hits):
                hits = np.flatnonzero(~told & np.all(np.isclose(codes, row, rtol=1e-12, atol=1e-12), axis=1))
            if not len(hits) and state.get("partial_unasked") and \
                    not np.any(np.all(np.isclose(codes, row, rtol=1e-12, atol=1e-12), axis=1)):
                codes = np.vstack([codes, row[None, :]])
                all_scores = np.vstack([all_scores, np.full((1, k), np.nan)])
                told = np.concatenate([told, [False]])
                kept, values = np.concatenate([kept, [np.nan]]), np.vstack([values, np.full((1, k), np.nan)])
                hits = [len(codes) - 1]
            if len(hits):
                kept[hits[0]] = budget
                values[hits[0]] = np.where(np.isfinite(score), score, np.nan)
        return {**state, "codes": codes, "scores": all_scores, "told": told,
                "partial": {"budgets": kept, "scores": values}}


@dataclass(frozen=True)
class TPE(_OptunaOptimizer):
    """Tree-structured Parzen estimator (Optuna), multivariate, batches by constant liar."""

    name: ClassVar[str] = "tpe"

    multivariate: bool = option(True, help="model the parameters jointly rather than one by one")
    n_ei_candidates: int = option(24, help="samples drawn to pick each candidate by expected improvement", ge=1,
                                  le=1_000_000)

    def _sampler(self, problem: Problem, seed: int, startup: int):
        optuna = _optuna()
        return optuna.samplers.TPESampler(seed=seed, multivariate=self.multivariate, constant_liar=True,
                                          n_startup_trials=startup,
                                          n_ei_candidates=self.n_ei_candidates)


@dataclass(frozen=True)
class MultiObjectiveTPE(TPE):
    """Multi-objective TPE (Optuna): several objectives, batches by constant liar."""

    name: ClassVar[str] = "motpe"
    multi_objective: ClassVar[bool] = True
