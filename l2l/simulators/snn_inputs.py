"""Inputs of the spiking core: Poisson counts, input spike trains, readout filters.

Re-exported by :mod:`l2l.simulators.snn_core`; times in ms, ``dt = 1 ms``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from l2l.simulators.snn_core import Synapses

DT = 1.0  # ms


class PoissonCounts:
    """Exact Poisson(lam) counts, drawn by table-guided inversion of the CDF.

    Several times faster than ``Generator.poisson`` for the small means of a
    1 ms step; draws ``chunk`` steps of shape ``shape`` at once. Each call of
    :meth:`next` returns one step's counts times ``weight`` (float array of ``shape``).
    """

    _BINS = 1 << 14

    def __init__(self, lam: float, shape: tuple[int, ...], rng: np.random.Generator, steps: int,
                 weight: float = 1.0):
        k = np.arange(int(lam + 12 * np.sqrt(lam) + 20))
        log_pmf = k * np.log(lam) - lam - np.cumsum(np.log(np.maximum(k, 1)))
        cdf = np.cumsum(np.exp(log_pmf))
        # float32 uniforms: the CDF is rounded to float32 too, so the inversion is
        # exact for the generated u; counts beyond 1 - 1e-7 are not represented.
        cdf = cdf[cdf < 1.0 - 1e-7].astype(np.float32)
        self.cdf = np.append(cdf, np.float32(2.0))  # sentinel: no u reaches it
        # count at the lower edge of each bin of u; the inversion then only corrects upwards
        edges = (np.arange(self._BINS) / self._BINS).astype(np.float32)
        self.table = np.searchsorted(self.cdf, edges, side="right").astype(np.int32)
        self.shape, self.rng, self.weight, self.lam = shape, rng, weight, lam
        self.chunk = max(1, min(steps, 262_144 // max(1, int(np.prod(shape)))))
        self.block, self.pos = None, self.chunk

    def next(self) -> np.ndarray:
        if self.pos == self.chunk and self.lam < 0.5:
            # few events: draw their total, then place each uniformly (Poisson splitting)
            size = self.chunk * int(np.prod(self.shape))
            where = self.rng.integers(0, size, size=self.rng.poisson(self.lam * size))
            counts = np.bincount(where, minlength=size).reshape((self.chunk,) + self.shape)
            self.block, self.pos = counts * self.weight, 0
        elif self.pos == self.chunk:
            u = self.rng.random((self.chunk,) + self.shape, dtype=np.float32)
            counts = np.take(self.table, (u * self._BINS).astype(np.int32))
            counts += u >= np.take(self.cdf, counts)
            # rare: a bin that straddles several CDF steps (the far tail)
            flat_u, flat_counts = u.reshape(-1), counts.reshape(-1)
            todo = np.flatnonzero(flat_u >= np.take(self.cdf, flat_counts))
            while todo.size:
                flat_counts[todo] += 1
                todo = todo[flat_u[todo] >= self.cdf[flat_counts[todo]]]
            self.block, self.pos = counts * self.weight, 0
        self.pos += 1
        return self.block[self.pos - 1]


def input_drive(spikes: np.ndarray, synapses: Synapses) -> np.ndarray:
    """Potential jumps (T, B, n_post) caused by input spike trains (T, B, n_pre) with delays.

    A spike at step t along a synapse with delay d arrives at step t + d;
    arrivals after the last step are dropped.
    """
    steps, batch, _ = spikes.shape
    out = np.zeros((steps, batch, synapses.n_post))
    pre = synapses.presynaptic()
    # 2-D products: numpy's stacked 3-D matmul is far slower for these shapes
    x = spikes.reshape(steps * batch, -1).astype(float)
    for d in np.unique(synapses.delays):
        sel = synapses.delays == d
        w = np.zeros((synapses.n_pre, synapses.n_post))
        np.add.at(w, (pre[sel], synapses.indices[sel]), synapses.weights[sel])
        if d < steps:
            out[d:] += (x[:(steps - d) * batch] @ w).reshape(steps - d, batch, -1)
    return out


def poisson_spikes(rng: np.random.Generator, rates_hz: np.ndarray, batch: int | None = None) -> np.ndarray:
    """Bernoulli approximation of Poisson spike trains with time-varying rates.

    ``rates_hz`` has shape (T, ..., n); with ``batch`` the result gains a
    trial axis after time: (T, batch, n). Returns a bool array.
    """
    rates = np.asarray(rates_hz, dtype=float)
    shape = rates.shape if batch is None else (rates.shape[0], batch) + rates.shape[1:]
    prob = np.clip(rates * DT * 1e-3, 0.0, 1.0)
    if batch is not None:
        prob = prob[:, None]
    return rng.random(shape) < prob


def exp_filter(spikes: np.ndarray, tau: float) -> np.ndarray:
    """Exponentially low-pass filtered spike trains along axis 0 (time).

    ``trace[t] = exp(-dt/tau) * trace[t-1] + spikes[t]``; same shape as ``spikes``, float.
    """
    decay = np.exp(-DT / tau)
    out = np.empty(spikes.shape)
    acc = np.zeros(spikes.shape[1:])
    for t in range(spikes.shape[0]):
        acc = acc * decay + spikes[t]
        out[t] = acc
    return out

