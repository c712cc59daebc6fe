"""Liquid state machine: a LIF reservoir whose readout learns new tasks from few examples.

One evaluation draws, from its seed, a random E/I reservoir and ``tasks``
tasks of the family in :mod:`l2l.simulators.lsm_tasks`. For each task a ridge
readout of the low-pass-filtered reservoir spikes learns from
``train_examples`` trials and is tested on ``test_examples`` new ones. The
objective ``test_error`` is the mean test error over the tasks: the outer loop
thus optimizes how quickly a readout learns on the reservoir (learning to
learn). The metrics ``firing_rate``, ``firing_rate_exc`` and
``firing_rate_inh`` (Hz), ``train_error`` and ``memory_capacity`` are
objectives too where a config names them (error against energy:
``objectives = ["test_error", "firing_rate"]``); ``memory_capacity`` is
maximized and the errors minimized (:attr:`LiquidStateMachine.directions`), a
rate goes the way the config says (a name alone: minimized).

Fidelity ``examples`` (K, the training examples each readout learns from),
whole numbers from ``min_budget`` to ``train_examples``. The reservoir is
simulated once, on every trial of the full run, so the test trials are the
same at every budget and ``run_to(train_examples)`` equals ``run``; the
checkpoint holds the reservoir's features of those trials (tasks x
(train_examples + test_examples) x neurons numbers), the labels and the firing
rates, so continuing refits only the readouts (exact, and cheap: the cost of a
first segment is the reservoir, whatever its budget). A candidate continued with
other parameters than its checkpoint's (a policy that explores on the way, ``pbt``
or ``pb2``, or ``run.inherit``) gets its reservoir simulated again with them, on
the checkpoint's tasks (the seed it holds): a segment's score is always that of
the parameters it ran with. Curves: every name in
``produces`` at every whole number of examples (the rates are the same at
every budget: the reservoir does not change with K).

Engine: the reservoir runs on the numpy core (``engine = "numpy"``), on NEST
or on Brian2 (:mod:`l2l.simulators.lsm_engines`): the same network, drawn from
the same seed, with rates and fitness that agree within the margins stated in
docs/simulators.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import Fidelity, SimulationResult, Simulator
from l2l.simulators.fidelity_tools import check_min_budget, segment_start, whole_budget
from l2l.simulators.lsm_engines import ENGINES, brian2_spikes, nest_spikes
from l2l.simulators.nest_sim import require_installed
from l2l.simulators.lsm_tasks import KINDS, TaskFamily, classification_errors, memory_capacity
from l2l.simulators.snn_space import check_space_values
from l2l.simulators.snn_core import (Network, NeuronParams, Synapses, ei_network, exp_filter, input_drive,
                                     random_synapses)

#: Model parameters the outer loop may explore; missing ones take the option of the same name.
EXPLORABLE = ("J_EE", "J_EI", "J_IE", "J_II", "input_gain", "p_EE", "p_EI", "p_IE", "p_II",
              "p_in", "tau_m", "tau_readout", "noise_rate")
#: Per-neuron array parameters, shape (n_exc + n_inh,), log2 factors (0: unchanged; missing: all 0):
#: ``gain_out`` scales every recurrent weight leaving a neuron, ``gain_in`` every input weight reaching it.
PER_NEURON = ("gain_out", "gain_in")


@dataclass(frozen=True)
class LiquidStateMachine(Simulator):
    """LIF reservoir (E/I) + ridge readout; fitness = test error after few examples, over a task family."""

    name: ClassVar[str] = "lsm"
    #: the rates, the training error and the memory capacity are metrics, which a config may name as objectives too
    produces: ClassVar[tuple[str, ...] | None] = ("test_error", "train_error", "memory_capacity", "firing_rate",
                                                  "firing_rate_exc", "firing_rate_inh")
    #: the better side of the names that have one (a name alone in a config's objectives takes it, the other
    #: direction is refused); a firing rate has none: fewer spikes (energy) or more, as the config says
    directions: ClassVar[Mapping[str, str]] = {"test_error": "minimize", "train_error": "minimize",
                                               "memory_capacity": "maximize"}
    returns_outputs: ClassVar[bool | None] = False
    explorable: ClassVar[tuple[str, ...]] = EXPLORABLE + PER_NEURON
    default_objectives: ClassVar[tuple[Objective, ...]] = (Objective("test_error", "minimize"),)

    n_exc: int = option(120, help="excitatory reservoir neurons", ge=1, le=100_000)
    n_inh: int = option(30, help="inhibitory reservoir neurons", ge=1, le=100_000)
    n_inputs: int = option(20, help="input channels", ge=1, le=10_000)
    J_EE: float = option(1.0, help="E->E weight (mV); explorable")
    J_EI: float = option(1.0, help="E->I weight (mV); explorable")
    J_IE: float = option(2.0, help="I->E weight magnitude (mV); explorable")
    J_II: float = option(2.0, help="I->I weight magnitude (mV); explorable")
    input_gain: float = option(6.0, help="input->reservoir weight (mV); explorable")
    p_EE: float = option(0.1, help="E->E connection probability; explorable")
    p_EI: float = option(0.2, help="E->I connection probability; explorable")
    p_IE: float = option(0.2, help="I->E connection probability; explorable")
    p_II: float = option(0.2, help="I->I connection probability; explorable")
    p_in: float = option(0.2, help="input->reservoir connection probability; explorable")
    tau_m: float = option(20.0, help="membrane time constant (ms); explorable")
    tau_readout: float = option(20.0, help="time constant of the readout's spike filter (ms); explorable")
    noise_rate: float = option(100.0, help="Poisson background per neuron (Hz, 1 mV events); explorable")
    threshold: float = option(20.0, help="firing threshold above rest (mV)", gt=0)
    refractory: int = option(2, help="refractory period (ms)", ge=0)
    max_delay: int = option(3, help="recurrent delays drawn uniformly in 1..max_delay ms", ge=1, le=1000)
    steps: int = option(60, help="trial length (ms)", ge=40, le=100_000)
    tasks: int = option(4, help="tasks drawn from the family per evaluation, cycling through kinds", ge=1, le=10_000)
    kinds: tuple = option(("pattern", "memory"), help="task kinds used, from 'pattern', 'xor', 'memory'", choices=KINDS)
    train_examples: int = option(16, help="K: trials the readout learns each task from", ge=2, le=100_000)
    test_examples: int = option(40, help="trials the readout is tested on, per task", ge=1, le=100_000)
    ridge: float = option(1.0, help="ridge penalty of the readout (on standardized features)", gt=0)
    min_budget: int = option(2, help="fidelity: fewest training examples a scheduler may ask for", ge=2)
    reservoir_seed: int = option(-1, help="-1: every evaluation draws its reservoir from its seed; >= 0: "
                                          "one fixed reservoir (connections, delays, input weights) drawn "
                                          "from this seed, tasks and noise still from the evaluation's seed",
                                 ge=-1)
    engine: str = option("numpy", help="simulator of the reservoir: 'numpy' (built in), 'nest' or 'brian2' "
                                       "(same network; see docs/simulators.md)", choices=ENGINES)
    threads: int = option(0, help="engine 'nest': threads per evaluation (0: the worker's CPUs)", ge=0)
    codegen_target: str = option("numpy", help="engine 'brian2': code generation, 'numpy' or 'cython'",
                                 choices=("numpy", "cython"))

    def __post_init__(self) -> None:
        check_min_budget(self, "train_examples")
        if not self.kinds:
            raise ConfigError(f"simulator 'lsm': option 'kinds' must be a non-empty list of {KINDS}, "
                              f"got {list(self.kinds)!r}")
        self._check_model({k: getattr(self, k) for k in EXPLORABLE}, "option")
        if self.engine != "numpy":
            require_installed(self.engine, f"simulator 'lsm': engine {self.engine!r}", self.engine)
        if self.engine == "brian2" and self.codegen_target == "cython":  # its compiled-code cache, before the run
            from l2l.simulators.brian2_cache import check_default_root
            check_default_root("simulator 'lsm'")

    def refuse_ignored(self, space) -> None:
        """Refuse, in one line, an explored range reaching past what a parameter takes (``p_EE`` up to 1.5: every
        candidate there failed), a per-neuron array of another shape than one value per neuron, a scalar parameter
        of several values, and an option of another engine (``threads`` without NEST, ``codegen_target`` without
        Brian2): it would be ignored. A new run's only (l2l.components.build): a stored run resumes as it ran."""
        n = self.n_exc + self.n_inh
        check_space_values("lsm", space, lambda value: self._check_model(value, "parameter"),
                           {key: n for key in PER_NEURON})
        for key, default, engine in (("threads", 0, "nest"), ("codegen_target", "numpy", "brian2")):
            if getattr(self, key) != default and self.engine != engine:
                raise ConfigError(f"simulator 'lsm': option {key!r} = {getattr(self, key)!r} is for engine "
                                  f"{engine!r}, and engine is {self.engine!r}: remove {key}, or set engine = "
                                  f"{engine!r}")

    def check_objectives(self, objectives) -> None:
        """Refuse (:class:`ConfigError`) an objective ``memory_capacity`` where no task drawn has a sequence of
        bits to recall (kinds 'xor' and 'memory'; ``tasks`` cycle through ``kinds`` from the first): it would
        be 0 for every candidate, and the run would optimize a constant. A new run's only (l2l.components.build)."""
        drawn = [self.kinds[i % len(self.kinds)] for i in range(min(self.tasks, len(self.kinds)))]
        if "memory_capacity" in [o.name for o in objectives] and not {"xor", "memory"} & set(drawn):
            which = f"kinds = {list(self.kinds)!r}" if drawn == list(self.kinds) else \
                f"tasks = {self.tasks} (of kinds {list(self.kinds)!r}, drawn in turn: {drawn!r})"
            raise ConfigError(f"simulator 'lsm': objective 'memory_capacity' is 0 for every candidate with {which}, "
                              f"no task with bits to recall; add 'memory' (or 'xor') to kinds, or remove the "
                              f"objective")

    @staticmethod
    def _check_model(values: dict[str, Any], what: str) -> None:
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
                    or not np.isfinite(value):
                raise ConfigError(f"simulator 'lsm': {what} {key!r} must be a finite number, got {value!r}")
            if key.startswith("p_") and not 0.0 <= value <= 1.0:
                raise ConfigError(f"simulator 'lsm': {what} {key!r} must be in [0, 1], got {value!r}")
            if key.startswith("tau") and not value > 0:
                raise ConfigError(f"simulator 'lsm': {what} {key!r} must be > 0 ms, got {value!r}")
            if (key.startswith("J_") or key in ("input_gain", "noise_rate")) and value < 0:
                raise ConfigError(f"simulator 'lsm': {what} {key!r} must be >= 0, got {value!r}")

    def explored(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Every explorable value: from ``params`` where given, else the option (per-neuron arrays: None)."""
        self._refuse_unknown(params)
        return {key: params[key] if key in params else getattr(self, key, None) for key in self.explorable}

    def model(self, params: dict[str, Any]) -> dict[str, Any]:
        """Model parameters of one evaluation: ``params`` over the options of the same name.

        Scalars as floats; the per-neuron arrays as float arrays (n,), or None where not explored.
        """
        explored = self.explored(params)
        values: dict[str, Any] = {key: explored[key] for key in EXPLORABLE}
        self._check_model(values, "parameter")
        values = {key: float(value) for key, value in values.items()}
        n = self.n_exc + self.n_inh
        for key in PER_NEURON:
            value = explored[key]
            if value is not None:
                value = np.asarray(value, dtype=float)
                if value.shape != (n,) or not np.all(np.isfinite(value)):
                    raise ConfigError(f"simulator 'lsm': parameter {key!r} must be {n} finite numbers "
                                      f"(one per neuron, shape = [{n}]), got shape {list(value.shape)}")
            values[key] = value
        return values

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        return self._score(self._simulate(self.model(params), seed), self.train_examples)

    def _simulate(self, m: dict[str, float], seed: int) -> dict[str, Any]:
        """Reservoir features of every trial of every task, the tasks' labels and the firing rates."""
        rng = np.random.default_rng(seed)
        family = TaskFamily(steps=self.steps, n_inputs=self.n_inputs)
        per_task = self.train_examples + self.test_examples
        tasks = [family.draw(rng, self.kinds[i % len(self.kinds)], per_task) for i in range(self.tasks)]
        inputs = np.concatenate([t.spikes for t in tasks], axis=1)
        fixed = None if self.reservoir_seed < 0 else np.random.default_rng(self.reservoir_seed)
        spikes = self.reservoir_spikes(m, rng, inputs, fixed)
        return {"features": self.features(spikes, m["tau_readout"]),
                "kinds": [t.kind for t in tasks], "classes": [int(t.classes) for t in tasks],
                "labels": np.stack([t.labels for t in tasks]).astype(np.int64),
                "bits": [np.zeros((0, 0), dtype=np.int64) if t.bits is None else t.bits.astype(np.int64)
                         for t in tasks],
                "rates": {"firing_rate": float(spikes.mean() * 1e3),
                          "firing_rate_exc": float(spikes[:, :, :self.n_exc].mean() * 1e3),
                          "firing_rate_inh": float(spikes[:, :, self.n_exc:].mean() * 1e3)},
                "seed": int(seed), "parameters": _fingerprint(m)}

    def _score(self, state: dict[str, Any], k: int) -> SimulationResult:
        """Each task's readout learnt from its first ``k`` training trials, tested on its test trials."""
        per_task = self.train_examples + self.test_examples
        features, labels = state["features"], state["labels"]
        errors, train_errors, chance, capacities = [], [], [], []
        for i, (kind, classes, bits) in enumerate(zip(state["kinds"], state["classes"], state["bits"])):
            x = features[i * per_task:(i + 1) * per_task]
            y = labels[i]
            train, test = slice(0, k), slice(self.train_examples, per_task)
            error, train_error = classification_errors(x[train], y[train], x[test], y[test], classes, self.ridge)
            errors.append(error)
            train_errors.append(train_error)
            chance.append(1.0 - np.bincount(y[test]).max() / self.test_examples)
            if bits.size:
                capacities.append(memory_capacity(x[train], bits[train], x[test], bits[test], self.ridge))
        metrics = {
            **state["rates"],
            "memory_capacity": float(np.mean(capacities)) if capacities else 0.0,
            "chance_error": float(np.mean(chance)),
            "train_error": float(np.mean(train_errors)),
        }
        for kind in KINDS:
            own = [e for e, t in zip(errors, state["kinds"]) if t == kind]
            if own:
                metrics[f"error_{kind}"] = float(np.mean(own))
        return SimulationResult(objectives={"test_error": float(np.mean(errors))}, metrics=metrics,
                                traces={"task_errors": np.array(errors)})

    def fidelity(self) -> Fidelity:
        """``examples``: training trials each task's readout learns from, ``min_budget`` to ``train_examples``."""
        return Fidelity("examples", "training examples per task (K)", min(self.min_budget, self.train_examples),
                        self.train_examples, True)

    def run_to(self, params: dict[str, Any], seed: int, budget: float,
               checkpoint: Mapping[str, Any] | None) -> SimulationResult:
        """The test error when every task's readout learns from its first ``budget`` training examples.

        The reservoir runs once, on every trial of the full run (so ``run_to(train_examples) == run()``
        and the test trials are the same at every budget); the checkpoint holds its features, the labels
        and the firing rates, so continuing to a larger budget only refits the readouts. Curves: every
        name in ``produces`` (test and training error, memory capacity, rates) at every whole number of
        examples in the segment.
        """
        budget = whole_budget(self.fidelity(), budget, "lsm")
        start = segment_start(checkpoint, budget, "lsm")
        model = self.model(params)
        if checkpoint is None:
            state = self._simulate(model, seed)
        else:
            state = self._restore(checkpoint)
            if state["parameters"] is not None and state["parameters"] != _fingerprint(model):
                # other parameters than the checkpoint's reservoir had (pbt's or pb2's explore, run.inherit): the
                # readouts of that reservoir would score the old parameters under the new ones' names
                state = self._simulate(model, state["seed"])
        points: dict[str, list] = {name: [] for name in self.produces}
        first = int(start) + 1 if start < budget else budget  # a checkpoint at the budget: scored there again
        for k in range(first, budget + 1):  # (before: "a budget of 16 example is too small; the readout needs 2")
            if k >= 2:  # a readout needs two examples
                result = self._score(state, k)
                measured = {**result.metrics, **result.objectives}
                for name in self.produces:
                    points[name].append([k, measured[name]])
        if not points["test_error"]:
            raise ValueError(f"simulator 'lsm': a budget of {budget} example is too small; the readout needs 2")
        result.curve = points
        result.checkpoint = {"simulator": "lsm", "budget": budget, **state}
        return result

    def _restore(self, checkpoint: Mapping[str, Any]) -> dict[str, Any]:
        try:
            state = {"features": np.asarray(checkpoint["features"], dtype=float),
                     "kinds": [str(kind) for kind in checkpoint["kinds"]],
                     "classes": [int(c) for c in checkpoint["classes"]],
                     "labels": np.asarray(checkpoint["labels"], dtype=np.int64),
                     "bits": [np.asarray(b, dtype=np.int64) for b in checkpoint["bits"]],
                     "rates": {key: float(v) for key, v in checkpoint["rates"].items()},
                     # (checkpoints before December 2026 have neither: they are continued as they are)
                     "seed": int(checkpoint["seed"]) if "seed" in checkpoint else None,
                     "parameters": str(checkpoint["parameters"]) if "parameters" in checkpoint else None}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"simulator 'lsm': the checkpoint is incomplete or damaged ({exc!r})") from None
        per_task = self.train_examples + self.test_examples
        if state["features"].shape[0] != self.tasks * per_task or state["labels"].shape != (self.tasks, per_task):
            raise ValueError("simulator 'lsm': the checkpoint was taken with other task or example counts")
        n = self.n_exc + self.n_inh
        if state["features"].ndim != 2 or state["features"].shape[1] != n:  # before: its reservoir's features,
            # continued silently under this network's name
            raise ValueError(f"simulator 'lsm': the checkpoint holds the features of a reservoir of "
                             f"{state['features'].shape[-1]} neurons, and this one has {n} (n_exc + n_inh): it is "
                             f"of another network")
        kinds = [self.kinds[i % len(self.kinds)] for i in range(self.tasks)]
        if state["kinds"] != kinds:
            raise ValueError(f"simulator 'lsm': the checkpoint's tasks are of kinds {state['kinds']}, and this "
                             f"simulator's {kinds} (option kinds): it was taken with other kinds")
        return state

    def reservoir_spikes(self, m: dict[str, Any], rng: np.random.Generator,
                         inputs: np.ndarray, network_rng: np.random.Generator | None = None) -> np.ndarray:
        """Spikes (T, trials, n) of a reservoir driven by ``inputs`` (T, trials, n_inputs).

        The network (connections, delays, input weights) is drawn from ``network_rng`` if given, else
        from ``rng``; the background noise always from ``rng``. Per-neuron gains in ``m`` scale it.
        """
        n = self.n_exc + self.n_inh
        draw = rng if network_rng is None else network_rng
        neurons = NeuronParams(tau_m=m["tau_m"], thr=self.threshold, t_ref=self.refractory, beta=0.0)
        net = ei_network(draw, self.n_exc, self.n_inh,
                         {k: m["J_" + k] for k in ("EE", "EI", "IE", "II")},
                         {k: m["p_" + k] for k in ("EE", "EI", "IE", "II")},
                         neurons, delay=(1, self.max_delay))
        w_in = random_synapses(draw, self.n_inputs, n, m["p_in"], m["input_gain"], delay=1)
        if m.get("gain_out") is not None:
            net = Network(n, net.neurons, net.recurrent.scaled(np.exp2(m["gain_out"])), net.propagation)
        if m.get("gain_in") is not None:
            w_in = Synapses(w_in.n_pre, w_in.n_post, w_in.indptr, w_in.indices,
                            w_in.weights * np.exp2(m["gain_in"])[w_in.indices], w_in.delays)
        if self.engine == "nest":
            return nest_spikes(net, w_in, inputs, m["noise_rate"], 1.0, rng, self.threads)
        if self.engine == "brian2":
            return brian2_spikes(net, w_in, inputs, m["noise_rate"], 1.0, rng, self.codegen_target)
        drive = input_drive(inputs, w_in)
        return net.simulate(inputs.shape[0], inputs.shape[1], external=drive,
                            poisson_rate=m["noise_rate"], poisson_weight=1.0, rng=rng).spikes

    def features(self, spikes: np.ndarray, tau: float) -> np.ndarray:
        """Filtered spikes of every neuron at the end of each trial: (trials, n)."""
        return exp_filter(spikes, tau)[-1]


__all__ = ["LiquidStateMachine", "EXPLORABLE", "PER_NEURON"]


def _fingerprint(model: Mapping[str, Any]) -> str:
    """The model parameters a reservoir was simulated with, as a string a checkpoint holds (floats exact)."""
    return json.dumps({key: None if value is None else np.asarray(value, dtype=float).tolist()
                       for key, value in model.items()}, sort_keys=True)
