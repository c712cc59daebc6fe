"""SPORE: reward-based synaptic sampling learning a closed-loop task online.

A layer of stochastic spiking motor neurons receives the input neurons of a
closed-loop environment (:mod:`l2l.simulators.closed_loop`) through plastic
synapses. Every synapse ``(j, i)`` has a parameter ``theta``; its weight is
``w = exp(theta - theta0)`` when ``theta > 0`` and ``0`` (retracted)
otherwise. Per time step ``dt``:

* input spikes ``s_i ~ Bernoulli(p_i)``, postsynaptic potentials
  ``x_i <- x_i exp(-dt / tau_psp) + s_i``;
* motor neuron ``j`` spikes with probability ``rho_j = sigmoid(sum_i w_ji x_i + bias)``;
* eligibility ``e_ji <- e_ji exp(-dt / tau_eligibility) + w_ji x_i (s_j - rho_j)``
  (the derivative of the spike log-likelihood with respect to ``theta``);
* reward-gradient trace ``g <- g + dt / tau_gradient (-g + (r - rbar) e)``,
  a running average over a long time constant of reward (minus a running
  baseline ``rbar``) times eligibility;

and every ``update_interval`` seconds the Langevin step

    theta <- theta + beta (prior + reward_gain g) + sqrt(2 T beta) N(0, 1),
    prior = (prior_mean - theta) / prior_std**2,

with learning rate ``beta`` (``learning_rate``) and temperature ``T``. ``T``
follows ``schedule``: ``constant``; ``anneal`` decays exponentially from
``temperature`` to ``temperature_final`` with time constant ``anneal_time``;
``linear`` goes from one to the other over the whole run.

The fitness is the mean reward per step over the last ``final_fraction`` of
learning (maximize).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import SimulationResult, Simulator
from l2l.simulators.closed_loop import ENVIRONMENTS, make_environment

SCHEDULES = ("constant", "anneal", "linear")
#: explorable parameters: the options of these names may be overridden per evaluation
PARAMETERS = ("learning_rate", "temperature", "temperature_final", "anneal_time", "schedule",
              "prior_mean", "prior_std", "reward_gain", "tau_gradient", "tau_eligibility", "bias")


def temperature_at(schedule: str, time: np.ndarray, start: float, final: float,
                   anneal_time: float, duration: float) -> np.ndarray:
    """Temperature at ``time`` (seconds since learning started) under ``schedule``."""
    time = np.asarray(time, dtype=float)
    if schedule == "constant":
        return np.full_like(time, start)
    if schedule == "anneal":
        return final + (start - final) * np.exp(-time / anneal_time)
    return start + (final - start) * np.clip(time / duration, 0.0, 1.0)


@dataclass(frozen=True)
class Spore(Simulator):
    """Reward-based synaptic sampling (SPORE) learning reaching or lane following online."""

    name: ClassVar[str] = "spore"
    produces: ClassVar[tuple[str, ...] | None] = ("reward",)
    explorable: ClassVar[tuple[str, ...]] = PARAMETERS
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("reward", "maximize"),)

    task: str = option("reaching", help="closed-loop task: 'reaching' (2-D point reaching) or 'lane' (lane following)", choices=tuple(sorted(ENVIRONMENTS)))
    duration: float = option(300.0, help="learning time in simulated seconds", gt=0)
    dt: float = option(0.01, help="time step in seconds", gt=0)
    n_inputs: int = option(8, help="input neurons (population code of the task state)", ge=1)
    n_motor: int = option(8, help="motor neurons (population vector drives the agent)", ge=1)
    learning_rate: float = option(3e-4, help="beta: step size of the Langevin update", ge=0)
    temperature: float = option(0.3, help="T: temperature (at the start of the schedule)", ge=0)
    schedule: str = option("constant", help="temperature schedule: 'constant', 'anneal' or 'linear'", choices=SCHEDULES)
    temperature_final: float = option(0.0, help="temperature the 'anneal' and 'linear' schedules approach", ge=0)
    anneal_time: float = option(20.0, help="time constant in seconds of the 'anneal' schedule", gt=0)
    theta0: float = option(3.0, help="weight offset: w = exp(theta - theta0) for theta > 0", gt=0)
    theta_max: float = option(5.0, help="upper clip of theta (bounds the exponential weights)")
    prior_mean: float = option(1.0, help="mean of the Gaussian prior over theta")
    prior_std: float = option(1.0, help="standard deviation of the Gaussian prior over theta", gt=0)
    reward_gain: float = option(3000.0, help="scale of the reward-gradient term relative to the prior", ge=0)
    tau_psp: float = option(0.02, help="time constant in seconds of the postsynaptic potentials", gt=0)
    tau_eligibility: float = option(0.1, help="time constant in seconds of the eligibility traces", gt=0)
    tau_gradient: float = option(10.0, help="time constant in seconds of the reward-gradient trace", gt=0)
    tau_baseline: float = option(5.0, help="time constant in seconds of the reward baseline", gt=0)
    tau_motor: float = option(0.05, help="time constant in seconds of the motor activity read by the environment", gt=0)
    bias: float = option(-3.0, help="bias of the motor neurons' membrane potential")
    update_interval: float = option(0.1, help="seconds between Langevin updates of theta", gt=0)
    final_fraction: float = option(0.25, help="fraction of the run at the end whose mean reward is the fitness", gt=0, le=1)
    curve_points: int = option(60, help="number of bins of the reward curve trace", ge=1)

    def __post_init__(self) -> None:
        if self.update_interval < self.dt:
            raise ConfigError(f"simulator 'spore': option 'update_interval' must be >= dt={self.dt}, "
                              f"got {self.update_interval!r}")
        for key in ("tau_gradient", "tau_baseline", "tau_motor", "tau_eligibility"):
            if getattr(self, key) < self.dt:
                raise ConfigError(f"simulator 'spore': option {key!r} must be >= dt={self.dt}, "
                                  f"got {getattr(self, key)!r}")
        if self.duration < 4 * self.update_interval:
            raise ConfigError(f"simulator 'spore': option 'duration' must be at least 4 update intervals, "
                              f"got {self.duration!r}")

    @staticmethod
    def _check_schedule(schedule: Any) -> None:
        if schedule not in SCHEDULES:
            raise ConfigError(f"simulator 'spore': 'schedule' must be one of {SCHEDULES}, got {schedule!r}")

    def settings(self, params: dict[str, Any]) -> dict[str, Any]:
        """The options with the explored ``params`` applied; unknown names are refused."""
        values = self.explored(params)
        self._check_schedule(values["schedule"])
        for key in ("learning_rate", "temperature", "temperature_final", "reward_gain"):
            if not float(values[key]) >= 0:
                raise ConfigError(f"simulator 'spore': parameter {key!r} must be >= 0, got {values[key]!r}")
        for key in ("prior_std", "anneal_time"):
            if not float(values[key]) > 0:
                raise ConfigError(f"simulator 'spore': parameter {key!r} must be > 0, got {values[key]!r}")
        for key in ("tau_gradient", "tau_eligibility"):
            if not float(values[key]) >= self.dt:
                raise ConfigError(f"simulator 'spore': parameter {key!r} must be >= dt={self.dt}, "
                                  f"got {values[key]!r}")
        return values

    def check_space(self, space) -> None:
        super().check_space(space)
        for choice in getattr(space["schedule"], "choices", ()) if "schedule" in space.names else ():
            self._check_schedule(choice)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        values = self.settings(params)
        environment_seed, network_seed = np.random.SeedSequence(seed).spawn(2)
        environment = make_environment(self.task, n_inputs=self.n_inputs, n_motor=self.n_motor, dt=self.dt)
        environment.reset(np.random.default_rng(environment_seed))
        rng = np.random.default_rng(network_seed)

        steps = int(round(self.duration / self.dt))
        steps_per_update = max(1, int(round(self.update_interval / self.dt)))
        beta = float(values["learning_rate"])
        mean, std = float(values["prior_mean"]), float(values["prior_std"])
        gain = float(values["reward_gain"])
        update_times = np.arange(steps // steps_per_update) * steps_per_update * self.dt
        temperatures = temperature_at(values["schedule"], update_times, float(values["temperature"]),
                                      float(values["temperature_final"]), float(values["anneal_time"]),
                                      self.duration)
        noise_scale = np.sqrt(2.0 * np.maximum(temperatures, 0.0) * beta)
        psp_decay = np.exp(-self.dt / self.tau_psp)
        eligibility_decay = np.exp(-self.dt / float(values["tau_eligibility"]))
        gradient_rate = self.dt / float(values["tau_gradient"])
        baseline_rate = self.dt / self.tau_baseline
        motor_rate = self.dt / self.tau_motor
        bias = float(values["bias"])

        theta = rng.normal(mean, std, size=(self.n_motor, self.n_inputs))
        weights = np.where(theta > 0, np.exp(theta - self.theta0), 0.0)
        psp = np.zeros(self.n_inputs)
        eligibility = np.zeros_like(theta)
        gradient = np.zeros_like(theta)
        motor = np.zeros(self.n_motor)
        baseline = 0.0
        rewards = np.empty(steps)
        # uniform numbers drawn in blocks: far fewer calls into the generator
        block = 1000
        for step in range(steps):
            if step % block == 0:
                uniforms = rng.random((min(block, steps - step), self.n_inputs + self.n_motor))
            draw = uniforms[step % block]
            psp = psp * psp_decay + (draw[:self.n_inputs] < environment.observe())
            rho = 1.0 / (1.0 + np.exp(-(weights @ psp + bias)))
            spikes = draw[self.n_inputs:] < rho
            motor += motor_rate * (spikes - motor)
            reward = environment.step(motor)
            rewards[step] = reward
            eligibility *= eligibility_decay
            eligibility += weights * ((spikes - rho)[:, None] * psp)
            gradient += gradient_rate * ((reward - baseline) * eligibility - gradient)
            baseline += baseline_rate * (reward - baseline)
            if (step + 1) % steps_per_update == 0:
                update = (step + 1) // steps_per_update - 1
                drift = (mean - theta) / std ** 2 + gain * gradient
                theta += beta * drift + noise_scale[update] * rng.standard_normal(theta.shape)
                np.minimum(theta, self.theta_max, out=theta)
                weights = np.where(theta > 0, np.exp(theta - self.theta0), 0.0)
        return self._result(rewards, theta, weights, temperatures)

    def _result(self, rewards: np.ndarray, theta: np.ndarray, weights: np.ndarray,
                temperatures: np.ndarray) -> SimulationResult:
        steps = len(rewards)
        late = float(rewards[int(round(steps * (1 - self.final_fraction))):].mean())
        curve = np.array([chunk.mean() for chunk in np.array_split(rewards, self.curve_points)])
        # performance reached early: best of the first half of a 3-bin moving average
        smooth = np.convolve(curve, np.ones(3) / 3, mode="valid") if len(curve) >= 3 else curve
        early = float(smooth[:max(1, len(smooth) // 2)].max())
        retracted = int((theta <= 0).sum())
        metrics = {
            "reward_first_quarter": float(rewards[:steps // 4].mean()),
            "reward_early": early,
            "reward_late": late,
            "reward_lost": early - late,
            "retracted": float(retracted),
            "retracted_fraction": float(retracted / theta.size),
            "mean_weight": float(weights.mean()),
            "final_temperature": float(temperatures[-1]),
        }
        return SimulationResult(objectives={"reward": late}, metrics=metrics,
                                traces={"reward_curve": curve, "temperature": temperatures.copy()})
