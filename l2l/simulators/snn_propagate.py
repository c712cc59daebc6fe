"""Spike propagation with synaptic delays: a ring buffer of future potential jumps.

:class:`DelayBuffer` holds, for the next ``max_delay`` steps, the potential jump
every neuron of every trial will receive. Each step the simulator calls
:meth:`DelayBuffer.pop` (the jumps arriving now) and, if any neuron spiked,
:meth:`DelayBuffer.push` with the spikes of that step.

Two ways to push, same result up to floating-point summation order:

* *event*: gather the synapses of every spike (CSR rows) and scatter their
  weights into the buffer -- cost proportional to the number of synaptic events;
* *dense*: for each distinct delay, multiply the spiking rows of a dense weight
  matrix -- cost proportional to trials x spiking neurons x neurons, but run by BLAS.

``mode="auto"`` chooses per step from the number of spikes.
"""

from __future__ import annotations

import numpy as np

# Relative cost of one scattered synaptic event vs one multiply-add in BLAS;
# only used to choose between the two paths.
_EVENT_COST = 8.0
_DENSE_LIMIT = 4_000_000  # at most this many dense matrix entries per delay group


class DelayBuffer:
    """Future potential jumps (slots, batch, n) for synapses with integer delays >= 1."""

    def __init__(self, synapses, batch: int, mode: str = "auto"):
        self.batch = batch
        self.n = n = synapses.n_post
        max_delay = int(synapses.delays.max()) if synapses.nnz else 1
        self.slots = max_delay + 1
        # one extra sink column n receives the padding synapses (weight 0) of the event path
        self.ring = np.zeros((self.slots, batch, n + 1))
        self.now = 0
        self.fanout = np.diff(synapses.indptr)
        self.delays = np.unique(synapses.delays) if synapses.nnz else np.array([1])
        self.single_delay = len(self.delays) == 1
        self.first_delay = int(self.delays[0])
        dense_ok = synapses.n_pre * n <= _DENSE_LIMIT and len(self.delays) <= 4
        self.mode = "event" if not dense_ok else mode
        # CSR rows padded to the largest fan-out so that the synapses of a set of
        # spikes are one 2-D gather; padding targets a sink column n, weight 0
        width = int(self.fanout.max()) if synapses.nnz else 1
        rows = np.repeat(np.arange(synapses.n_pre), self.fanout)
        cols = np.arange(synapses.nnz) - np.repeat(synapses.indptr[:-1], self.fanout)
        self.pad_post = np.full((synapses.n_pre, width), n, dtype=np.int64)
        self.pad_post[rows, cols] = synapses.indices
        self.pad_weight = np.zeros((synapses.n_pre, width))
        self.pad_weight[rows, cols] = synapses.weights
        self.pad_delay = np.ones((synapses.n_pre, width), dtype=np.int64)
        self.pad_delay[rows, cols] = synapses.delays
        # one trial: a spike costs its fan-out as events, or n dense additions per delay group
        self.event_per_spike = float(self.fanout.mean() if synapses.nnz else 0) * _EVENT_COST \
            < n * len(self.delays)
        self.code = None  # delay and target of every padded synapse, built on first use
        self.synapses = synapses
        self.dense: list | None = None  # (delay, dense weights) per delay, built on first use

    def _dense_groups(self) -> list:
        if self.dense is None:
            syn = self.synapses
            pre = syn.presynaptic()
            self.dense = []
            for d in self.delays:
                sel = syn.delays == d
                w = np.zeros((syn.n_pre, self.n))
                np.add.at(w, (pre[sel], syn.indices[sel]), syn.weights[sel])
                self.dense.append((int(d), w))
        return self.dense

    def deliver(self, v: np.ndarray) -> None:
        """Add the jumps arriving at the current step to ``v`` (batch, n); advances the clock."""
        slot = self.ring[self.now % self.slots]
        v += slot[:, :self.n]
        slot.fill(0.0)
        self.now += 1

    def pop(self) -> np.ndarray:
        """The jumps arriving at the current step (batch, n); advances the clock."""
        out = np.zeros((self.batch, self.n))
        self.deliver(out)
        return out

    def push(self, z: np.ndarray, fired: np.ndarray | None = None) -> None:
        """Schedule the effect of spikes ``z`` (batch, n_pre) emitted at the last delivered step.

        ``fired`` optionally gives ``np.flatnonzero(z)``, to save recomputing it.
        """
        base = self.now - 1
        if fired is None:
            fired = np.flatnonzero(z)
        if fired.size == 0:
            return
        if self.mode == "event" or (self.batch == 1 and self.event_per_spike):
            self._push_event(fired, base)
        elif self.mode == "dense":
            self._push_dense(z, base)
        else:
            pre = fired % self.n if self.batch > 1 else fired
            n_events = float(self.fanout[pre].sum())
            if n_events * _EVENT_COST < self.batch * self.n * min(pre.size, z.shape[1]) * len(self.delays):
                self._push_event(fired, base)
            else:
                self._push_dense(z, base)

    def _push_dense(self, z: np.ndarray, base: int) -> None:
        if self.batch == 1:
            active = np.flatnonzero(z[0])
            for d, w in self._dense_groups():
                self.ring[(base + d) % self.slots, 0, :self.n] += w[active].sum(axis=0)
            return
        zf = z.astype(float)
        for d, w in self._dense_groups():
            self.ring[(base + d) % self.slots, :, :self.n] += zf @ w

    def _push_event(self, fired: np.ndarray, base: int) -> None:
        n, batch = self.n, self.batch
        trial, pre = np.divmod(fired, n) if batch > 1 else (None, fired)
        weights = self.pad_weight[pre]
        if self.single_delay:
            post = self.pad_post[pre]                   # (spikes, width), sink column n for padding
            if batch > 1:
                post += (trial * (n + 1))[:, None]
            slot = self.ring[(base + self.first_delay) % self.slots].reshape(-1)
            slot += np.bincount(post.reshape(-1), weights.reshape(-1), minlength=slot.size)
            return
        if self.code is None:
            self.code = self.pad_delay * (batch * (n + 1)) + self.pad_post
        code = self.code[pre]                           # delay and target in one index
        code += (base * (batch * (n + 1)) + trial * (n + 1))[:, None] if batch > 1 else base * (n + 1)
        code %= self.slots * batch * (n + 1)
        ring = self.ring.reshape(-1)
        ring += np.bincount(code.reshape(-1), weights.reshape(-1), minlength=ring.size)
