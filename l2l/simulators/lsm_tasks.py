"""Task family of the liquid state machine: spike-pattern classification and temporal XOR / memory.

Every task is drawn from a ``numpy.random.Generator`` and yields input spike
trains (T, trials, n_inputs) with one label per trial. A task of the family is

* ``pattern``: ``classes`` frozen Poisson spike templates; a trial is one
  template with every spike jittered in time, some deleted and some noise
  spikes added; the label is the template;
* ``xor``: a sequence of ``bits`` segments; in each one, one of two random
  channel groups bursts (bit 1 or bit 0); the label is the XOR of the last
  two bits;
* ``memory``: the same input; the label is the bit ``lag`` segments before
  the last one (``lag`` drawn in 1..bits-1).

All tasks of one evaluation share the trial length so they run as one batch
through the reservoir.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("pattern", "xor", "memory")


@dataclass
class TaskData:
    """Inputs and labels of one task: ``spikes`` (T, trials, n_inputs) bool, ``labels`` (trials,) int."""

    kind: str
    classes: int
    spikes: np.ndarray
    labels: np.ndarray
    bits: np.ndarray | None = None  # (trials, segments) for the burst tasks


@dataclass(frozen=True)
class TaskFamily:
    """Shapes shared by every task: trial length, channels, rates (times in ms, rates in Hz)."""

    steps: int = 60
    n_inputs: int = 20
    classes: int = 3
    input_rate: float = 30.0
    jitter: float = 4.0
    noise_rate: float = 2.0
    bits: int = 3
    burst_rate: float = 250.0
    burst_length: int = 8

    def draw(self, rng: np.random.Generator, kind: str, trials: int) -> TaskData:
        """One task of ``kind`` with ``trials`` labelled trials (balanced labels, shuffled)."""
        if kind == "pattern":
            return self._pattern(rng, trials)
        return self._bursts(rng, kind, trials)

    def _pattern(self, rng: np.random.Generator, trials: int) -> TaskData:
        templates = rng.random((self.classes, self.steps, self.n_inputs)) < self.input_rate * 1e-3
        labels = rng.permutation(np.arange(trials) % self.classes)
        spikes = np.zeros((self.steps, trials, self.n_inputs), dtype=bool)
        for trial, label in enumerate(labels):
            t, ch = np.nonzero(templates[label])
            keep = rng.random(t.size) > 0.1
            t = np.round(t[keep] + rng.normal(0.0, self.jitter, keep.sum())).astype(int)
            ch = ch[keep]
            inside = (t >= 0) & (t < self.steps)
            spikes[t[inside], trial, ch[inside]] = True
        spikes |= rng.random(spikes.shape) < self.noise_rate * 1e-3
        return TaskData("pattern", self.classes, spikes, labels)

    def _bursts(self, rng: np.random.Generator, kind: str, trials: int) -> TaskData:
        channels = rng.permutation(self.n_inputs)
        group_one, group_zero = np.array_split(channels, 2)
        bits = rng.integers(0, 2, size=(trials, self.bits))
        if kind == "xor":
            labels = bits[:, -1] ^ bits[:, -2]
        else:
            lag = int(rng.integers(1, self.bits))
            labels = bits[:, -1 - lag]
        segment = self.steps // self.bits
        rate = np.zeros((self.steps, trials, self.n_inputs))
        for k in range(self.bits):
            start = k * segment
            window = slice(start, start + self.burst_length)
            on = bits[:, k] == 1
            rate[window, np.flatnonzero(on)[:, None], group_one] = self.burst_rate
            rate[window, np.flatnonzero(~on)[:, None], group_zero] = self.burst_rate
        rate += self.noise_rate
        spikes = rng.random(rate.shape) < rate * 1e-3
        return TaskData(kind, 2, spikes, labels.astype(int), bits)


def ridge_fit(features: np.ndarray, targets: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge regression on standardized features; returns (weights, mean, scale).

    ``features`` (K, F), ``targets`` (K, C). Works in the dual form when F > K.
    Constant features (a silent or saturated reservoir) get zero weight, so the
    prediction falls back to the mean target: chance level, never a crash.
    """
    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale = np.where(scale > 1e-9, scale, np.inf)
    x = (features - mean) / scale
    y = targets - targets.mean(axis=0)
    k, f = x.shape
    if f > k:
        weights = x.T @ np.linalg.solve(x @ x.T + ridge * np.eye(k), y)
    else:
        weights = np.linalg.solve(x.T @ x + ridge * np.eye(f), x.T @ y)
    return weights, mean, scale


def ridge_predict(model: tuple[np.ndarray, np.ndarray, np.ndarray], offset: np.ndarray,
                  features: np.ndarray) -> np.ndarray:
    weights, mean, scale = model
    return ((features - mean) / scale) @ weights + offset


def classification_errors(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                          test_y: np.ndarray, classes: int, ridge: float) -> tuple[float, float]:
    """(test error, training error) of one one-vs-all ridge classifier trained on (train_x, train_y)."""
    onehot = np.eye(classes)[train_y]
    model = ridge_fit(train_x, onehot, ridge)
    offset = onehot.mean(axis=0)
    # equal scores (a silent or saturated reservoir) give the first class: chance level
    test = np.argmax(ridge_predict(model, offset, test_x), axis=1)
    train = np.argmax(ridge_predict(model, offset, train_x), axis=1)
    return float(np.mean(test != test_y)), float(np.mean(train != train_y))


def classification_error(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                         test_y: np.ndarray, classes: int, ridge: float) -> float:
    """Test error of a one-vs-all ridge classifier trained on (train_x, train_y)."""
    return classification_errors(train_x, train_y, test_x, test_y, classes, ridge)[0]


def memory_capacity(train_x: np.ndarray, train_bits: np.ndarray, test_x: np.ndarray,
                    test_bits: np.ndarray, ridge: float) -> float:
    """Sum over lags of the squared test correlation between a ridge estimate and the bit at that lag."""
    targets = train_bits[:, ::-1].astype(float)
    model = ridge_fit(train_x, targets, ridge)
    estimates = ridge_predict(model, targets.mean(axis=0), test_x)
    total = 0.0
    for lag in range(test_bits.shape[1]):
        truth = test_bits[:, -1 - lag].astype(float)
        estimate = estimates[:, lag]
        if truth.std() < 1e-12 or estimate.std() < 1e-12:
            continue
        total += float(np.corrcoef(truth, estimate)[0, 1] ** 2)
    return total
