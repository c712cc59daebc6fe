"""Synthetic sequence-classification tasks generated from a random generator.

A task yields ``inputs`` (trials, T, d) and ``targets`` (trials, T): a class
index at the steps where the readout is scored and -1 elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TASKS = ("copy", "spiral")


@dataclass(frozen=True)
class DelayedCopy:
    """Recall a sequence of symbols after a silent delay.

    ``length`` one-hot symbols (of ``symbols`` kinds) are shown, then ``delay``
    blank steps, then ``length`` steps with a go cue (an extra input channel)
    at which the symbols must be reported in order.
    """

    symbols: int = 4
    length: int = 1
    delay: int = 5

    @property
    def n_inputs(self) -> int:
        return self.symbols + 1

    @property
    def n_classes(self) -> int:
        return self.symbols

    @property
    def duration(self) -> int:
        return 2 * self.length + self.delay

    def sample(self, rng: np.random.Generator, trials: int) -> tuple[np.ndarray, np.ndarray]:
        duration, length = self.duration, self.length
        sequence = rng.integers(0, self.symbols, (trials, length))
        inputs = np.zeros((trials, duration, self.n_inputs))
        targets = np.full((trials, duration), -1, dtype=int)
        trial = np.arange(trials)[:, None]
        position = np.arange(length)[None, :]
        inputs[trial, position, sequence] = 1.0
        recall = duration - length + position
        inputs[trial, recall, self.symbols] = 1.0
        targets[trial, recall] = sequence
        return inputs, targets


@dataclass(frozen=True)
class Spiral:
    """Tell the turning direction of a noisy rotating phasor.

    Inputs are ``(rho cos phi_t, rho sin phi_t) + noise`` with
    ``phi_t = phi_0 + s * omega * t``, random start phase, radius and angular
    speed; the class (scored at the last step) is ``s`` in {-1: 0, +1: 1}.
    Two sinusoids, so one sample says nothing: the cell must compare steps.
    """

    length: int = 10
    noise: float = 0.3

    n_inputs = 2
    n_classes = 2

    @property
    def duration(self) -> int:
        return self.length

    def sample(self, rng: np.random.Generator, trials: int) -> tuple[np.ndarray, np.ndarray]:
        label = rng.integers(0, 2, trials)
        direction = 2.0 * label - 1.0
        start = rng.uniform(0, 2 * np.pi, trials)
        speed = rng.uniform(0.3, 0.9, trials)
        radius = rng.uniform(0.5, 1.5, trials)
        t = np.arange(self.length)
        phase = start[:, None] + (direction * speed)[:, None] * t[None, :]
        inputs = radius[:, None, None] * np.stack([np.cos(phase), np.sin(phase)], axis=-1)
        inputs += self.noise * rng.normal(size=inputs.shape)
        targets = np.full((trials, self.length), -1, dtype=int)
        targets[:, -1] = label
        return inputs, targets
