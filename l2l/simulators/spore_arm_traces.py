"""Eligibility and reward-gradient traces of :mod:`l2l.simulators.spore_arm`, advanced once per weight update.

Between two Langevin updates the weights ``w`` are constant, so the per-step recursions

    e_k = lam e_(k-1) + w * (delta_k outer x_k)             eligibility, lam = exp(-dt / tau_eligibility)
    g_k = (1 - a) g_(k-1) + a c_k e_k                         reward gradient, a = dt / tau_gradient

over the ``K`` steps of an update interval have the closed form

    e_K = lam^K e_0 + w * sum_m lam^(K-m) delta_m outer x_m
    g_K = (1-a)^K g_0 + a (sum_k (1-a)^(K-k) c_k lam^k) e_0 + a w * sum_m b_m delta_m outer x_m,
    b_m = sum_(k >= m) (1-a)^(K-k) lam^(k-m) c_k,

two matrix products per interval instead of two outer products per step. ``delta_m`` is the derivative of
the log-probability of motor neuron ``j``'s spike (or silence) in step ``m`` with respect to its membrane
potential: for ``p = 1 - exp(-rho dt)``, ``rho = max_rate sigmoid(u)`` it is
``(s - p) (rho dt / p) (1 - rho / max_rate)``. ``c_k`` is the filtered reward minus its baseline.
:func:`step_by_step` runs the recursions literally, for the test.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

_BUFFERS = ("block_psp", "block_spikes", "block_probabilities", "block_rates", "block_reward")


class TraceBlock:
    """Per-step records of one update interval, and the traces ``eligibility`` / ``gradient`` at its start."""

    def __init__(self, n_motor: int, n_inputs: int, steps: int, dt: float, max_rate: float,
                 eligibility_decay: float, gradient_rate: float):
        self.steps, self.dt, self.max_rate = steps, dt, max_rate
        self.decay, self.rate = eligibility_decay, gradient_rate
        self.eligibility = np.zeros((n_motor, n_inputs))
        self.gradient = np.zeros((n_motor, n_inputs))
        self.block_psp = np.zeros((steps, n_inputs))
        self.block_spikes = np.zeros((steps, n_motor))
        self.block_probabilities = np.zeros((steps, n_motor))
        self.block_rates = np.zeros((steps, n_motor))
        self.block_reward = np.zeros(steps)
        self.filled = 0
        index = np.arange(steps)
        lag = index[None, :] - index[:, None]  # k - m
        keep = 1.0 - gradient_rate
        self._eligibility_weights = eligibility_decay ** (steps - 1 - index)
        self._reward_matrix = np.where(lag >= 0, keep ** (steps - 1 - index)[None, :]
                                       * eligibility_decay ** np.maximum(lag, 0), 0.0)
        self._initial_weights = keep ** (steps - 1 - index) * eligibility_decay ** (index + 1)

    def record(self, psp: np.ndarray, spikes: np.ndarray, probabilities: np.ndarray, rates: np.ndarray,
               centred_reward: float) -> None:
        k = self.filled
        self.block_psp[k] = psp
        self.block_spikes[k] = spikes
        self.block_probabilities[k] = probabilities
        self.block_rates[k] = rates
        self.block_reward[k] = centred_reward
        self.filled = k + 1

    def full(self) -> bool:
        return self.filled == self.steps

    def close(self, weights: np.ndarray) -> None:
        """Advance ``eligibility`` and ``gradient`` over the recorded interval (weights ``weights``)."""
        delta = score(self.block_spikes, self.block_probabilities, self.block_rates, self.dt, self.max_rate)
        reward = self.block_reward
        new_part = delta.T @ (self._eligibility_weights[:, None] * self.block_psp)
        rewarded_part = delta.T @ ((self._reward_matrix @ reward)[:, None] * self.block_psp)
        self.gradient = ((1.0 - self.rate) ** self.steps * self.gradient
                         + self.rate * float(self._initial_weights @ reward) * self.eligibility
                         + self.rate * weights * rewarded_part)
        self.eligibility = self.decay ** self.steps * self.eligibility + weights * new_part
        self.filled = 0

    def state(self) -> dict[str, Any]:
        state = {key: getattr(self, key)[:self.filled].copy() for key in _BUFFERS}
        state.update(eligibility=self.eligibility.copy(), gradient=self.gradient.copy())
        return state

    def restore(self, checkpoint: Mapping[str, Any]) -> None:
        for key in ("eligibility", "gradient"):
            value = np.array(checkpoint[key], dtype=float)
            if value.shape != self.eligibility.shape:
                raise ValueError(f"{key} has shape {value.shape}, expected {self.eligibility.shape}")
            setattr(self, key, value)
        filled = len(checkpoint["block_reward"])
        if filled >= self.steps:
            raise ValueError(f"block_reward holds {filled} steps of an interval of {self.steps}")
        for key in _BUFFERS:
            value = np.array(checkpoint[key], dtype=float)
            if value.shape[0] != filled or value.shape[1:] != getattr(self, key).shape[1:]:
                raise ValueError(f"{key} has shape {value.shape}")
            getattr(self, key)[:filled] = value
        self.filled = filled


def score(spikes: np.ndarray, probabilities: np.ndarray, rates: np.ndarray, dt: float, max_rate: float) -> np.ndarray:
    """d log P(spike or not) / d u for escape-noise neurons with ``p = 1 - exp(-rho dt)``, ``rho = max_rate sigmoid(u)``."""
    probabilities = np.maximum(probabilities, 1e-300)
    return (spikes - probabilities) * (rates * dt / probabilities) * (1.0 - rates / max_rate)


def step_by_step(weights: np.ndarray, eligibility: np.ndarray, gradient: np.ndarray, psp: np.ndarray,
                 delta: np.ndarray, reward: np.ndarray, decay: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """The per-step recursions over one interval, literally (reference for the closed form)."""
    eligibility, gradient = eligibility.copy(), gradient.copy()
    for k in range(len(reward)):
        eligibility = decay * eligibility + weights * np.outer(delta[k], psp[k])
        gradient = (1.0 - rate) * gradient + rate * reward[k] * eligibility
    return eligibility, gradient
