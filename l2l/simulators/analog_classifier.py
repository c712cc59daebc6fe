"""A small rate-based pattern classifier of the kind emulated on analog chips.

One layer of ``n_classes`` output neurons reads ``n_inputs`` Poisson spike
sources. A pattern of class ``k`` is a vector of input spike counts drawn
with rates ``rate * prototype_k``; the prototypes are fixed by ``task_seed``
(they are the task, the same in every evaluation) and share a common
component of weight ``overlap``, which makes the classes hard to tell apart.
Output neuron ``j`` fires at

    r_j = gain_j * max(0, sum_i weights_ji x_i / rate - threshold_j),

a threshold-linear transfer with a per-neuron gain and threshold, as an
integrate-and-fire neuron's rate above rheobase. The predicted class is the
neuron with the highest rate. Objective ``loss`` (minimize): mean softmax
cross-entropy of ``readout_scale * r`` against the labels; metric
``accuracy``.

Explorable parameters: ``weights`` (shape ``(n_classes, n_inputs)``),
``gain`` and ``threshold`` (scalars or one value per output neuron). It
declares them as device parameters for :mod:`l2l.simulators.hardware`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import SimulationResult, Simulator
from l2l.simulators.hardware import DeviceParameter

PARAMETERS = ("weights", "gain", "threshold")
#: Largest patterns (samples x n_inputs counts) of which :meth:`AnalogClassifier.patterns` keeps the last 8 seeds'.
KEPT_COUNTS = 100_000


@dataclass(frozen=True)
class AnalogClassifier(Simulator):
    """Threshold-linear one-layer classifier of noisy spike-count patterns."""

    name: ClassVar[str] = "analog-classifier"
    produces: ClassVar[tuple[str, ...] | None] = ("loss",)
    directions: ClassVar[Mapping[str, str]] = {"loss": "minimize"}
    explorable: ClassVar[tuple[str, ...]] = PARAMETERS
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("loss", "minimize"),)

    n_classes: int = option(4, help="number of classes = output neurons", ge=2)
    n_inputs: int = option(12, help="number of Poisson input channels", ge=1)
    samples: int = option(200, help="patterns classified per evaluation", ge=1, le=1_000_000)
    rate: float = option(20.0, help="expected spike count of an input at prototype value 1", gt=0, le=1e6)
    overlap: float = option(0.6, help="weight in [0, 1) of the component all prototypes share", ge=0, lt=1)
    gain: float = option(1.0, help="output gain (a parameter too)")
    threshold: float = option(0.1, help="output threshold (a parameter too)")
    readout_scale: float = option(5.0, help="inverse temperature of the softmax in the loss", gt=0)
    task_seed: int = option(0, help="seed of the class prototypes (the task)", ge=0)

    def prototypes(self) -> np.ndarray:
        """The class prototypes, shape ``(n_classes, n_inputs)``, values in [0, 1]."""
        rng = np.random.default_rng(self.task_seed)
        own = rng.random((self.n_classes, self.n_inputs))
        shared = rng.random(self.n_inputs)
        return (1 - self.overlap) * own + self.overlap * shared

    def patterns(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The labels and input spike counts (shape ``(samples, n_inputs)``) of the patterns an evaluation with
        ``seed`` classifies, as read-only arrays. They depend on the seed and the options alone, not on the
        parameters, so the last few integer seeds' are kept: the chips of an emulated-hardware evaluation all
        classify the patterns of one seed, as do candidates evaluated on a common seed, and drawing the counts
        took half the time of an evaluation or more. Not kept: patterns of more than :data:`KEPT_COUNTS` counts,
        and a subclass's (it may draw them otherwise)."""
        if (type(self) is AnalogClassifier and isinstance(seed, (int, np.integer))
                and self.samples * self.n_inputs <= KEPT_COUNTS):
            return _kept_patterns(self, int(seed))
        return self._draw_patterns(seed)

    def _draw_patterns(self, seed: Any) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        labels = rng.integers(self.n_classes, size=self.samples)
        counts = rng.poisson(self.rate * self.prototypes()[labels])
        labels.flags.writeable = counts.flags.writeable = False
        return labels, counts

    def device_parameters(self) -> dict[str, DeviceParameter]:
        return {
            "weights": DeviceParameter("weight", (self.n_classes, self.n_inputs)),
            "gain": DeviceParameter("analog", (self.n_classes,)),
            "threshold": DeviceParameter("analog", (self.n_classes,), offset_scale=0.5),
        }

    def check_space(self, space) -> None:
        """Refuse, before the run, a space whose ``weights`` every evaluation would refuse (missing, other shape),
        or a ``gain`` or ``threshold`` of a shape that is neither one value (``shape = [1]`` too: it is spread
        over the classes, as a scalar is) nor one per class."""
        super().check_space(space)
        if "weights" not in space.names:
            raise ConfigError(f"simulator 'analog-classifier': explore 'weights' (shape = [{self.n_classes}, "
                              f"{self.n_inputs}], n_classes x n_inputs): it has no default")
        for name, shapes in (("weights", [(self.n_classes, self.n_inputs)]),
                             ("gain", [(), (1,), (self.n_classes,)]), ("threshold", [(), (1,), (self.n_classes,)])):
            shape = tuple(getattr(space[name], "shape", ())) if name in space.names else shapes[0]
            if shape not in shapes:
                wanted = f"shape = {list(shapes[0])}" if name == "weights" else \
                    f"one value or shape = [{self.n_classes}]"
                raise ConfigError(f"simulator 'analog-classifier': parameter {name!r} has shape = {list(shape)}; "
                                  f"it must be {wanted} (n_classes = {self.n_classes}, n_inputs = "
                                  f"{self.n_inputs})")

    def _values(self, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._refuse_unknown(params)
        if "weights" not in params:
            raise ConfigError("simulator 'analog-classifier': parameter 'weights' is required")
        weights = np.asarray(params["weights"], dtype=float)
        if weights.shape != (self.n_classes, self.n_inputs):
            raise ConfigError(f"simulator 'analog-classifier': 'weights' must have shape "
                              f"{(self.n_classes, self.n_inputs)}, got {weights.shape}")
        gain = np.broadcast_to(np.asarray(params.get("gain", self.gain), dtype=float), (self.n_classes,))
        threshold = np.broadcast_to(np.asarray(params.get("threshold", self.threshold), dtype=float),
                                    (self.n_classes,))
        return weights, gain, threshold

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        weights, gain, threshold = self._values(params)
        labels, counts = self.patterns(seed)
        rates = gain * np.maximum(counts @ weights.T / self.rate - threshold, 0.0)
        logits = self.readout_scale * rates
        logits -= logits.max(axis=1, keepdims=True)
        log_probability = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        loss = float(-log_probability[np.arange(self.samples), labels].mean())
        # ties (e.g. all neurons silent) count as wrong, not as class 0
        top = rates.max(axis=1, keepdims=True)
        winners = (rates == top).sum(axis=1)
        correct = (rates[np.arange(self.samples), labels] == top[:, 0]) & (winners == 1)
        return SimulationResult(objectives={"loss": loss},
                                metrics={"accuracy": float(correct.mean()),
                                         "silent_fraction": float((top[:, 0] <= 0).mean())},
                                outputs=rates.mean(axis=0))


@functools.lru_cache(maxsize=8)
def _kept_patterns(task: AnalogClassifier, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``task``'s patterns of ``seed`` (the task, a frozen dataclass, is a key by its options)."""
    return task._draw_patterns(seed)
