"""Gaussian-process Bayesian optimization in numpy.

The model: a zero-mean GP on standardized scores over the unit cube of the
space, with a Matérn-5/2 kernel with one length scale per coordinate (ARD), a
signal variance and a noise variance. The hyperparameters are the maximum a
posteriori of the log marginal likelihood under wide log-normal priors (the
length-scale prior grows with sqrt(dimension)), found by BFGS on the
log-hyperparameters from the prior mean and a few random restarts.

The acquisition is the logarithm of expected improvement over the best score
told so far, maximized over random points of the cube and Gaussian
perturbations of the best points told, then refined by a shrinking random
local search around the best few. Ints and categoricals are searched as
continuous codes; every candidate is rounded through ``space.canonical``
before it is returned or conditioned on.

A batch is chosen one point at a time: each chosen point, and each point
asked earlier but not told yet, enters the model with a made-up score (the
*lie*): the worst score told so far (constant liar, default) or the model's
mean there (kriging believer). The hyperparameters are fitted once per ask.

The state is the told codes and scores, the asked-but-untold codes and the
random generator's state, all arrays: asking is a pure function of it.
Fitting costs O(n^3) in the number of told points per likelihood evaluation:
meant for expensive evaluations and a few hundred points.

Under a multi-fidelity policy (asha, successive-halving, hyperband,
median-stopping) and with ``learn_from_stopped = true`` (off by default: on
development seeds it helped early where the budgets agree, not at the end,
see docs/optimizers.md) the state also holds ``partial``: the codes and
scores of the candidates' latest results below the top budget
(:meth:`~l2l.optimizers.base.Optimizer.tell_partial`; a point of
run.initial_points too), dropped once the candidate is told at the top
budget. A stopped candidate enters the model with its latest value, but never
above the worst value told at the top budget (a low-budget value is not a
final one: the ranks of the stopped among themselves and below the complete
ones are kept, as TPE ranks pruned trials), in place of the constant lie it
got as an asked-and-untold candidate; the model is used once
``n_startup_trials`` candidates have results at any budget, not only after
two at the top. The hyperparameters are then fitted on the best
:data:`_FIT_POINTS` (the posterior holds all). Without ``partial`` (the
default, and every state stored before session 31) a stopped candidate stays
asked and untold, so it gets the constant lie (``liar``: the worst value told,
or the model's mean) at every ask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from l2l.optimizers._common import record_told, finite_scores
from l2l.optimizers.base import (MAX_POPULATION, Optimizer, Problem, State, new_rng_state, rng_from_state,
                                 rng_state)
from l2l.registry import option

_SQRT5 = math.sqrt(5.0)
_JITTER = 1e-8
#: Bounds of the log-hyperparameters, enforced after fitting (the priors keep BFGS near them).
_LOG_LENGTH = (math.log(1e-2), math.log(1e2))
_LOG_SIGNAL = (math.log(1e-2), math.log(1e2))
_LOG_NOISE = (math.log(1e-6), math.log(1.0))
_FIXED_NOISE = 1e-6
#: Most points the hyperparameters are fitted on once stopped candidates are in the model (the best ones): an
#: asha run starts hundreds, and a fit costs O(n^3) per likelihood evaluation.
_FIT_POINTS = 200


def _kept(rows: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """Mask of ``rows`` left once one row equal to each of ``drop`` (up to 1e-12) is taken out, first ones first."""
    keep = np.ones(len(rows), dtype=bool)
    for row in drop:
        match = np.flatnonzero(keep & np.all(np.isclose(rows, row, rtol=1e-12, atol=1e-12), axis=1))
        if len(match):
            keep[match[0]] = False
    return keep


def _without(rows: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """``rows`` without one row equal to each of ``drop`` (see :func:`_kept`)."""
    return rows[_kept(rows, drop)]


# -- the model -------------------------------------------------------------------
def _matern52(scaled_sq: np.ndarray, signal: float, summed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Kernel values and the factor ``5/3 s2 (1 + sqrt5 r) exp(-sqrt5 r)`` of its length-scale derivatives.

    ``scaled_sq`` holds the squared scaled differences per coordinate, or their sums if ``summed``.
    """
    r2 = scaled_sq if summed else scaled_sq.sum(axis=-1)
    r = np.sqrt(r2)
    decay = np.exp(-_SQRT5 * r)
    values = signal * (1.0 + _SQRT5 * r + 5.0 / 3.0 * r2) * decay
    factor = signal * 5.0 / 3.0 * (1.0 + _SQRT5 * r) * decay
    return values, factor


class _Posterior:
    """A GP conditioned on ``(x, y)`` with fixed hyperparameters ``theta``."""

    def __init__(self, theta: np.ndarray, x: np.ndarray, y: np.ndarray):
        d = x.shape[1]
        self.lengths = np.exp(theta[:d])
        self.signal = float(np.exp(theta[d]))
        self.noise = float(np.exp(theta[d + 1]))
        self.x = x
        scaled = x / self.lengths
        sq = (scaled[:, None, :] - scaled[None, :, :]) ** 2
        k, _ = _matern52(sq, self.signal)
        k[np.diag_indices_from(k)] += self.noise + _JITTER
        chol = _cholesky(k)
        self.chol_inv = np.linalg.solve(chol, np.eye(len(x)))
        self.alpha = self.chol_inv.T @ (self.chol_inv @ y)

    def predict(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance (of the latent function) at ``points``."""
        scaled_points, scaled_x = points / self.lengths, self.x / self.lengths
        r2 = (np.sum(scaled_points ** 2, axis=1)[:, None] + np.sum(scaled_x ** 2, axis=1)[None, :]
              - 2.0 * scaled_points @ scaled_x.T)
        cross, _ = _matern52(np.maximum(r2, 0.0), self.signal, summed=True)
        mean = cross @ self.alpha
        v = self.chol_inv @ cross.T
        variance = np.maximum(self.signal - np.sum(v * v, axis=0), 1e-12)
        return mean, variance


def _cholesky(k: np.ndarray) -> np.ndarray:
    """Cholesky factor, adding jitter if rounding made ``k`` indefinite."""
    jitter = 0.0
    scale = float(np.mean(np.diag(k)))
    for _ in range(6):
        try:
            return np.linalg.cholesky(k + jitter * np.eye(len(k)))
        except np.linalg.LinAlgError:
            jitter = max(jitter * 10.0, 1e-8 * scale)
    raise np.linalg.LinAlgError("kernel matrix is not positive definite even with jitter")


def _prior(d: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and standard deviations of the normal priors on the log-hyperparameters."""
    mean = np.concatenate([np.full(d, math.log(0.5) + 0.5 * math.log(d)), [0.0, math.log(1e-3)]])
    std = np.concatenate([np.full(d, 1.0), [1.0, 2.0]])
    return mean, std


def _objective(x: np.ndarray, y: np.ndarray, fixed_noise: bool) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """Negative log posterior of the hyperparameters and its gradient."""
    n, d = x.shape
    pair_sq = (x[:, None, :] - x[None, :, :]) ** 2
    prior_mean, prior_std = _prior(d)

    def f(theta: np.ndarray) -> tuple[float, np.ndarray]:
        lengths2 = np.exp(2.0 * theta[:d])
        signal, noise = math.exp(theta[d]), math.exp(theta[d + 1])
        scaled = pair_sq / lengths2
        k_signal, factor = _matern52(scaled, signal)
        k = k_signal.copy()
        k[np.diag_indices_from(k)] += noise + _JITTER
        try:
            chol = np.linalg.cholesky(k)
        except np.linalg.LinAlgError:
            return math.inf, np.zeros_like(theta)
        chol_inv = np.linalg.solve(chol, np.eye(n))
        k_inv = chol_inv.T @ chol_inv
        alpha = k_inv @ y
        value = 0.5 * float(y @ alpha) + float(np.sum(np.log(np.diag(chol)))) + 0.5 * n * math.log(2 * math.pi)
        w = 0.5 * (k_inv - np.outer(alpha, alpha))           # d(value)/dK
        grad = np.empty_like(theta)
        grad[:d] = np.einsum("ab,abi->i", w * factor, scaled)
        grad[d] = np.sum(w * k_signal)
        grad[d + 1] = 0.0 if fixed_noise else noise * np.trace(w)
        z = (theta - prior_mean) / prior_std
        value += 0.5 * float(np.sum(z[: d + 1] ** 2)) + (0.0 if fixed_noise else 0.5 * float(z[d + 1] ** 2))
        grad[: d + 1] += z[: d + 1] / prior_std[: d + 1]
        if not fixed_noise:
            grad[d + 1] += z[d + 1] / prior_std[d + 1]
        return value, grad

    return f


def _bfgs(f: Callable[[np.ndarray], tuple[float, np.ndarray]], x0: np.ndarray,
          max_iterations: int = 50, max_step: float = 2.0) -> tuple[np.ndarray, float]:
    """Minimize ``f`` (value, gradient) by BFGS with a backtracking (Armijo) line search."""
    x = np.asarray(x0, dtype=float).copy()
    fx, g = f(x)
    if not math.isfinite(fx):
        return x, fx
    h = np.eye(len(x))
    for _ in range(max_iterations):
        p = -h @ g
        if g @ p >= 0:                      # not a descent direction: restart from steepest descent
            h = np.eye(len(x))
            p = -g
        longest = np.max(np.abs(p))
        if longest > max_step:
            p *= max_step / longest
        t, slope = 1.0, float(g @ p)
        while True:
            x_new = x + t * p
            f_new, g_new = f(x_new)
            if f_new <= fx + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-6:
                return x, fx
        s, change = x_new - x, g_new - g
        sy = float(s @ change)
        if sy > 1e-12:
            rho = 1.0 / sy
            left = np.eye(len(x)) - rho * np.outer(s, change)
            h = left @ h @ left.T + rho * np.outer(s, s)
        improvement = fx - f_new
        x, fx, g = x_new, f_new, g_new
        if np.max(np.abs(g)) < 1e-4 or improvement < 1e-5 * max(1.0, abs(fx)):
            break
    return x, fx


def fit_hyperparameters(x: np.ndarray, y: np.ndarray, rng: np.random.Generator, restarts: int = 2,
                        fixed_noise: bool = False) -> np.ndarray:
    """Log-hyperparameters (log length scales, log signal variance, log noise variance) of a GP on ``(x, y)``."""
    d = x.shape[1]
    f = _objective(x, y, fixed_noise)
    prior_mean, prior_std = _prior(d)
    starts = [prior_mean.copy()] + [prior_mean + prior_std * rng.standard_normal(d + 2) for _ in range(restarts)]
    best, best_value = prior_mean.copy(), math.inf
    for start in starts:
        if fixed_noise:
            start[d + 1] = math.log(_FIXED_NOISE)
        theta, value = _bfgs(f, start)
        if value < best_value:
            best, best_value = theta, value
    lower = np.concatenate([np.full(d, _LOG_LENGTH[0]), [_LOG_SIGNAL[0], _LOG_NOISE[0]]])
    upper = np.concatenate([np.full(d, _LOG_LENGTH[1]), [_LOG_SIGNAL[1], _LOG_NOISE[1]]])
    best = np.clip(best, lower, upper)
    if fixed_noise:
        best[d + 1] = math.log(_FIXED_NOISE)
    return best


# -- the acquisition -------------------------------------------------------------
def _erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function (Chebyshev fit, relative error below 1.2e-7 everywhere)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = (-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277)))))))))
    value = t * np.exp(poly)
    return np.where(x >= 0, value, 2.0 - value)


def log_expected_improvement(mean: np.ndarray, variance: np.ndarray, best: float) -> np.ndarray:
    """log E[max(f - best, 0)] for f ~ N(mean, variance), stable far below ``best``."""
    sigma = np.sqrt(variance)
    z = (mean - best) / sigma
    log_pdf = -0.5 * z * z - 0.5 * math.log(2 * math.pi)
    safe = np.maximum(z, -8.0)
    cdf = 0.5 * _erfc(-safe / math.sqrt(2.0))
    h = np.exp(-0.5 * safe * safe) / math.sqrt(2 * math.pi) + safe * cdf
    near = np.log(np.maximum(h, 1e-300))
    # Far below, where the sum cancels: phi(z) + z Phi(z) = phi(z) / z^2 (1 - 3 / z^2 + 15 / z^4 - ...).
    u = 1.0 / np.minimum(z, -8.0) ** 2
    far = log_pdf + np.log(u) + np.log1p(u * (-3.0 + u * (15.0 + u * (-105.0 + u * 945.0))))
    return np.log(sigma) + np.where(z > -8.0, near, far)


# -- the optimizer -----------------------------------------------------------------
@dataclass(frozen=True)
class GaussianProcess(Optimizer):
    """Gaussian-process Bayesian optimization (numpy): Matérn-5/2 ARD kernel, log expected improvement."""

    name: ClassVar[str] = "gp"
    supports_async: ClassVar[bool] = True
    learns_partial: ClassVar[bool] = True

    population_size: int = option(10, help="candidates asked per generation", ge=1, le=MAX_POPULATION)
    n_startup_trials: int = option(10, help="random candidates before the model is used", ge=0)
    liar: str = option("worst", help="score assumed for asked-but-untold candidates while a batch is chosen: "
                                     "'worst' told so far (constant liar) or the model's 'mean' (kriging believer)", choices=("worst", "mean"))
    n_candidates: int = option(1000, help="random points scored by the acquisition for each candidate", ge=1, le=10_000_000)
    n_restarts: int = option(1, help="random restarts of the hyperparameter fit, besides the prior mean", ge=0,
                             le=100)
    deterministic_objective: bool = option(False, help="assume noise-free evaluations (fix a tiny noise variance)")
    weights: tuple[float, ...] | None = option(None, help="weights of a weighted sum of several objectives "
                                                          "(larger-is-better scores)")
    learn_from_stopped: bool = option(False, help="under a multi-fidelity policy, model the stopped candidates by "
                                      "their latest values, never above the worst told at the top budget (off: "
                                      "they are lied as pending ones)")

    def check(self, problem: Problem) -> None:
        super().check(problem)
        self._check_weights(problem)

    # -- the contract ----------------------------------------------------------
    def init(self, problem: Problem, seed: int) -> State:
        dimension, k = problem.space.dimension, problem.n_objectives
        state = {"rng": new_rng_state(seed), "codes": np.empty((0, dimension)), "scores": np.empty((0, k)),
                 "pending": np.empty((0, dimension))}
        if self.learn_from_stopped:
            state["partial"] = {"codes": np.empty((0, dimension)), "scores": np.empty((0, k))}
        return state

    def ask(self, problem: Problem, state: State, n: int | None = None) -> tuple[np.ndarray, State]:
        space = problem.space
        size = self.population_size if n is None else int(n)
        rng = rng_from_state(state["rng"])
        told_x = space.to_unit(state["codes"])
        y = finite_scores(self.scalar_scores(problem, state["scores"]))
        pending = state["pending"]
        stopped = 0
        if state.get("partial") is not None and len(state["partial"]["codes"]):
            codes, values = self._stopped(problem, state, y)
            if len(codes):
                pending = _without(pending, codes)
                told_x, y = np.vstack([told_x, space.to_unit(codes)]), np.concatenate([y, values])
                stopped = len(codes)
        lied_x = space.to_unit(pending)
        model = None
        rows = []
        for _ in range(size):
            if len(told_x) + len(lied_x) < self.n_startup_trials or len(told_x) < 2:
                point = rng.random(space.dimension)
            else:
                if model is None:
                    model = self._fit(told_x, y, rng, _FIT_POINTS if stopped else None)
                point = self._next_point(model, told_x, lied_x, rng)
            code = space.canonical(space.from_unit(point))
            rows.append(code)
            lied_x = np.vstack([lied_x, space.to_unit(code)[None, :]])
        candidates = np.array(rows, dtype=float).reshape(size, space.dimension)
        return candidates, {**state, "rng": rng_state(rng), "pending": np.vstack([state["pending"], candidates])}

    def tell(self, problem, state, candidates, scores, outputs=None) -> State:
        new = record_told(problem, state, candidates, scores)
        partial = state.get("partial")
        if partial is not None and len(partial["codes"]):  # told at the top budget: no longer a stopped one
            keep = _kept(partial["codes"], np.asarray(candidates, dtype=float).reshape(-1, problem.space.dimension))
            if not keep.all():
                new["partial"] = {"codes": partial["codes"][keep], "scores": partial["scores"][keep]}
        return new

    def tell_partial(self, problem, state, candidates, budgets, scores) -> State:
        """Latest results below the top budget (see the module's docstring): each replaces the candidate's earlier
        one. A state without ``partial`` (stored before, or ``learn_from_stopped = false``) is returned as it is."""
        partial = state.get("partial")
        if partial is None:
            return state
        dimension, k = problem.space.dimension, problem.n_objectives
        candidates = np.asarray(candidates, dtype=float).reshape(-1, dimension)
        scores = np.asarray(scores, dtype=float).reshape(len(candidates), k)
        codes, values = partial["codes"].copy(), partial["scores"].copy()
        for row, score in zip(candidates, scores):
            hits = np.flatnonzero(np.all(np.isclose(codes, row, rtol=1e-12, atol=1e-12), axis=1))
            if len(hits):
                values[hits[0]] = score
            else:
                codes, values = np.vstack([codes, row[None, :]]), np.vstack([values, score[None, :]])
        return {**state, "partial": {"codes": codes, "scores": values}}

    def _stopped(self, problem: Problem, state: State, told: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The stopped candidates the model holds (a failed segment left out) and their values: the latest, capped
        at the worst value told at the top budget (``told``, finite)."""
        values = self.scalar_scores(problem, state["partial"]["scores"])
        ok = np.isfinite(values)
        values = values[ok]
        if len(told):
            values = np.minimum(values, float(np.min(told)))
        return state["partial"]["codes"][ok], values

    # -- the model ---------------------------------------------------------------
    def _fit(self, x: np.ndarray, scores: np.ndarray, rng: np.random.Generator, most: int | None = None) -> dict:
        std = float(np.std(scores))
        y = (scores - np.mean(scores)) / (std if std > 1e-12 else 1.0)
        fitted = np.argsort(-y, kind="stable")[:most] if most is not None and len(y) > most else slice(None)
        theta = fit_hyperparameters(x[fitted], y[fitted], rng, self.n_restarts, self.deterministic_objective)
        return {"theta": theta, "y": y, "best": float(np.max(y)), "posterior": _Posterior(theta, x, y)}

    def _next_point(self, model: dict, told_x: np.ndarray, lied_x: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
        """The maximizer of log EI given the told points and the lies."""
        y = model["y"]
        if len(lied_x) == 0:
            posterior = model["posterior"]
        else:
            if self.liar == "mean":
                lies, _ = model["posterior"].predict(lied_x)
            else:
                lies = np.full(len(lied_x), float(np.min(y)))
            posterior = _Posterior(model["theta"], np.vstack([told_x, lied_x]), np.concatenate([y, lies]))
        best = model["best"]

        def acquisition(points: np.ndarray) -> np.ndarray:
            mean, variance = posterior.predict(points)
            return log_expected_improvement(mean, variance, best)

        d = told_x.shape[1]
        top = told_x[np.argsort(-y, kind="stable")[:5]]
        near = top[rng.integers(len(top), size=self.n_candidates // 2)]
        near = np.clip(near + rng.normal(scale=0.05, size=near.shape) * rng.choice([0.2, 1.0, 3.0], size=(len(near), 1)),
                       0.0, 1.0)
        points = np.vstack([rng.random((self.n_candidates, d)), near])
        values = acquisition(points)
        order = np.argsort(-values, kind="stable")[:4]
        starts, start_values = points[order], values[order]
        # Local refinement: random steps of shrinking size from the best few, keeping improvements.
        for step in (0.1, 0.05, 0.02, 0.01, 0.005, 0.002):
            trial = np.clip(starts[:, None, :] + step * rng.standard_normal((len(starts), 16, d)), 0.0, 1.0)
            trial_values = acquisition(trial.reshape(-1, d)).reshape(len(starts), 16)
            best_trial = np.argmax(trial_values, axis=1)
            better = trial_values[np.arange(len(starts)), best_trial] > start_values
            starts[better] = trial[np.arange(len(starts)), best_trial][better]
            start_values[better] = trial_values[np.arange(len(starts)), best_trial][better]
        return starts[int(np.argmax(start_values))]
