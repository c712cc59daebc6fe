"""EGRU inner loop: an event-based GRU learns a synthetic task online by sparse RTRL.

Each training trial is one sequence; its gradient is accumulated online by
exact sparse RTRL (memory independent of the trial length) and applied with
Adam every ``batch_size`` trials. After ``trials`` training trials the network
is scored on ``test_trials`` fresh trials (``digits``: held-out images of the
``held_out`` split). ``rule = 'bptt'`` computes the same gradients by BPTT over
a batch at once (much faster in numpy, not online); ``activity_penalty`` adds
activity regularization (see :mod:`l2l.simulators.rtrl.rtrl`), scaled per unit
and step so that it is comparable across network sizes and tasks.

Objectives (pick any in a config): ``test_error`` = 1 - test accuracy (minimize,
the default), ``accuracy`` (maximize), ``test_loss`` = the readout's cross-entropy
on the same test trials (minimize; smooth, so it ranks networks that are all
still at chance, which the error cannot), ``macs_per_step`` = measured learning
rule multiply-accumulates per time step during training (minimize).
(Not ``error``: trajectories reserve that column for failure messages.)
Metrics: activity sparsity during training and on the held-out trials, live
units, weight density, the dense-RTRL MACs per step of the same network, the
measured saving, the final training loss.
Trace: ``learning_curve``, training accuracy per update.

Fidelity ``trials`` (training sequences), whole numbers from ``min_budget`` to
``trials``: ``run_to(b)`` is the full run cut after ``b`` trials and scored on
the same test trials; the checkpoint holds the weights, the readout, Adam's
state, the gradient of an unfinished batch, the last ``batch_size`` training losses and the metric counters (no
influence matrix: RTRL restarts with every sequence), so continuing is exact
and ``run_to(trials)`` equals ``run``. Curve: the objectives every
``curve_every`` trials and at the budget (a run without a policy records it
too: ``run`` is then ``run_to(trials)``).
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
from l2l.simulators.fidelity_tools import check_min_budget, curve_fidelities, segment_start, whole_budget
from l2l.simulators.rtrl import macs as cost
from l2l.simulators.rtrl import readout as ro
from l2l.simulators.rtrl.batched import bptt_batch, forward_batch
from l2l.simulators.rtrl.cells import Cell, init_params, pruning_mask, weight_density
from l2l.simulators.rtrl.rtrl import RTRL
from l2l.simulators.rtrl.tasks import TASKS, DelayedCopy, Digits, Spiral
from l2l.simulators.snn_space import check_space_values

#: The options that shape one task only, and that task.
TASK_OPTIONS = {"length": "spiral", "noise": "spiral", "symbols": "copy", "copy_length": "copy", "delay": "copy",
                "held_out": "digits"}
#: Parameters an outer loop may explore; a missing one takes the option's value.
EXPLORABLE = ("theta_init", "learning_rate", "density", "gamma", "epsilon", "activity_penalty")
#: The EGRU's options a GRU (``model = 'gru'``: no thresholds, no events) ignores, and what each does.
GRU_IGNORES = {"theta_init": "sets the initial thresholds", "theta_min": "clips the thresholds",
               "gamma": "is the height of the events' pseudo-derivative",
               "epsilon": "is the half-width of the events' pseudo-derivative",
               "activity_penalty": "regularizes events", "event_budget": "regularizes events"}


@dataclass(frozen=True)
class EGRUSimulator(Simulator):
    """Event-based GRU trained online by exact sparse RTRL; fitness = task error after learning."""

    name: ClassVar[str] = "egru"
    produces: ClassVar[tuple[str, ...] | None] = ("test_error", "accuracy", "test_loss", "macs_per_step")
    directions: ClassVar[Mapping[str, str]] = {"accuracy": "maximize", "test_error": "minimize",
                                               "test_loss": "minimize"}  # l2l.objectives
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = EXPLORABLE
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("test_error", "minimize"),)

    task: str = option("spiral", help="'spiral' (turning direction of a noisy phasor), 'copy' (delayed recall) "
                                      "or 'digits' (scikit-learn's digits row by row; needs l2l[datasets])")
    model: str = option("egru", help="'egru' (events, thresholds) or 'gru' (dense baseline)")
    units: int = option(16, help="recurrent units", le=4096)
    trials: int = option(384, help="training trials (one sequence each)", le=1_000_000)
    batch_size: int = option(8, help="trials per Adam update")
    test_trials: int = option(256, help="fresh trials scored after learning", le=1_000_000)
    learning_rate: float = option(0.02, help="Adam step size (explorable)")
    theta_init: float = option(0.2, help="initial per-unit threshold (explorable)")
    density: float = option(1.0, help="fraction of input/recurrent weights kept by pruning (explorable)")
    gamma: float = option(1.0, help="pseudo-derivative height (explorable)")
    epsilon: float = option(0.5, help="pseudo-derivative half-width (explorable)")
    theta_min: float = option(0.0, help="thresholds are clipped to at least this after each update")
    rule: str = option("rtrl", help="'rtrl' (online, sparse RTRL) or 'bptt' (the same gradients, a batch at once)")
    activity_penalty: float = option(0.0, help="loss per output beyond a unit's event budget, per unit and step "
                                               "(explorable)")
    event_budget: int = option(0, help="events per unit and sequence that the activity penalty leaves alone")
    held_out: str = option("validation", help="digits: the split scored after learning ('validation' while "
                                              "tuning, 'test' for a final figure)")
    length: int = option(10, help="spiral: steps per trial", le=100_000)
    noise: float = option(0.3, help="spiral: input noise standard deviation")
    symbols: int = option(4, help="copy: alphabet size", le=1000)
    copy_length: int = option(1, help="copy: symbols to recall", le=10_000)
    delay: int = option(5, help="copy: blank steps between cue and recall", le=100_000)
    min_budget: int = option(8, help="fidelity: fewest training trials a scheduler may ask for", ge=1)
    curve_every: int = option(0, help="fidelity: also score the test trials every this many training trials "
                                      "(0: only at the budget); a run without a [policy] records it too", ge=0)

    def __post_init__(self) -> None:
        check_min_budget(self, "trials")
        self._check_choice("task", TASKS)
        self._check_choice("model", ("egru", "gru"))
        self._check_choice("rule", ("rtrl", "bptt"))
        self._check_choice("held_out", ("validation", "test"))
        self._check_range("event_budget", self.event_budget, 0, None, "an integer >= 0")
        if self.task == "digits":
            try:
                import sklearn  # noqa: F401
            except ImportError:
                raise ConfigError("simulator 'egru': option 'task' = 'digits' needs scikit-learn, "
                                  "which is not installed (pip install 'l2l[datasets]')") from None
        for key in ("units", "trials", "batch_size", "test_trials", "length", "copy_length"):
            self._check_range(key, getattr(self, key), 1, None, "an integer >= 1")
        self._check_range("symbols", self.symbols, 2, None, "an integer >= 2")
        self._check_range("delay", self.delay, 0, None, "an integer >= 0")
        self._check_range("noise", self.noise, 0.0, None, ">= 0")
        self._check_range("theta_min", self.theta_min, 0.0, None, ">= 0")
        self._check_params({k: getattr(self, k) for k in EXPLORABLE}, "option")

    def refuse_ignored(self, space=None) -> None:
        """Refuse, in one line, an explored range reaching past what a parameter takes (``density`` up to 1.5,
        ``learning_rate`` from 0: every candidate there failed), an explored parameter of several values, and an
        option (or explored parameter) the run would ignore: a task's option given for
        another task, an EGRU-only option (thresholds, pseudo-derivative, events: ``GRU_IGNORES``) set to another
        value than its default or explored for ``model = 'gru'``, an ``event_budget`` no unit can exceed, an
        ``event_budget`` with no penalty to spare (the penalty neither set nor explored). A new run's only
        (l2l.components.build; ``space`` None: nothing explored): a run stored before a refusal resumes and is
        re-evaluated as it ran (session 34's task refusals sat in the constructor, and such a run's
        ``l2l resume`` ended with exit status 2)."""
        options = {key: getattr(self, key) for key in EXPLORABLE}
        check_space_values("egru", space, lambda value: self._check_params({**options, **value}, "parameter"))
        explored = set(space.names) if space is not None else set()
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for key, task in TASK_OPTIONS.items():  # a task's option given for another task would be ignored
            if self.task != task and getattr(self, key) != defaults[key]:
                raise ConfigError(f"simulator 'egru': option {key!r} = {getattr(self, key)!r} is for task {task!r}, "
                                  f"and task is {self.task!r}: remove {key}, or set task = {task!r}")
        if self.model == "gru":  # no thresholds, no pseudo-derivative, no events: rtrl.py drops them for a GRU
            for key, what in GRU_IGNORES.items():
                if key in explored:
                    raise ConfigError(f"simulator 'egru': the space explores {key!r}, which {what}, and model "
                                      f"'gru' has none: remove it from [space], or set model = 'egru'")
                if getattr(self, key) != defaults[key]:
                    raise ConfigError(f"simulator 'egru': option {key!r} = {getattr(self, key)!r} {what}, and "
                                      f"model 'gru' has none: remove {key}, or set model = 'egru'")
        if self.curve_every > self.trials:  # the curve would hold the budget alone, as without it
            raise ConfigError(f"simulator 'egru': option 'curve_every' = {self.curve_every} is above trials = "
                              f"{self.trials}, so the curve would hold the budget alone: give curve_every <= "
                              f"{self.trials}, or remove it")
        steps = self.make_task().duration
        if self.event_budget >= steps:  # a unit fires at most once a step: the penalty would never apply
            raise ConfigError(f"simulator 'egru': option 'event_budget' = {self.event_budget!r} is not below the "
                              f"{steps} steps of a {self.task!r} sequence, so no unit could exceed it and the "
                              f"activity penalty would never apply: set event_budget < {steps}")
        if self.event_budget and "activity_penalty" not in explored and self.activity_penalty == 0:
            raise ConfigError(f"simulator 'egru': option 'event_budget' = {self.event_budget!r} counts the events "
                              f"the activity penalty spares, and activity_penalty is 0: set activity_penalty > 0 "
                              f"(or explore it), or remove event_budget")

    def _check_choice(self, key: str, allowed: tuple[str, ...]) -> None:
        if getattr(self, key) not in allowed:
            raise ConfigError(f"simulator 'egru': option {key!r} must be one of {allowed}, "
                              f"got {getattr(self, key)!r}")

    @staticmethod
    def _check_range(key: str, value: Any, low: float, high: float | None, rule: str,
                     what: str = "option", low_open: bool = False) -> None:
        ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and np.isfinite(value)
              and (value > low if low_open else value >= low) and (high is None or value <= high))
        if not ok:
            raise ConfigError(f"simulator 'egru': {what} {key!r} must be {rule}, got {value!r}")

    def _check_params(self, values: dict[str, Any], what: str) -> None:
        check = self._check_range
        check("learning_rate", values["learning_rate"], 0.0, None, "> 0", what, low_open=True)
        check("theta_init", values["theta_init"], 0.0, None, ">= 0", what)
        check("density", values["density"], 0.0, 1.0, "in (0, 1]", what, low_open=True)
        check("gamma", values["gamma"], 0.0, None, ">= 0", what)
        check("epsilon", values["epsilon"], 0.0, None, "> 0", what, low_open=True)
        check("activity_penalty", values["activity_penalty"], 0.0, None, ">= 0", what)

    def resolve(self, params: dict[str, Any]) -> dict[str, float]:
        """Explorable values: from ``params`` where given, else from the options."""
        values = {key: float(value) for key, value in self.explored(params).items()}
        self._check_params(values, "parameter")
        return values

    def make_task(self):
        if self.task == "copy":
            return DelayedCopy(self.symbols, self.copy_length, self.delay)
        if self.task == "digits":
            return Digits()
        return Spiral(self.length, self.noise)

    def fidelity(self) -> Fidelity:
        """``trials``: training sequences (learned online by RTRL, or a batch at a time by BPTT with ``rule =
        'bptt'``), ``min_budget`` to ``trials``."""
        how = "sequences learned online" if self.rule == "rtrl" else "sequences learned by BPTT"
        return Fidelity("trials", f"training trials ({how})", min(self.min_budget, self.trials), self.trials, True)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        if self.curve_every:  # the learning curve a policy's segment records, in a run without a [policy] too
            result = self.run_to(params, seed, self.trials, None)  # (equal to the run below)
            result.checkpoint = None  # nothing continues a run without a policy
            return result
        learning = _Learning(self, self.resolve(params), seed, None)
        learning.advance(self.trials)
        return learning.result()

    def run_to(self, params: dict[str, Any], seed: int, budget: float,
               checkpoint: Mapping[str, Any] | None) -> SimulationResult:
        """Learn from ``checkpoint`` (None: from the initial weights) up to ``budget`` training trials.

        The run at ``budget`` is the single-fidelity run cut after ``budget`` trials: the same training
        sequences, Adam updates every ``batch_size`` trials (the gradient of an unfinished batch waits in the
        checkpoint), the same ``test_trials`` test sequences at every budget; ``run_to(trials) == run()``.
        RTRL's influence matrices start afresh with every sequence, so the checkpoint holds no influence
        matrix: it holds the weights, the readout, Adam's moments and step, the pending batch gradient and
        the counters behind the metrics. Curve: every objective every ``curve_every`` trials and at ``budget``.
        """
        budget = whole_budget(self.fidelity(), budget, "egru")
        start = segment_start(checkpoint, budget, "egru")
        learning = _Learning(self, self.resolve(params), seed, checkpoint)
        curve: dict[str, list] = {name: [] for name in self.produces}
        for point in curve_fidelities(start, budget, self.curve_every):
            learning.advance(point)
            result = learning.result()
            for name in self.produces:
                curve[name].append([point, result.objectives[name]])
        result.curve = curve
        result.checkpoint = learning.checkpoint()
        return result


#: What a checkpoint holds besides the weights: arrays, then whole numbers.
_ARRAYS = ("weights", "readout", "adam_m", "adam_v", "grad", "grad_readout", "losses", "learning_curve")
_COUNTS = ("adam_t", "hits", "scored", "active", "steps", "macs", "trials_done")


class _Learning:
    """One network learning online: everything :meth:`EGRUSimulator.run` carries from trial to trial."""

    def __init__(self, owner: EGRUSimulator, values: dict[str, float], seed: int,
                 checkpoint: Mapping[str, Any] | None):
        self.owner = owner
        data_seed, init_seed = np.random.SeedSequence(seed).spawn(2)
        data_rng, init_rng = np.random.default_rng(data_seed), np.random.default_rng(init_seed)
        self.task = owner.make_task()
        self.cell = Cell(self.task.n_inputs, owner.units, events=owner.model == "egru",
                         gamma=values["gamma"], epsilon=values["epsilon"])
        self.mask = pruning_mask(self.cell, values["density"], init_rng)
        weights = init_params(self.cell, init_rng, values["theta_init"], self.mask)
        readout = ro.init_readout(owner.units, self.task.n_classes, init_rng)
        self.adam = _Adam(values["learning_rate"], weights.size + readout.size)
        self.inputs, self.targets = self.task.sample(data_rng, owner.trials)
        self.test = self.task.sample(data_rng, owner.test_trials, owner.held_out)
        self.theta = self.cell.threshold_slice()
        self.penalty = values["activity_penalty"] / (owner.units * self.task.duration)
        if checkpoint is None:
            self.weights, self.readout = weights, readout
            self.grad, self.grad_readout = np.zeros(weights.size), np.zeros(readout.size)
            self.losses, self.learning_curve = [], []
            self.hits = self.scored = self.active = self.steps = self.macs = self.trials_done = 0
            return
        other = None
        try:
            for key in _ARRAYS:
                reference = {"weights": weights, "readout": readout, "adam_m": self.adam.m, "adam_v": self.adam.v,
                             "grad": weights, "grad_readout": readout}.get(key)
                value = np.array(checkpoint[key], dtype=float)
                if reference is not None and value.shape != reference.shape and other is None:
                    other = f"its {key} has shape {value.shape}, and this network's {reference.shape}"
                setattr(self, key, value)
            counts = {key: int(checkpoint[key]) for key in _COUNTS}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"simulator 'egru': the checkpoint is incomplete or damaged ({exc})") from None
        if other is not None:  # (before: "incomplete or damaged (weights has shape (928,), expected (272,))")
            raise ValueError(f"simulator 'egru': the checkpoint is of another network: {other} ({owner.units} "
                             f"units, model {owner.model!r}, task {owner.task!r}); continue it with the units, "
                             f"model and task it was trained with")
        if "mask" in checkpoint:  # the connectivity the network was pruned to when it began (a continued or
            # copied network keeps it, whatever its own seed and density would draw)
            mask = np.asarray(checkpoint["mask"])
            if mask.shape != self.mask.shape:
                raise ValueError(f"simulator 'egru': the checkpoint's mask has shape {mask.shape}, expected "
                                 f"{self.mask.shape}")
            self.mask = mask.astype(self.mask.dtype)
        self.adam.m, self.adam.v, self.adam.t = self.adam_m, self.adam_v, counts.pop("adam_t")
        self.losses, self.learning_curve = list(self.losses), list(self.learning_curve)
        for key, value in counts.items():
            setattr(self, key, value)

    def _chunk_results(self, start: int, stop: int):
        """Per-trial ``(grad, grad_readout, loss, hits, scored, active, steps, macs)`` of trials start..stop-1."""
        owner, cell = self.owner, self.cell
        if owner.rule == "bptt":
            batch = bptt_batch(cell, self.weights, self.readout, self.inputs[start:stop],
                               self.targets[start:stop], self.penalty, owner.event_budget)
            columns = int(self.mask.sum())
            immediate = columns - (owner.units if cell.events else 0)
            for index in range(stop - start):
                # what sparse RTRL would have counted on this trial (the model, from its active units)
                macs = cost.rtrl_sequence_macs(owner.units, columns, immediate, batch.active[index].tolist(),
                                               self.targets[start + index].tolist(), True,
                                               penalized=self.penalty > 0 and cell.events)
                yield (batch.grad[index] * self.mask, batch.grad_readout[index], float(batch.loss[index]),
                       int(batch.hits[index]), int(batch.scored[index]), int(batch.active[index].sum()),
                       self.task.duration, macs)
            return
        for trial in range(start, stop):
            learner = RTRL(cell, self.weights, self.readout, mask=self.mask, sparse=True,
                           activity_penalty=self.penalty, event_budget=owner.event_budget)
            for x, target in zip(self.inputs[trial], self.targets[trial]):
                learner.step(x, int(target))
            result = learner.result()
            yield (result.grad, result.grad_readout, result.loss, result.hits, result.scored,
                   result.active_total, result.steps, result.macs)

    def advance(self, stop: int) -> None:
        """Learn trials up to ``stop``, in chunks that never cross an Adam update."""
        batch_size = self.owner.batch_size
        while self.trials_done < stop:
            chunk_stop = min(stop, (self.trials_done // batch_size + 1) * batch_size)
            for trial_result in self._chunk_results(self.trials_done, chunk_stop):
                self._accumulate(*trial_result)

    def _accumulate(self, grad, grad_readout, loss, hits, scored, active, steps, macs) -> None:
        owner, mask, theta = self.owner, self.mask, self.theta
        trial = self.trials_done
        self.grad += grad
        self.grad_readout += grad_readout
        self.losses.append(loss)
        self.hits, self.scored = self.hits + hits, self.scored + scored
        self.active, self.steps = self.active + active, self.steps + steps
        self.macs += macs
        if (trial + 1) % owner.batch_size == 0 or trial + 1 == owner.trials:
            step = self.adam.step(np.concatenate([self.grad, self.grad_readout]))
            self.weights -= step[:self.weights.size] * mask
            self.readout -= step[self.weights.size:]
            self.weights[theta] = np.maximum(self.weights[theta], owner.theta_min)
            self.learning_curve.append(self.hits / max(self.scored, 1))
            self.grad[:], self.grad_readout[:], self.hits, self.scored = 0.0, 0.0, 0, 0
        self.trials_done = trial + 1

    def result(self) -> SimulationResult:
        owner, cell, mask, task = self.owner, self.cell, self.mask, self.task
        accuracy, loss, held_out = _evaluate(cell, self.weights, self.readout, *self.test)
        n_columns, n_immediate = int(mask.sum()), int(mask.sum()) - (owner.units if cell.events else 0)
        dense_per_step = cost.rtrl_sequence_macs(
            owner.units, cell.n_params, cell.n_params - (owner.units if cell.events else 0),
            [owner.units] * task.duration, list(self.targets[0]), sparse=False) / task.duration
        macs_per_step = self.macs / self.steps
        return SimulationResult(
            objectives={"test_error": 1.0 - accuracy, "accuracy": accuracy, "test_loss": loss,
                        "macs_per_step": macs_per_step},
            metrics={"activity_sparsity": 1.0 - self.active / (self.steps * owner.units),
                     **held_out,
                     "parameter_density": weight_density(cell, mask),
                     "propagated_columns": float(n_columns),
                     "immediate_columns": float(n_immediate),
                     "dense_macs_per_step": float(dense_per_step),
                     "macs_saving": float(dense_per_step / macs_per_step),
                     "final_train_loss": float(np.mean(self.losses[-owner.batch_size:])),
                     "mean_threshold": float(np.mean(self.weights[self.theta])) if cell.events else 0.0},
            traces={"learning_curve": np.asarray(self.learning_curve)})

    def checkpoint(self) -> dict[str, Any]:
        state = {"simulator": "egru", "budget": self.trials_done,
                 "weights": self.weights.copy(), "readout": self.readout.copy(),
                 "adam_m": self.adam.m.copy(), "adam_v": self.adam.v.copy(), "adam_t": int(self.adam.t),
                 "grad": self.grad.copy(), "grad_readout": self.grad_readout.copy(), "mask": self.mask.copy(),
                 # the last batch's training losses, all final_train_loss reads (before: every trial's, 8 bytes a
                 # trial in every checkpoint a run keeps: 800 kB a checkpoint at 100 000 trials)
                 "losses": np.asarray(self.losses[-self.owner.batch_size:], dtype=float),
                 "learning_curve": np.asarray(self.learning_curve, dtype=float)}
        state.update({key: int(getattr(self, key)) for key in ("hits", "scored", "active", "steps", "macs",
                                                               "trials_done")})
        return state


def _evaluate(cell: Cell, weights: np.ndarray, readout: np.ndarray, inputs: np.ndarray,
              targets: np.ndarray) -> tuple[float, float, dict[str, float]]:
    """Accuracy and mean cross-entropy on the held-out trials' scored steps, and their activity:
    ``test_activity_sparsity`` (unit-steps with no event and a zero pseudo-derivative, the rows sparse RTRL
    skips), ``test_event_sparsity`` (no event) and ``live_units`` (fraction of units with at least one event on
    these trials)."""
    steps = forward_batch(cell, weights, inputs)
    w_out, b_out = ro.split(readout, cell.n_units)
    hits = total = 0
    loss = 0.0
    for t, step in enumerate(steps):
        scored = targets[:, t] >= 0
        if scored.any():
            scores = step["y"][scored] @ w_out.T + b_out
            predicted = np.argmax(scores, axis=1)
            hits += int(np.sum(predicted == targets[scored, t]))
            total += int(scored.sum())
            shifted = scores - scores.max(axis=1, keepdims=True)
            log_prob = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            loss -= float(np.sum(log_prob[np.arange(len(scores)), targets[scored, t]]))
    events = np.stack([step["o"] != 0 for step in steps])
    active = events | np.stack([step["psi"] != 0 for step in steps])
    return hits / max(total, 1), loss / max(total, 1), {"test_activity_sparsity": float(1.0 - active.mean()),
                                  "test_event_sparsity": float(1.0 - events.mean()),
                                  "live_units": float(events.any(axis=(0, 1)).mean())}


class _Adam:
    """Adam on a flat vector; returns the step to subtract."""

    def __init__(self, learning_rate: float, size: int, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m, self.v, self.t = np.zeros(size), np.zeros(size), 0

    def step(self, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad ** 2
        m_hat = self.m / (1 - self.beta1 ** self.t)
        v_hat = self.v / (1 - self.beta2 ** self.t)
        return self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
