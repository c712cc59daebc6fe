"""LSNN: a network of LIF and adaptive (ALIF) neurons trained by BPTT or e-prop on store-recall.

One evaluation draws the initial weights and every training batch from its
seed, trains the network for ``training_steps`` Adam steps on the store-recall
task and returns the recall error on fresh trials. The outer loop explores
the adaptation (``tau_a``, ``beta``), the threshold ``thr`` and the
``learning_rate``; any of them missing from the parameters takes the option
of the same name.

Store-recall: a trial is a stream of symbols of ``symbol_ms`` each. In every
symbol one of two input groups (bit 0 / bit 1) fires; the first symbol also
carries the STORE cue, the last one the RECALL cue and no bit. The network
must report, during the recall symbol, the bit shown with STORE ``delay``
ms earlier. Chance is 50% error.

Objectives: ``recall_error`` (the default) and ``recall_loss``, the readout's
cross-entropy on the same test trials (a smooth measure: it ranks networks
that are all still at chance by how far they are from learning the task,
which the error cannot; a config selects it like any objective). The metrics
``firing_rate`` and ``firing_rate_alif`` (Hz, on the test trials) are
objectives too where a config names them (error against energy:
``objectives = ["recall_error", "firing_rate"]``, both minimized).

Fidelity ``iterations`` (training iterations = Adam steps), whole numbers from
``min_budget`` to ``training_steps``. ``run_to(b)`` is the full run cut after
``b`` iterations (same batches and learning-rate schedule); its checkpoint
holds the weights, Adam's moments and step count, the batch generator's state
and the losses, so continuing from ``b1`` to ``b2`` equals training to ``b2``
from scratch, and ``run_to(training_steps)`` equals ``run``. Curve: the
recall error every ``curve_every`` iterations and at the budget (a run without
a policy records it too: ``run`` is then ``run_to(training_steps)``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_tools import (check_min_budget, curve_fidelities, rng_from_state, rng_state, segment_start,
                                           whole_budget)
from l2l.simulators.snn_space import check_space_values
from l2l.simulators.lsnn_model import Adam, Neurons, eprop_grads, forward, init_params, logits, loss_and_grads

LEARNING_RULES = {"bptt": loss_and_grads, "eprop": eprop_grads}

#: Model parameters the outer loop may explore; missing ones take the option of the same name.
EXPLORABLE = ("tau_a", "beta", "thr", "learning_rate", "tau_m")


def store_recall(rng: np.random.Generator, trials: int, delay: int, symbol_ms: int, group: int,
                 rate: float, background: float, distractors: bool = True):
    """Inputs (T, trials, 4 * group) bool, recall mask (T, trials) and labels (trials,).

    Channel groups: bit 0, bit 1, STORE, RECALL; ``rate``/``background`` in Hz.
    """
    symbols = delay // symbol_ms + 1
    steps = symbols * symbol_ms
    bits = rng.integers(0, 2, size=(trials, symbols))
    # the spike probability per 1 ms step, rate * 1e-3, of every channel
    active, inactive = rate * 1e-3, background * 1e-3
    chance = np.full((steps, trials, 4 * group), inactive)
    for k in range(symbols - 1):
        window = slice(k * symbol_ms, (k + 1) * symbol_ms)
        if k > 0 and not distractors:
            continue
        for bit in (0, 1):
            who = np.flatnonzero(bits[:, k] == bit)
            chance[window, who[:, None], np.arange(bit * group, (bit + 1) * group)] = active
    chance[:symbol_ms, :, 2 * group:3 * group] = active
    chance[steps - symbol_ms:, :, 3 * group:] = active
    spikes = rng.random(chance.shape)
    np.less(spikes, chance, out=spikes)  # 1.0 where the uniform draw falls below the channel's chance
    mask = np.zeros((steps, trials))
    mask[steps - symbol_ms:] = 1.0
    return spikes, mask, bits[:, 0]


@dataclass(frozen=True)
class LSNN(Simulator):
    """LIF + ALIF network trained by BPTT on store-recall; fitness = recall error after training."""

    name: ClassVar[str] = "lsnn"
    #: the rates are metrics, which a config may name as objectives too
    produces: ClassVar[tuple[str, ...] | None] = ("recall_error", "recall_loss", "firing_rate", "firing_rate_alif")
    #: the rates have no better side (fewer spikes or more, as the config says)
    directions: ClassVar[Mapping[str, str]] = {"recall_error": "minimize", "recall_loss": "minimize"}
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = EXPLORABLE
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("recall_error", "minimize"),)

    n_lif: int = option(10, help="LIF neurons", ge=0, le=10_000)
    n_alif: int = option(20, help="adaptive (ALIF) neurons", ge=1, le=10_000)
    tau_m: float = option(10.0, help="membrane time constant (ms); explorable")
    tau_a: float = option(150.0, help="adaptation time constant of ALIF neurons (ms); explorable")
    beta: float = option(50.0, help="adaptation strength of ALIF neurons: A = thr + beta * b; explorable")
    thr: float = option(1.0, help="firing threshold (dimensionless); explorable")
    learning_rate: float = option(0.01, help="Adam learning rate; explorable")
    learning_rule: str = option("bptt", help="'bptt' (exact pseudo-gradients) or 'eprop' (local eligibility traces)", choices=tuple(sorted(LEARNING_RULES)))
    final_lr_fraction: float = option(0.3, help="the learning rate decays exponentially to this fraction of itself", gt=0, le=1)
    tau_out: float = option(20.0, help="time constant of the leaky readout (ms)", gt=0)
    delay: int = option(100, help="recall delay: ms from the STORE symbol to the RECALL symbol (a multiple of "
                                  "symbol_ms)", ge=1, le=10_000)
    symbol_ms: int = option(20, help="duration of one symbol (ms)", ge=1)
    distractors: bool = option(True, help="show random bits between STORE and RECALL")
    input_group: int = option(10, help="input channels per group (bit 0, bit 1, STORE, RECALL)", ge=1, le=10_000)
    input_rate: float = option(200.0, help="rate of an active input channel (Hz)", gt=0)
    background_rate: float = option(5.0, help="rate of an inactive input channel (Hz)", ge=0)
    training_steps: int = option(80, help="N: Adam steps of BPTT", ge=1, le=1_000_000)
    batch_size: int = option(16, help="trials per training step", ge=1, le=100_000)
    test_trials: int = option(128, help="fresh trials the recall error is measured on", ge=1, le=100_000)
    rate_reg: float = option(0.0, help="weight of the firing-rate regularizer (mean rate -> rate_target)", ge=0)
    rate_target: float = option(20.0, help="target firing rate of the regularizer (Hz)", ge=0)
    input_scale: float = option(3.0, help="std of initial input weights x sqrt(fan-in), in units of thr", gt=0)
    recurrent_scale: float = option(0.5, help="std of initial recurrent weights x sqrt(n), in units of thr", ge=0)
    min_budget: int = option(1, help="fidelity: fewest training iterations a scheduler may ask for", ge=1)
    curve_every: int = option(0, help="fidelity: also measure the recall error every this many iterations "
                                      "(0: only at the budget); a run without a [policy] records it too", ge=0)

    def __post_init__(self) -> None:
        check_min_budget(self, "training_steps")
        if self.delay < self.symbol_ms:
            raise ConfigError(f"simulator 'lsnn': option 'delay' must be >= symbol_ms ({self.symbol_ms}), "
                              f"got {self.delay}")
        self._check_model({k: getattr(self, k) for k in EXPLORABLE}, "option")

    def refuse_ignored(self, space) -> None:
        """Refuse, in one line, an explored range reaching past what a parameter takes (``tau_a`` from -5: every
        candidate there failed), an explored parameter of several values, and an option the run would ignore: a
        ``rate_target`` with the regularizer off, the part of a ``delay`` beyond its last whole symbol (110 ran as
        100). A new run's only (l2l.components.build): a stored run resumes as it ran."""
        check_space_values("lsnn", space, lambda value: self._check_model(value, "parameter"))
        if self.curve_every > self.training_steps:  # the curve would hold the budget alone, as without it
            raise ConfigError(f"simulator 'lsnn': option 'curve_every' = {self.curve_every} is above training_steps "
                              f"= {self.training_steps}, so the curve would hold the budget alone: give curve_every "
                              f"<= {self.training_steps}, or remove it")
        if self.rate_target != _default(self, "rate_target") and not self.rate_reg:  # only the regularizer reads it
            raise ConfigError(f"simulator 'lsnn': option 'rate_target' = {self.rate_target!r} Hz is the target of the "
                              f"firing-rate regularizer, which is off (rate_reg = 0): give rate_reg > 0 (e.g. 10), "
                              f"or remove rate_target")
        if self.delay % self.symbol_ms:  # the task shows whole symbols: the rest would be dropped
            below = self.delay - self.delay % self.symbol_ms
            default = " (the default)" if self.delay == _default(self, "delay") else ""  # symbol_ms = 30 alone
            raise ConfigError(f"simulator 'lsnn': option 'delay' must be a whole number of symbols (a multiple of "
                              f"symbol_ms = {self.symbol_ms} ms), got {self.delay}{default}: give {below} or "
                              f"{below + self.symbol_ms}")

    @staticmethod
    def _check_model(values: dict[str, Any], what: str) -> None:
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
                    or not np.isfinite(value):
                raise ConfigError(f"simulator 'lsnn': {what} {key!r} must be a finite number, got {value!r}")
            if key == "beta":
                if value < 0:
                    raise ConfigError(f"simulator 'lsnn': {what} 'beta' must be >= 0, got {value!r}")
            elif not value > 0:
                raise ConfigError(f"simulator 'lsnn': {what} {key!r} must be > 0, got {value!r}")

    def model(self, params: dict[str, Any]) -> dict[str, float]:
        """Model parameters of one evaluation: ``params`` over the options of the same name."""
        values = {key: float(value) for key, value in self.explored(params).items()}
        self._check_model(values, "parameter")
        return values

    def neurons(self, m: dict[str, float]) -> Neurons:
        n = self.n_lif + self.n_alif
        adaptive = np.arange(n) >= self.n_lif
        return Neurons(alpha=float(np.exp(-1.0 / m["tau_m"])), thr=m["thr"],
                       beta=np.where(adaptive, m["beta"], 0.0),
                       rho=np.full(n, np.exp(-1.0 / m["tau_a"])),
                       kappa=float(np.exp(-1.0 / self.tau_out)))

    def batch(self, rng: np.random.Generator, trials: int):
        return store_recall(rng, trials, self.delay, self.symbol_ms, self.input_group,
                            self.input_rate, self.background_rate, self.distractors)

    def fidelity(self) -> Fidelity:
        """``iterations``: Adam steps of training, ``min_budget`` to ``training_steps``."""
        return Fidelity("iterations", "training iterations (Adam steps)", min(self.min_budget, self.training_steps),
                        self.training_steps, True)

    def _start(self, m: dict[str, float], seed: int, checkpoint: Mapping[str, Any] | None) -> "_Training":
        neurons = self.neurons(m)
        if checkpoint is None:
            rng = np.random.default_rng(seed)
            n = self.n_lif + self.n_alif
            weights = init_params(rng, 4 * self.input_group, n, 2,
                                  self.input_scale * m["thr"], self.recurrent_scale * m["thr"])
            return _Training(self, m, neurons, weights, Adam(weights, m["learning_rate"]), rng, [], False)
        try:
            weights = {key: np.array(checkpoint["weights"][key], dtype=float) for key in WEIGHTS}
            optimizer = Adam(weights, m["learning_rate"])
            optimizer.m = {key: np.array(checkpoint["adam_m"][key], dtype=float) for key in WEIGHTS}
            optimizer.s = {key: np.array(checkpoint["adam_s"][key], dtype=float) for key in WEIGHTS}
            optimizer.t = int(checkpoint["adam_t"])
            losses = [float(v) for v in np.asarray(checkpoint["losses"], dtype=float)]
            diverged = bool(checkpoint["diverged"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"simulator 'lsnn': the checkpoint is incomplete or damaged ({exc!r})") from None
        n, n_in = self.n_lif + self.n_alif, 4 * self.input_group
        expected = {"W_in": (n_in, n), "W_rec": (n, n), "W_out": (n, 2), "b_out": (2,)}
        for key, shape in expected.items():  # a network of another size (n_lif, n_alif or input_group changed)
            for what, arrays in (("weights", weights), ("adam_m", optimizer.m), ("adam_s", optimizer.s)):
                if arrays[key].shape != shape:
                    raise ValueError(f"simulator 'lsnn': the checkpoint's {what} {key} has shape "
                                     f"{arrays[key].shape}, and this network's {shape} ({n} neurons, {n_in} input "
                                     f"channels): the checkpoint is of another network (other n_lif, n_alif or "
                                     f"input_group)")
        if len(losses) != checkpoint["budget"]:
            raise ValueError(f"simulator 'lsnn': the checkpoint holds {len(losses)} losses for budget "
                             f"{checkpoint['budget']}")
        return _Training(self, m, neurons, weights, optimizer, rng_from_state(checkpoint["rng"], "lsnn"),
                         losses, diverged)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        if self.curve_every:  # the learning curve a policy's segment records, in a run without a [policy] too
            result = self.run_to(params, seed, self.training_steps, None)  # (equal to the run below)
            result.checkpoint = None  # nothing continues a run without a policy
            return result
        training = self._start(self.model(params), seed, None)
        training.advance(self.training_steps)
        return training.result(training.rng)

    def run_to(self, params: dict[str, Any], seed: int, budget: float,
               checkpoint: Mapping[str, Any] | None) -> SimulationResult:
        """Train from ``checkpoint`` (None: from the initial weights) to ``budget`` iterations.

        The run at ``budget`` is the single-fidelity run cut after ``budget`` iterations (same batches, same
        learning-rate schedule, which decays over ``training_steps``); the recall error is measured on fresh
        trials drawn from the state of the training generator at that iteration, so
        ``run_to(training_steps) == run()``. The curve holds the recall error every ``curve_every``
        iterations and at ``budget``; the checkpoint holds the weights, Adam's moments and step, the
        generator's state and the training losses.
        """
        budget = whole_budget(self.fidelity(), budget, "lsnn")
        start = segment_start(checkpoint, budget, "lsnn")
        training = self._start(self.model(params), seed, checkpoint)
        points: dict[str, list] = {name: [] for name in self.produces}
        for point in curve_fidelities(start, budget, self.curve_every):
            training.advance(point)
            result = training.result(rng_from_state(rng_state(training.rng), "lsnn"))
            measured = {**result.metrics, **result.objectives}
            for name in self.produces:
                points[name].append([point, measured[name]])
        result.curve = points
        result.checkpoint = training.checkpoint()
        return result


WEIGHTS = ("W_in", "W_rec", "W_out", "b_out")


class _Training:
    """One network being trained: weights, Adam, the generator of its batches, the losses so far."""

    def __init__(self, owner: LSNN, m: dict[str, float], neurons: Neurons, weights: dict, optimizer: Adam,
                 rng: np.random.Generator, losses: list[float], diverged: bool):
        self.owner, self.m, self.neurons = owner, m, neurons
        self.weights, self.optimizer, self.rng, self.losses, self.diverged = weights, optimizer, rng, losses, diverged

    def advance(self, stop: int) -> None:
        """Train up to iteration ``stop``; after a non-finite loss the network stays as it was."""
        owner, m = self.owner, self.m
        rule = LEARNING_RULES[owner.learning_rule]
        decay = owner.final_lr_fraction ** (1.0 / max(1, owner.training_steps - 1))
        for step in range(len(self.losses), stop):
            if self.diverged:
                self.losses.append(float("nan"))
                continue
            self.optimizer.lr = m["learning_rate"] * decay ** step
            x, mask, labels = owner.batch(self.rng, owner.batch_size)
            loss, grads, _ = rule(self.weights, self.neurons, x, mask, labels, rate_reg=owner.rate_reg,
                                  rate_target=owner.rate_target * 1e-3)
            if not np.isfinite(loss):
                self.diverged = True
                self.losses.append(float("nan"))
                continue
            self.optimizer.step(self.weights, grads)
            self.losses.append(float(loss))

    def result(self, rng: np.random.Generator) -> SimulationResult:
        """The recall error and loss on fresh trials drawn from ``rng``, firing rates, the losses so far."""
        owner = self.owner
        x, mask, labels = owner.batch(rng, owner.test_trials)
        traces = forward(self.weights, self.neurons, x)
        scores = logits(self.weights, traces, mask)
        predicted = np.argmax(scores, axis=1)
        error = float(np.mean(predicted != labels))
        shifted = scores - scores.max(axis=1, keepdims=True)
        log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = float(-np.mean(log_prob[np.arange(len(labels)), labels]))
        z = traces["z"]
        losses = np.asarray(self.losses, dtype=float)
        metrics = {
            "firing_rate": float(z.mean() * 1e3),
            "firing_rate_alif": float(z[:, :, owner.n_lif:].mean() * 1e3),
            "final_loss": float(losses[-1]),
        }
        return SimulationResult(objectives={"recall_error": error, "recall_loss": loss}, metrics=metrics, traces={"loss": losses})

    def checkpoint(self) -> dict[str, Any]:
        return {"simulator": "lsnn", "budget": len(self.losses),
                "weights": {key: self.weights[key].copy() for key in WEIGHTS},
                "adam_m": {key: self.optimizer.m[key].copy() for key in WEIGHTS},
                "adam_s": {key: self.optimizer.s[key].copy() for key in WEIGHTS},
                "adam_t": int(self.optimizer.t), "rng": rng_state(self.rng),
                "losses": np.asarray(self.losses, dtype=float), "diverged": self.diverged}


__all__ = ["LSNN", "EXPLORABLE", "store_recall"]


def _default(simulator: LSNN, key: str) -> Any:
    """The default of option ``key``."""
    return next(f.default for f in dataclasses.fields(simulator) if f.name == key)
