"""A learner whose best learning rate changes while it learns: stochastic gradient descent on a quadratic.

``noisy-sgd`` minimizes ``L(x) = 1/2 sum_i a_i x_i^2`` (``dimension`` curvatures
``a_i`` log-spaced from 0.1 to ``max_curvature``, start ``x_i = 3``) by
momentum SGD with gradients ``a_i x_i + noise * N(0, 1)``. A large learning rate
makes fast progress early but stalls at a loss floor proportional to it; a
small one reaches a lower floor but slowly; so at a fixed number of steps a
falling learning rate beats every constant one, which is what
population-based training should discover (the textbook case of Jaderberg et
al. 2017 and of learning-rate schedules in general). The best constant rate
and the gain of a schedule are measured in ``benchmarks/pbt.py``.

Fidelity: training ``steps`` (1 to ``max_budget``). The noise of step ``t``
derives from (seed, t), so a run continued from a checkpoint ``{"x", "v",
"step"}`` with a changed learning rate is exactly the run that changed its
rate at that step. Objective ``loss`` (minimize): ``L(x)`` after the last
step; the curve holds ``L`` after every step.

``task = "digits"`` trains a real network the same way instead: a one-hidden-layer
tanh network (``hidden`` units, weights drawn from the seed) classifies
scikit-learn's 8 x 8 handwritten digits (needs ``l2l[datasets]``), by momentum
SGD on minibatches of ``batch_size`` training images (the images of step ``t``
drawn from (seed, t); the gradient noise is the minibatch's). The images are
split as in the ``egru`` simulator's ``digits`` task (1077 training, 360
validation, 360 test; pixels standardized on the training images). Objective
``loss``: the cross-entropy on the ``held_out`` images after the last step;
metric ``held_out_error``; the curve holds the held-out loss every
``curve_every`` steps and at the budget. Continuing from a checkpoint (the
flattened weights as ``x``, the velocity ``v``, the ``step``) with another
learning rate is exactly the run that changed its rate at that step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.nest_sim import require_installed

START = 3.0


@dataclass(frozen=True)
class NoisySGD(Simulator):
    """Momentum SGD on a noisy ill-conditioned quadratic; parameters learning_rate and momentum."""

    name: ClassVar[str] = "noisy-sgd"
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("loss", "minimize"),)
    produces: ClassVar[tuple[str, ...] | None] = ("loss",)
    directions: ClassVar[Mapping[str, str]] = {"loss": "minimize"}
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = ("learning_rate", "momentum")

    learning_rate: float = option(0.05, help="step size (explorable)", gt=0)
    momentum: float = option(0.0, help="momentum coefficient in [0, 1) (explorable)", ge=0, lt=1)
    dimension: int = option(10, help="number of coordinates", ge=1, le=10000)
    max_curvature: float = option(10.0, help="largest curvature (the smallest is 0.1)", gt=0.1)
    noise: float = option(1.0, help="standard deviation of the gradient noise", ge=0)
    max_budget: int = option(200, help="fidelity: training steps of a full evaluation", ge=1, le=10_000_000)
    task: str = option("quadratic", help="'quadratic' (the noisy quadratic) or 'digits' (a tanh network "
                                         "classifying handwritten digits by minibatch SGD; needs l2l[datasets])",
                       choices=("quadratic", "digits"))
    hidden: int = option(32, help="digits: hidden tanh units", ge=1, le=4096)
    batch_size: int = option(1, help="digits: training images per SGD step", ge=1, le=1077)
    held_out: str = option("validation", help="digits: the split the loss is measured on",
                           choices=("validation", "test"))
    curve_every: int = option(50, help="digits: held-out loss in the curve every this many steps", ge=1)

    def __post_init__(self) -> None:
        if self.task == "digits":  # refused before the run, not as every evaluation's ImportError
            require_installed("sklearn", "simulator 'noisy-sgd': task 'digits'", "datasets")

    def fidelity(self) -> Fidelity:
        return Fidelity("steps", "training steps", 1, float(self.max_budget))

    def check_space(self, space) -> None:
        super().check_space(space)
        for p in space.parameters:
            if p.name == "momentum" and getattr(p, "high", 0) >= 1:
                raise ConfigError("simulator 'noisy-sgd': momentum must stay below 1 (give it high < 1)")

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        return self.run_to(params, seed, self.max_budget, None)

    def run_to(self, params: dict[str, Any], seed: int, budget: float, checkpoint) -> SimulationResult:
        values = self.explored(params)
        rate, momentum = float(values["learning_rate"]), float(values["momentum"])
        if self.task == "digits":
            from l2l.simulators.noisy_sgd_digits import train_digits

            return train_digits(self, rate, momentum, seed, int(round(budget)), checkpoint)
        curvature = np.geomspace(0.1, self.max_curvature, self.dimension)
        if checkpoint is None:
            x, v, step = np.full(self.dimension, START), np.zeros(self.dimension), 0
        else:
            x, v = np.array(checkpoint["x"], dtype=float), np.array(checkpoint["v"], dtype=float)
            step = int(checkpoint["step"])
        target = int(round(budget))
        noises = StepNoise(seed, self.dimension)
        steps, losses = [], []
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging learner is caught below
            while step < target and np.all(np.isfinite(x)):
                step += 1
                noise = noises.draw(step)
                v = momentum * v + curvature * x + self.noise * noise
                x = x - rate * v
                loss = 0.5 * float(np.sum(curvature * x * x))
                if not np.isfinite(loss) or loss > 1e12:  # diverged: the learner is lost for good
                    x = np.full(self.dimension, np.inf)
                    loss = 1e12
                steps.append(step)
                losses.append(loss)
        step = max(step, target)  # a diverged learner stays diverged: its checkpoint is at the budget
        loss = 0.5 * float(np.sum(curvature * x * x)) if np.all(np.isfinite(x)) else np.inf
        curve = np.column_stack([steps, losses]) if steps else np.zeros((0, 2))
        return SimulationResult(objectives={"loss": loss if np.isfinite(loss) else 1e12},
                                curve={"loss": curve},
                                checkpoint={"x": x, "v": v, "step": step})


#: The constants of the hash by which numpy's SeedSequence mixes its entropy (pool of 4 words) and draws a state,
#: and the multiplier of PCG64's 128-bit LCG: :class:`StepNoise` seeds PCG64 as ``np.random.default_rng`` does.
_INIT_A, _MULT_A, _INIT_B, _MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
_MIX_L, _MIX_R = 0xCA01F9DD, 0x4973F715
_PCG_MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341
_WORD, _STATE = (1 << 32) - 1, (1 << 128) - 1


def _hash_words(init: int, mult: int, n: int) -> list[tuple[np.uint32, np.uint32]]:
    """The hash's constants in the order it uses them: (the one xor-ed in, the one multiplied by), ``n`` of them."""
    out, constant = [], init
    for _ in range(n):
        following = (constant * mult) & _WORD
        out.append((np.uint32(constant), np.uint32(following)))
        constant = following
    return out


_MIXING = _hash_words(_INIT_A, _MULT_A, 16)  # 4 words of entropy hashed in, then 12 crossings
_DRAWING = _hash_words(_INIT_B, _MULT_B, 8)  # 8 words of 32 bits: PCG64's 128-bit seed and increment
_SIXTEEN = np.uint32(16)


def _hashed(values: np.ndarray, constants: tuple[np.uint32, np.uint32]) -> np.ndarray:
    values = (values ^ constants[0]) * constants[1]
    return values ^ (values >> _SIXTEEN)


def _pcg_states(entropy: list[np.ndarray]) -> list[tuple[int, int]]:
    """PCG64's (state, increment) as ``np.random.default_rng([a, b, c])`` sets them, for arrays ``a``, ``b``, ``c``
    of words below 2**32 (SeedSequence's hashing done for all of them at once)."""
    with np.errstate(over="ignore"):
        pool = [_hashed(word, _MIXING[i]) for i, word in enumerate([*entropy, np.zeros_like(entropy[0])])]
        k = 4
        for source in range(4):
            for target in range(4):
                if source != target:
                    mixed = np.uint32(_MIX_L) * pool[target] - np.uint32(_MIX_R) * _hashed(pool[source], _MIXING[k])
                    pool[target] = mixed ^ (mixed >> _SIXTEEN)
                    k += 1
        words = [_hashed(pool[i % 4], _DRAWING[i]).astype(np.uint64) for i in range(8)]
    halves = [(words[2 * j] | (words[2 * j + 1] << np.uint64(32))).tolist() for j in range(4)]
    states = []
    for high, low, inc_high, inc_low in zip(*halves):
        increment = ((((inc_high << 64) | inc_low) << 1) | 1) & _STATE
        state = (increment + ((high << 64) | low)) & _STATE
        states.append(((state * _PCG_MULTIPLIER + increment) & _STATE, increment))
    return states


class StepNoise:
    """The gradient noise of each step of one seed: ``draw(step)`` is, bit for bit,
    ``np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, step]).standard_normal(dimension)`` (a checkpoint
    continued with another learning rate is the run that changed it at that step), in about a third of its time
    (2.7 us, was 9.5 us; a whole step of ``run_to`` 12 us, was 19.6): the seeds' hashing is done for
    :data:`BLOCK` steps at once and one generator is set to each state in turn, where a generator was made per
    step. A seed beyond 64 bits, a negative one or a step beyond 32 bits is drawn the old way."""

    BLOCK = 256

    def __init__(self, seed: int, dimension: int) -> None:
        self.seed, self.dimension = int(seed), int(dimension)
        self._fast = 0 <= self.seed >> 32 <= _WORD
        self._bits = np.random.PCG64(0)
        self._generator = np.random.Generator(self._bits)
        self._first, self._states = 0, []

    def draw(self, step: int) -> np.ndarray:
        index = step - self._first
        if not 0 <= index < len(self._states):
            if not (self._fast and 0 <= step and step + self.BLOCK <= _WORD):
                return np.random.default_rng([self.seed & _WORD, self.seed >> 32, step]).standard_normal(
                    self.dimension)
            steps = np.arange(step, step + self.BLOCK, dtype=np.uint32)
            self._first, index = step, 0
            self._states = _pcg_states([np.full(self.BLOCK, self.seed & _WORD, np.uint32),
                                        np.full(self.BLOCK, self.seed >> 32, np.uint32), steps])
        state, increment = self._states[index]
        self._bits.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": increment},
                            "has_uint32": 0, "uinteger": 0}
        return self._generator.standard_normal(self.dimension)

