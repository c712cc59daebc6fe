"""Spiking network core in numpy: LIF/ALIF neurons, sparse delayed synapses, batches of trials.

The core simulates current-based neurons with delta synapses at ``dt = 1 ms``
(times are in milliseconds, potentials in mV, relative to rest). Between
spikes the membrane is integrated exactly::

    v[t] = decay * v[t-1] + jumps[t]              decay = exp(-dt / tau_m)

where ``jumps[t]`` is the sum of the weights of every spike arriving at step
``t`` (recurrent, external and Poisson background). A neuron spikes when
``v >= A`` with the adaptive threshold of ALIF neurons::

    A[t] = thr + beta * b[t]      b[t] = rho * b[t-1] + (1 - rho) * z[t-1]      rho = exp(-dt / tau_a)

(``beta = 0`` gives a plain LIF neuron). A spike resets by subtraction
(``v -= thr``), then the neuron is refractory for ``t_ref`` steps: its
potential is held and its input discarded. Spikes travel along sparse
synapses, each with its own integer delay of at least one step.

Public API
----------
* :class:`Synapses` -- sparse weights (CSR, by presynaptic neuron) with delays;
  :func:`random_synapses` draws them, :meth:`Synapses.from_dense` wraps a matrix.
* :class:`NeuronParams` -- per-neuron ``tau_m``, ``thr``, ``t_ref``, ``tau_a``, ``beta``.
* :class:`Network` -- neurons + recurrent synapses; :meth:`Network.simulate`
  runs a batch of trials and returns a :class:`Recording`.
* :func:`ei_network` -- a random excitatory/inhibitory network from four weight scales.
* :func:`input_drive` -- turn input spike trains into per-neuron potential jumps.
* :func:`poisson_spikes`, :func:`exp_filter` -- input generation and low-pass
  filtering of spike trains (for readouts).

The input helpers and the Poisson sampler live in :mod:`l2l.simulators.snn_inputs`
and are re-exported here; delayed propagation is :mod:`l2l.simulators.snn_propagate`.

Everything random takes a ``numpy.random.Generator``; the core never seeds one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from l2l.simulators.snn_inputs import DT, PoissonCounts, exp_filter, input_drive, poisson_spikes
from l2l.simulators.snn_propagate import DelayBuffer

__all__ = ["DT", "Synapses", "random_synapses", "NeuronParams", "Recording", "Network", "ei_network",
           "PoissonCounts", "input_drive", "poisson_spikes", "exp_filter"]


@dataclass(frozen=True)
class Synapses:
    """Sparse synapses from ``n_pre`` to ``n_post`` neurons, in CSR order by presynaptic neuron.

    ``indptr`` (n_pre + 1,), ``indices`` (nnz,) postsynaptic neurons,
    ``weights`` (nnz,) potential jumps in mV, ``delays`` (nnz,) integer steps >= 1.
    """

    n_pre: int
    n_post: int
    indptr: np.ndarray
    indices: np.ndarray
    weights: np.ndarray
    delays: np.ndarray

    def __post_init__(self) -> None:
        if self.indptr.shape != (self.n_pre + 1,) or self.indptr[-1] != self.indices.size:
            raise ValueError("indptr must have n_pre + 1 entries ending at the number of synapses")
        if not (self.indices.size == self.weights.size == self.delays.size):
            raise ValueError("indices, weights and delays must have the same length")
        if self.delays.size and self.delays.min() < 1:
            raise ValueError(f"synaptic delays must be >= 1 step, got {int(self.delays.min())}")

    @property
    def nnz(self) -> int:
        return int(self.indices.size)

    @classmethod
    def from_coo(cls, n_pre: int, n_post: int, pre: np.ndarray, post: np.ndarray,
                 weights: np.ndarray, delays: np.ndarray | int = 1) -> "Synapses":
        """Synapses from parallel arrays (any order); ``delays`` may be one integer."""
        pre = np.asarray(pre, dtype=np.int64)
        order = np.argsort(pre, kind="stable")
        delays = np.broadcast_to(np.asarray(delays, dtype=np.int64), pre.shape)
        indptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(pre, minlength=n_pre), out=indptr[1:])
        return cls(n_pre, n_post, indptr, np.asarray(post, dtype=np.int64)[order],
                   np.asarray(weights, dtype=np.float64)[order], delays[order].copy())

    @classmethod
    def from_dense(cls, matrix: np.ndarray, delays: np.ndarray | int = 1) -> "Synapses":
        """Synapses for every non-zero entry of ``matrix`` (n_pre, n_post)."""
        pre, post = np.nonzero(matrix)
        d = np.broadcast_to(np.asarray(delays), matrix.shape)[pre, post] if np.ndim(delays) else delays
        return cls.from_coo(matrix.shape[0], matrix.shape[1], pre, post, matrix[pre, post], d)

    def presynaptic(self) -> np.ndarray:
        """Presynaptic neuron of every synapse (nnz,)."""
        return np.repeat(np.arange(self.n_pre), np.diff(self.indptr))

    def to_dense(self) -> np.ndarray:
        """Summed weight matrix (n_pre, n_post), ignoring delays."""
        out = np.zeros((self.n_pre, self.n_post))
        np.add.at(out, (self.presynaptic(), self.indices), self.weights)
        return out

    def scaled(self, factor_by_pre: np.ndarray) -> "Synapses":
        """A copy with every weight multiplied by the factor of its presynaptic neuron."""
        factors = np.asarray(factor_by_pre, dtype=float)[self.presynaptic()]
        return Synapses(self.n_pre, self.n_post, self.indptr, self.indices,
                        self.weights * factors, self.delays)


def random_synapses(rng: np.random.Generator, n_pre: int, n_post: int, p: float,
                    weight: float | np.ndarray, delay: int | tuple[int, int] = 1,
                    autapses: bool = True) -> Synapses:
    """Each pre->post pair connected with probability ``p``.

    ``weight`` is one number or an array (n_pre,) of per-source weights;
    ``delay`` is one integer or an inclusive range ``(low, high)`` drawn uniformly.
    ``autapses=False`` removes i->i synapses (for recurrent synapses).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"connection probability must be in [0, 1], got {p}")
    n_syn = rng.binomial(n_pre * n_post, p)
    flat = rng.choice(n_pre * n_post, size=n_syn, replace=False) if n_syn else np.zeros(0, np.int64)
    pre, post = np.divmod(flat, n_post)
    if not autapses:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    w = np.broadcast_to(np.asarray(weight, dtype=float), (n_pre,))[pre]
    if isinstance(delay, tuple):
        d = rng.integers(delay[0], delay[1] + 1, size=pre.size)
    else:
        d = np.full(pre.size, int(delay))
    return Synapses.from_coo(n_pre, n_post, pre, post, w, d)


@dataclass(frozen=True)
class NeuronParams:
    """Per-neuron constants (scalars broadcast to every neuron).

    tau_m: membrane time constant (ms); thr: threshold above rest (mV);
    t_ref: refractory period (integer steps); tau_a: adaptation time constant (ms);
    beta: adaptation strength (mV per unit of ``b``; 0 makes a LIF neuron).
    """

    tau_m: float | np.ndarray = 20.0
    thr: float | np.ndarray = 20.0
    t_ref: int | np.ndarray = 2
    tau_a: float | np.ndarray = 200.0
    beta: float | np.ndarray = 0.0

    def arrays(self, n: int) -> dict[str, np.ndarray]:
        """Every constant as an array of length ``n``, plus the per-step decays."""
        out = {name: np.broadcast_to(np.asarray(getattr(self, name), dtype=float), (n,)).copy()
               for name in ("tau_m", "thr", "t_ref", "tau_a", "beta")}
        out["decay"] = np.exp(-DT / out["tau_m"])
        out["rho"] = np.exp(-DT / out["tau_a"])
        out["t_ref"] = np.round(out["t_ref"]).astype(np.int64)
        return out


@dataclass
class Recording:
    """Output of :meth:`Network.simulate`.

    ``spikes`` (T, B, N) bool; ``v`` (T, B, N) potentials if recorded, else None.
    """

    spikes: np.ndarray
    v: np.ndarray | None = None

    def rates(self) -> np.ndarray:
        """Mean firing rate of every neuron in Hz, averaged over trials (N,)."""
        t = self.spikes.shape[0]
        return self.spikes.sum(axis=(0, 1)) / (self.spikes.shape[1] * t * DT * 1e-3)

    def mean_rate(self) -> float:
        """Population firing rate in spikes/s/neuron."""
        return float(self.rates().mean()) if self.spikes.size else 0.0


@dataclass(frozen=True)
class Network:
    """A population of LIF/ALIF neurons with recurrent synapses.

    ``propagation`` is ``"auto"``, ``"event"`` (scatter every spike along its
    synapses) or ``"dense"`` (matrix product of the spiking rows); ``auto``
    picks per step whichever costs less for the current number of spikes.
    """

    n: int
    neurons: NeuronParams
    recurrent: Synapses
    propagation: str = "auto"

    def __post_init__(self) -> None:
        if self.recurrent.n_pre != self.n or self.recurrent.n_post != self.n:
            raise ValueError(f"recurrent synapses must be {self.n}x{self.n}")
        if self.propagation not in ("auto", "event", "dense"):
            raise ValueError(f"propagation must be 'auto', 'event' or 'dense', got {self.propagation!r}")

    def simulate(self, steps: int, batch: int = 1, external: np.ndarray | None = None,
                 poisson_rate: float = 0.0, poisson_weight: float = 0.0,
                 rng: np.random.Generator | None = None, v0: np.ndarray | None = None,
                 record_v: bool = False) -> Recording:
        """Run ``batch`` independent trials for ``steps`` steps of 1 ms.

        external: optional (steps, batch, n) potential jumps (see :func:`input_drive`).
        poisson_rate, poisson_weight: independent Poisson background per neuron
            (Hz, mV per event); needs ``rng``.
        v0: optional initial potentials (batch, n); default 0 (rest).
        Returns a :class:`Recording`. Same inputs and generator state give the same output.
        """
        p = self.neurons.arrays(self.n)
        n = self.n
        if external is not None and external.shape != (steps, batch, n):
            raise ValueError(f"external must have shape {(steps, batch, n)}, got {external.shape}")
        lam = poisson_rate * DT * 1e-3
        if lam > 0 and rng is None:
            raise ValueError("a Poisson background needs rng")
        background = PoissonCounts(lam, (batch, n), rng, steps, poisson_weight) if lam > 0 else None
        v = np.zeros((batch, n)) if v0 is None else np.array(v0, dtype=float).reshape(batch, n)
        v_flat = v.reshape(-1)
        adaptive = bool(np.any(p["beta"] != 0))
        b = np.zeros((batch, n))
        refractory = _Refractory(p["t_ref"]) if np.any(p["t_ref"] > 0) else None
        z = np.zeros((batch, n), dtype=bool)
        spikes = np.zeros((steps, batch, n), dtype=bool)
        v_rec = np.zeros((steps, batch, n)) if record_v else None
        buffer = DelayBuffer(self.recurrent, batch, self.propagation)
        decay, thr, beta, rho = p["decay"], p["thr"], p["beta"], p["rho"]
        thr_scalar = float(thr[0]) if np.all(thr == thr[0]) else None
        if np.all(decay == decay[0]):
            decay = float(decay[0])
        for t in range(steps):
            v *= decay
            buffer.deliver(v)
            if external is not None:
                v += external[t]
            if background is not None:
                v += background.next()
            if refractory is not None:
                refractory.hold(v_flat, t)  # held: input during refractoriness is discarded
            if adaptive:
                b *= rho
                b += (1.0 - rho) * z
                np.greater_equal(v, thr + beta * b, out=z)
            else:
                np.greater_equal(v, thr if thr_scalar is None else thr_scalar, out=z)
            z_flat = z.reshape(-1)
            if refractory is not None:
                refractory.mask(z_flat)
            fired = np.flatnonzero(z_flat)
            if fired.size:
                v_flat[fired] -= thr_scalar if thr_scalar is not None else thr[fired % n]
            if refractory is not None:
                refractory.add(fired, v_flat, t, n)
            if fired.size:
                buffer.push(z, fired)
            spikes[t] = z
            if record_v:
                v_rec[t] = v
        return Recording(spikes, v_rec)


class _Refractory:
    """Neurons in their refractory period, kept sparse: flat indices and held potentials.

    With one period for all neurons, the refractory ones are the spikes of the
    last ``period`` steps (a short queue); otherwise each has its own end step.
    """

    def __init__(self, t_ref: np.ndarray):
        self.t_ref = t_ref
        self.period = int(t_ref[0]) if np.all(t_ref == t_ref[0]) else None
        self.recent: deque = deque(maxlen=self.period or None)
        self.idx = np.zeros(0, np.int64)
        self.val = np.zeros(0)
        self.until = np.zeros(0, np.int64)

    def hold(self, v_flat: np.ndarray, t: int) -> None:
        if self.period is not None:
            for idx, val in self.recent:
                if idx.size:
                    v_flat[idx] = val
            return
        if self.idx.size:
            keep = self.until > t
            self.idx, self.val, self.until = self.idx[keep], self.val[keep], self.until[keep]
            v_flat[self.idx] = self.val

    def mask(self, z_flat: np.ndarray) -> None:
        if self.period is not None:
            for idx, _ in self.recent:
                if idx.size:
                    z_flat[idx] = False
        elif self.idx.size:
            z_flat[self.idx] = False

    def add(self, fired: np.ndarray, v_flat: np.ndarray, t: int, n: int) -> None:
        if self.period is not None:
            self.recent.append((fired, v_flat[fired]))
        elif fired.size:
            self.idx = np.concatenate((self.idx, fired))
            self.val = np.concatenate((self.val, v_flat[fired]))
            self.until = np.concatenate((self.until, t + 1 + self.t_ref[fired % n]))


def ei_network(rng: np.random.Generator, n_exc: int, n_inh: int,
               j: dict[str, float], p: dict[str, float], neurons: NeuronParams,
               delay: int | tuple[int, int] = 1, propagation: str = "auto") -> Network:
    """A random excitatory/inhibitory network.

    ``j`` maps "EE", "EI", "IE", "II" to weight magnitudes in mV (source first:
    "EI" is E->I); inhibitory weights get a negative sign. ``p`` maps the same
    keys to connection probabilities. Neurons 0..n_exc-1 are excitatory.
    """
    n = n_exc + n_inh
    blocks = {"E": (0, n_exc), "I": (n_exc, n)}
    pre_all, post_all, w_all, d_all = [], [], [], []
    for key in ("EE", "EI", "IE", "II"):
        (a0, a1), (b0, b1) = blocks[key[0]], blocks[key[1]]
        sign = 1.0 if key[0] == "E" else -1.0
        block = random_synapses(rng, a1 - a0, b1 - b0, p[key], sign * j[key], delay,
                                autapses=key[0] != key[1])
        pre_all.append(block.presynaptic() + a0)
        post_all.append(block.indices + b0)
        w_all.append(block.weights)
        d_all.append(block.delays)
    syn = Synapses.from_coo(n, n, np.concatenate(pre_all), np.concatenate(post_all),
                            np.concatenate(w_all), np.concatenate(d_all))
    return Network(n, neurons, syn, propagation)
