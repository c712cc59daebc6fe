"""Model-based multi-fidelity search that leans on low budgets only as far as they agree with the full one.

The schedule is Hyperband's (brackets of successive halving that start at
different budgets); the new candidates of a bracket come from a model, in the
spirit of BOHB (Falkner et al. 2018): a tree-Parzen-style density ratio fitted
on the results of the highest budget that has enough of them and whose
ranking agrees with the top budget's (Optuna's multivariate TPE by default),
with a fraction of candidates drawn at random so the model never locks in.

Low budgets can mislead: a learning curve may rank candidates differently
early than late. The policy measures it from the data. Its full-budget
bracket is a *probe*: its candidates are trained through every rung without
selection (segment after segment from their checkpoints, so at the cost of
training them to the full budget at once) and the first bracket is always
one. The rank correlation between the probes' scores at rung k and at the
full budget says how well rung k agrees, free of the bias a selection by low
budgets would bring in. Brackets are then drawn with weights proportional to
that agreement (unknown agreement counts as ``prior_agreement``; the probe
bracket always has weight 1): where low budgets agree, the policy behaves
like BOHB; where they mislead, it runs mostly probes and becomes plain
model-based search at the full budget.

The state holds the random generator and the bracket bookkeeping; the model
is refitted from the trial table at every proposal, so nothing else needs
storing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.policies.base import Action, State, TrialTable
from l2l.policies.halving import Hyperband, bracket_plan
from l2l.registry import option

MIN_PAIRS = 5
#: A lower budget's results feed the model only if their rank agreement with the top budget is at least this.
TRUSTED_AGREEMENT = 0.5


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties sharing their mean rank."""
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x), dtype=float)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=ranks) / counts)[inverse]


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation of two equally long vectors (ties get their mean rank)."""
    ra, rb = _ranks(np.asarray(a, float)), _ranks(np.asarray(b, float))
    sa, sb = ra.std(), rb.std()
    if sa == 0 or sb == 0:
        return 0.0
    return float(np.mean((ra - ra.mean()) * (rb - rb.mean())) / (sa * sb))


@dataclass(frozen=True)
class ModelBased(Hyperband):
    """Hyperband brackets whose new candidates come from a density-ratio model; brackets weighted by how well
    each budget agrees with the full one."""

    name: ClassVar[str] = "model-based"
    proposes: ClassVar[bool] = True

    random_fraction: float = option(0.15, help="share of new candidates drawn at random instead of from the model",
                                    ge=0, le=1)
    top_fraction: float = option(0.15, help="model 'kde': share of results it counts as good", gt=0, lt=1)
    samples: int = option(64, help="model 'kde': candidates drawn from the good density to pick each proposal",
                          ge=1)
    prior_agreement: float = option(0.5, help="agreement assumed for a budget before it can be measured", ge=0, le=1)
    model: str = option("tpe", help="the proposal model: 'tpe' (Optuna's multivariate TPE fitted on the chosen "
                        "budget's results) or 'kde' (a small density ratio of Gaussian kernels)",
                        choices=("tpe", "kde"))

    def init(self, budgets: list[float], dimension: int, seed: int) -> State:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x6D62,)))
        state = {"budgets": list(budgets), "bracket": -1, "count": 0, "dimension": int(dimension),
                 "rng": rng.bit_generator.state, "agreement": [None] * len(budgets), "probes": []}
        return self._open_bracket(state)

    def _open_bracket(self, state: State) -> State:
        state = super()._open_bracket(state)
        levels = len(state["budgets"]) - 1
        if state["start"] == levels or state["bracket"] == 0:  # a probe: every candidate through every rung
            size = bracket_plan(levels, 0, self.eta, True)[0]
            state = {**state, "start": 0, "rung": 0, "plan": [size] * (levels + 1), "probe": True}
        else:
            state = {**state, "probe": False}
        return state

    def launched(self, state: State, trial: int, budget: float) -> State:
        state = super().launched(state, trial, budget)
        return {**state, "probes": state["probes"] + [trial]} if state["probe"] else state

    # -- brackets weighted by agreement ---------------------------------------------------------------
    def _first_rung(self, state: State, bracket: int) -> tuple[int, State]:
        levels = len(state["budgets"]) - 1
        weights = np.array([1.0 if k == levels else
                            (self.prior_agreement if a is None else max(0.0, a)) for k, a in
                            enumerate(state["agreement"])])
        # a bracket starting at rung k costs about the same as any other; weight it by its rung's agreement
        rng = _rng(state)
        start = int(rng.choice(len(weights), p=weights / weights.sum()))
        return start, {**state, "rng": rng.bit_generator.state}

    def next(self, state: State, trials: TrialTable) -> tuple[Action, State]:
        action, state = super().next(state, trials)
        if action.kind != "start":
            return action, state
        if not state["members"]:  # a new bracket: measure agreement again, for the choice of the next one
            state = {**state, "agreement": self.agreement(state["budgets"], trials, state["probes"])}
        code, state = self._propose(state, trials)
        return Action("start", action.budget, code=tuple(float(v) for v in code)), state

    def agreement(self, budgets: list[float], trials: TrialTable, probes: list[int]) -> list[float | None]:
        """Rank correlation of each rung's scores with the full budget's, over the probes that reached both."""
        top = trials.scores_at(budgets[-1], probes)
        out: list[float | None] = []
        for budget in budgets[:-1]:
            low = trials.scores_at(budget, top)
            if len(low) < MIN_PAIRS:
                out.append(None)
                continue
            ids = sorted(low)
            out.append(spearman(np.array([low[t] for t in ids]), np.array([top[t] for t in ids])))
        return out + [1.0]

    # -- proposals ---------------------------------------------------------------------------------------
    def _propose(self, state: State, trials: TrialTable) -> tuple[np.ndarray, State]:
        rng = _rng(state)
        dimension = state["dimension"]
        data = None
        budgets, agreement = state["budgets"], state["agreement"]
        for k in range(len(budgets) - 1, -1, -1):  # the highest budget with enough results ...
            if k < len(budgets) - 1 and (agreement[k] is None or agreement[k] < TRUSTED_AGREEMENT):
                continue  # ... that ranks candidates like the top budget does, as far as measured
            scores = trials.scores_at(budgets[k])
            if len(scores) >= max(dimension + 2, 6):
                data = scores
                break
        if data is None or rng.random() < self.random_fraction:
            code = rng.random(dimension)
        else:
            ids = sorted(data)
            x = np.stack([trials.unit_code(t) for t in ids])
            y = np.array([data[t] for t in ids])
            code = self._tpe(x, y, rng) if self.model == "tpe" else self._density_ratio(x, y, rng)
        return code, {**state, "rng": rng.bit_generator.state}

    def _tpe(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Optuna's multivariate TPE told the results (x in the unit cube, y larger-is-better), asked once."""
        import optuna

        from l2l.optimizers.bayesian import _quiet_optuna

        dimension = x.shape[1]
        names = [f"u{i}" for i in range(dimension)]
        space = {name: optuna.distributions.FloatDistribution(0.0, 1.0) for name in names}
        with _quiet_optuna():
            sampler = optuna.samplers.TPESampler(seed=int(rng.integers(2 ** 31)), multivariate=True,
                                                 n_startup_trials=0)
            study = optuna.create_study(direction="maximize", sampler=sampler)
            study.add_trials([optuna.trial.create_trial(params=dict(zip(names, map(float, point))),
                                                        distributions=space, value=float(value))
                              for point, value in zip(x, y)])
            trial = study.ask(fixed_distributions=space)
        return np.array([trial.params[name] for name in names])

    def _density_ratio(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The sample of the good density (Gaussian kernels) with the largest good/bad density ratio."""
        n, d = x.shape
        good_count = max(2, int(math.ceil(self.top_fraction * n)))
        order = np.argsort(-y, kind="stable")
        good, bad = x[order[:good_count]], x[order[good_count:]]
        width = np.clip(np.std(x, axis=0) * n ** (-1.0 / (d + 4)), 0.02, 0.5)
        centres = good[rng.integers(0, len(good), self.samples)]
        samples = np.clip(centres + rng.normal(size=(self.samples, d)) * width, 0.0, 1.0)

        def log_density(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
            z = (points[:, None, :] - centres[None, :, :]) / width
            log_k = -0.5 * np.sum(z * z, axis=2)
            peak = log_k.max(axis=1, keepdims=True)
            return peak[:, 0] + np.log(np.mean(np.exp(log_k - peak), axis=1))

        ratio = log_density(samples, good) - (log_density(samples, bad) if len(bad) else 0.0)
        return samples[int(np.argmax(ratio))]


def _rng(state: State) -> np.random.Generator:
    bit_generator = np.random.PCG64()
    bit_generator.state = state["rng"]
    return np.random.Generator(bit_generator)


__all__ = ["ModelBased", "spearman", "bracket_plan"]
