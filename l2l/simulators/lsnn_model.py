"""LSNN (LIF + ALIF) forward pass and backpropagation through time, in numpy.

Dynamics, one step of 1 ms, for a batch of trials (dimensionless potentials)::

    v[t] = alpha * v[t-1] + x[t] @ W_in + z[t-1] @ W_rec - thr * z[t-1]     reset by subtraction
    b[t] = rho * b[t-1] + (1 - rho) * z[t-1]                                  rho = exp(-1 / tau_a)
    A[t] = thr + beta * b[t]                                                  beta = 0 for LIF neurons
    z[t] = H(v[t] - A[t])
    out[t] = kappa * out[t-1] + z[t] @ W_out                                  leaky readout

``loss`` is the softmax cross-entropy of the readout averaged over each
trial's recall window. The backward pass replaces dH/dv by the
pseudo-derivative ``psi = gamma / thr * max(0, 1 - |v_scaled|)`` with
``v_scaled = (v - A) / thr`` and ``gamma = 0.3``.

With ``smooth=True`` the forward pass uses ``z = S(v_scaled)``, where ``S`` is the
integral of ``psi`` (a smooth step from 0 to ``gamma``). The backward pass
is then the exact gradient of that smooth network, which is how the tests
check it against finite differences.

Arrays: ``x`` (T, B, n_in) inputs, ``mask`` (T, B) recall-window weights,
``labels`` (B,) ints. Parameters: dict with ``W_in`` (n_in, n), ``W_rec``
(n, n, zero diagonal), ``W_out`` (n, classes), ``b_out`` (classes,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAMMA = 0.3


@dataclass(frozen=True)
class Neurons:
    """Constants of the recurrent population: ``beta`` and ``rho`` are per neuron (n,)."""

    alpha: float
    thr: float
    beta: np.ndarray
    rho: np.ndarray
    kappa: float


def _surrogate(v_scaled: np.ndarray, thr: float) -> np.ndarray:
    """``GAMMA / thr * max(0, 1 - |v_scaled|)``, computed in one array (no temporaries of the traces' size)."""
    psi = np.abs(v_scaled)
    np.subtract(1.0, psi, out=psi)
    np.maximum(0.0, psi, out=psi)
    psi *= GAMMA / thr
    return psi


def _smooth_step(v_scaled: np.ndarray) -> np.ndarray:
    """GAMMA * integral of max(0, 1 - |u|) from -1 to v_scaled."""
    u = np.clip(v_scaled, -1.0, 1.0)
    return GAMMA * np.where(u < 0, 0.5 * (1 + u) ** 2, 1.0 - 0.5 * (1 - u) ** 2)


def _readout(params: dict, neurons: Neurons, z: np.ndarray) -> np.ndarray:
    """Leaky readout out[t] = kappa * out[t-1] + z[t] @ W_out, for all steps: (T, B, classes)."""
    steps, batch, n = z.shape
    out = (z.reshape(steps * batch, n) @ params["W_out"]).reshape(steps, batch, -1)
    for t in range(1, steps):
        out[t] += neurons.kappa * out[t - 1]
    return out


def _spike_threshold(thr: float) -> float:
    """The least ``d`` with ``d / thr - 1.0 >= 0`` in floating point: ``z = d >= _spike_threshold(thr)`` is the
    spike condition ``v_scaled >= 0`` computed in one comparison, to the last bit (``d / thr`` rounds
    monotonically in ``d``, and ``q - 1.0 >= 0`` exactly when ``q >= 1``)."""
    least = thr
    while (np.nextafter(least, -np.inf) / thr - 1.0) >= 0:  # step down to the least d that still spikes
        least = np.nextafter(least, -np.inf)
    while (least / thr - 1.0) < 0:  # (or up, should thr / thr round below 1)
        least = np.nextafter(least, np.inf)
    return float(least)


def forward(params: dict, neurons: Neurons, x: np.ndarray, smooth: bool = False) -> dict:
    """Run the network; returns a dict of traces: z, v_scaled, out (T, B, ...)."""
    steps, batch, _ = x.shape
    n = params["W_rec"].shape[0]
    thr, alpha, rho, beta = neurons.thr, neurons.alpha, neurons.rho, neurons.beta
    one_minus_rho = 1.0 - rho
    recurrent = params["W_rec"] - thr * np.eye(n)       # recurrence and reset by subtraction
    adaptive = bool(np.any(beta != 0))
    v = np.zeros((batch, n))
    b = np.zeros((batch, n))
    z = np.zeros((batch, n))
    zs = np.empty((steps, batch, n))
    # vs[t] first holds v[t] - beta * b[t] (the distance to the adaptive threshold times thr); below the loop it
    # becomes v_scaled = vs / thr - 1.0, the same numbers as computing it step by step
    vs = np.empty((steps, batch, n))
    least = _spike_threshold(thr)
    drive = (x.reshape(steps * batch, -1) @ params["W_in"]).reshape(steps, batch, n)
    # one step: each quantity updated in place or written straight into its row of the traces (the same
    # floating-point operations in the same order as ``v = alpha * v + drive[t] + z @ recurrent`` and so on)
    for t in range(steps):
        v *= alpha
        v += drive[t]
        v += z @ recurrent                               # z is still z[t-1]
        distance = vs[t]
        if adaptive:
            b *= rho
            b += one_minus_rho * z                       # b = rho * b + (1 - rho) * z[t-1]
            np.multiply(beta, b, out=distance)
            np.subtract(v, distance, out=distance)       # v - beta * b
        else:
            distance[...] = v
        z = zs[t]
        if smooth:
            z[...] = _smooth_step(distance / thr - 1.0)
        else:
            np.greater_equal(distance, least, out=z)     # z = H(v_scaled), as 1.0 / 0.0
    vs /= thr
    vs -= 1.0
    return {"z": zs, "v_scaled": vs, "out": _readout(params, neurons, zs)}


def logits(params: dict, traces: dict, mask: np.ndarray) -> np.ndarray:
    """Readout averaged over each trial's recall window: (B, classes)."""
    weights = mask / np.maximum(mask.sum(axis=0), 1e-12)
    return np.einsum("tb,tbc->bc", weights, traces["out"]) + params["b_out"]


def _readout_loss(params, traces, mask, labels, rate_target, rate_reg):
    """Cross-entropy of the readout plus the rate penalty; its gradient with respect to the logits
    (averaged over the batch) and each neuron's rate error."""
    z = traces["z"]
    batch = z.shape[1]
    scores = logits(params, traces, mask)
    scores = scores - scores.max(axis=1, keepdims=True)
    prob = np.exp(scores)
    prob /= prob.sum(axis=1, keepdims=True)
    loss = float(-np.mean(np.log(prob[np.arange(batch), labels] + 1e-300)))
    rate_error = z.mean(axis=(0, 1)) - rate_target
    loss += rate_reg * float(np.sum(rate_error ** 2))
    g_logits = prob.copy()
    g_logits[np.arange(batch), labels] -= 1.0
    g_logits /= batch
    return loss, g_logits, rate_error


def loss_and_grads(params: dict, neurons: Neurons, x: np.ndarray, mask: np.ndarray,
                   labels: np.ndarray, smooth: bool = False, rate_reg: float = 0.0,
                   rate_target: float = 0.01) -> tuple[float, dict, dict]:
    """Loss, its (pseudo-)gradients by BPTT, and the forward traces.

    The loss is the cross-entropy plus ``rate_reg * sum_j (r_j - rate_target)**2``,
    where ``r_j`` is neuron j's mean activity per step (spikes/ms) over the batch.
    """
    traces = forward(params, neurons, x, smooth)
    z, v_scaled = traces["z"], traces["v_scaled"]
    steps, batch, n = z.shape
    loss, g_logits, rate_error = _readout_loss(params, traces, mask, labels, rate_target, rate_reg)
    weights = mask / np.maximum(mask.sum(axis=0), 1e-12)

    thr, alpha, beta, rho, kappa = neurons.thr, neurons.alpha, neurons.beta, neurons.rho, neurons.kappa
    one_minus_rho = 1.0 - rho
    psi = _surrogate(v_scaled, thr)
    b_psi = np.multiply(psi, -beta)                      # dz[t]/db[t] = -beta * psi
    # dL/dout[t] runs backwards through the leaky readout, independent of the network
    g_out = weights[:, :, None] * g_logits[None]
    for t in range(steps - 2, -1, -1):
        g_out[t] += kappa * g_out[t + 1]
    classes = g_out.shape[2]
    g_z_out = (g_out.reshape(steps * batch, classes) @ params["W_out"].T).reshape(steps, batch, n)
    g_z_out += 2.0 * rate_reg * rate_error / (steps * batch)
    recurrent_t = (params["W_rec"] - thr * np.eye(n)).T  # v[t+1] depends on z[t] via W_rec and reset
    g_v = np.zeros((batch, n))                           # dL/dv[t+1]
    g_b = np.zeros((batch, n))                           # dL/db[t+1]
    g_vs = np.empty((steps, batch, n))
    # g_z = g_z_out[t] + g_v @ recurrent_t + (1 - rho) * g_b;  g_b = b_psi[t] * g_z + rho * g_b;
    # g_v = g_z * psi[t] + alpha * g_v, written straight into g_vs[t] (the same operations, in place)
    for t in range(steps - 1, -1, -1):
        g_z = g_v @ recurrent_t
        g_z += g_z_out[t]
        g_z += one_minus_rho * g_b
        g_b *= rho
        g_b += b_psi[t] * g_z
        row = g_vs[t]
        np.multiply(alpha, g_v, out=row)
        row += g_z * psi[t]
        g_v = row
    flat = steps * batch
    grads = {
        "W_in": x.reshape(flat, -1).T @ g_vs.reshape(flat, n),
        "W_rec": z[:-1].reshape(flat - batch, n).T @ g_vs[1:].reshape(flat - batch, n),
        "W_out": z.reshape(flat, n).T @ g_out.reshape(flat, classes),
        "b_out": g_logits.sum(axis=0),
    }
    np.fill_diagonal(grads["W_rec"], 0.0)
    return loss, grads, traces


def init_params(rng: np.random.Generator, n_in: int, n: int, classes: int,
                input_scale: float, recurrent_scale: float) -> dict:
    """Gaussian initial weights, scaled by fan-in; no self-connections."""
    w_rec = rng.normal(0.0, recurrent_scale / np.sqrt(n), (n, n))
    np.fill_diagonal(w_rec, 0.0)
    return {
        "W_in": rng.normal(0.0, input_scale / np.sqrt(n_in), (n_in, n)),
        "W_rec": w_rec,
        "W_out": rng.normal(0.0, 1.0 / np.sqrt(n), (n, classes)),
        "b_out": np.zeros(classes),
    }


class Adam:
    """Adam on a dict of arrays (in place)."""

    def __init__(self, params: dict, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999):
        self.lr, self.beta1, self.beta2, self.t = learning_rate, beta1, beta2, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.s = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params: dict, grads: dict) -> None:
        self.t += 1
        c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
        for key, grad in grads.items():
            self.m[key] = self.beta1 * self.m[key] + (1 - self.beta1) * grad
            self.s[key] = self.beta2 * self.s[key] + (1 - self.beta2) * grad * grad
            params[key] -= self.lr * (self.m[key] / c1) / (np.sqrt(self.s[key] / c2) + 1e-8)


def eprop_grads(params: dict, neurons: Neurons, x: np.ndarray, mask: np.ndarray,
                labels: np.ndarray, rate_reg: float = 0.0,
                rate_target: float = 0.01) -> tuple[float, dict, dict]:
    """Loss and e-prop gradients (symmetric feedback): the same signature as :func:`loss_and_grads`.

    Each input and recurrent weight W_ji gets the product of a learning signal
    L_j[t] (the readout error sent back through W_out, filtered by the readout
    leak) and a local eligibility trace
    ``e_ji[t] = psi_j[t] * (eps_v_i[t] - beta_j * eps_a_ji[t])`` where
    ``eps_v_i[t] = alpha * eps_v_i[t-1] + pre_i[t]`` and
    ``eps_a_ji[t+1] = rho * eps_a_ji[t] + (1 - rho) * e_ji[t]``. Gradients that
    would flow through other neurons (and through the reset) are dropped;
    readout gradients are exact. Computed after the forward pass, equal to
    the online rule's accumulated update.
    """
    traces = forward(params, neurons, x)
    z, v_scaled = traces["z"], traces["v_scaled"]
    steps, batch, n = z.shape
    loss, g_logits, rate_error = _readout_loss(params, traces, mask, labels, rate_target, rate_reg)
    weights = mask / np.maximum(mask.sum(axis=0), 1e-12)
    g_out = weights[:, :, None] * g_logits[None]
    for t in range(steps - 2, -1, -1):
        g_out[t] += neurons.kappa * g_out[t + 1]
    classes = g_out.shape[2]
    signal = (g_out.reshape(steps * batch, classes) @ params["W_out"].T).reshape(steps, batch, n)
    signal += 2.0 * rate_reg * rate_error / (steps * batch)
    signal_psi = signal * _surrogate(v_scaled, neurons.thr)   # L_j[t] * psi_j[t]

    pre_rec = np.concatenate([np.zeros((1, batch, n)), z[:-1]])
    grads = {}
    for key, pre in (("W_in", x), ("W_rec", pre_rec)):
        eps_v = np.empty_like(pre)
        acc = np.zeros(pre.shape[1:])
        for t in range(steps):
            acc = neurons.alpha * acc + pre[t]
            eps_v[t] = acc
        n_pre = pre.shape[2]
        grad = eps_v.reshape(steps * batch, n_pre).T @ signal_psi.reshape(steps * batch, n)
        if np.any(neurons.beta != 0):
            psi = _surrogate(v_scaled, neurons.thr)
            eps_a = np.zeros((batch, n_pre, n))
            adaptation = np.zeros((n_pre, n))
            for t in range(steps):
                adaptation += np.einsum("bij,bj->ij", eps_a, signal_psi[t])
                e = psi[t][:, None, :] * (eps_v[t][:, :, None] - neurons.beta * eps_a)
                eps_a = neurons.rho * eps_a + (1.0 - neurons.rho) * e
            grad -= neurons.beta * adaptation
        grads[key] = grad
    grads["W_out"] = z.reshape(steps * batch, n).T @ g_out.reshape(steps * batch, classes)
    grads["b_out"] = g_logits.sum(axis=0)
    np.fill_diagonal(grads["W_rec"], 0.0)
    return loss, grads, traces
