"""Sequence-classification tasks: synthetic ones generated from a random generator, and a real dataset.

A task yields ``inputs`` (trials, T, d) and ``targets`` (trials, T): a class
index at the steps where the readout is scored and -1 elsewhere.
``sample(rng, trials, split)``: synthetic tasks draw fresh trials for every
split; :class:`Digits` draws from fixed, disjoint training, validation and
test images.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

TASKS = ("copy", "spiral", "digits")
SPLITS = ("train", "validation", "test")


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

    def sample(self, rng: np.random.Generator, trials: int,
               split: str = "train") -> tuple[np.ndarray, np.ndarray]:
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

    def sample(self, rng: np.random.Generator, trials: int,
               split: str = "train") -> tuple[np.ndarray, np.ndarray]:
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


#: The fixed partition of the 1797 digit images: held-out images are never trained on.
DIGITS_HELD_OUT = 360
_DIGITS_PARTITION_SEED = 20231202


@functools.lru_cache(maxsize=1)
def load_digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8 x 8 handwritten digits (shipped with the package): images in [0, 1], labels.

    Read once per process (the arrays are shared: do not modify them)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("task 'digits' needs scikit-learn: pip install 'l2l[datasets]'") from None
    digits = load_digits()
    return digits.images / 16.0, digits.target.astype(int)


@dataclass(frozen=True)
class Digits:
    """scikit-learn's handwritten digits read as a sequence: one image row (8 pixels) per step.

    After the 8 rows comes one blank step with a cue (a ninth input channel) at
    which the class (0-9) is scored: the network is told when to answer, so it
    can read silently and report at the cue. The images are split once, by a
    fixed permutation, into 360 test, 360 validation and 1077 training images.
    Training trials walk through the training images in epochs, each in a fresh
    order from ``rng``; validation and test trials are a subset in an order
    drawn from ``rng`` (the whole split when ``trials`` is at least its size).
    """

    n_inputs = 9
    n_classes = 10
    duration = 9

    def split_indices(self, split: str) -> np.ndarray:
        order = np.random.default_rng(_DIGITS_PARTITION_SEED).permutation(1797)
        held = DIGITS_HELD_OUT
        return {"test": order[:held], "validation": order[held:2 * held], "train": order[2 * held:]}[split]

    def sample(self, rng: np.random.Generator, trials: int,
               split: str = "train") -> tuple[np.ndarray, np.ndarray]:
        images, labels = load_digit_images()
        train = images[self.split_indices("train")]
        # each pixel centred and scaled on the training images: the drive of a unit depends on the digit,
        # not on the mostly positive ink (with raw pixels a unit's sign is set by its weights' sum)
        images = (images - train.mean(axis=0)) / (train.std(axis=0) + 0.1)
        pool = self.split_indices(split)
        if split == "train":
            epochs = -(-trials // pool.size)
            chosen = np.concatenate([rng.permutation(pool) for _ in range(epochs)])[:trials]
        else:
            chosen = rng.permutation(pool)[:trials] if trials < pool.size else pool
        inputs = np.zeros((chosen.size, self.duration, self.n_inputs))
        inputs[:, :8, :8] = images[chosen]
        inputs[:, 8, 8] = 1.0
        targets = np.full((chosen.size, self.duration), -1, dtype=int)
        targets[:, -1] = labels[chosen]
        return inputs, targets
