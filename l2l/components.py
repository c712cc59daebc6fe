"""The validated pieces of a run: build them from a config, or from the config stored in a trajectory.

:func:`build` instantiates the optimizer, the simulator, the backend and the
scheduling policy of a config and cross-checks them (a bad combination is a
:class:`~l2l.errors.ConfigError` before any work); :func:`load_run_config`
reads a run's config back from its file. ``l2l.loop`` (run, resume) and
``l2l.reevaluate`` both start here.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import dataclasses
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping

from l2l.config import Component, RunConfig, check_penalty, check_target, from_mapping, stored_policy
from l2l.errors import ConfigError
from l2l.jobs import BACKENDS, Executor
from l2l.numbers import at_least, at_most, compute as compute_text, number
from l2l.optimizers import OPTIMIZERS, Optimizer, Problem
from l2l.results_schema.reader import Trajectory
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
        from l2l.simulators.python import DEFAULT_CHECKPOINT_LIMIT_MB, CallableSimulator

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
        return Components(config, problem, optimizer, simulator, executor, *_schedule(config, problem, optimizer,
                                                                                      simulator))
    if config.mode == "generational":
        _check_generation_untold(config, optimizer)
    elif config.mode == "async":
        _check_async_untold(config, optimizer, executor, resumed)
    return Components(config, problem, optimizer, simulator, executor,
                      inherit=_inherit(config, simulator, problem, resumed))


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


def _refuse_column_names(problem: Problem, lineage: tuple[str, ...] = ()) -> None:
    """ConfigError if a parameter or objective of a multi-fidelity run (a [policy], run.inherit) is named like a
    column its results add beside them (:data:`SEGMENT_VIEW`; ``lineage``: those of :func:`l2l.lineage`, ``member``
    in a PBT run), which would overwrite the user's column in l2l.load and the tables."""
    from l2l.results_schema.layout import SEGMENT_VIEW

    names = (*SEGMENT_VIEW, *lineage)
    clash = sorted(set(names) & ({*problem.space.names} | {o.name for o in problem.objectives}))
    if clash:
        raise ConfigError(f"{clash[0]!r} names a column of multi-fidelity results ({', '.join(names)}); "
                          f"rename the parameter or objective")


def _restarts_why(simulator: Simulator) -> tuple[str, str]:
    """Why every segment of ``simulator`` trains from scratch, and how to continue instead (a refusal's words)."""
    function = getattr(simulator, "function", None)  # a config's python function by name, or the function
    name = function if isinstance(function, str) and function else getattr(function, "__qualname__", None)
    if name:
        return f"{name} takes no 'checkpoint' argument", "accept checkpoint=None and return one"
    return (f"simulator {simulator.name!r} restarts every segment (its restarts())",  # a plug-in that says so
            "continue from the checkpoint run_to receives")


def _inherit(config: RunConfig, simulator: Simulator, problem: Problem, resumed: bool = False) -> float:
    """The fidelity units each generation of a Lamarckian run trains on (0: not Lamarckian). A number of units
    the simulator does not train to (a fraction of whole epochs, less than its least budget) is refused in one
    line: it was rounded without a word (run.inherit = 0.5 or 1e-300 trained 1 epoch a generation, 2.5 trained 2);
    a stored run (``resumed``) goes on as it ran."""
    if not config.inherit:
        return 0.0
    _refuse_column_names(problem)  # its rows are segments too (trial, budget, parent, state)
    if config.mode != "generational":
        raise ConfigError("run.inherit needs run.mode = 'generational': candidates inherit from the previous "
                          "generation")
    if not resumed and config.optimizer.options.get("evaluate_copies") is False:
        # A copy under inherit trains its parent's network on to the generation's budget: its known score was
        # of a lower budget, and the network it names stopped training (an elite of generation 0 stayed at it).
        raise ConfigError("optimizer 'ga': evaluate_copies = false and run.inherit exclude each other: under "
                          "run.inherit a copy of a known point trains its parent's network on to a higher budget, "
                          "so its known score is of a lower one; leave evaluate_copies out (true)")
    fidelity = simulator.fidelity()
    if fidelity is None:
        raise ConfigError(f"run.inherit continues candidates from their parents' checkpoints, so it needs a "
                          f"simulator with a fidelity; {config.simulator.name!r} has none")
    if simulator.restarts():  # every generation would train from scratch: nothing to inherit
        why, how = _restarts_why(simulator)
        raise ConfigError(f"run.inherit continues each candidate from its parent's checkpoint; {why}, so every "
                          f"generation would train from scratch and inherit nothing: {how} "
                          f"(docs/coming_from_l2l.md#a-stateful-optimizee)")
    if config.inherit is True:
        if not config.generations:
            raise ConfigError("run.inherit = true spreads the top budget over run.generations; set "
                              "run.generations, or give run.inherit as a number of fidelity units")
        interval = fidelity.maximum / config.generations
    else:
        interval = float(config.inherit)
        whole = not fidelity.integer or interval.is_integer()
        if not resumed and (not whole or interval < fidelity.minimum):
            unit, least, top = fidelity.unit, number(fidelity.minimum), number(fidelity.maximum)
            raise ConfigError(f"run.inherit = {number(interval)} {unit} a generation is no budget the simulator "
                              f"trains to: " + (f"its {unit} are whole numbers from {least}" if fidelity.integer
                                                else f"its least budget is {least} {unit}")
                              + f"; give {'a whole number' if fidelity.integer else 'a number'} from {least} to "
                              f"{top}, or true (the top budget / run.generations)")
    if fidelity.integer:
        interval = float(max(1, round(interval)))
    return max(interval, fidelity.minimum)


def _schedule(config: RunConfig, problem: Problem, optimizer: Optimizer, simulator: Simulator):
    """The policy of a multi-fidelity run, its rungs and its compute budget; ConfigError if they cannot work."""
    from l2l.policies import POLICIES, rung_budgets

    policy = POLICIES.create(config.policy.name, config.policy.options)
    # A plug-in policy that subclasses Policy itself has no rungs to run on (an AttributeError further down, before)
    needs = ("max_budget",) + (() if hasattr(policy, "rungs") else ("eta",))
    missing = [name for name in needs if not hasattr(policy, name)]
    if missing:
        kind = type(policy)
        raise ConfigError(f"policy {config.policy.name!r} ({kind.__module__}.{kind.__qualname__}) has no "
                          f"{missing[0]}: a policy schedules on rungs between min_budget and max_budget a factor eta "
                          f"apart; subclass l2l.policies.base.RungPolicy, which gives it these options "
                          f"(docs/multifidelity.md#your-own-policy-a-plug-in)")
    if config.mode != "generational":
        raise ConfigError(f"run.mode = {config.mode!r} and a [policy] table exclude each other: the policy "
                          f"{config.policy.name!r} schedules the evaluations")
    fidelity = simulator.fidelity()
    if fidelity is None:
        with_fidelity = [n for n in SIMULATORS.names() if _has_fidelity(n) and n != config.simulator.name]
        switch = getattr(simulator, "multi_fidelity", None)  # a benchmark function's flag, or a declared fidelity
        give = ("" if not getattr(simulator, "fidelity_variant", True) else  # (zdt1: no such variant)
                "set multi_fidelity = true in [simulator], or " if isinstance(switch, bool) else
                "declare one with a multi_fidelity table in [simulator], or " if switch is not None else "")
        raise ConfigError(f"policy {config.policy.name!r} trains candidates to growing budgets, so it needs a "
                          f"simulator with a fidelity; {config.simulator.name!r} has none ({give}use one of: "
                          f"{', '.join(with_fidelity)})")
    _refuse_column_names(problem, ("member",) if config.policy.name == "pbt" else ())
    if len(problem.objectives) > 1:
        names = [o.name for o in problem.objectives]
        raise ConfigError(f"policy {config.policy.name!r} ranks candidates by one objective; the run has "
                          f"{len(names)}: {names}; keep only the one to rank by in [[objectives]] (e.g. "
                          f"{names[0]!r}: the simulator's other values are stored as metrics), or remove the "
                          f"[policy] table to search for the front (nsga2, nsga3, motpe)")
    if policy.proposes:
        problem.space.require_bounded(f"policy {config.policy.name!r}")
    _check_untold(config, optimizer, policy)
    unknown = [name for name in getattr(policy, "keep", ()) if name not in problem.space.names]
    if unknown:
        raise ConfigError(f"policy {config.policy.name!r}: keep names {unknown[0]!r}, which is no parameter of the "
                          f"space ({', '.join(problem.space.names)})")
    low = getattr(policy, "min_budget", 0.0) or fidelity.minimum
    high = policy.max_budget or fidelity.maximum
    for key, value in (("min_budget", low), ("max_budget", high)):
        if not fidelity.minimum <= value <= fidelity.maximum:
            raise ConfigError(f"policy {config.policy.name!r}: {key} = {number(value)} is outside the simulator's "
                              f"{fidelity.name} range [{number(fidelity.minimum)}, {number(fidelity.maximum)}]")
    if fidelity.integer and high != round(high):  # the top budget itself: rounding it would train to another one
        whole = [b for b in (math.floor(high), math.ceil(high)) if fidelity.minimum <= b <= fidelity.maximum]
        raise ConfigError(f"policy {config.policy.name!r}: max_budget = {number(high)} is not a whole number, but the "
                          f"simulator's fidelity ({fidelity.name}) counts whole {fidelity.unit or fidelity.name}: give "
                          f"{' or '.join(number(b) for b in whole)}")
    if low > high:
        raise ConfigError(f"policy {config.policy.name!r}: min_budget <= max_budget must hold, got "
                          f"(min_budget={number(low)}, max_budget={number(high)})")
    for key in ("interval", "burn_in"):  # population-based training: decisions inside the training
        value = float(getattr(policy, key, 0.0) or 0.0)
        if value > high:
            most = high
            if key == "burn_in" and hasattr(policy, "rungs"):  # a burn-in past the last decision is refused too
                decisions = policy.rungs(low, high, fidelity.integer)[:-1]
                most = decisions[-1] if decisions else high
            raise ConfigError(f"policy {config.policy.name!r}: {key} = {number(value)} is above max_budget = "
                              f"{number(high)} (the {fidelity.name} every member trains to); set it to at most "
                              f"{at_most(most)}")
    if hasattr(policy, "rungs"):  # population-based training: one rung per interval
        if simulator.restarts():  # every segment would restart: nothing to continue or copy
            why, how = _restarts_why(simulator)
            raise ConfigError(f"policy {config.policy.name!r} continues each member from its checkpoint and "
                              f"copies the best members' checkpoints; {why}, so every segment would train from "
                              f"scratch and an exploit would copy nothing: {how} (docs/multifidelity_simulators.md)")
        interval = float(getattr(policy, "interval", 0.0) or 0.0)
        if fidelity.integer and 0 < interval < 1:  # no fraction of a unit to stop at; run as 1, a segment per unit
            default = replace(policy, interval=0.0)._interval(high, True)
            raise ConfigError(f"policy {config.policy.name!r}: interval = {number(interval)} is below 1, the smallest "
                              f"interval of the simulator's {fidelity.name} (whole {fidelity.unit or fidelity.name}): "
                              f"give interval = 1 or more (or leave it out: a tenth of max_budget, {number(default)})")
        budgets = tuple(policy.rungs(low, high, fidelity.integer))
        if len(budgets) == 1:  # no member is ever compared with another
            raise ConfigError(policy.one_interval(low, high, fidelity))
        burn_in = float(getattr(policy, "burn_in", 0.0) or 0.0)
        if burn_in > budgets[-2]:  # every decision falls inside the burn-in: nothing is ever exploited
            raise ConfigError(f"policy {config.policy.name!r}: burn_in = {number(burn_in)} is past the last decision "
                              f"(at {number(budgets[-2])} of max_budget {number(high)}), so no member is ever "
                              f"exploited; give a burn_in of at most {at_most(budgets[-2])}")
    else:
        try:
            budgets = tuple(rung_budgets(low, high, policy.eta, fidelity.integer))
        except ConfigError as exc:  # too many rungs: said of the policy the config names
            raise ConfigError(f"policy {config.policy.name!r}: {exc}") from None
        if len(budgets) == 1 and not policy.proposes:
            raise ConfigError(one_rung(policy, low, high, fidelity))
        grace = float(getattr(policy, "grace", 0.0) or 0.0)  # median stopping: no stop below it
        if len(budgets) > 1 and grace > budgets[-2] * (1 + 1e-9):  # every candidate would train to the top budget
            raise ConfigError(f"policy {config.policy.name!r}: grace = {number(grace)} is past the last rung below "
                              f"the top budget (rungs {', '.join(number(b) for b in budgets)} "
                              f"{fidelity.unit or fidelity.name}), so no candidate would be stopped early; give a "
                              f"grace of at most {at_most(budgets[-2])}")
    planned = getattr(policy, "planned_compute", None)
    compute = config.compute or (planned(budgets) if planned else 100.0 * budgets[-1])
    first = float(getattr(policy, "population", 0)) * budgets[0] if hasattr(policy, "rungs") else 0.0
    if config.compute and config.compute <= first:  # PBT: spent before a member is ever compared with another
        raise ComputeFloor(config.compute, first, planned(budgets), fidelity.integer,
                           f"ends the run before policy {config.policy.name!r} compares its members: their first "
                           f"interval costs {policy.population} x {number(budgets[0])} = {compute_text(first)} "
                           f"{fidelity.unit or fidelity.name}")
    return _guarded(policy, budgets, problem.space.dimension, config.seed), budgets, compute


def _guarded(policy, budgets, dimension, seed):
    """A plug-in policy (one not defined in l2l) whose ``init``, ``next``, ``launched`` and ``report`` are checked as
    the loop calls them: a method that raises, returns what the loop cannot run (no (Action, dict) pair, a budget
    that is no rung, a continue of a trial that is missing, running, failed or already at that budget) or changes
    the state it received in place (an append, a pop, a key set: :func:`l2l.config_policy.kept_in_place`), ends
    the run in one line naming the policy and the mistake, exit status 2 (was: a traceback, a run that never
    ended, or a file whose states came apart). Its ``init`` is asked once here, before the run creates its file,
    so that an init that raises or returns a state the run cannot store (a numpy generator) is refused with nothing
    created (was: a file left 'interrupted', or a traceback at the first commit); the states the other methods
    return are checked where a commit stores them (:func:`l2l.config_policy.unstorable`).

    The policy becomes an instance of a subclass of its class, named as it is, whose methods check (so that a
    class with ``__slots__``, whose instances take no attributes, is guarded too); l2l's own policies are returned
    as they are (the contract suite checks them)."""
    from l2l.config_policy import checked_next, kept_in_place, layout, plug_in, raised
    from l2l.results_schema.codec import check as storable

    if not plug_in(policy):
        return policy
    cls = type(policy)
    rungs = tuple(float(b) for b in budgets)

    def call(self, method, *args):
        try:
            return getattr(cls, method)(self, *args)
        except ConfigError:
            raise
        except Exception as exc:  # noqa: BLE001 - the plug-in's own mistake, said in one line
            raise raised(self, method, exc) from exc

    def stated(self, method, state):
        if not isinstance(state, dict):
            raise ConfigError(f"policy {self.name!r} ({cls.__module__}.{cls.__qualname__}): {method} returned "
                              f"{type(state).__name__} as its state, not a dict "
                              f"(docs/multifidelity.md#your-own-policy-a-plug-in)")
        return state

    def changing(self, method, state, *args):  # the state returned, the one received checked to be as it was
        before = layout(state) if isinstance(state, dict) else None
        answer = call(self, method, state, *args)
        if before is not None:
            kept_in_place(self, method, state, before)
        return answer

    class Guarded(cls):
        __slots__ = ()

        def init(self, budgets, dimension, seed):  # the state every commit stores: JSON-able (checked once, here)
            state = stated(self, "init", call(self, "init", budgets, dimension, seed))
            try:
                storable(state)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"policy {self.name!r} ({cls.__module__}.{cls.__qualname__}): init returned a "
                                  f"state the run cannot store ({exc}): keep numbers, strings, lists and dicts "
                                  f"with string keys (a generator's rng.bit_generator.state, not the generator; "
                                  f"docs/multifidelity.md#your-own-policy-a-plug-in)") from None
            return state

        def next(self, state, trials):
            return checked_next(self, changing(self, "next", state, trials), trials, rungs)

        def launched(self, state, trial, budget):
            return stated(self, "launched", changing(self, "launched", state, trial, budget))

        def report(self, state, trials, trial, budget, score):
            return stated(self, "report", changing(self, "report", state, trials, trial, budget, score))

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):  # messages and repr name the class
        setattr(Guarded, attribute, getattr(cls, attribute))
    try:
        object.__setattr__(policy, "__class__", Guarded)
    except TypeError:  # a layout the subclass cannot take over (none known): run unchecked, as before
        return policy
    policy.init([float(b) for b in budgets], dimension, seed)
    return policy


class ComputeFloor(ConfigError):
    """A run.compute that PBT's first interval spends (``floor``: population x interval, or less), so no member
    would ever be compared. Its message names run.compute; ``l2l resume`` words it for its ``--compute``
    (a file an older l2l ran stores such a compute)."""

    def __init__(self, compute: float, floor: float, default: float, integer: bool, why: str) -> None:
        self.compute, self.floor, self.default, self.integer, self.why = compute, floor, default, integer, why
        super().__init__(f"run.compute = {compute_text(compute)} {why}; give more (the default, "
                         f"{compute_text(default)}, trains every member to the top)")

    def least(self, spent: float = 0.0) -> float:
        """The smallest compute that lets the population be compared (and is above ``spent``): a whole unit
        more for an integer fidelity, else the floor itself (any compute above it)."""
        return math.floor(max(self.floor, spent)) + 1.0 if self.integer else max(self.floor, spent)


def policy_refusal(policy, optimizer) -> str | None:
    """Why ``optimizer`` (an optimizer instance or class) cannot search under ``policy`` whatever its options,
    or None. The refusal and the optimizers it offers instead (:func:`usable_optimizers`) both come from here.

    The loop tells the optimizer only candidates that reach the top budget; stopped ones (and, under a policy
    that proposes candidates itself, all of them) are never told.
    """
    if not policy.proposes and not optimizer.supports_async:
        return (f"policy {policy.name!r} asks for one new candidate at a time; optimizer {optimizer.name!r} "
                f"cannot")
    if getattr(optimizer, "untold_limit", None) is not None and policy.untold_asks() is None:
        limit = optimizer.untold_limit
        keeps = f"num_workers = {int(limit())}" if not isinstance(optimizer, type) else "num_workers"
        return (f"optimizer {optimizer.name!r} keeps at most {keeps} candidates asked and not told, and policy "
                f"{policy.name!r} never tells the candidates it stops before the top budget")
    return None


def usable_optimizers(policy) -> list[str]:
    """The registered optimizers that :func:`policy_refusal` lets search under ``policy``."""
    return [name for name in OPTIMIZERS.names() if _usable(policy, name)]


def _usable(policy, name: str) -> bool:
    try:
        return policy_refusal(policy, OPTIMIZERS.get(name)) is None
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def one_rung(policy, low: float, high: float, fidelity, consequence: str = "nothing would be stopped early;") -> str:
    """Why the rungs between ``low`` and ``high`` (factor ``policy.eta``) are only one, and what gives two.

    Refused for the halving and stopping policies, which decide only at the rungs below the top: with one,
    every candidate trains to the top budget (a plain sweep that calls itself early stopping). A policy that
    proposes its candidates itself (``model-based``) is then a model-based search at the top budget, what it
    turns into anyway where low budgets mislead: allowed, and said by ``l2l run`` as it starts.
    """
    from l2l.policies import rung_budgets

    def two(lo: float, hi: float, eta: float) -> bool:  # lo is 0 where high / eta underflows (eta = inf, 1e308)
        return 0 < lo <= hi and len(rung_budgets(lo, hi, eta, fidelity.integer)) > 1

    eta, unit = policy.eta, fidelity.unit or fidelity.name
    down, up = (lambda x: math.floor(x * 1000 + 1e-6) / 1000), (lambda x: math.ceil(x * 1000 - 1e-6) / 1000)
    lowest = down(high / eta)  # shown rounded, so rounded the way that still gives two rungs
    if not two(lowest, high, eta):  # whole budgets: the lowest rung rounds up to the top one
        lowest = next((float(b) for b in range(math.floor(lowest), 0, -1) if two(b, high, eta)), 0.0)
    ways = []
    if lowest >= fidelity.minimum and two(lowest, high, eta):
        ways.append(f"lower min_budget to at most {at_most(lowest)}")
    if high > low and down(high / low) > 1 and two(low, high, down(high / low)):
        ways.append(f"lower eta to at most {at_most(down(high / low))}")
    highest = low * eta if not math.isfinite(low * eta) else \
        math.ceil(low * eta - 1e-9) if fidelity.integer else up(low * eta)  # a whole top budget if so counted
    if highest <= fidelity.maximum and two(low, highest, eta):
        ways.append(f"raise max_budget to at least {at_least(highest)}")
    fix = ", or ".join(ways) if ways else f"widen the simulator's {fidelity.name} range"
    low_from = "" if policy.min_budget else f" (the simulator's {fidelity.name} minimum)"
    high_from = "" if policy.max_budget else f" (the simulator's {fidelity.name} maximum)"
    return (f"policy {policy.name!r}: min_budget {number(low)}{low_from} and max_budget {number(high)}{high_from} "
            f"with eta {number(eta)} give one rung ({number(high)} {unit}): {consequence} {fix}")


def _check_untold(config: RunConfig, optimizer: Optimizer, policy) -> None:
    """Refuse an optimizer that cannot search under ``policy`` (:func:`policy_refusal`), naming those that can,
    and one that keeps fewer candidates asked and untold than the policy leaves (until num_workers is raised)."""
    why = policy_refusal(policy, optimizer)
    if why is not None:
        raise ConfigError(f"{why}; use one of: {', '.join(usable_optimizers(policy))}")
    limit = getattr(optimizer, "untold_limit", None)
    if limit is None:
        return
    limit = int(limit())
    asked = policy.untold_asks()
    if asked is not None and asked > limit:
        raise ConfigError(f"optimizer {optimizer.name!r} keeps at most num_workers = {limit} candidates asked "
                          f"and not told, and policy {policy.name!r} asks {asked} and tells none; set [optimizer] "
                          f"num_workers = {asked} (or use random)")


def _mode_policy(config: RunConfig, optimizer: Optimizer):
    """The single-fidelity schedule of ``run.mode``."""
    from l2l.policies.modes import Async, Generational

    if config.mode == "async":
        return Async(generations=config.generations,
                     population=int(getattr(optimizer, "population_size", 0) or 16))
    return Generational(generations=config.generations)


def _has_fidelity(name: str) -> bool:
    try:
        cls = SIMULATORS.get(name)
        return (cls.fidelity is not Simulator.fidelity and name not in ("python", "command")
                and getattr(cls, "fidelity_variant", True))
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def _supports_async(name: str) -> bool:
    try:
        return bool(OPTIMIZERS.get(name).supports_async)
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def load_run_config(trajectory: Trajectory, model_dir: str | None = None,
                    accept_changed_model: bool = False) -> RunConfig:
    """The config the run in ``trajectory`` stored, checked against the file. ``model_dir``: the folder that holds
    the run's model now (a ``python``, ``nest`` or ``brian2`` simulator's module, a ``command`` simulator's files),
    taken for the stored ``[simulator] path`` (``config_dir``) in memory, the file left as it is: see
    :func:`relocated_model`; ``accept_changed_model``: a model there that is not the one the run ran goes on all the
    same (a warning line)."""
    from l2l.results_schema.structure import undeclared_parameters
    from l2l.results_schema.validate import missing_optimizer

    undeclared = undeclared_parameters(trajectory._layout)
    if undeclared:  # the optimizer's state is of another space: refused
        raise ConfigError(f"{trajectory.path}: {undeclared}; l2l validate reports it")
    stored = dict(trajectory.run["config"])
    run = stored.get("run")
    penalty = run.get("penalty") if isinstance(run, dict) else None
    if isinstance(penalty, dict):
        # a run started before run.penalty was checked against the simulator's objectives may have stored a key
        # that names none (its failures were told 'worst' for that objective): drop it, so that the run can be
        # resumed and re-evaluated as it ran (the stored objectives would refuse it)
        names = {o.name for o in trajectory.objectives}
        stored["run"] = {**run, "penalty": {k: v for k, v in penalty.items() if k in names}}
    if isinstance(stored.get("policy"), dict):
        stored["policy"] = stored_policy(stored["policy"])
    created = trajectory.run.get("optimizer")
    missing = missing_optimizer(stored, created)
    if not missing and not isinstance(stored.get("optimizer"), dict) and isinstance(created, dict):
        stored["optimizer"] = dict(created)  # the config lacks the table the run was made with: the attribute's
    if missing:  # from_mapping would take 'auto' and feed it the stored state of another optimizer: a KeyError
        raise ConfigError(f"{trajectory.path}: {missing}: a damaged or hand-edited file; l2l validate reports it")
    simulator = stored.get("simulator")
    if model_dir is not None:
        simulator = stored["simulator"] = relocated_model(trajectory, simulator, model_dir, accept_changed_model)
    elif accept_changed_model:
        raise ConfigError(f"{_flag('accept_changed_model')} applies with {_flag('model_dir')} (the folder that "
                          f"holds the run's model now)")
    path = simulator.get("path") if isinstance(simulator, dict) else None
    try:
        config = from_mapping(stored, base_dir=path if isinstance(path, str) and path else str(trajectory.path.parent))
    except ConfigError as exc:  # said as if of a config file the user could fix ('[run] must be a table, got -1')
        if str(exc).startswith("unknown ") and "entry-point group" in str(exc):  # a plug-in not installed here
            raise ConfigError(f"{trajectory.path}: the run was made with a plug-in this Python does not have: {exc}; "
                              f"install its package into {sys.executable} (or run python -m l2l with the Python "
                              f"that has it)") from None
        raise ConfigError(f"{trajectory.path}: the config stored in the file is refused: {exc} (a damaged or "
                          f"hand-edited file?)") from None
    parameters = [[(p.name, p.kind, tuple(p.shape)) for p in space.parameters]
                  for space in (config.space, trajectory.space)]
    if sorted(parameters[0]) != sorted(parameters[1]):  # the optimizer state is of the file's space: a traceback
        names = [", ".join(sorted(name for name, _, _ in given)) or "none" for given in parameters]
        raise ConfigError(f"{trajectory.path}: the config stored in the file has other parameters ({names[0]}) "
                          f"than its space (/run attribute 'space': {names[1]}): a damaged or hand-edited file")
    created = trajectory.run.get("optimizer")  # as the run was created: the stored state is this optimizer's
    if isinstance(created, dict) and isinstance(created.get("name"), str) and created["name"] != config.optimizer.name:
        raise ConfigError(f"{trajectory.path}: the config stored in the file names optimizer "
                          f"{config.optimizer.name!r}, but the run was made with {created['name']!r} (/run attribute "
                          f"'optimizer'), whose state it holds: a damaged or hand-edited file (to go on with another "
                          f"optimizer, start a new run)")
    seed = trajectory.run.get("seed")  # l2l show's and every row's: the run's seed, which the config must repeat
    if isinstance(seed, int) and not isinstance(seed, bool) and seed != config.seed:
        # a resume went on with the config's seed (rows of two runs in one file, silently) and a re-evaluation
        # printed seeds 'derived from run seed' of the other one
        raise ConfigError(f"{trajectory.path}: the config stored in the file has run.seed = {config.seed}, but the "
                          f"run was made with seed {seed} (/run attribute 'seed', l2l show's): a damaged or "
                          f"hand-edited file")
    return config


def _flag(name: str) -> str:
    """The option ``name`` as the user gives it: ``--model-dir`` on the command line, ``model_dir=`` in Python."""
    return "--" + name.replace("_", "-") if on_command_line() else f"{name}="


def relocated_model(trajectory: Trajectory, simulator: Any, model_dir: Any, accept: bool = False) -> dict:
    """The stored ``[simulator]`` table with its model's folder replaced by ``model_dir`` (``path`` of a simulator
    whose ``function = "module:name"`` names a module, ``python``, ``nest``, ``brian2``; ``config_dir`` of a
    ``command`` simulator), after checking that the model found there is the one the run ran: the sha256 of the
    module's file (of the files the command's argv names) against the last ``model`` a session of the run recorded
    (l2l show's model line). Refused (ConfigError, one line) where the folder does not exist, holds no such module
    (none of the command's files), the simulator takes no folder, or the model differs and ``accept`` is not given
    (a resume would mix the rows of two models in one run, a re-evaluation store rows of another model beside the
    run's); a run that recorded no hash is said in a warning line. Nothing is imported or run here."""
    from pathlib import Path

    from l2l.sessions import session_records
    from l2l.model_hashes import SHORT_HASH, same_model
    from l2l.provenance import _file_entry, command_files

    flag = _flag("model_dir")
    given = str(model_dir) if isinstance(model_dir, (str, Path)) else None
    if not given:
        raise ConfigError(f"{flag} must name a folder, got {model_dir!r}")
    table = dict(simulator) if isinstance(simulator, dict) else {}
    name = table.get("name", "?")
    function = table.get("function")
    if table.get("callable"):
        raise ConfigError(f"{flag} names a model's folder, but this run's simulator was the Python function "
                          f"{function} passed to l2l.run: pass it again from Python "
                          f"(simulator={passed_as(table)})")
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"{flag} {given}: {'not a folder' if folder.exists() else 'no such folder'}")
    folder = folder.resolve()
    if name == "command":
        key, argv = "config_dir", table.get("argv") or ()
        now = command_files(argv, str(folder)) if isinstance(argv, (list, tuple)) else []
        what = "the files the command names"
    elif isinstance(function, str) and ":" in function and (name in ("python", "nest", "brian2") or "path" in table):
        key, module = "path", function.partition(":")[0]
        relative = Path(*module.split(".")) if module else Path("?")
        found = [file for file in (folder / relative.with_suffix(".py"), folder / relative / "__init__.py")
                 if file.is_file()]
        if not found:
            raise ConfigError(f"{flag} {folder}: no module {module!r} there ({relative.with_suffix('.py')}), which "
                              f"the run's simulator calls ({function})")
        now, what = [_file_entry(found[0].resolve())], f"module {module!r}"
    else:
        raise ConfigError(f"{flag} names the folder of a model's module or program; this run's simulator {name!r} "
                          f"takes none (the python, nest, brian2 and command simulators do)")
    recorded = [record for record in session_records(trajectory.events()) if isinstance(record.get("model"), list)]
    if name == "command" and not now and recorded and recorded[-1]["model"]:
        raise ConfigError(f"{flag} {folder}: none of the files the run's command names is there "
                          f"({', '.join(Path(str(where)).name for where, _ in recorded[-1]['model'])})")
    if not recorded:
        print(f"l2l: warning: {trajectory.path} recorded no hash of its model (an older l2l's file?): {what} in "
              f"{folder} cannot be checked against the one that ran", file=sys.stderr)
    elif not same_model(recorded[-1]["model"], now):
        def hashes(model: list) -> str:
            return "; ".join(f"{Path(str(w)).name} {str(h)[:SHORT_HASH]}" for w, h in model) or "no file"

        said = (f"{what} in {folder} is not the one the run ran (sha256 {hashes(now)} there, "
                f"{hashes(recorded[-1]['model'])} recorded by session {recorded[-1]['session']})")
        if not accept:
            raise ConfigError(f"{trajectory.path}: {said}: its results would be mixed with the run's; put the model "
                              f"that ran there, or give {_flag('accept_changed_model').rstrip('=')}"
                              f"{'=True' if not on_command_line() else ''} to go on with this one")
        print(f"l2l: warning: {said}; going on with it ({_flag('accept_changed_model').rstrip('=')})",
              file=sys.stderr)
    return {**table, key: str(folder)}
