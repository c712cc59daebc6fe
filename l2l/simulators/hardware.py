"""Emulated analog neuromorphic hardware around any simulator (hardware in the loop).

:class:`EmulatedHardware` runs a wrapped simulator as if its network were
emulated on one or several analog chips. The outer loop writes parameters to
the chip and reads back only the chip's outputs; it never sees the device
imperfections, which are

* **fixed-pattern mismatch**: every physical instance of a device parameter
  (each neuron's gain, each synapse's weight circuit) deviates from what was
  written by a factor ``1 + mismatch * z`` and, where the simulator declares
  an offset scale, by an additive ``mismatch * offset_scale * z'``; ``z, z'``
  are standard normal and fixed for the chip: they derive only from
  ``(chip_seed, chip id, parameter name)``;
* **limited weight resolution**: weight-like values are clipped to
  ``[-weight_range, weight_range]`` and their magnitude rounded to one of
  ``2**weight_bits - 1`` levels (sign kept, as with separate excitatory and
  inhibitory inputs) before the synapse mismatch applies;
* **trial-to-trial noise**: every evaluation multiplies each instance by a
  fresh ``1 + noise * z''`` drawn from the evaluation seed.

Which values are device parameters is a small protocol. The wrapped simulator
may define ``device_parameters(self) -> Mapping[str, DeviceParameter]``,
naming explorable parameters *or* options (a parameter missing from
``params`` takes the option of the same name), their kind (``"weight"`` or
``"analog"``) and the shape of their physical instances (a scalar option
``gain`` of ten neurons has shape ``(10,)``: each neuron gets its own
mismatch). The wrapper then passes the perturbed, broadcast arrays in
``params``. Beside those (and for a simulator without that method), the options
``weight_patterns`` and ``analog_patterns`` select explored parameters whose names
match one of these shell patterns, perturbed with their own shape.

With several ``chips`` the objectives are aggregated over the chips (mean, or
the worst chip), so that an optimizer looks for parameters that work on every
device.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import zlib
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import numpy as np

from l2l.errors import ConfigError
from l2l.objectives import Objective
from l2l.registry import option
from l2l.simulators.base import SimulationResult, Simulator, as_result

KINDS = ("weight", "analog")
AGGREGATES = ("mean", "worst")


@dataclass(frozen=True)
class DeviceParameter:
    """How one value of a simulator is realised on the chip.

    ``kind``: ``"weight"`` (quantized, clipped, synapse mismatch) or
    ``"analog"`` (mismatch only). ``shape``: shape of its physical instances;
    a scalar value is broadcast to it. ``offset_scale``: natural size of an
    additive offset (e.g. a threshold voltage); 0 for purely multiplicative.
    """

    kind: str
    shape: tuple[int, ...] = ()
    offset_scale: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"device parameter kind must be one of {KINDS}, got {self.kind!r}")


def load_simulator_class(name: str) -> type:
    """A registered simulator name, or ``"package.module:Class"`` for an unregistered one."""
    from l2l.simulators import SIMULATORS

    if ":" in name and name not in SIMULATORS:
        module, _, attr = name.partition(":")
        try:
            cls = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"simulator 'emulated-hardware': option 'simulator' = {name!r} "
                              f"cannot be imported: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Simulator)):
            raise ConfigError(f"simulator 'emulated-hardware': {name!r} is not a Simulator class")
        return cls  # used as it is: the registry of every other run stays as it was
    return SIMULATORS.get(name)


def quantize(values: np.ndarray, bits: int, value_range: float) -> np.ndarray:
    """Clip to ``[-value_range, value_range]`` and round magnitudes to ``2**bits - 1`` levels."""
    clipped = np.clip(values, -value_range, value_range)
    if bits <= 0:
        return clipped
    levels = 2 ** bits - 1
    step = value_range / levels
    return np.sign(clipped) * np.round(np.abs(clipped) / step) * step


@dataclass(frozen=True)
class EmulatedHardware(Simulator):
    """Any simulator run on emulated analog chips: fixed-pattern mismatch, noise, few-bit weights."""

    name: ClassVar[str] = "emulated-hardware"

    simulator: str = option(help="wrapped simulator: a registered name or 'package.module:Class'")
    simulator_options: dict = option({}, help="options of the wrapped simulator")
    chips: tuple = option([0], help="ids of the emulated chips; objectives are aggregated over them")
    mismatch: float = option(0.1, help="relative spread (std) of the fixed-pattern mismatch", ge=0, lt=1)
    noise: float = option(0.02, help="relative spread (std) of the trial-to-trial noise", ge=0, lt=1)
    weight_bits: int = option(6, help="weight resolution in bits of magnitude (0: no rounding)", ge=0, le=24)
    weight_range: float = option(1.0, help="weights are clipped to [-weight_range, weight_range]", gt=0)
    chip_seed: int = option(0, help="seed of the chip population: with it a chip id names one device", ge=0)
    aggregate: str = option("mean", help="objective over chips: 'mean' or 'worst'", choices=AGGREGATES)
    weight_patterns: tuple = option([], help="explored parameters matching these patterns are weights (beside what the simulator declares)")
    analog_patterns: tuple = option([], help="explored parameters matching these patterns are analog (beside what the simulator declares)")
    _inner: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def refuse(key: str, rule: str) -> None:
            raise ConfigError(f"simulator 'emulated-hardware': option {key!r} {rule}, "
                              f"got {getattr(self, key)!r}")

        if not isinstance(self.simulator, str) or not self.simulator:
            refuse("simulator", "must name a simulator")
        if self.simulator in ("emulated-hardware",):
            refuse("simulator", "cannot be the hardware wrapper itself")
        if not self.chips or not all(isinstance(c, int) and not isinstance(c, bool) and c >= 0
                                     for c in self.chips):
            refuse("chips", "must be a non-empty list of non-negative integers")
        if len(set(self.chips)) != len(self.chips):
            refuse("chips", "must not repeat a chip")
        from l2l.simulators import SIMULATORS

        inner = SIMULATORS.instantiate(load_simulator_class(self.simulator), self.simulator,
                                       self.simulator_options)
        object.__setattr__(self, "chips", tuple(self.chips))
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "default_objectives", tuple(inner.objectives()))
        declared = self._declared()
        if declared is not None:
            for name, device in declared.items():
                if not isinstance(device, DeviceParameter):
                    raise ConfigError(f"simulator {self.simulator!r}: device_parameters()[{name!r}] "
                                      f"must be a DeviceParameter, got {device!r}")

    @property
    def inner(self) -> Simulator:
        """The wrapped simulator (the ideal model)."""
        return self._inner

    @classmethod
    def directions_for(cls, options: Mapping[str, Any]) -> Mapping[str, str]:
        """The wrapped simulator's sides (spore's ``reward`` is maximized on emulated chips too): a registered
        name's; an unregistered 'package.module:Class' declares its own once built."""
        from l2l.simulators import SIMULATORS

        name, inner = options.get("simulator"), options.get("simulator_options")
        if not isinstance(name, str) or name not in SIMULATORS or name == cls.name:
            return {}
        return SIMULATORS.get(name).directions_for(inner if isinstance(inner, Mapping) else {})

    def objectives(self) -> tuple[Objective, ...]:
        return tuple(self._inner.objectives())

    def check_space(self, space) -> None:
        self._inner.check_space(space)

    def refuse_ignored(self, space) -> None:
        """Refuse, in one line, a new run's pattern that matches no explored parameter (``weight_patterns = ["w*"]``
        over a space of ``x``: it selects nothing), and a run in which no value is a device parameter: the wrapped
        simulator declares none (``device_parameters``) and no pattern is given. Every chip would run the ideal
        model with the same seed, so ``mismatch``, ``noise``, ``weight_bits`` and the chips would change nothing
        (each chip's objective the same number, their spread 0)."""
        names = ", ".join(space.names) or "none"
        patterns = [("weight_patterns", p) for p in self.weight_patterns] + \
                   [("analog_patterns", p) for p in self.analog_patterns]
        for key, pattern in patterns:
            if not any(fnmatch.fnmatchcase(name, pattern) for name in space.names):
                raise ConfigError(f"simulator 'emulated-hardware': {key} {pattern!r} matches no explored parameter "
                                  f"({names}), so it makes no value a device parameter; name explored parameters, "
                                  f"or remove it")
        if self._declared() or patterns:
            return
        raise ConfigError(f"simulator 'emulated-hardware': no value of {self.simulator!r} is a device parameter: it "
                          f"declares none (device_parameters) and weight_patterns and analog_patterns are empty, so "
                          f"every chip would run the ideal model and mismatch, noise and weight_bits would change "
                          f"nothing; name the explored parameters the chip realises in weight_patterns or "
                          f"analog_patterns ({names})")

    def _declared(self) -> Mapping[str, DeviceParameter] | None:
        method = getattr(self._inner, "device_parameters", None)
        return dict(method()) if callable(method) else None

    def devices(self, params: Mapping[str, Any]) -> dict[str, DeviceParameter]:
        """The device parameters of an evaluation with explored ``params``: those the wrapped simulator declares, and
        the explored parameters ``weight_patterns`` and ``analog_patterns`` match (each with its own shape; a declared
        one as declared). Until 8 December 2026 a declaration made the patterns do nothing, without a word."""
        declared = self._declared() or {}
        found = dict(declared)
        for name, value in params.items():
            if name in declared or isinstance(value, str) or not np.issubdtype(np.asarray(value).dtype, np.number):
                continue
            shape = np.shape(value)
            if any(fnmatch.fnmatchcase(name, p) for p in self.weight_patterns):
                found[name] = DeviceParameter("weight", shape)
            elif any(fnmatch.fnmatchcase(name, p) for p in self.analog_patterns):
                found[name] = DeviceParameter("analog", shape)
        return found

    def fixed_pattern(self, chip: int, name: str, device: DeviceParameter) -> tuple[np.ndarray, np.ndarray]:
        """Multiplicative and additive mismatch of ``name`` on ``chip`` (depends on nothing else; read-only)."""
        return _fixed_pattern(self.chip_seed, self.mismatch, chip, name, device)

    def realise(self, params: Mapping[str, Any], chip: int, rng: np.random.Generator) -> dict[str, Any]:
        """What chip ``chip`` actually runs when ``params`` are written to it."""
        return self._on_chip(params, self._written(params), chip, rng)

    def _written(self, params: Mapping[str, Any]) -> dict[str, tuple[DeviceParameter, np.ndarray]]:
        """Every device parameter with its value as written to a chip, the same on every chip: broadcast to its
        physical instances, a weight clipped and rounded to the chip's resolution."""
        written = {}
        for name, device in self.devices(params).items():
            if name not in params and not hasattr(self._inner, name):
                raise ConfigError(f"simulator {self.simulator!r} declares device parameter {name!r} "
                                  f"but it is neither explored nor an option")
            value = params[name] if name in params else getattr(self._inner, name)
            try:
                value = np.broadcast_to(np.asarray(value, dtype=float), device.shape).copy()
            except ValueError as exc:
                raise ConfigError(f"device parameter {name!r}: value of shape {np.shape(value)} does not "
                                  f"fit the device shape {device.shape}") from exc
            if device.kind == "weight":
                value = quantize(value, self.weight_bits, self.weight_range)
            written[name] = (device, value)
        return written

    def _on_chip(self, params: Mapping[str, Any], written: dict[str, tuple[DeviceParameter, np.ndarray]], chip: int,
                 rng: np.random.Generator) -> dict[str, Any]:
        """``params`` with the ``written`` values as chip ``chip`` realises them: its fixed pattern, and this
        evaluation's noise from ``rng``."""
        realised = dict(params)
        for name, (device, value) in written.items():
            gain, offset = self.fixed_pattern(chip, name, device)
            trial = np.maximum(1.0 + self.noise * rng.standard_normal(device.shape), 0.0)
            value = value * gain * trial + offset
            realised[name] = float(value) if device.shape == () else value
        return realised

    def run(self, params: dict[str, Any], seed: int) -> SimulationResult:
        inner_sequence, noise_sequence = np.random.SeedSequence(seed).spawn(2)
        # the same inner seed on every chip: chips differ only by their devices
        inner_seed = int(inner_sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))
        written = self._written(params)  # the same on every chip
        results = []
        for chip, sequence in zip(self.chips, noise_sequence.spawn(len(self.chips))):
            realised = self._on_chip(params, written, chip, np.random.default_rng(sequence))
            results.append(as_result(self._inner.run(realised, inner_seed)))
        return self._aggregate(results)

    def _aggregate(self, results: list[SimulationResult]) -> SimulationResult:
        objectives = self.objectives()
        per_chip = [_objective_dict(r.objectives, objectives) for r in results]
        combined, metrics = {}, {}
        for objective in objectives:
            values = np.array([values[objective.name] for values in per_chip], dtype=float)
            if self.aggregate == "mean":
                combined[objective.name] = float(values.mean())
            else:
                combined[objective.name] = float(values.min() if objective.direction == "maximize"
                                                 else values.max())
            for chip, value in zip(self.chips, values):
                metrics[f"chip{chip}_{objective.name}"] = float(value)
            if len(values) > 1:
                metrics[f"{objective.name}_chip_std"] = float(values.std())
        for key in results[0].metrics:
            values = [r.metrics.get(key, np.nan) for r in results]
            metrics.setdefault(key, float(np.mean(values)))
        return SimulationResult(objectives=combined, metrics=metrics,
                                traces=_mean_arrays([r.traces for r in results]),
                                outputs=_mean_array([r.outputs for r in results]))


@functools.lru_cache(maxsize=1024)
def _chip_normals(chip_seed: int, chip: int, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normals, shape ``(2,) + shape``, fixed by (chip_seed, chip, name); read-only."""
    rng = np.random.default_rng([chip_seed, chip, zlib.crc32(name.encode())])
    normals = rng.standard_normal((2,) + tuple(shape))
    normals.flags.writeable = False
    return normals


@functools.lru_cache(maxsize=1024)
def _fixed_pattern(chip_seed: int, mismatch: float, chip: int, name: str,
                   device: DeviceParameter) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`EmulatedHardware.fixed_pattern` of chips of ``chip_seed`` and ``mismatch`` (read-only arrays), kept:
    every evaluation asks again for every chip and device parameter."""
    normal = _chip_normals(chip_seed, chip, name, device.shape)
    gain = np.maximum(1.0 + mismatch * normal[0], 0.0)
    offset = mismatch * device.offset_scale * normal[1]
    for array in (gain, offset):
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return gain, offset


def _objective_dict(value: Any, objectives: tuple[Objective, ...]) -> dict[str, float]:
    if isinstance(value, Mapping):
        return {k: float(v) for k, v in value.items()}
    return {objectives[0].name: float(value)}


def _mean_array(arrays: list[Any]) -> np.ndarray | None:
    if any(a is None for a in arrays):
        return None
    stacked = [np.asarray(a, dtype=float) for a in arrays]
    if len({a.shape for a in stacked}) != 1:
        return stacked[0]
    return np.mean(stacked, axis=0)


def _mean_arrays(traces: list[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: _mean_array([t.get(key) for t in traces]) for key in traces[0]
            if _mean_array([t.get(key) for t in traces]) is not None}
