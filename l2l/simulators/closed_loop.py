"""Closed-loop environments for the SPORE inner loop, in plain numpy.

An environment couples a network to a world in discrete time steps of ``dt``
seconds. Each step it

* encodes the world state as firing probabilities of its *input neurons*
  (:meth:`Environment.observe`, a population code of Gaussian tuning curves);
* decodes the filtered activity of the network's *motor neurons* (values in
  [0, 1]) into a movement (:meth:`Environment.step`, a population vector) and
  returns the reward of that step.

The reward is *progress*: how much the step moved the agent towards where it
should be, in units of the largest possible step, so it lies in [-1, 1].

Episodes (targets, lane shapes) come only from the generator passed to
``reset``; the same generator state gives the same episodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l2l.errors import ConfigError
from l2l.simulators.fidelity_tools import rng_from_state, rng_state


def tuning(value: np.ndarray | float, preferred: np.ndarray, width: float) -> np.ndarray:
    """Gaussian tuning curves in [0, 1] of neurons with ``preferred`` values."""
    return np.exp(-0.5 * ((value - preferred) / width) ** 2)


@dataclass
class Reaching:
    """Move a point in the square [-1, 1]^2 to targets shown to the input neurons.

    Input neuron ``i`` prefers the direction ``2 pi i / n_inputs`` from the
    effector to the target. Motor neuron ``j`` pulls the effector along
    ``2 pi j / n_motor``; velocity = ``max_speed * gain * mean_j(a_j u_j)``,
    its norm clipped at ``max_speed``. A new target appears when the effector
    is within ``target_radius`` of the current one (the effector stays where
    it is) or after ``episode_time`` seconds (the effector goes back to the
    centre). There are no walls: a policy that drifts in one direction gains
    on a few targets and loses for the full episode on the others.
    """

    n_inputs: int = 8
    n_motor: int = 8
    dt: float = 0.01
    max_speed: float = 1.0
    gain: float = 4.0
    input_rate: float = 0.5
    concentration: float = 3.0
    target_radius: float = 0.1
    episode_time: float = 2.0

    def __post_init__(self) -> None:
        input_angles = 2 * np.pi * np.arange(self.n_inputs) / self.n_inputs
        self.input_directions = np.stack([np.cos(input_angles), np.sin(input_angles)])
        motor_angles = 2 * np.pi * np.arange(self.n_motor) / self.n_motor
        self.motor_directions = np.stack([np.cos(motor_angles), np.sin(motor_angles)], axis=1)
        self.max_step = self.max_speed * self.dt
        self.scale = self.max_speed * self.gain / self.n_motor

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.x, self.y = 0.0, 0.0
        self._new_target()

    def _new_target(self) -> None:
        while True:
            tx, ty = self.rng.uniform(-0.8, 0.8, size=2)
            if math.hypot(tx - self.x, ty - self.y) > 0.5:
                break
        self.tx, self.ty = float(tx), float(ty)
        self.time_left = self.episode_time

    @property
    def position(self) -> np.ndarray:
        return np.array([self.x, self.y])

    @property
    def target(self) -> np.ndarray:
        return np.array([self.tx, self.ty])

    def state(self) -> dict:
        """Everything :meth:`step` changes, as plain values (a SPORE checkpoint holds it)."""
        return {"x": self.x, "y": self.y, "tx": self.tx, "ty": self.ty, "time_left": self.time_left,
                "rng": rng_state(self.rng)}

    def restore(self, state: dict) -> None:
        """Continue from what :meth:`state` returned."""
        self.rng = rng_from_state(state["rng"], "spore")
        self.x, self.y, self.tx, self.ty = (float(state[k]) for k in ("x", "y", "tx", "ty"))
        self.time_left = float(state["time_left"])

    def observe(self) -> np.ndarray:
        dx, dy = self.tx - self.x, self.ty - self.y
        distance = math.hypot(dx, dy) or 1.0
        # cos(angle to target - preferred angle) for every input neuron at once
        cosine = (dx * self.input_directions[0] + dy * self.input_directions[1]) / distance
        return self.input_rate * np.exp(self.concentration * (cosine - 1.0))

    def step(self, motor_activity: np.ndarray) -> float:
        vx, vy = (motor_activity @ self.motor_directions).tolist()
        vx, vy = vx * self.scale, vy * self.scale
        speed = math.hypot(vx, vy)
        if speed > self.max_speed:
            vx, vy = vx * self.max_speed / speed, vy * self.max_speed / speed
        before = math.hypot(self.tx - self.x, self.ty - self.y)
        self.x += vx * self.dt
        self.y += vy * self.dt
        after = math.hypot(self.tx - self.x, self.ty - self.y)
        self.time_left -= self.dt
        if self.time_left <= 0:
            self.x, self.y = 0.0, 0.0
        if after < self.target_radius or self.time_left <= 0:
            self._new_target()
        return (before - after) / self.max_step


@dataclass
class LaneFollowing:
    """Keep a vehicle on the centre line of a winding lane despite side gusts.

    The lateral offset of the centre line from the vehicle, in lane
    half-widths, is shown to input neurons with preferred offsets evenly
    spread over [-1.5, 1.5] (tuning width = their spacing). Motor neuron
    ``j`` steers with lateral velocity ``v_j`` evenly spread over [-1, 1];
    the vehicle's lateral velocity is ``max_speed * gain * mean_j(a_j v_j)``,
    clipped to ``max_speed``. The centre line is a sum of three sinusoids with
    random phases and frequencies (its lateral speed stays below
    ``drift_speed``), and every ``gust_interval`` seconds a gust pushes the
    vehicle sideways by up to ``gust`` half-widths. The reward of a step is
    how much the steering reduced the offset, in units of the largest step.
    """

    n_inputs: int = 8
    n_motor: int = 8
    dt: float = 0.01
    max_speed: float = 1.0
    gain: float = 4.0
    input_rate: float = 0.5
    drift_speed: float = 0.3
    gust: float = 1.0
    gust_interval: float = 1.0

    def __post_init__(self) -> None:
        self.input_offsets = np.linspace(-1.5, 1.5, self.n_inputs)
        self.tuning_width = 3.0 / max(self.n_inputs - 1, 1)
        self.motor_velocities = np.linspace(-1.0, 1.0, self.n_motor)
        self.max_step = self.max_speed * self.dt
        self.scale = self.max_speed * self.gain / self.n_motor
        self._centre_key: tuple | None = None
        self._centre_value = 0.0

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.frequencies = rng.uniform(0.05, 0.2, size=3)
        self.phases = rng.uniform(0, 2 * np.pi, size=3)
        # amplitude such that the centre line's lateral speed never exceeds drift_speed
        self.amplitude = self.drift_speed / (2 * np.pi * self.frequencies.sum())
        self.time = 0.0
        self.until_gust = self.gust_interval
        self.position = self._centre(0.0)

    def state(self) -> dict:
        """Everything :meth:`reset` drew and :meth:`step` changes, as plain values."""
        return {"frequencies": self.frequencies.copy(), "phases": self.phases.copy(), "amplitude": self.amplitude,
                "time": self.time, "until_gust": self.until_gust, "position": self.position,
                "rng": rng_state(self.rng)}

    def restore(self, state: dict) -> None:
        """Continue from what :meth:`state` returned."""
        self.rng = rng_from_state(state["rng"], "spore")
        self.frequencies = np.array(state["frequencies"], dtype=float)
        self.phases = np.array(state["phases"], dtype=float)
        self.amplitude, self.time = float(state["amplitude"]), float(state["time"])
        self.until_gust, self.position = float(state["until_gust"]), float(state["position"])

    def _centre(self, time: float) -> float:
        # kept for the next call at the same time and lane (a step works out the centre that the next observe
        # asks for): the key holds the lane's shape too, which reset and restore change
        key = (time, self.amplitude, self.frequencies.tobytes(), self.phases.tobytes())
        if key != self._centre_key:
            self._centre_key = key
            self._centre_value = float(self.amplitude * np.sin(2 * np.pi * self.frequencies * time + self.phases).sum())
        return self._centre_value

    def observe(self) -> np.ndarray:
        offset = self._centre(self.time) - self.position
        return self.input_rate * tuning(offset, self.input_offsets, self.tuning_width)

    def step(self, motor_activity: np.ndarray) -> float:
        velocity = self.scale * float(motor_activity @ self.motor_velocities)
        velocity = min(max(velocity, -self.max_speed), self.max_speed)
        self.time += self.dt
        centre = self._centre(self.time)
        drifted = abs(centre - self.position)
        self.position += velocity * self.dt
        reward = (drifted - abs(centre - self.position)) / self.max_step
        self.until_gust -= self.dt
        if self.until_gust <= 0:
            self.until_gust = self.gust_interval
            self.position += float(self.rng.uniform(-self.gust, self.gust))
        self.position = min(max(self.position, centre - 1.5), centre + 1.5)
        return reward


ENVIRONMENTS = {"reaching": Reaching, "lane": LaneFollowing}


def make_environment(task: str, **options) -> Reaching | LaneFollowing:
    """Build the environment named ``task`` (``"reaching"`` or ``"lane"``)."""
    if task not in ENVIRONMENTS:
        raise ConfigError(f"simulator 'spore': option 'task' must be one of "
                          f"{sorted(ENVIRONMENTS)}, got {task!r}")
    return ENVIRONMENTS[task](**options)
