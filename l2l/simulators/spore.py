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

Fidelity ``seconds`` of learning (biological time, not whole numbers), from
``min_budget`` to ``duration``: ``run_to(b)`` is the full run cut at ``b``
seconds (same random numbers, same temperature schedule over ``duration``),
scored on the last ``final_fraction`` of those ``b`` seconds, at least the last
step (``min_budget`` is at least ``dt``, one step). The checkpoint
holds theta, every trace, the environment's and the generator's states and
the rewards so far (about 8 bytes per step), so continuing is exact and
``run_to(duration)`` equals ``run``. Curve: the fitness every
``duration / curve_points`` seconds and at the budget.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.numbers import at_least, number
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_tools import (check_min_budget, curve_fidelities, rng_from_state, rng_state, segment_start,
                                           whole_budget)
from l2l.simulators.closed_loop import ENVIRONMENTS, make_environment
from l2l.simulators.hardware import DeviceParameter

SCHEDULES = ("constant", "anneal", "linear")
#: explorable parameters: the options of these names may be overridden per evaluation
PARAMETERS = ("learning_rate", "temperature", "temperature_final", "anneal_time", "schedule",
              "prior_mean", "prior_std", "reward_gain", "tau_gradient", "tau_eligibility", "bias")


#: the options of spore-arm that spore has not, and of spore that spore-arm has not (tests/test_spore_chips46.py
#: keeps them true): a config that mixes them is told which simulator the option belongs to
ARM_ONLY = ("early_end", "early_start", "forearm", "input_rate", "max_joint_speed", "max_rate", "motor_rate_scale",
            "n_place", "refractory_strength", "tau_refractory", "tau_reward", "trial_time", "upper_arm")
SPORE_ONLY = ("n_inputs", "task")
#: the options of emulated-hardware that say what a chip is
CHIP_OPTIONS = ("chips", "mismatch", "noise", "weight_bits", "weight_range", "chip_seed", "aggregate")


def mixed_option_hints(name: str, other: str, what: str, foreign: tuple[str, ...]) -> dict[str, str]:
    """The hint the registry adds to an unknown option of SPORE simulator ``name``: one of ``other``'s (``what``), or
    one of the chip's (``emulated-hardware`` wraps SPORE, it takes no chip options itself)."""
    hints = {key: f"{key!r} is an option of simulator {other!r} ({what}), not of {name!r}: give name = "
                  f"\"{other}\", or remove it" for key in foreign}
    hints.update({key: f"{key!r} is an option of simulator 'emulated-hardware': to run {name} on emulated chips give "
                       f"name = \"emulated-hardware\", simulator = \"{name}\" and {name}'s options in simulator_options"
                  for key in CHIP_OPTIONS})
    return hints


def temperature_at(schedule: str, time: np.ndarray, start: float, final: float,
                   anneal_time: float, duration: float) -> np.ndarray:
    """Temperature at ``time`` (seconds since learning started) under ``schedule``."""
    time = np.asarray(time, dtype=float)
    if schedule == "constant":
        return np.full_like(time, start)
    if schedule == "anneal":
        return final + (start - final) * np.exp(-time / anneal_time)
    return start + (final - start) * np.clip(time / duration, 0.0, 1.0)


class SynapticSampling(Simulator):
    """What SPORE's simulators share (:class:`Spore`, :class:`l2l.simulators.spore_arm.SporeArm`): their checks,
    explored settings and fidelity, and a run or a segment as a learner stepping through time. A subclass names
    the traces whose time constants must reach ``dt`` (``trace_times``) and makes its learner (:meth:`learner`),
    which has ``advance(stop_step)``, ``step``, ``total_steps``, ``fitness()``, ``result()`` and
    ``checkpoint(budget)``."""

    produces: ClassVar[tuple[str, ...] | None] = ("reward",)
    directions: ClassVar[Mapping[str, str]] = {"reward": "maximize"}  # the fitness: objectives = ["reward"]
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = PARAMETERS
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("reward", "maximize"),)
    trace_times: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        check_min_budget(self, "duration")
        check_measurable(self.name, self.fidelity().minimum, self.dt)
        if self.update_interval < self.dt:
            raise ConfigError(f"simulator {self.name!r}: option 'update_interval' must be >= dt={self.dt}, "
                              f"got {self.update_interval!r}")
        for key in self.trace_times:
            if getattr(self, key) < self.dt:
                raise ConfigError(f"simulator {self.name!r}: option {key!r} must be >= dt={self.dt}, "
                                  f"got {getattr(self, key)!r}")
        if self.duration < 4 * self.update_interval:
            raise ConfigError(f"simulator {self.name!r}: option 'duration' must be at least 4 update intervals, "
                              f"got {self.duration!r}")

    def learner(self, values: dict[str, Any], seed: int, checkpoint: Mapping[str, Any] | None) -> Any:
        raise NotImplementedError

    def motor_neurons(self) -> int:
        """The number of motor neurons (each has its own ``bias`` on a chip)."""
        raise NotImplementedError

    def device_parameters(self) -> dict[str, DeviceParameter]:
        """What an analog chip realises (``emulated-hardware``): each motor neuron's ``bias``, a membrane offset with
        its own mismatch (multiplicative and additive, offset scale 1). The synapses are learned on the chip, so no
        written value of theirs is; without this a wrapped SPORE ran every chip as the ideal model."""
        return {"bias": DeviceParameter("analog", (self.motor_neurons(),), offset_scale=1.0)}

    def settings(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The options with the explored ``params`` applied; unknown names and bad values are refused."""
        values = self.explored(params)
        for key, value in values.items():  # a parameter of shape = [1] is its one value (numpy's float() of it is
            if key != "bias" and np.shape(value) == (1,):  # deprecated, and warned every evaluation)
                values[key] = np.asarray(value).reshape(()).item()
        check_schedule(self.name, values["schedule"])
        check_rule(self.name, values, self.dt)
        return values

    def check_space(self, space) -> None:
        """Refuse, before the run, a schedule SPORE does not know, and a parameter of a shape every evaluation would
        refuse: each is one value, ``bias`` one or one per motor neuron (a ``temperature`` of ``shape = [2]`` failed
        every evaluation with "only length-1 arrays can be converted to Python scalars")."""
        super().check_space(space)
        for choice in getattr(space["schedule"], "choices", ()) if "schedule" in space.names else ():
            check_schedule(self.name, choice)
        neurons = self.motor_neurons()
        for name in space.names:
            shape = tuple(getattr(space[name], "shape", None) or ())
            allowed = [(), (1,)] + ([(neurons,)] if name == "bias" else [])
            if shape not in allowed:
                wanted = f"one value or shape = [{neurons}], one per motor neuron" if name == "bias" else "one value"
                raise ConfigError(f"simulator {self.name!r}: parameter {name!r} has shape = {list(shape)}; it must "
                                  f"be {wanted}")

    def refuse_ignored(self, space) -> None:
        """Refuse, in one line, ``temperature_final`` or ``anneal_time`` that no schedule of the run reads. A new
        run's only (l2l.components.build): a stored run resumes as it ran."""
        check_schedule_options(self, space)

    def fidelity(self) -> Fidelity:
        """``seconds`` of learning (biological time), ``min_budget`` to ``duration``."""
        return Fidelity("seconds", "biological seconds", min(self.min_budget, self.duration),
                        self.duration, False)

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        learner = self.learner(self.settings(params), seed, None)
        learner.advance(learner.total_steps)
        return learner.result()

    def run_to(self, params: dict[str, Any], seed: int, budget: float,
               checkpoint: Mapping[str, Any] | None) -> SimulationResult:
        """Learn from ``checkpoint`` (None: from the start) for ``budget`` seconds of biological time in all.

        The run at ``budget`` is the single-fidelity run cut at that time: the temperature schedule is the
        one of the whole ``duration``, the random numbers are the same, and the fitness is the mean
        reward over the last ``final_fraction`` of the time learned so far; ``run_to(duration) == run()``.
        The checkpoint holds theta, the traces, the environment's state, the generator's state with its unused
        block of random numbers, and the rewards so far. Curve: the fitness every ``duration / curve_points``
        seconds and at ``budget``.
        """
        budget = whole_budget(self.fidelity(), budget, self.name)
        start = segment_start(checkpoint, budget, self.name)
        check_steps(self.name, budget, self.dt)
        learner = self.learner(self.settings(params), seed, checkpoint)
        points = []
        for point in curve_fidelities(start, budget, self.duration / self.curve_points):
            learner.advance(int(round(point / self.dt)))
            if learner.step:  # a point before the first step has no reward to score
                points.append([point, learner.fitness()])
        result = learner.result()
        result.curve = {"reward": points}
        result.checkpoint = learner.checkpoint(budget)
        return result


@dataclass(frozen=True)
class Spore(SynapticSampling):
    """Reward-based synaptic sampling (SPORE) learning reaching or lane following online."""

    name: ClassVar[str] = "spore"
    option_hints: ClassVar[dict[str, str]] = mixed_option_hints("spore", "spore-arm",
                                                                "spiking neurons on a two-joint arm", ARM_ONLY)
    trace_times: ClassVar[tuple[str, ...]] = ("tau_gradient", "tau_baseline", "tau_motor", "tau_eligibility")

    task: str = option("reaching", help="closed-loop task: 'reaching' (2-D point reaching) or 'lane' (lane following)", choices=tuple(sorted(ENVIRONMENTS)))
    duration: float = option(300.0, help="learning time in simulated seconds", gt=0)
    dt: float = option(0.01, help="time step in seconds", gt=0)
    n_inputs: int = option(8, help="input neurons (population code of the task state)", ge=1, le=10_000)
    n_motor: int = option(8, help="motor neurons (population vector drives the agent)", ge=1, le=10_000)
    learning_rate: float = option(3e-4, help="beta: step size of the Langevin update", ge=0)
    temperature: float = option(0.3, help="T: temperature (at the start of the schedule)", ge=0)
    schedule: str = option("constant", help="temperature schedule: 'constant', 'anneal' or 'linear'", choices=SCHEDULES)
    temperature_final: float = option(0.0, help="temperature the 'anneal' and 'linear' schedules approach", ge=0)
    anneal_time: float = option(20.0, help="time constant in seconds of the 'anneal' schedule", gt=0)
    theta0: float = option(3.0, help="weight offset: w = exp(theta - theta0) for theta > 0", gt=0)
    theta_max: float = option(5.0, help="upper clip of theta (bounds the exponential weights)", gt=0)
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
    curve_points: int = option(60, help="number of bins of the reward curve trace (and of the fidelity curve)", ge=1)
    min_budget: float = option(10.0, help="fidelity: fewest seconds of learning a scheduler may ask for", gt=0)

    def learner(self, values: dict[str, Any], seed: int, checkpoint: Mapping[str, Any] | None) -> _Sampling:
        return _Sampling(self, values, seed, checkpoint)

    def motor_neurons(self) -> int:
        return self.n_motor

    def _result(self, rewards: np.ndarray, theta: np.ndarray, weights: np.ndarray,
                temperatures: np.ndarray) -> SimulationResult:
        steps = len(rewards)
        late = late_reward(rewards, self.final_fraction)
        curve = np.array([chunk.mean() for chunk in np.array_split(rewards, min(self.curve_points, steps))])
        # performance reached early: best of the first half of a 3-bin moving average
        smooth = np.convolve(curve, np.ones(3) / 3, mode="valid") if len(curve) >= 3 else curve
        early = float(smooth[:max(1, len(smooth) // 2)].max())
        retracted = int((theta <= 0).sum())
        metrics = {
            "reward_first_quarter": float(rewards[:max(1, steps // 4)].mean()),  # the first step at least
            "reward_early": early,
            "reward_late": late,
            "reward_lost": early - late,
            # the same without picking a best bin: a fixed window, 20-40 % of the time learned
            "reward_early_window": window_mean(rewards, 0.2, 0.4),
            "reward_lost_window": window_mean(rewards, 0.2, 0.4) - late,
            "retracted": float(retracted),
            "retracted_fraction": float(retracted / theta.size),
            "mean_weight": float(weights.mean()),
            "final_temperature": float(temperatures[-1]),
        }
        return SimulationResult(objectives={"reward": late}, metrics=metrics,
                                traces={"reward_curve": curve, "temperature": temperatures.copy()})


def check_schedule(name: str, schedule: Any) -> None:
    """Refuse a temperature schedule SPORE does not know, in one line."""
    if schedule not in SCHEDULES:
        raise ConfigError(f"simulator {name!r}: 'schedule' must be one of {SCHEDULES}, got {schedule!r}")


#: The temperature schedules that read each option (temperature_at); 'constant' reads neither.
SCHEDULE_OPTIONS = {"temperature_final": ("anneal", "linear"), "anneal_time": ("anneal",)}


def check_schedule_options(simulator: Any, space) -> None:
    """Refuse a schedule's option (set or explored) that no schedule of the run would read, in one line: the one
    schedule of the options, or, where ``schedule`` is explored, each of its choices."""
    explored = "schedule" in space.names
    schedules = tuple(getattr(space["schedule"], "choices", SCHEDULES)) if explored else (simulator.schedule,)
    defaults = {f.name: f.default for f in dataclasses.fields(simulator)}
    for key, readers in SCHEDULE_OPTIONS.items():
        if not set(schedules) & set(readers) and (key in space.names or getattr(simulator, key) != defaults[key]):
            given, where = (("(explored)", " from [space]") if key in space.names else
                            (f"= {getattr(simulator, key)!r}", ""))
            which, fix = ((f"schedule is explored among {' and '.join(repr(s) for s in schedules)}",
                           f"add {readers[0]!r} to its choices") if explored else
                          (f"schedule is {simulator.schedule!r}", f"set schedule = {readers[0]!r}"))
            raise ConfigError(f"simulator {simulator.name!r}: {key} {given} is read by schedule "
                              f"{' or '.join(repr(r) for r in readers)} only, and {which}: {fix}, or remove "
                              f"{key}{where}")


def check_rule(name: str, values: Mapping[str, Any], dt: float) -> None:
    """Refuse, in one line naming it, a learning-rule value of SPORE's out of its range."""
    for key in ("learning_rate", "temperature", "temperature_final", "reward_gain"):
        if not float(values[key]) >= 0:
            raise ConfigError(f"simulator {name!r}: parameter {key!r} must be >= 0, got {values[key]!r}")
    for key in ("prior_std", "anneal_time"):
        if not float(values[key]) > 0:
            raise ConfigError(f"simulator {name!r}: parameter {key!r} must be > 0, got {values[key]!r}")
    for key in ("tau_gradient", "tau_eligibility"):
        if not float(values[key]) >= dt:
            raise ConfigError(f"simulator {name!r}: parameter {key!r} must be >= dt={dt}, got {values[key]!r}")


def motor_bias(name: str, value: Any, neurons: int) -> float | np.ndarray:
    """``bias``: one number for every motor neuron, or one per motor neuron (as an emulated chip realises it)."""
    bias = np.asarray(value, dtype=float)
    if bias.shape in ((), (1,)):
        return float(bias.reshape(()))
    if bias.shape != (neurons,):
        raise ValueError(f"simulator {name!r}: 'bias' must be one number or one per motor neuron ({neurons}), "
                         f"got shape {bias.shape}")
    return bias.copy()


def late_reward(rewards: np.ndarray, final_fraction: float) -> float:
    """The fitness: mean reward over the last ``final_fraction`` of ``rewards``, at least the last one. A time
    learned too short for its fraction to hold a whole step (2 steps of ``dt = 0.05`` at a budget of 0.1 s) is
    scored on its last step, where the mean of no reward was NaN with numpy's 'Mean of empty slice' warning."""
    return float(rewards[min(int(round(len(rewards) * (1 - final_fraction))), len(rewards) - 1):].mean())


def check_measurable(name: str, minimum: float, dt: float) -> None:
    """Refuse a fidelity whose ``minimum`` is below one time step ``dt``: a budget that short learns nothing and has
    no reward to score (a mean of none, NaN). From one step on the fitness is measured over what was learned
    (:func:`late_reward`)."""
    if minimum < dt * (1 - 1e-9):
        raise ConfigError(f"simulator {name!r}: min_budget = {number(minimum)} is below dt = {number(dt)}, one time "
                          f"step, the least a candidate can learn and be scored on: give a min_budget of at least "
                          f"{at_least(dt)}, or a smaller dt")


def check_steps(name: str, budget: float, dt: float) -> None:
    """ValueError for a ``budget`` shorter than half a time step ``dt``, which learns nothing to score (no step;
    a scheduler never asks one: :func:`check_measurable`)."""
    if int(round(budget / dt)) < 1:
        raise ValueError(f"simulator {name!r}: a budget of {number(budget)} s is below one time step (dt = "
                         f"{number(dt)} s): nothing is learned to score")


def window_mean(values: np.ndarray, start: float, end: float) -> float:
    """Mean of ``values`` over the fixed fraction ``[start, end)`` of their length (at least one element)."""
    first = min(int(round(len(values) * start)), len(values) - 1)
    return float(values[first:max(first + 1, int(round(len(values) * end)))].mean())


BLOCK = 1000  # uniform numbers are drawn in blocks of this many steps: far fewer calls into the generator
_TRACES = ("theta", "psp", "eligibility", "gradient", "motor", "uniforms", "rewards")


class _Sampling:
    """One SPORE network learning in its environment: the state :meth:`Spore.run` carries step to step."""

    def __init__(self, owner: Spore, values: dict[str, Any], seed: int, checkpoint: Mapping[str, Any] | None):
        self.owner = owner
        environment_seed, network_seed = np.random.SeedSequence(seed).spawn(2)
        self.environment = make_environment(owner.task, n_inputs=owner.n_inputs, n_motor=owner.n_motor,
                                            dt=owner.dt)
        self.environment.reset(np.random.default_rng(environment_seed))
        self.rng = np.random.default_rng(network_seed)

        self.total_steps = int(round(owner.duration / owner.dt))
        self.steps_per_update = max(1, int(round(owner.update_interval / owner.dt)))
        self.beta = float(values["learning_rate"])
        self.mean, self.std = float(values["prior_mean"]), float(values["prior_std"])
        self.gain = float(values["reward_gain"])
        update_times = np.arange(self.total_steps // self.steps_per_update) * self.steps_per_update * owner.dt
        self.temperatures = temperature_at(values["schedule"], update_times, float(values["temperature"]),
                                           float(values["temperature_final"]), float(values["anneal_time"]),
                                           owner.duration)
        self.noise_scale = np.sqrt(2.0 * np.maximum(self.temperatures, 0.0) * self.beta)
        self.psp_decay = np.exp(-owner.dt / owner.tau_psp)
        self.eligibility_decay = np.exp(-owner.dt / float(values["tau_eligibility"]))
        self.gradient_rate = owner.dt / float(values["tau_gradient"])
        self.baseline_rate = owner.dt / owner.tau_baseline
        self.motor_rate = owner.dt / owner.tau_motor
        self.bias = motor_bias(owner.name, values["bias"], owner.n_motor)

        self.theta = self.rng.normal(self.mean, self.std, size=(owner.n_motor, owner.n_inputs))
        self.psp = np.zeros(owner.n_inputs)
        self.eligibility = np.zeros_like(self.theta)
        self.gradient = np.zeros_like(self.theta)
        self.motor = np.zeros(owner.n_motor)
        self.baseline = 0.0
        self.uniforms = np.zeros((0, owner.n_inputs + owner.n_motor))
        self.rewards = np.empty(self.total_steps)
        self.step = 0
        if checkpoint is not None:
            self._restore(checkpoint)
        self.weights = np.where(self.theta > 0, np.exp(self.theta - owner.theta0), 0.0)
        # what a step records for the traces (advance, _traces): at most one update interval (the weights stay the
        # same), and at most 4096 numbers of outer products at once (one step's where the network is larger)
        capacity = max(1, min(self.steps_per_update, 4096 // self.theta.size))
        self._psp = np.empty((capacity, owner.n_inputs))
        self._spikes_minus_rho = np.empty((capacity, owner.n_motor))
        self._centred_reward = np.empty(capacity)
        self._decay, self._rate = np.array(self.eligibility_decay), np.array(self.gradient_rate)

    def _restore(self, checkpoint: Mapping[str, Any]) -> None:
        try:
            for key in _TRACES:
                value = np.array(checkpoint[key], dtype=float)
                expected = getattr(self, key).shape
                if key != "uniforms" and key != "rewards" and value.shape != expected:
                    raise ValueError(f"{key} has shape {value.shape}, expected {expected}")
                setattr(self, key, value)
            self.baseline, self.step = float(checkpoint["baseline"]), int(checkpoint["step"])
            self.rng = rng_from_state(checkpoint["rng"], "spore")
            self.environment.restore(checkpoint["environment"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"simulator 'spore': the checkpoint is incomplete or damaged ({exc})") from None
        if len(self.rewards) != self.step:
            raise ValueError(f"simulator 'spore': the checkpoint holds {len(self.rewards)} rewards for "
                             f"{self.step} steps")
        self.rewards = np.concatenate([self.rewards, np.empty(self.total_steps - self.step)])

    def advance(self, stop: int) -> None:
        """Learn up to time step ``stop``."""
        owner, n_inputs = self.owner, self.owner.n_inputs
        environment, rng = self.environment, self.rng
        theta, psp, motor = self.theta, self.psp, self.motor
        weights, baseline, uniforms = self.weights, self.baseline, self.uniforms
        # The step's constants as 0-d float64 arrays: numpy combines an array with a 0-d array faster than with a
        # Python float (no conversion of the scalar per call), with the same float64 result.
        one, minus_bias, psp_decay, motor_rate = map(np.array, (1.0, -self.bias, self.psp_decay, self.motor_rate))
        input_draws, motor_draws = uniforms[:, :n_inputs], uniforms[:, n_inputs:]
        recorded = 0  # steps of the interval whose psp, spikes - rho and reward - baseline await _traces
        recorded_psp, spikes_minus_rho, centred_reward = self._psp, self._spikes_minus_rho, self._centred_reward
        for step in range(self.step, min(stop, self.total_steps)):
            if step % BLOCK == 0:
                uniforms = rng.random((min(BLOCK, self.total_steps - step), n_inputs + owner.n_motor))
                input_draws, motor_draws = uniforms[:, :n_inputs], uniforms[:, n_inputs:]
            row = step % BLOCK
            psp = psp * psp_decay + (input_draws[row] < environment.observe())
            # sigmoid(w x + bias), with -(w x + bias) written -bias - w x: the same number (rounding is symmetric)
            rho = one / (one + np.exp(minus_bias - weights @ psp))
            spikes = motor_draws[row] < rho
            motor += motor_rate * (spikes - motor)
            reward = environment.step(motor)
            self.rewards[step] = reward
            recorded_psp[recorded], centred_reward[recorded] = psp, reward - baseline
            np.subtract(spikes, rho, out=spikes_minus_rho[recorded])
            recorded += 1
            baseline += self.baseline_rate * (reward - baseline)
            interval_ends = (step + 1) % self.steps_per_update == 0
            if interval_ends or recorded == len(centred_reward):
                self._traces(weights, recorded)
                recorded = 0
            if interval_ends:
                update = (step + 1) // self.steps_per_update - 1
                drift = (self.mean - theta) / self.std ** 2 + self.gain * self.gradient
                theta += self.beta * drift + self.noise_scale[update] * rng.standard_normal(theta.shape)
                np.minimum(theta, owner.theta_max, out=theta)
                weights = np.where(theta > 0, np.exp(theta - owner.theta0), 0.0)
            self.step = step + 1
        self._traces(weights, recorded)
        self.psp, self.weights, self.baseline, self.uniforms = psp, weights, baseline, uniforms

    def _traces(self, weights: np.ndarray, steps: int) -> None:
        """Advance the eligibility and gradient traces over the first ``steps`` recorded steps (weights
        ``weights``, constant in between): per step ``e <- e exp(-dt / tau_eligibility) + w (s - rho) x`` and
        ``g <- g + dt / tau_gradient ((r - rbar) e - g)``, the operations of a step-by-step loop in its order,
        with the outer products of all the steps in one operation."""
        if not steps:
            return
        increments = weights * (self._spikes_minus_rho[:steps, :, None] * self._psp[:steps, None, :])
        eligibility, gradient, decay, rate = self.eligibility, self.gradient, self._decay, self._rate
        for k in range(steps):
            eligibility *= decay
            eligibility += increments[k]
            gradient += rate * (self._centred_reward[k:k + 1] * eligibility - gradient)

    def fitness(self) -> float:
        return late_reward(self.rewards[:self.step], self.owner.final_fraction)

    def result(self) -> SimulationResult:
        updates = max(1, self.step // self.steps_per_update)
        return self.owner._result(self.rewards[:self.step], self.theta, self.weights, self.temperatures[:updates])

    def checkpoint(self, budget: float) -> dict[str, Any]:
        used = self.step % BLOCK == 0  # the next step draws a new block
        return {"simulator": "spore", "budget": budget, "step": self.step, "baseline": float(self.baseline),
                "theta": self.theta.copy(), "psp": self.psp.copy(), "eligibility": self.eligibility.copy(),
                "gradient": self.gradient.copy(), "motor": self.motor.copy(),
                "uniforms": self.uniforms[:0].copy() if used else self.uniforms.copy(),
                "rewards": self.rewards[:self.step].copy(), "rng": rng_state(self.rng),
                "environment": self.environment.state()}
