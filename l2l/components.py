"""The validated pieces of a run: build them from a config, or from the config stored in a trajectory.

:func:`build` instantiates the optimizer, the simulator, the backend and the
scheduling policy of a config and cross-checks them (a bad combination is a
:class:`~l2l.errors.ConfigError` before any work; a ``[policy]`` table's schedule
and run.inherit are checked by :mod:`l2l.components_schedule`);
:func:`l2l.stored_config.load_run_config` reads a run's config back from its
file. ``l2l.loop`` (run, resume) and ``l2l.reevaluate`` both start here.
"""

from __future__ import annotations

import functools
import os
import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from l2l.components_schedule import inherit_interval, policy_schedule
from l2l.run_config import Component, RunConfig
from l2l.run_options import check_penalty, check_target
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS, Executor
from l2l.optimizers import OPTIMIZERS, Optimizer, Problem
from l2l.simulators import SIMULATORS, Simulator
from l2l.words import Placeholder, call, on_command_line, passed_as


@dataclass
class Components:
    """The validated pieces of a run."""

    config: RunConfig
    problem: Problem
    optimizer: Optimizer
    simulator: Simulator
    executor: Executor
    #: Multi-fidelity runs: the scheduling policy, its rungs (budgets) and the compute budget.
    policy: Any = None
    budgets: tuple[float, ...] = ()
    compute: float = 0.0
    #: The policy that schedules the run: the multi-fidelity one, else ``generational`` or ``async``.
    schedule: Any = None
    #: Lamarckian generations: fidelity units each generation trains from its parents' checkpoints (0: off).
    inherit: float = 0.0

    def __post_init__(self) -> None:
        if self.schedule is None:
            self.schedule = self.policy if self.policy is not None else _mode_policy(self.config, self.optimizer)

    @property
    def fidelity(self):
        """The simulator's fidelity (None if it has none)."""
        return self.simulator.fidelity()


def with_function(config: RunConfig, function: Callable[..., Any] | None) -> RunConfig:
    """``config`` with its simulator replaced by a Python callable (recorded by name)."""
    if function is None:
        return config
    from l2l.simulators.python import describe_callable

    if not callable(function):
        raise ConfigError(f"simulator must be a callable function(params, seed), got {function!r}")
    if config.simulator.name != "python":
        raise ConfigError(f"the config names simulator {config.simulator.name!r}, and a function was passed "
                          f"too; use [simulator] name = \"python\" (or leave the function out)")
    stored, given = config.simulator.options.get("function"), describe_callable(function)
    if config.simulator.options.get("callable") and stored != given:  # said by each run (once a process, before)
        from l2l.jobs.base import warn_line
        warn_line(f"l2l: warning: this run's simulator was {stored}; it goes on with {given}")
    from l2l.simulators.python import PythonFunction

    known = {f.name for f in dataclasses.fields(PythonFunction)} | {"callable"}
    unknown = {k: v for k, v in config.simulator.options.items() if k not in known}
    if unknown:  # the python simulator's one-line refusal (did you mean ...); before, dropped without a word
        SIMULATORS.instantiate(PythonFunction, "python", unknown)
    # (path and function name a module: the function passed replaces them)
    options = {k: v for k, v in config.simulator.options.items()
               if k in ("kwargs", "multi_fidelity", "checkpoint_limit_mb")}
    return replace(config, simulator=Component("python", {"function": given,
                                                          "callable": True, **options}))


def _optimizer_options(config: RunConfig) -> dict[str, Any]:
    """The optimizer's options, with ``run.evaluations`` as its ``budget`` where it has one and none is set
    (``auto`` and ``nevergrad`` choose their method by the budget)."""
    import dataclasses

    options = dict(config.optimizer.options)
    try:
        fields = {f.name for f in dataclasses.fields(OPTIMIZERS.get(config.optimizer.name))}
    except Exception:  # noqa: BLE001 - an unknown optimizer is refused by create() with its own message
        return options
    if config.evaluations and "budget" in fields and options.get("budget") is None:
        options["budget"] = config.evaluations
    if ("generations" in fields and config.generations and not config.evaluations and config.policy is None
            and options.get("generations") is None and options.get("budget") is None):
        options["generations"] = config.generations  # auto's banner says what they spend beside its budget
    if "policy" in fields and config.policy is not None and options.get("policy") is None:
        options["policy"] = config.policy.name  # auto chooses by what the policy asks of the optimizer
    if "mode" in fields and options.get("mode") is None and config.policy is None:
        options["mode"] = config.mode  # auto's Nevergrad row is told how many candidates are out at once
    if "workers" in fields and options.get("population_size") is None and options.get("workers") is None:
        workers = _backend_workers(config)  # auto sizes its batch by them (docs/optimizers.md, its table)
        if workers:
            options["workers"] = workers
    return options


def _backend_workers(config: RunConfig) -> int | None:
    """How many evaluations the configured backend runs at once, as far as the config says (None: unknown,
    e.g. a Dask scheduler found at run time or an unthrottled SLURM array)."""
    import dataclasses
    import os

    name, options = config.backend.name, config.backend.options
    try:
        defaults = {f.name: f.default for f in dataclasses.fields(BACKENDS.get(name))}
    except Exception:  # noqa: BLE001 - an unknown backend is refused by create() with its own message
        return None
    value = {**defaults, **options}
    if name == "serial":
        return 1
    if name == "local":
        return int(value.get("workers") or os.cpu_count() or 1)
    if name == "slurm":
        return int(value.get("maximum_jobs") or 0) or None
    if name == "slurm-array":
        return int(value.get("max_running") or 0) or None
    return None


#: The Python call that passes the function that was a run's simulator again, per command (``{function}``: its name,
#: :func:`l2l.words.passed_as`).
def function_needed(simulator: Mapping[str, Any], command: str = "resume", *, cli: bool | None = None,
                    path: str | os.PathLike | None = None) -> str | None:
    """Why ``command`` (resume, reevaluate) cannot go on without the Python function that was the run's simulator
    (None if the simulator, options as stored, was no function passed to l2l.run); ``cli``: said to
    ``l2l COMMAND``, which cannot pass one (None: where the command line speaks, :func:`l2l.words.on_command_line`;
    ``l2l resume FILE`` was told to pass the function again without being told that no command can). ``path``: the
    run's file, which the Python call to paste names (None: ``path``; that call, pasted, raised NameError)."""
    if not simulator.get("callable"):
        return None
    if cli is None:
        cli = on_command_line()
    what = f"this run's simulator was the Python function {simulator.get('function')} passed to l2l.run"
    pasted = call(command, Placeholder("path") if path is None else path, function=passed_as(simulator) or True,
                  python=True)
    if cli:
        verb = {"resume": "resume it", "reevaluate": "re-evaluate it"}[command]
        imports = "import l2l.reevaluate; " if command == "reevaluate" else ""
        return f"l2l {command} cannot pass a function, and {what}; {verb} from Python: {imports}{pasted}"
    if command == "resume":  # l2l.resume, or l2l resume (loop.resume serves both)
        return f"{what}; resume it from Python and pass it again: {pasted}"
    return f"{what}; pass it again: {pasted}"


def _simulator(config: RunConfig, function: Callable[..., Any] | None, command: str,
               path: str | os.PathLike | None) -> Simulator:
    if function is not None:
        from l2l.simulators.python import CallableSimulator
        from l2l.simulators.python_call import DEFAULT_CHECKPOINT_LIMIT_MB

        options = config.simulator.options
        return CallableSimulator(function, options.get("kwargs") or {}, options.get("multi_fidelity") or {},
                                 options.get("checkpoint_limit_mb", DEFAULT_CHECKPOINT_LIMIT_MB))
    needed = function_needed(config.simulator.options, command, path=path)
    if needed:
        raise ConfigError(needed)
    return SIMULATORS.create(config.simulator.name, config.simulator.options)


def build(config: RunConfig, function: Callable[..., Any] | None = None, *, command: str = "resume",
          resumed: bool = False, path: str | os.PathLike | None = None) -> Components:
    """Instantiate and cross-check every component; raises ConfigError before any work.

    ``function``, if given, is the simulator (see :func:`with_function`); ``command`` (resume, reevaluate): what
    builds the run from its stored config, for the message that asks for the function of a run started with one.
    ``resumed``: the run goes on from a stored state, whose optimizer options (nevergrad's num_workers) cannot
    change, so workers beyond them are left idle rather than refused (see :func:`_check_async_untold`). ``path``:
    the run's file, which the message asking for the function names in the call it suggests.
    """
    config = with_function(config, function)
    # the backend's options first: auto's batch is sized by its workers, read before a bad value was refused
    # (workers = "abc" ended in a traceback, workers = -1 was named as optimizer 'auto''s option)
    executor = BACKENDS.create(config.backend.name, config.backend.options)
    executor.continues = "resume" if resumed else "reevaluate" if command == "reevaluate" else ""  # (its messages)
    optimizer = OPTIMIZERS.create(config.optimizer.name, _optimizer_options(config))
    simulator = _simulator(config, function, command, path)
    objectives = config.objectives or simulator.objectives()
    clash = set(config.space.names) & {o.name for o in objectives}
    if clash:
        raise ConfigError(f"objective {sorted(clash)[0]!r} has the name of a parameter; rename one")
    check_penalty(config.penalty, tuple(objectives))  # a config without [[objectives]]: the simulator's
    check_target(config.target, tuple(objectives), config.target_from)
    problem = Problem(config.space, tuple(objectives))
    optimizer.check(problem)
    simulator.check_space(config.space)
    if not resumed and command != "reevaluate":  # a run an earlier l2l stored goes on as it ran
        _refuse_ignored(simulator, config.space, tuple(objectives))
    if config.mode == "async" and not optimizer.supports_async:
        async_names = [n for n in OPTIMIZERS.names() if _supports_async(n)]
        raise ConfigError(f"run.mode = 'async' needs an optimizer that takes results one at a time; "
                          f"{config.optimizer.name!r} does not. Use one of: {', '.join(async_names)}")
    if config.policy is not None:
        if config.inherit:
            raise ConfigError("run.inherit and a [policy] table exclude each other; population-based training "
                              "(policy 'pbt') is the way to pass checkpoints on under a policy")
        return Components(config, problem, optimizer, simulator, executor,
                          *policy_schedule(config, problem, optimizer, simulator))
    if config.mode == "generational":
        _check_generation_untold(config, optimizer)
    elif config.mode == "async":
        _check_async_untold(config, optimizer, executor, resumed)
    return Components(config, problem, optimizer, simulator, executor,
                      inherit=inherit_interval(config, simulator, problem, resumed))


def _check_generation_untold(config: RunConfig, optimizer: Optimizer) -> None:
    """Refuse a generation larger than the candidates the optimizer keeps asked and untold (``nevergrad``'s
    ``num_workers``): its first ask would fail after the run's file was created, leaving a file that blocks a
    second run of the corrected config."""
    limit, size = getattr(optimizer, "untold_limit", None), getattr(optimizer, "population_size", None)
    if limit is None or not size or int(size) <= int(limit()):
        return
    raise ConfigError(f"optimizer {config.optimizer.name!r} keeps at most num_workers = {int(limit())} candidates "
                      f"asked and not told, and each generation asks population_size = {int(size)}; set "
                      f"[optimizer] num_workers = {int(size)} (or population_size = {int(limit())})")


def _refuse_ignored(simulator: Simulator, space, objectives: tuple) -> None:
    """A new run's simulator options (or explored parameters) it would ignore or leave constant, refused in one line:
    its ``refuse_ignored(space)`` (lsm's threads without NEST, lsnn's rate_target without rate_reg, spore's
    anneal_time at constant temperature) and ``check_objectives(objectives)`` (lsm's memory_capacity without a task
    to recall), emulated-hardware's wrapped simulator's too. Not a stored run's (resume, reevaluate): one started
    before a refusal went on with the option ignored, and its file holds it."""
    for own in (simulator, getattr(simulator, "inner", None)):
        for hook, argument in (("check_objectives", objectives), ("refuse_ignored", space)):
            method = getattr(own, hook, None)
            if callable(method):
                method(argument)


def _check_async_untold(config: RunConfig, optimizer: Optimizer, executor, resumed: bool = False) -> None:
    """Refuse an asynchronous run that keeps more candidates out at once (``queue_depth`` per worker, the most
    workers the backend plans: a ``slurm`` run's maximum_jobs) than the optimizer keeps asked and untold
    (``nevergrad``'s ``num_workers``): its ask failed at run time, after the run's file was created.

    An existing Dask cluster (backend ``dask``) plans no workers: counted as one, a cluster of more let through a
    run that failed so. The check is handed to it (``limit_workers``), made against the workers its scheduler
    reports as the run starts, before the file is created.

    A resumed run (``resumed``) keeps the num_workers it was started with: there a cluster of more workers than it
    allows (an existing one, or the ``local`` backend given more ``--workers``) is not refused (the advice to raise
    num_workers could not be followed) but its extra workers are left idle, told once in a warning line, as
    ``auto``'s are (``follow_workers``: the Dask backends and ``slurm-array``)."""
    from l2l.policies.modes import Async

    busy, follow = getattr(optimizer, "busy_workers", None), getattr(executor, "follow_workers", None)
    if busy is not None and follow is not None:
        # 'auto' on a Dask backend or slurm-array: workers beyond its choice (a population_size below them, joining
        # later, or more at a resume, which keeps the stored choice) are left idle, never refused
        size_by, reported = getattr(optimizer, "size_by", None), getattr(executor, "reported_workers", None)
        if size_by is not None and reported is not None:
            size_by(reported)  # an existing cluster: its Nevergrad row takes the workers reported as the run starts
        follow(busy, optimizer.excess)
        return
    limit = getattr(optimizer, "untold_limit", None)
    if limit is None:
        return
    limit = int(limit())
    guessed = bool(getattr(executor, "slots_guessed", False))  # slurm-array without max_running: 32, l2l's guess
    if (resumed or guessed) and follow is not None and limit >= Async.queue_depth:
        follow(lambda: limit // Async.queue_depth,
               functools.partial(_async_untold_excess, config.optimizer.name, limit, resumed), given=True)
        return
    refusal = functools.partial(_async_untold_refusal, config.optimizer.name, config.backend.name, limit)
    limit_workers = getattr(executor, "limit_workers", None)
    if limit_workers is not None and limit >= Async.queue_depth:
        limit_workers(limit // Async.queue_depth, refusal)
        return
    workers = max(1, int(getattr(executor, "maximum_jobs", 0) or executor.worker_count))
    if Async.queue_depth * workers > limit:
        raise ConfigError(refusal(workers))


def _async_untold_refusal(optimizer: str, backend: str, limit: int, workers: int) -> str:
    """Why ``workers`` workers are too many for an optimizer that keeps at most ``limit`` candidates untold."""
    from l2l.policies.modes import Async

    out = Async.queue_depth * workers
    most = limit // Async.queue_depth
    if backend == "slurm-array":  # its workers are the array's slots, max_running: no cluster's workers
        fewer = f" (or max_running = {most})" if most else ""
        return (f"optimizer {optimizer!r} keeps at most num_workers = {limit} candidates asked and not told, and "
                f"run.mode = 'async' keeps {Async.queue_depth} per slot out at once, {out} with the {workers} slots "
                f"of backend 'slurm-array' (max_running); set [optimizer] num_workers = {out}{fewer}")
    fewer = f" (or at most {most} worker{'s' * (most != 1)})" if most else ""  # not "at most 1 workers"
    return (f"optimizer {optimizer!r} keeps at most num_workers = {limit} candidates asked and not told, and "
            f"run.mode = 'async' keeps {Async.queue_depth} per worker out at once, {out} with {workers} "
            f"worker{'s' * (workers != 1)} of backend {backend!r}; set [optimizer] num_workers = {out}{fewer}")


def _async_untold_excess(optimizer: str, limit: int, resumed: bool, workers: int) -> str:
    """What the warning line of a resumed run, or of a fresh one on an unthrottled ``slurm-array`` (whose slots are
    l2l's guess), says where the cluster has ``workers``, more than an optimizer that keeps at most ``limit``
    candidates untold can keep busy (said as ``auto``'s :meth:`~Auto.excess` is; the backend words the workers,
    :meth:`~l2l.jobs.base.FollowsWorkers.workers_said`)."""
    from l2l.policies.modes import Async

    kept = (f"was started with num_workers = {limit}: the most candidates it keeps asked and not told, which a "
            f"resumed run keeps" if resumed else
            f"has num_workers = {limit}: the most candidates it keeps asked and not told")
    return (f"the cluster has {workers} workers, and optimizer {optimizer!r} {kept}; run.mode = 'async' keeps "
            f"{Async.queue_depth} per worker out at once")


def _mode_policy(config: RunConfig, optimizer: Optimizer):
    """The single-fidelity schedule of ``run.mode``."""
    from l2l.policies.modes import Async, Generational

    if config.mode == "async":
        return Async(generations=config.generations,
                     population=int(getattr(optimizer, "population_size", 0) or 16))
    return Generational(generations=config.generations)


def _supports_async(name: str) -> bool:
    try:
        return bool(OPTIMIZERS.get(name).supports_async)
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False
