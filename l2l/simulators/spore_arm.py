"""SPORE with spiking neurons on a two-joint arm: reward-based synaptic sampling learns to reach.

Network (numpy, time step ``dt``): ``2 n_place`` input neurons fire Poisson spikes at the rates of the arm's
place-cell code (:class:`l2l.simulators.arm.ArmReaching`); ``4 n_motor`` spike-response-model neurons in four
motor populations (shoulder +, shoulder -, elbow +, elbow -) read them through plastic synapses. Per step:

* input spikes ``s_i ~ Bernoulli(1 - exp(-nu_i dt))``; postsynaptic potentials ``x_i <- x_i exp(-dt/tau_psp) + s_i``;
* membrane potential ``u_j = sum_i w_ji x_i + bias - h_j`` with a refractory kernel
  ``h_j <- h_j exp(-dt/tau_refractory) + refractory_strength s_j``;
* escape noise: rate ``rho_j = max_rate sigmoid(u_j)``, spike with probability ``p_j = 1 - exp(-rho_j dt)``;
* motor rates ``a_j <- a_j + dt/tau_motor (s_j/dt - a_j)`` (Hz); joint ``k`` turns at
  ``max_joint_speed tanh((mean a_k+ - mean a_k-) / motor_rate_scale)``;
* reward ``r``: the step's progress of the hand towards the target, low-pass filtered with ``tau_reward``
  (``rf``); baseline ``rbar <- rbar + dt/tau_baseline (rf - rbar)``;
* eligibility ``e_ji <- e_ji exp(-dt/tau_eligibility) + w_ji x_i d log P(s_j)/d u_j`` (= d log P / d theta_ji);
* reward-gradient trace ``g <- g + dt/tau_gradient ((rf - rbar) e - g)``.

Synapse ``(j, i)`` has the parameter ``theta``; ``w = exp(theta - theta0)`` if ``theta > 0``, else 0 (retracted).
Every ``update_interval`` (``D`` seconds) theta takes the Langevin step of synaptic sampling

    theta <- theta + beta D [(prior_mean - theta)/prior_std**2 + reward_gain g] + sqrt(2 T beta D) N(0, 1),

``beta`` = ``learning_rate`` per second, ``T`` the temperature (schedules as in :mod:`l2l.simulators.spore`),
theta clipped at ``theta_max``. With ``reward_gain = 0`` theta samples the prior widened by T: std
``prior_std sqrt(T)``. The weights change only at updates, so eligibility and gradient are advanced once per
update interval by the closed form of the per-step recursions above (a few matrix products instead of two
outer products per step; the test checks it against the step-by-step recursion).

Fitness ``reward``: mean progress per step over the last ``final_fraction`` of the time learned, at least the last
step (``min_budget`` is at least ``dt``, one step). Metrics in fixed
windows (no best bin is picked): ``reward_early`` over ``[early_start, early_end]`` of the time learned,
``reward_late`` = fitness, ``reward_lost`` = early - late, the same for ``distance`` (hand-to-target, in units
of the reach), ``reward_initial`` (first 5 %), ``retracted``. Fidelity ``seconds`` of learning; ``run_to(b)`` is
the full run cut at ``b`` and continues exactly from its pickle-free checkpoint, as in ``spore``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.registry import option
from l2l.simulators.arm import TARGET_RADII, ArmReaching, unreachable_share
from l2l.simulators.base import SimulationResult
from l2l.simulators.fidelity_tools import rng_from_state, rng_state
from l2l.simulators.spore import (SCHEDULES, SPORE_ONLY, SynapticSampling, late_reward, mixed_option_hints,
                                  motor_bias, temperature_at, window_mean)
from l2l.simulators.spore_arm_traces import TraceBlock

NAME = "spore-arm"


@dataclass(frozen=True)
class SporeArm(SynapticSampling):
    """Reward-based synaptic sampling in spiking neurons learning to reach with a two-joint arm."""

    name: ClassVar[str] = NAME
    option_hints: ClassVar[dict[str, str]] = mixed_option_hints(NAME, "spore", "sigmoid units learning reaching or "
                                                                "lane following", SPORE_ONLY)
    trace_times: ClassVar[tuple[str, ...]] = ("tau_gradient", "tau_baseline", "tau_motor", "tau_eligibility", "tau_reward")

    duration: float = option(400.0, help="learning time in simulated seconds", gt=0)
    dt: float = option(0.005, help="time step in seconds", gt=0, le=0.02)
    upper_arm: float = option(0.5, help="length of the upper arm (shoulder to elbow)", gt=0)
    forearm: float = option(0.5, help="length of the forearm (elbow to hand)", gt=0)
    max_joint_speed: float = option(2.0, help="largest joint angular velocity in rad/s", gt=0)
    trial_time: float = option(2.0, help="seconds before an unreached target is replaced", gt=0)
    n_place: int = option(8, help="place cells per input population (two populations)", ge=2, le=10_000)
    n_motor: int = option(6, help="neurons per motor population (four populations)", ge=1, le=10_000)
    input_rate: float = option(80.0, help="peak firing rate of the place cells in Hz", gt=0)
    max_rate: float = option(100.0, help="largest firing rate of the motor neurons in Hz", gt=0)
    motor_rate_scale: float = option(20.0, help="rate difference in Hz that turns a joint at tanh(1) of full speed", gt=0)
    learning_rate: float = option(0.01, help="beta per second: step size of the Langevin dynamics", ge=0)
    temperature: float = option(0.1, help="T: temperature (at the start of the schedule)", ge=0)
    schedule: str = option("constant", help="temperature schedule: 'constant', 'anneal' or 'linear'", choices=SCHEDULES)
    temperature_final: float = option(0.0, help="temperature the 'anneal' and 'linear' schedules approach", ge=0)
    anneal_time: float = option(60.0, help="time constant in seconds of the 'anneal' schedule", gt=0)
    theta0: float = option(3.0, help="weight offset: w = exp(theta - theta0) for theta > 0", gt=0)
    theta_max: float = option(5.0, help="upper clip of theta (bounds the exponential weights)", gt=0)
    prior_mean: float = option(1.0, help="mean of the Gaussian prior over theta")
    prior_std: float = option(1.0, help="standard deviation of the Gaussian prior over theta", gt=0)
    reward_gain: float = option(3000.0, help="scale of the reward-gradient term relative to the prior", ge=0)
    bias: float = option(-2.0, help="bias of the motor neurons' membrane potential")
    tau_psp: float = option(0.02, help="time constant in seconds of the postsynaptic potentials", gt=0)
    tau_refractory: float = option(0.01, help="time constant in seconds of the refractory kernel", gt=0)
    refractory_strength: float = option(3.0, help="drop of the membrane potential after a spike", ge=0)
    tau_motor: float = option(0.1, help="time constant in seconds of the motor rates driving the joints", gt=0)
    tau_reward: float = option(0.05, help="time constant in seconds of the reward filter", gt=0)
    tau_eligibility: float = option(0.2, help="time constant in seconds of the eligibility traces", gt=0)
    tau_gradient: float = option(5.0, help="time constant in seconds of the reward-gradient trace", gt=0)
    tau_baseline: float = option(5.0, help="time constant in seconds of the reward baseline", gt=0)
    update_interval: float = option(0.1, help="seconds between Langevin updates of theta", gt=0)
    final_fraction: float = option(0.25, help="fraction of the time learned at the end whose mean reward is the fitness", gt=0, le=1)
    early_start: float = option(0.2, help="start of the early window, as a fraction of the time learned", ge=0, lt=1)
    early_end: float = option(0.4, help="end of the early window, as a fraction of the time learned", gt=0, le=1)
    curve_points: int = option(40, help="number of bins of the reward curve trace (and of the fidelity curve)", ge=1)
    min_budget: float = option(10.0, help="fidelity: fewest seconds of learning a scheduler may ask for", gt=0)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.early_end <= self.early_start:
            raise ConfigError(f"simulator {NAME!r}: early_start < early_end must hold, "
                              f"got (early_start={self.early_start!r}, early_end={self.early_end!r})")
        nearest, share = unreachable_share(self.upper_arm, self.forearm)
        if share > 0:  # a target nearer the shoulder than the hand can come: reward and distance stop saying much
            raise ConfigError(f"simulator {NAME!r}: upper_arm = {self.upper_arm!r} and forearm = {self.forearm!r} "
                              f"keep the hand at least {nearest:.2f} of the reach from the shoulder, and targets "
                              f"appear from {TARGET_RADII[0]} of the reach on: {share:.0%} of them could never be "
                              f"reached; give links less than about twice as long as each other")

    def learner(self, values: dict[str, Any], seed: int, checkpoint: Mapping[str, Any] | None) -> _ArmLearner:
        return _ArmLearner(self, values, seed, checkpoint)

    def motor_neurons(self) -> int:
        return 4 * self.n_motor


BLOCK = 2000  # uniform numbers are drawn for this many steps at once
_ARRAYS = ("theta", "psp", "refractory", "motor", "uniforms", "rewards", "distances")


class _ArmLearner:
    """One spiking network learning to reach: the state carried from step to step and into checkpoints."""

    def __init__(self, owner: SporeArm, values: dict[str, Any], seed: int, checkpoint: Mapping[str, Any] | None):
        self.owner = owner
        arm_seed, network_seed = np.random.SeedSequence(seed).spawn(2)
        self.arm = ArmReaching(l1=owner.upper_arm, l2=owner.forearm, dt=owner.dt, n_place=owner.n_place,
                               input_rate=owner.input_rate, max_joint_speed=owner.max_joint_speed,
                               trial_time=owner.trial_time)
        self.arm.reset(np.random.default_rng(arm_seed))
        self.rng = np.random.default_rng(network_seed)
        n_inputs, n_motor = 2 * owner.n_place, 4 * owner.n_motor
        self.n_inputs, self.n_motor = n_inputs, n_motor

        self.total_steps = int(round(owner.duration / owner.dt))
        self.steps_per_update = max(1, int(round(owner.update_interval / owner.dt)))
        interval = self.steps_per_update * owner.dt
        self.beta = float(values["learning_rate"]) * interval
        self.mean, self.std = float(values["prior_mean"]), float(values["prior_std"])
        self.gain = float(values["reward_gain"])
        update_times = np.arange(self.total_steps // self.steps_per_update + 1) * interval
        self.temperatures = temperature_at(values["schedule"], update_times, float(values["temperature"]),
                                           float(values["temperature_final"]), float(values["anneal_time"]),
                                           owner.duration)
        self.noise_scale = np.sqrt(2.0 * np.maximum(self.temperatures, 0.0) * self.beta)
        self.bias = motor_bias(NAME, values["bias"], n_motor)
        self.psp_decay = math.exp(-owner.dt / owner.tau_psp)
        self.refractory_decay = math.exp(-owner.dt / owner.tau_refractory)
        self.motor_rate = owner.dt / owner.tau_motor
        self.reward_rate = owner.dt / owner.tau_reward
        self.baseline_rate = owner.dt / owner.tau_baseline
        self.traces = TraceBlock(n_motor, n_inputs, self.steps_per_update, owner.dt, owner.max_rate,
                                 math.exp(-owner.dt / float(values["tau_eligibility"])),
                                 owner.dt / float(values["tau_gradient"]))

        self.theta = self.rng.normal(self.mean, self.std, size=(n_motor, n_inputs))
        self.psp = np.zeros(n_inputs)
        self.refractory = np.zeros(n_motor)
        self.motor = np.zeros(n_motor)
        self.reward_filter, self.baseline = 0.0, 0.0
        self.uniforms = np.zeros((0, n_inputs + n_motor))
        self.rewards = np.empty(self.total_steps)
        self.distances = np.empty(self.total_steps)
        self.step = 0
        if checkpoint is not None:
            self._restore(checkpoint)
        self.weights = np.where(self.theta > 0, np.exp(self.theta - owner.theta0), 0.0)

    def _restore(self, checkpoint: Mapping[str, Any]) -> None:
        try:
            for key in _ARRAYS:
                value = np.array(checkpoint[key], dtype=float)
                expected = getattr(self, key).shape
                if key not in ("uniforms", "rewards", "distances") and value.shape != expected:
                    raise ValueError(f"{key} has shape {value.shape}, expected {expected}")
                setattr(self, key, value)
            self.reward_filter, self.baseline = float(checkpoint["reward_filter"]), float(checkpoint["baseline"])
            self.step = int(checkpoint["step"])
            self.traces.restore(checkpoint)
            self.rng = rng_from_state(checkpoint["rng"], NAME)
            self.arm.restore(checkpoint["arm"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"simulator {NAME!r}: the checkpoint is incomplete or damaged ({exc})") from None
        if len(self.rewards) != self.step or len(self.distances) != self.step:
            raise ValueError(f"simulator {NAME!r}: the checkpoint holds {len(self.rewards)} rewards for "
                             f"{self.step} steps")
        rest = np.empty(self.total_steps - self.step)
        self.rewards, self.distances = np.concatenate([self.rewards, rest]), np.concatenate([self.distances, rest])

    def advance(self, stop: int) -> None:
        """Learn up to time step ``stop``."""
        owner, arm, rng, traces = self.owner, self.arm, self.rng, self.traces
        n_inputs, n = self.n_inputs, owner.n_motor
        psp, refractory, motor, weights, uniforms = self.psp, self.refractory, self.motor, self.weights, self.uniforms
        reward_filter, baseline = self.reward_filter, self.baseline
        speed, scale = owner.max_joint_speed, owner.motor_rate_scale
        # The step's constants as 0-d float64 arrays: numpy combines an array with a 0-d array faster than with a
        # Python float (no conversion of the scalar per call, about 0.15 us of a step's 20 operations), with the
        # same float64 result.
        dt, minus_dt, one, max_rate, bias, psp_decay, refractory_decay, strength, motor_rate = map(np.array, (
            float(owner.dt), -float(owner.dt), 1.0, float(owner.max_rate), self.bias, self.psp_decay,
            self.refractory_decay, float(owner.refractory_strength), self.motor_rate))
        populations = motor.reshape(4, n)  # a view of motor (changed in place): one row per motor population
        # An input neuron spikes where its uniform u < p = -expm1(-dt rate), that is where -u > expm1(-dt rate)
        # (negation is exact): the draws are negated once per block instead of p once per step.
        negated_input_draws, motor_draws = -uniforms[:, :n_inputs], uniforms[:, n_inputs:]
        for step in range(self.step, min(stop, self.total_steps)):
            if step % BLOCK == 0:
                uniforms = rng.random((min(BLOCK, self.total_steps - step), n_inputs + self.n_motor))
                negated_input_draws, motor_draws = -uniforms[:, :n_inputs], uniforms[:, n_inputs:]
            row = step % BLOCK
            psp = psp * psp_decay + (negated_input_draws[row] > np.expm1(minus_dt * arm.input_rates()))
            rates = max_rate / (one + np.exp(bias - weights @ psp + refractory))
            probabilities = -np.expm1(minus_dt * rates)
            spikes = motor_draws[row] < probabilities
            refractory = refractory * refractory_decay + strength * spikes
            motor += motor_rate * (spikes / dt - motor)
            # mean rate of each population (sum / n, what np.mean computes, without its overhead per step)
            shoulder_up, shoulder_down, elbow_up, elbow_down = (np.add.reduce(populations, axis=1) / n).tolist()
            progress, distance = arm.step(speed * math.tanh((shoulder_up - shoulder_down) / scale),
                                          speed * math.tanh((elbow_up - elbow_down) / scale))
            self.rewards[step], self.distances[step] = progress, distance
            reward_filter += self.reward_rate * (progress - reward_filter)
            traces.record(psp, spikes, probabilities, rates, reward_filter - baseline)
            baseline += self.baseline_rate * (reward_filter - baseline)
            if traces.full():
                traces.close(weights)
                update = (step + 1) // self.steps_per_update - 1
                theta = self.theta
                drift = (self.mean - theta) / self.std ** 2 + self.gain * traces.gradient
                theta += self.beta * drift + self.noise_scale[update] * rng.standard_normal(theta.shape)
                np.minimum(theta, owner.theta_max, out=theta)
                weights = np.where(theta > 0, np.exp(theta - owner.theta0), 0.0)
            self.step = step + 1
        self.psp, self.refractory, self.weights, self.uniforms = psp, refractory, weights, uniforms
        self.reward_filter, self.baseline = reward_filter, baseline

    def fitness(self) -> float:
        return late_reward(self.rewards[:self.step], self.owner.final_fraction)

    def result(self) -> SimulationResult:
        owner = self.owner
        rewards, distances = self.rewards[:self.step], self.distances[:self.step]
        late, early = self.fitness(), window_mean(rewards, owner.early_start, owner.early_end)
        distance_late = late_reward(distances, owner.final_fraction)
        distance_early = window_mean(distances, owner.early_start, owner.early_end)
        retracted = int((self.theta <= 0).sum())
        updates = max(1, self.step // self.steps_per_update)
        metrics = {
            "reward_initial": window_mean(rewards, 0.0, 0.05),
            "reward_early": early, "reward_late": late, "reward_lost": early - late,
            "distance_early": distance_early, "distance_late": distance_late,
            "distance_gained": distance_early - distance_late,
            "retracted": float(retracted), "retracted_fraction": float(retracted / self.theta.size),
            "mean_weight": float(self.weights.mean()), "final_temperature": float(self.temperatures[updates - 1]),
        }
        curve = np.array([chunk.mean() for chunk in np.array_split(rewards, min(owner.curve_points, self.step))])
        return SimulationResult(objectives={"reward": late}, metrics=metrics,
                                traces={"reward_curve": curve, "temperature": self.temperatures[:updates].copy()})

    def checkpoint(self, budget: float) -> dict[str, Any]:
        used = self.step % BLOCK == 0  # the next step draws a new block
        state = {"simulator": NAME, "budget": budget, "step": self.step, "baseline": float(self.baseline),
                 "reward_filter": float(self.reward_filter), "theta": self.theta.copy(), "psp": self.psp.copy(),
                 "refractory": self.refractory.copy(), "motor": self.motor.copy(),
                 "uniforms": self.uniforms[:0].copy() if used else self.uniforms.copy(),
                 "rewards": self.rewards[:self.step].copy(), "distances": self.distances[:self.step].copy(),
                 "rng": rng_state(self.rng), "arm": self.arm.state()}
        state.update(self.traces.state())
        return state
