"""A planar two-link arm reaching for targets, for the spiking SPORE inner loop (:mod:`l2l.simulators.spore_arm`).

The shoulder sits at the origin. Joint angles ``q1`` (shoulder, from the x axis) and ``q2`` (elbow, relative
to the upper arm) place the hand at ``forward_kinematics(q1, q2, l1, l2)``. The shoulder turns freely; the
elbow stays within ``[elbow_min, pi - elbow_min]`` (one-sided, away from the stretched singularity).

What the network sees (:meth:`ArmReaching.input_rates`): two populations of place cells with von Mises
tuning over

* ``phi1`` = direction of the hand-to-target vector minus the direction of the shoulder-to-hand line, and
* ``phi2`` = direction of the hand-to-target vector minus the direction of the forearm.

Turning the shoulder (elbow) counter-clockwise brings the hand nearer exactly when ``sin(phi1) > 0``
(``sin(phi2) > 0``): the gradient of the distance with respect to ``q1`` is ``-|hand| |error| sin(phi1)``
and with respect to ``q2`` it is ``-l2 |error| sin(phi2)``. The encoding thus carries what a reaching policy
needs, but the sign and size of each joint's command must be learned.

Targets are uniform in angle and in radius between ``0.35`` and ``0.9`` of the reach ``l1 + l2``; a new one
appears when the hand is within ``target_radius`` (times the reach) of the current one or after
``trial_time`` seconds; the arm stays where it is. Targets come only from the generator given to
:meth:`ArmReaching.reset`; :meth:`state` / :meth:`restore` carry everything (pickle-free) to continue exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from l2l.simulators.fidelity_tools import rng_from_state, rng_state


#: targets appear between these fractions of the reach ``l1 + l2`` from the shoulder
TARGET_RADII = (0.35, 0.9)


def unreachable_share(l1: float, l2: float, elbow_min: float = 0.1) -> tuple[float, float]:
    """``(nearest, share)``: the nearest the hand comes to the shoulder, as a fraction of the reach (the elbow bent
    to ``pi - elbow_min``), and the share of targets nearer than that (their radius is uniform over
    :data:`TARGET_RADII`), which no posture reaches: 0 unless one link is about twice the other or more."""
    nearest = math.sqrt(max(0.0, l1 * l1 + l2 * l2 - 2 * l1 * l2 * math.cos(elbow_min))) / (l1 + l2)
    low, high = TARGET_RADII
    return nearest, min(1.0, max(0.0, (nearest - low) / (high - low)))


def forward_kinematics(q1: float, q2: float, l1: float, l2: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Elbow and hand positions ``((x, y), (x, y))`` of the arm with joint angles ``q1``, ``q2`` (radians)."""
    elbow = (l1 * math.cos(q1), l1 * math.sin(q1))
    return elbow, (elbow[0] + l2 * math.cos(q1 + q2), elbow[1] + l2 * math.sin(q1 + q2))


@dataclass
class ArmReaching:
    """Two-link arm, targets, and the place-cell code of the reaching error (see the module docstring)."""

    l1: float = 0.5
    l2: float = 0.5
    dt: float = 0.005
    n_place: int = 8
    input_rate: float = 80.0
    concentration: float = 2.0
    max_joint_speed: float = 2.0
    target_radius: float = 0.05
    trial_time: float = 2.0
    elbow_min: float = 0.1

    def __post_init__(self) -> None:
        preferred = 2 * np.pi * np.arange(self.n_place) / self.n_place
        self._preferred = np.concatenate([preferred, preferred])
        self.reach = self.l1 + self.l2
        # progress is measured in units of the hand's largest distance change per step at full joint speed
        self._progress_unit = self.max_joint_speed * (self.reach + self.l2) * self.dt
        self.q = np.array([0.0, math.pi / 2])
        self.target = np.array([self.reach * 0.6, 0.0])
        self.clock = 0.0
        self.rng = np.random.default_rng(0)
        # the hand position of the last posture asked for: the learner's step asks for the same posture three
        # times (input code, distance before and after the move), so it is worked out once per posture
        self._posture = b""
        self._hand = (0.0, 0.0)
        # input_rates' work array and its constants as 0-d arrays (numpy combines an array with a 0-d array faster
        # than with a Python float, with the same float64 result)
        self._angles = np.empty(2 * self.n_place)
        self._one, self._concentration, self._input_rate = map(np.array, (1.0, float(self.concentration),
                                                                          float(self.input_rate)))

    # -- episodes --------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator) -> None:
        """Start posture from ``rng`` (shoulder uniform, elbow uniform in its range) and the first target."""
        self.rng = rng
        self.q = np.array([rng.uniform(-math.pi, math.pi), rng.uniform(self.elbow_min, math.pi - self.elbow_min)])
        self._new_target()

    def _new_target(self) -> None:
        angle = self.rng.uniform(-math.pi, math.pi)
        radius = self.reach * self.rng.uniform(*TARGET_RADII)
        self.target = np.array([radius * math.cos(angle), radius * math.sin(angle)])
        self.clock = 0.0

    # -- the loop ----------------------------------------------------------------------------
    def hand(self) -> tuple[float, float]:
        """Hand position ``(x, y)`` of the posture ``q``, kept for the next call while ``q`` holds the same angles
        (``q`` may be changed in place, so its bytes, not the array, are compared)."""
        posture = self.q.tobytes()
        if posture != self._posture:
            q1, q2 = self.q.tolist()
            self._posture, self._hand = posture, forward_kinematics(q1, q2, self.l1, self.l2)[1]
        return self._hand

    def distance(self) -> float:
        """Hand-to-target distance in units of the reach ``l1 + l2``."""
        x, y = self.hand()
        target_x, target_y = self.target.tolist()
        return math.hypot(target_x - x, target_y - y) / self.reach

    def error_angles(self) -> tuple[float, float]:
        """``(phi1, phi2)``: the error direction relative to the shoulder-to-hand line and to the forearm."""
        q1, q2 = self.q.tolist()
        x, y = self.hand()
        target_x, target_y = self.target.tolist()
        error = math.atan2(target_y - y, target_x - x)
        return error - math.atan2(y, x), error - (q1 + q2)

    def input_rates(self) -> np.ndarray:
        """Firing rates (Hz) of the ``2 n_place`` input neurons: place cells over ``phi1``, then over ``phi2``."""
        angles = self._angles
        angles[:self.n_place], angles[self.n_place:] = self.error_angles()
        return self._input_rate * np.exp(self._concentration * (np.cos(angles - self._preferred) - self._one))

    def step(self, omega1: float, omega2: float) -> tuple[float, float]:
        """Move the joints at ``omega`` rad/s (clipped to ``max_joint_speed``) for ``dt``.

        Returns ``(progress, distance)``: the decrease of the hand-to-target distance in units of the largest
        possible decrease per step (about [-1, 1]), and the distance (reach units) before a new target appears.
        """
        limit = self.max_joint_speed
        before = self.distance()
        q1, q2 = self.q.tolist()
        q1 = q1 + self.dt * min(limit, max(-limit, omega1))
        q2 = q2 + self.dt * min(limit, max(-limit, omega2))
        q1 = (q1 + math.pi) % (2 * math.pi) - math.pi
        q2 = min(math.pi - self.elbow_min, max(self.elbow_min, q2))
        self.q = np.array([q1, q2])
        after = self.distance()
        self.clock += self.dt
        if after < self.target_radius or self.clock >= self.trial_time - 1e-9:
            self._new_target()
        return (before - after) * self.reach / self._progress_unit, after

    # -- checkpoint --------------------------------------------------------------------------
    def state(self) -> dict:
        return {"q": self.q.copy(), "target": self.target.copy(), "clock": float(self.clock),
                "rng": rng_state(self.rng)}

    def restore(self, state) -> None:
        self.q = np.array(state["q"], dtype=float).reshape(2)
        self.target = np.array(state["target"], dtype=float).reshape(2)
        self.clock = float(state["clock"])
        self.rng = rng_from_state(state["rng"], "spore-arm")
