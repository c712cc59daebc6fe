"""``cmaes-quadratic``: CMA-ES that also proposes the minimum of a quadratic model of the best results.

Many scores are close to a quadratic near their optimum, and a quadratic in d
coordinates is known exactly from (d + 1)(d + 2) / 2 results. This optimizer
keeps every told result and, once it holds enough of them, fits a quadratic by
least squares to the best ones (all second-order terms when there are more
results than terms, only the squares below that) and proposes the point where
the model is lowest, within twice the radius of the points it was fitted on
(an indefinite model is made convex by taking the absolute values of its
curvatures). The other candidates come from an inner :class:`~l2l.optimizers.cmaes.CMAES`
that explores as usual. The model is asked again at once after a proposal that
improved on the best result; after one that did not, CMA-ES gets 1, 3, 7, ...
(at most a population) candidates before the model is asked again, so on
scores that a quadratic fits badly most of the budget goes to CMA-ES. In a
batch at most one model proposal is pending at a time.

The state is the inner CMA-ES state, the best told codes with their scores
(four times as many as the model is fitted to), the pending proposal and the waiting
counters: arrays and numbers. Above 20 coordinates the model has only squared
terms, so its cost stays linear in the dimension.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.optimizers._common import Frame
from l2l.optimizers.base import MAX_POPULATION, MAX_STEP, Optimizer, Problem, State
from l2l.optimizers.cmaes import CMAES
from l2l.registry import option

#: Above this dimension the model has only squared terms (a full one would need (d + 1)(d + 2) / 2 results).
MAX_FULL_DIMENSION = 20


def _terms(dimension: int, results: int) -> int:
    """Terms of the model fitted to ``results`` results: all second-order ones when there are enough."""
    full = (dimension + 1) * (dimension + 2) // 2
    return full if results > full and dimension <= MAX_FULL_DIMENSION else 2 * dimension + 1


def quadratic_minimum(points: np.ndarray, losses: np.ndarray) -> np.ndarray | None:
    """Where a quadratic fitted by least squares to ``(points, losses)`` is lowest (None if it cannot be fitted).

    ``points`` is (n, d), ``losses`` (n,) with smaller better. The fit is made
    around the best point, in units of the points' spread; the step from the best
    point is at most twice the largest distance of a point from it.
    """
    n, d = points.shape
    full = _terms(d, n) > 2 * d + 1
    if n <= 2 * d + 1:
        return None
    best = points[int(np.argmin(losses))]
    spread = np.std(points, axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    u = (points - best) / spread
    pairs = [(i, j) for i in range(d) for j in range(i, d)] if full else [(i, i) for i in range(d)]
    design = np.hstack([np.ones((n, 1)), u, np.stack([u[:, i] * u[:, j] for i, j in pairs], axis=1)])
    scale = np.std(losses) or 1.0
    coefficients, *_ = np.linalg.lstsq(design, (losses - losses.min()) / scale, rcond=None)
    if not np.all(np.isfinite(coefficients)):
        return None
    gradient = coefficients[1:d + 1]
    hessian = np.zeros((d, d))
    for (i, j), c in zip(pairs, coefficients[d + 1:]):
        if i == j:
            hessian[i, i] = 2 * c
        else:
            hessian[i, j] = hessian[j, i] = c
    eigenvalues, basis = np.linalg.eigh(hessian)
    curvature = np.maximum(np.abs(eigenvalues), 1e-9 * max(np.abs(eigenvalues).max(), 1e-300))
    step = -basis @ ((basis.T @ gradient) / curvature)
    radius = 2 * float(np.max(np.linalg.norm(u, axis=1)))
    length = float(np.linalg.norm(step))
    if not math.isfinite(length) or radius == 0:
        return None
    if length > radius:
        step *= radius / length
    return best + step * spread


@dataclass(frozen=True)
class QuadraticCMAES(Optimizer):
    """CMA-ES plus the minimum of a quadratic model of the best results (see the module documentation)."""

    name: ClassVar[str] = "cmaes-quadratic"
    needs_bounds: ClassVar[bool] = False
    supports_async: ClassVar[bool] = True
    takes_initial_points: ClassVar[bool] = True  # see inject

    population_size: int | None = option(None, help="CMA-ES candidates per generation (default 4 + 3 ln(dimension))",
                                         ge=4, le=MAX_POPULATION)
    # At least CMA-ES's min_sigma (1e-12): a smaller one was refused only when the first generation was asked, after
    # the run's file was made, naming cmaes's min_sigma, an option this optimizer does not have.
    sigma: float = option(0.2, help="CMA-ES's initial step size, as a fraction of each parameter's range",
                          ge=1e-12, le=MAX_STEP)
    # A fit to more than a thousand times its terms is a fit to every result; 1e308 overflowed int() in a traceback.
    fit_size: float = option(2.0, help="the model is fitted to the best fit_size x (its number of terms) results",
                             ge=1.0, le=1000.0)

    def _fitted(self, dimension: int, results: int) -> int:
        """How many of the best results the model is fitted to."""
        terms = _terms(dimension, results)
        return max(terms + 1, int(self.fit_size * terms))

    def _cmaes(self) -> CMAES:
        return CMAES(population_size=self.population_size, sigma=self.sigma)

    def init(self, problem: Problem, seed: int) -> State:
        d = problem.space.dimension
        return {"inner": self._cmaes().init(problem, seed), "codes": np.empty((0, d)), "losses": np.empty(0),
                "pending": np.empty((0, d)), "wait": 0, "gap": 0, "proposals": 0, "improvements": 0, "failed": 0}

    def inject(self, problem: Problem, state: State, candidates: np.ndarray) -> State:
        """Known points (run.initial_points) injected into the inner CMA-ES (which starts its mean at the first,
        see :mod:`l2l.optimizers.cmaes`); the model waits until they are handed out, so they come first."""
        inner = self._cmaes().inject(problem, state["inner"], candidates)
        return {**state, "inner": inner, "wait": max(int(state["wait"]), len(candidates))}

    def _proposal(self, problem: Problem, state: State) -> np.ndarray | None:
        frame = Frame(problem)
        d = problem.space.dimension
        losses, codes = state["losses"], state["codes"]
        order = np.argsort(losses, kind="stable")[: self._fitted(d, len(losses))]
        points = frame.to_frame(codes[order])
        minimum = quadratic_minimum(points, losses[order])
        if minimum is None:
            return None
        minimum = frame.clip(minimum)
        if np.min(np.max(np.abs(frame.to_frame(state["codes"]) - minimum), axis=1)) < 1e-13:
            return None  # already evaluated: the model has nothing new to say
        return frame.from_frame(minimum)

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        inner_optimizer = self._cmaes()
        want = inner_optimizer.lam(problem) if n is None else max(int(n), 0)
        rows = []
        state = dict(state)
        if want and len(state["pending"]) == 0 and state["wait"] <= 0:
            proposal = self._proposal(problem, state)
            if proposal is not None:
                rows.append(proposal)
                state.update(pending=proposal[None, :], proposals=state["proposals"] + 1)
            else:
                state.update(wait=state["gap"], gap=min(2 * state["gap"] + 1, inner_optimizer.lam(problem)))
        if want - len(rows) > 0:
            sampled, inner = inner_optimizer.ask(problem, state["inner"], want - len(rows))
            rows.extend(sampled)
            state.update(inner=inner, wait=state["wait"] - len(sampled))
        return np.asarray(rows, dtype=float).reshape(-1, problem.space.dimension), state

    def tell(self, problem: Problem, state: State, candidates: np.ndarray, scores: np.ndarray,
             outputs: np.ndarray | None = None) -> State:
        d = problem.space.dimension
        candidates = np.asarray(candidates, dtype=float).reshape(-1, d)
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), problem.n_objectives)
        scalar = self.scalar_scores(problem, scores)
        losses = np.where(np.isfinite(scalar), -scalar, np.inf)  # a failed evaluation is never fitted
        pending = state["pending"]
        from_model = np.zeros(len(candidates), dtype=bool)
        if len(pending):
            wanted = problem.space.canonical(pending[0])
            for i, row in enumerate(candidates):
                if np.array_equal(row, pending[0]) or np.allclose(problem.space.canonical(row), wanted,
                                                                   rtol=1e-9, atol=1e-12):
                    from_model[i] = True
                    break
        state = dict(state)
        if from_model.any():
            loss = float(losses[from_model][0])
            improved = len(state["losses"]) == 0 or loss < float(state["losses"].min())
            state.update(pending=np.empty((0, d)), improvements=state["improvements"] + int(improved))
            if improved:
                state.update(wait=0, gap=0)
            else:
                state.update(wait=state["gap"], gap=min(2 * state["gap"] + 1, self._cmaes().lam(problem)))
        rest = ~from_model
        if rest.any():
            try:
                state["inner"] = self._cmaes().tell(problem, state["inner"], candidates[rest], scores[rest])
            except ConfigError as error:  # a candidate not asked: said of this optimizer, not of its inner cmaes
                raise ConfigError(str(error).replace("optimizer 'cmaes'", f"optimizer {self.name!r}", 1)) from None
        # The best results are kept, four times as many as the model is fitted to (the others serve to
        # recognise a proposal that was evaluated already); failed ones are only counted.
        finite = np.isfinite(losses)
        codes = np.vstack([state["codes"], candidates[finite]])
        losses = np.concatenate([state["losses"], losses[finite]])
        keep = np.sort(np.argsort(losses, kind="stable")[: 4 * self._fitted(d, 10 ** 9)])
        state.update(codes=codes[keep], losses=losses[keep], failed=state["failed"] + int((~finite).sum()))
        return state

    def done(self, problem: Problem, state: State) -> bool:
        return self._cmaes().done(problem, state["inner"])
