"""A validated run configuration (:class:`RunConfig`, its :class:`Component` tables) and the overrides the command
line and l2l.resume apply to it. :func:`l2l.config.from_mapping` makes one from a config's tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from l2l import config_policy
from l2l.errors import ArgumentError, ConfigError
from l2l.objectives import Objective
from l2l.parameters import plain
from l2l.run_options import (check_target, compute_option, option_integer, seconds_option, target_option,
                             target_text)
from l2l.space import Space
from l2l.words import option


#: Where ``--workers`` goes for the built-in backends, and why it cannot go to the others.
WORKERS_OPTION = {"local": "workers", "slurm": "maximum_jobs", "slurm-array": "max_running"}
NO_WORKERS = {
    "serial": "it runs one evaluation at a time in this process; use {local} for parallel workers",
    "dask": "its workers are started with the scheduler, outside l2l",
}


@dataclass(frozen=True)
class Component:
    """A named component with options (optimizer, simulator or backend)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


@dataclass(frozen=True)
class RunConfig:
    """A validated run configuration."""

    name: str
    space: Space
    optimizer: Component
    simulator: Component
    backend: Component = Component("local")
    objectives: tuple[Objective, ...] | None = None
    seed: int = 0
    generations: int = 10
    out: str | None = None
    retries: int = 0
    timeout: float | None = None
    penalty: Any = "worst"
    mode: str = "generational"
    base_dir: str = "."
    #: A scheduling policy of a multi-fidelity run ([policy] table), and its compute budget.
    policy: Component | None = None
    compute: float = 0.0
    #: ``{"top": k, "seeds": n}``: re-evaluate the k best candidates on n fresh seeds after the run.
    reevaluate: dict[str, int] | None = None
    #: Budgets: evaluations in all (0: none), wall time in seconds over the run's life (0: none).
    #: ``generations`` is 0 (no limit) when one of them is set and run.generations is not.
    evaluations: int = 0
    max_time: float = 0.0
    #: Lamarckian inheritance: fidelity units each generation trains on from its parents' checkpoints
    #: (True: the simulator's top budget divided by the generations; 0/False: off).
    inherit: float | bool = 0
    #: Where checkpoints are kept (run.checkpoints): see :mod:`l2l.results_schema.checkpoint_store`.
    checkpoints: str = "auto"
    #: run.target: the run ends once a candidate reaches it (a number: the one objective's value; a table: a value
    #: per objective name); None: no target. See :mod:`l2l.driver_state` (TargetWatch) for what counts.
    target: float | dict[str, float] | None = None
    #: What the user wrote the target as: 'run.target' (the config's) or '--target' (given on the command line),
    #: for the refusals that come once the simulator's objectives are known. Not stored with the run.
    target_from: str = field(default="run.target", compare=False, repr=False)
    #: run.stop_after_failures: the run stops once the first this many evaluations of a session all failed and none
    #: of the run ever succeeded (0: never; None: the default, see :func:`l2l.driver_failures.failure_limit`).
    stop_after_failures: int | None = None
    #: run.initial_points: configurations evaluated first, in order (see :mod:`l2l.initial_points`).
    initial_points: tuple[dict[str, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The config as a table that :func:`l2l.config.from_mapping` reads back."""
        run = {"name": self.name, "seed": self.seed, "generations": self.generations,
               "retries": self.retries, "timeout": self.timeout or 0, "penalty": self.penalty, "mode": self.mode}
        if self.out:
            run["out"] = self.out
        if self.reevaluate:
            run["reevaluate"] = dict(self.reevaluate)
        if self.evaluations:
            run["evaluations"] = self.evaluations
        if self.max_time:
            run["max_time"] = self.max_time
        if self.inherit:
            run["inherit"] = self.inherit
        if self.checkpoints != "auto":
            run["checkpoints"] = self.checkpoints
        if self.stop_after_failures is not None:
            run["stop_after_failures"] = self.stop_after_failures
        if self.target is not None:
            run["target"] = dict(self.target) if isinstance(self.target, dict) else self.target
        if self.initial_points:
            run["initial_points"] = [dict(point) for point in self.initial_points]
        if not self.generations or self.policy is not None:  # a policy's sweep is its option max_candidates
            del run["generations"]
        out: dict[str, Any] = {"run": run, "space": self.space.to_json(),
                               "optimizer": self.optimizer.to_json(), "simulator": self.simulator.to_json(),
                               "backend": self.backend.to_json()}
        if self.objectives:
            out["objectives"] = [o.to_json() for o in self.objectives]
        if self.policy is not None:
            out["policy"] = self.policy.to_json()
            run["compute"] = self.compute
        return out

    def with_overrides(self, *, stored: bool = False, **overrides: Any) -> "RunConfig":
        """A copy with command-line overrides applied (None means: keep).

        A ``backend`` named starts from that backend's defaults (``workers`` applied to them), except where this
        is a config file's own backend (``l2l run CONFIG --backend NAME``), whose options the user just wrote.
        ``stored``: this is the config a trajectory stored (``l2l resume``, ``l2l reevaluate``): there the
        backend named starts from its defaults even where it is the stored one, whose options may hold no longer
        (a Dask scheduler's address, a SLURM partition); without a backend named the stored options are kept
        (see :func:`l2l.backend_notes.backend_note`)."""
        changes: dict[str, Any] = {}
        backend = self.backend
        for key, value in overrides.items():
            value = plain(value)  # numpy's numbers are numbers: l2l.resume(path, generations=np.int64(3))
            if value is None:
                continue
            if key == "backend":
                if not isinstance(value, str):
                    raise ArgumentError(f"{option('backend')} must be a backend's name, e.g. 'local', got "
                                        f"{type(value).__name__} {value!r:.60}")
                backend = Component(value, dict(backend.options) if value == backend.name and not stored else {})
            elif key == "workers":
                backend = _with_workers(backend, value)
            elif key == "generations" and self.policy is not None:
                generations = option_integer(key, value, 1)
                options = config_policy.resized(self.policy.name, self.policy.options, self.generations, generations)
                policy = Component(self.policy.name, options)
                config_policy.check_candidates(policy, f"{option('generations')} x population_size")
                changes.update(generations=generations, policy=policy)
            elif key in ("seed", "generations", "evaluations"):
                changes[key] = option_integer(key, value, minimum=0 if key == "seed" else 1)
            elif key == "stop_after_failures":  # l2l resume --stop-after-failures N (0: never)
                changes[key] = option_integer(key, value, minimum=0)
            elif key == "max_time":
                changes[key] = seconds_option("max_time", value, name=option("max_time"))
            elif key == "compute":
                if self.policy is None:
                    raise ConfigError(f"{option('compute')} applies to a run with a [policy] (a budget in fidelity "
                                      "units); this run's budgets are generations, evaluations and max_time")
                changes[key] = compute_option(value, name=option("compute"))
            elif key == "target":
                target = target_option(target_text(value) if isinstance(value, str) else value, "--target")
                check_target(target, self.objectives, "--target")
                changes.update(target=target, target_from="--target")
            else:
                changes[key] = value
        return replace(self, backend=backend, **changes)


def _with_workers(backend: Component, workers: Any) -> Component:
    """``backend`` with ``--workers`` applied to the option that sets how many evaluations run at once."""
    if workers == 0 and not isinstance(workers, bool) and backend.name == "local":  # as [backend] workers = 0
        return replace(backend, options={**backend.options, "workers": 0})  # one worker process per core
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        zero = " (0, one worker per core, is the local backend's)" if workers == 0 else ""
        raise ConfigError(f"{option('workers')} must be an integer >= 1{zero}, got {workers!r}")
    if backend.name in NO_WORKERS:
        why = NO_WORKERS[backend.name].format(local=option("backend", "local"))
        raise ConfigError(f"{option('workers')} does not apply to backend {backend.name!r}: {why}")
    key = WORKERS_OPTION.get(backend.name, "workers")
    options = {**backend.options, key: workers}
    if backend.name == "slurm":
        options["minimum_jobs"] = min(workers, backend.options.get("minimum_jobs", 1))
    return Component(backend.name, options)
