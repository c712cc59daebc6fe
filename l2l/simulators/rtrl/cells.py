"""EGRU and GRU cells on one flat parameter vector, with fixed pruning masks.

The cell (reset gate after the recurrent product, as in cuDNN/PyTorch GRUs)::

    u = sigmoid(W_u x + V_u y' + b_u)          update gate
    r = sigmoid(W_r x + V_r y' + b_r)          reset gate
    s = V_z y'                                  recurrent candidate input
    z = tanh(W_z x + r * s + b_z)              candidate
    a = u * z + (1 - u) * c'                   internal state before the event

EGRU (``events=True``), with per-unit thresholds ``theta``::

    o = H(a - theta)          event
    y = o * a                 output: the only thing other units see
    c = a - o * theta         reset by subtraction
    psi = gamma * max(0, 1 - |a - theta| / epsilon)   pseudo-derivative of H

GRU (``events=False``): ``y = c = a``, no thresholds.

``y'`` and ``c'`` are the previous step's output and internal state (zero at
the start). Parameters live in one flat float64 vector laid out as
``W`` (3, n, d), ``V`` (3, n, n), ``b`` (3, n), then ``theta`` (n) for EGRUs;
gate order u, r, z. Pruning removes input and recurrent weights only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

@dataclass(frozen=True)
class Cell:
    """Shape and event options of a recurrent layer (no parameter values)."""

    n_inputs: int
    n_units: int
    events: bool = True
    gamma: float = 1.0
    epsilon: float = 1.0

    @property
    def n_weights(self) -> int:
        """Input and recurrent weights: the prunable parameters."""
        return 3 * self.n_units * (self.n_inputs + self.n_units)

    @property
    def n_params(self) -> int:
        return self.n_weights + 3 * self.n_units + (self.n_units if self.events else 0)

    def views(self, flat: np.ndarray) -> "Weights":
        """Named views (no copies) into a flat parameter vector."""
        n, d = self.n_units, self.n_inputs
        w_end = 3 * n * d
        v_end = w_end + 3 * n * n
        b_end = v_end + 3 * n
        theta = flat[b_end:b_end + n] if self.events else np.zeros(n)
        return Weights(flat[:w_end].reshape(3, n, d), flat[w_end:v_end].reshape(3, n, n),
                       flat[v_end:b_end].reshape(3, n), theta)

    def column_structure(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For every parameter: owning unit, gate-derivative row and presynaptic source.

        The immediate influence of parameter ``p`` on ``a`` is non-zero only in
        row ``owner[p]`` and equals ``G[kind[p], owner[p]] * pre[source[p]]``
        with ``G = (g_u, g_r, g_z, g_s)`` (see :func:`gate_derivatives`) and
        ``pre = concat(x, y', [1])``. Thresholds get ``kind = -1``.
        """
        n, d = self.n_units, self.n_inputs
        owner, kind, source = [], [], []
        unit = np.arange(n)
        for gate in range(3):                       # W: pre = x
            owner.append(np.repeat(unit, d)); kind.append(np.full(n * d, gate))
            source.append(np.tile(np.arange(d), n))
        for gate in range(3):                       # V: pre = y'; V_z acts through g_s
            owner.append(np.repeat(unit, n)); kind.append(np.full(n * n, 3 if gate == 2 else gate))
            source.append(np.tile(d + np.arange(n), n))
        for gate in range(3):                       # b: pre = 1
            owner.append(unit); kind.append(np.full(n, gate)); source.append(np.full(n, d + n))
        if self.events:
            owner.append(unit); kind.append(np.full(n, -1)); source.append(np.full(n, d + n))
        return np.concatenate(owner), np.concatenate(kind), np.concatenate(source)

    def threshold_slice(self) -> slice:
        start = self.n_weights + 3 * self.n_units
        return slice(start, start + (self.n_units if self.events else 0))


@dataclass
class Weights:
    W: np.ndarray       # (3, n, d)
    V: np.ndarray       # (3, n, n)
    b: np.ndarray       # (3, n)
    theta: np.ndarray   # (n,)


@dataclass
class Step:
    """Everything one forward step computed; learning rules read from it."""

    x: np.ndarray
    c_prev: np.ndarray
    y_prev: np.ndarray
    u: np.ndarray
    r: np.ndarray
    z: np.ndarray
    s: np.ndarray
    a: np.ndarray
    o: np.ndarray
    psi: np.ndarray
    y: np.ndarray
    c: np.ndarray
    macs: int

    @property
    def active(self) -> np.ndarray:
        """Units whose row of dy/dw can be non-zero: an event or a non-zero pseudo-derivative."""
        return np.flatnonzero((self.o != 0) | (self.psi != 0))


def initial_state(cell: Cell) -> tuple[np.ndarray, np.ndarray]:
    """``(c, y)`` before the first step."""
    return np.zeros(cell.n_units), np.zeros(cell.n_units)


def _sigmoid(q: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * q))


def forward(cell: Cell, weights: Weights, x: np.ndarray, c_prev: np.ndarray,
            y_prev: np.ndarray) -> Step:
    """One step. Silent units send nothing: only emitting columns of V are read."""
    n, d = cell.n_units, cell.n_inputs
    sending = np.flatnonzero(y_prev)
    q = weights.W @ x + weights.b
    recurrent = weights.V[:, :, sending] @ y_prev[sending]
    macs = 3 * n * d + 3 * n * sending.size
    u = _sigmoid(q[0] + recurrent[0])
    r = _sigmoid(q[1] + recurrent[1])
    s = recurrent[2]
    z = np.tanh(q[2] + r * s)
    a = u * z + (1.0 - u) * c_prev
    macs += 3 * n
    if cell.events:
        theta = weights.theta
        o = (a > theta).astype(float)
        psi = cell.gamma * np.maximum(0.0, 1.0 - np.abs(a - theta) / cell.epsilon)
        y = o * a
        c = a - o * theta
        macs += 2 * n
    else:
        o, psi, y, c = np.ones(n), np.zeros(n), a, a
    return Step(x, c_prev, y_prev, u, r, z, s, a, o, psi, y, c, macs)


def gate_derivatives(step: Step) -> np.ndarray:
    """Rows ``g_u, g_r, g_z, g_s``: derivatives of ``a`` w.r.t. q_u, q_r, q_z and s."""
    g_z = step.u * (1.0 - step.z ** 2)
    g_u = (step.z - step.c_prev) * step.u * (1.0 - step.u)
    g_s = g_z * step.r
    g_r = g_s * step.s * (1.0 - step.r)
    return np.stack([g_u, g_r, g_z, g_s])


def event_derivatives(cell: Cell, weights: Weights, step: Step):
    """Local derivatives of the event: dc/da, dy/da, dc/dtheta, dy/dtheta (all diagonal)."""
    if not cell.events:
        one, zero = np.ones(cell.n_units), np.zeros(cell.n_units)
        return one, one, zero, zero
    theta = weights.theta
    return (1.0 - theta * step.psi, step.o + step.a * step.psi,
            -step.o + theta * step.psi, -step.a * step.psi)


# -- initialisation and pruning ------------------------------------------------

def init_params(cell: Cell, rng: np.random.Generator, theta_init: float = 0.0,
                mask: np.ndarray | None = None) -> np.ndarray:
    """Uniform(+-1/sqrt(fan-in)) weights, zero biases, thresholds ``theta_init``."""
    n, d = cell.n_units, cell.n_inputs
    flat = np.zeros(cell.n_params)
    views = cell.views(flat)
    views.W[...] = rng.uniform(-1, 1, views.W.shape) / np.sqrt(max(d, 1))
    fan_in = n if mask is None else max(1.0, n * _recurrent_density(cell, mask))
    views.V[...] = rng.uniform(-1, 1, views.V.shape) * np.sqrt(3.0 / fan_in)
    views.b[0] = -1.0   # lean towards keeping the state (update gate mostly closed)
    if cell.events:
        views.theta[...] = theta_init
    if mask is not None:
        flat *= mask
    return flat


def _recurrent_density(cell: Cell, mask: np.ndarray) -> float:
    n, d = cell.n_units, cell.n_inputs
    return float(mask[3 * n * d:3 * n * (d + n)].mean())


def pruning_mask(cell: Cell, density: float, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask over the flat vector keeping ``round(density * size)`` entries of
    each weight matrix (each gate's W and V separately); biases and thresholds are kept."""
    mask = np.ones(cell.n_params, dtype=bool)
    n, d = cell.n_units, cell.n_inputs
    start = 0
    for size in [n * d] * 3 + [n * n] * 3:
        keep = int(round(density * size))
        block = np.zeros(size, dtype=bool)
        block[rng.permutation(size)[:keep]] = True
        mask[start:start + size] = block
        start += size
    return mask


def weight_density(cell: Cell, mask: np.ndarray) -> float:
    """Fraction of input and recurrent weights that are not pruned."""
    return float(mask[:cell.n_weights].mean()) if cell.n_weights else 1.0
