"""The outer loop: ask, evaluate, tell, write; and resume from the trajectory file.

:func:`run` starts a run, :func:`resume` continues one from its file; both
end in :func:`_drive`, which reads top to bottom as the algorithm:

1. ask the optimizer for a generation of candidates;
2. derive every evaluation's seed from (run seed, generation, individual);
3. submit the evaluations to the backend; append outcomes to the file as they
   complete (retrying failures up to ``retries`` times);
4. tell the optimizer the scores (failures get the penalty);
5. commit the generation with the optimizer state after it.

A generation interrupted in the middle is resumed by asking again from the
saved state (which yields the same candidates) and evaluating only the
individuals the file does not hold yet.
"""

from __future__ import annotations

import getpass
import os
import platform
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from dataclasses import replace

import numpy as np

from l2l import __version__
from l2l.config import Component, RunConfig, from_mapping
from l2l.control import RunControl
from l2l.errors import ConfigError, TrajectoryError
from l2l.jobs import BACKENDS, Executor, Outcome, Settings, Task
from l2l.jobs.base import OK
from l2l.objectives import Objective
from l2l.optimizers import OPTIMIZERS, Optimizer, Problem
from l2l.results_schema import writer as trajectory_writer
from l2l.results_schema.lock import WriterLock
from l2l.results_schema.reader import Trajectory
from l2l.simulators import SIMULATORS, Simulator

FLUSH_SECONDS = 1.0
STOP_POLL_SECONDS = 1.0
SEED_MASK = (1 << 63) - 1


def evaluation_seed(run_seed: int, generation: int, individual: int) -> int:
    """The seed of one evaluation: a function of (run seed, generation, individual) only."""
    words = np.random.SeedSequence(run_seed, spawn_key=(generation, individual)).generate_state(2, np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & SEED_MASK)


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
    options = {k: v for k, v in config.simulator.options.items() if k in ("kwargs", "multi_fidelity")}
    return replace(config, simulator=Component("python", {"function": describe_callable(function),
                                                          "callable": True, **options}))


def _simulator(config: RunConfig, function: Callable[..., Any] | None) -> Simulator:
    if function is not None:
        from l2l.simulators.python import CallableSimulator
        return CallableSimulator(function, config.simulator.options.get("kwargs") or {},
                                 config.simulator.options.get("multi_fidelity") or {})
    if config.simulator.options.get("callable"):
        raise ConfigError(f"this run's simulator was the Python function {config.simulator.options['function']} "
                          f"passed to l2l.run; pass it again: l2l.resume(path, simulator=function)")
    return SIMULATORS.create(config.simulator.name, config.simulator.options)


def build(config: RunConfig, function: Callable[..., Any] | None = None) -> Components:
    """Instantiate and cross-check every component; raises ConfigError before any work.

    ``function``, if given, is the simulator (see :func:`with_function`).
    """
    config = with_function(config, function)
    optimizer = OPTIMIZERS.create(config.optimizer.name, config.optimizer.options)
    simulator = _simulator(config, function)
    executor = BACKENDS.create(config.backend.name, config.backend.options)
    objectives = config.objectives or simulator.objectives()
    clash = set(config.space.names) & {o.name for o in objectives}
    if clash:
        raise ConfigError(f"objective {sorted(clash)[0]!r} has the name of a parameter; rename one")
    problem = Problem(config.space, tuple(objectives))
    optimizer.check(problem)
    simulator.check_space(config.space)
    if config.mode == "async" and not optimizer.supports_async:
        async_names = [n for n in OPTIMIZERS.names() if _supports_async(n)]
        raise ConfigError(f"run.mode = 'async' needs an optimizer that takes results one at a time; "
                          f"{config.optimizer.name!r} does not. Use one of: {', '.join(async_names)}")
    if config.policy is not None:
        return Components(config, problem, optimizer, simulator, executor, *_schedule(config, problem, optimizer,
                                                                                      simulator))
    return Components(config, problem, optimizer, simulator, executor)


def _schedule(config: RunConfig, problem: Problem, optimizer: Optimizer, simulator: Simulator):
    """The policy of a multi-fidelity run, its rungs and its compute budget; ConfigError if they cannot work."""
    from l2l.policies import POLICIES, rung_budgets

    policy = POLICIES.create(config.policy.name, config.policy.options)
    if config.mode != "generational":
        raise ConfigError(f"run.mode = {config.mode!r} and a [policy] table exclude each other: the policy "
                          f"{config.policy.name!r} schedules the evaluations")
    fidelity = simulator.fidelity()
    if fidelity is None:
        with_fidelity = [n for n in SIMULATORS.names() if _has_fidelity(n)]
        raise ConfigError(f"policy {config.policy.name!r} trains candidates to growing budgets, so it needs a "
                          f"simulator with a fidelity; {config.simulator.name!r} has none (give it one, or use "
                          f"one of: {', '.join(with_fidelity)})")
    from l2l.results_schema.layout import SEGMENT_VIEW
    clash = sorted(set(SEGMENT_VIEW) & ({*problem.space.names} | {o.name for o in problem.objectives}))
    if clash:
        raise ConfigError(f"{clash[0]!r} names a column of multi-fidelity results ({', '.join(SEGMENT_VIEW)}); "
                          f"rename the parameter or objective")
    if len(problem.objectives) > 1:
        raise ConfigError(f"policy {config.policy.name!r} ranks candidates by one objective; the run has "
                          f"{len(problem.objectives)}: {[o.name for o in problem.objectives]}")
    if policy.proposes:
        problem.space.require_bounded(f"policy {config.policy.name!r}")
    elif not optimizer.supports_async:
        searchers = [n for n in OPTIMIZERS.names() if _supports_async(n)]
        raise ConfigError(f"policy {config.policy.name!r} asks for one new candidate at a time; optimizer "
                          f"{config.optimizer.name!r} cannot; use one of: {', '.join(searchers)}")
    low = policy.min_budget or fidelity.minimum
    high = policy.max_budget or fidelity.maximum
    for key, value in (("min_budget", low), ("max_budget", high)):
        if not fidelity.minimum <= value <= fidelity.maximum:
            raise ConfigError(f"policy {config.policy.name!r}: {key} = {value:g} is outside the simulator's "
                              f"{fidelity.name} range [{fidelity.minimum:g}, {fidelity.maximum:g}]")
    if low > high:
        raise ConfigError(f"policy {config.policy.name!r}: min_budget <= max_budget must hold, got "
                          f"(min_budget={low:g}, max_budget={high:g})")
    budgets = tuple(rung_budgets(low, high, policy.eta, fidelity.integer))
    compute = config.compute or 100.0 * budgets[-1]
    return policy, budgets, compute


def _has_fidelity(name: str) -> bool:
    try:
        cls = SIMULATORS.get(name)
        return cls.fidelity is not Simulator.fidelity and name not in ("python", "command")
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def _supports_async(name: str) -> bool:
    try:
        return bool(OPTIMIZERS.get(name).supports_async)
    except Exception:  # noqa: BLE001 - a broken plugin must not break the message
        return False


def default_out(config: RunConfig) -> Path:
    if config.out:
        out = Path(config.out)
        return out if out.is_absolute() else Path(config.base_dir) / out
    return Path(config.base_dir) / f"{config.name}.h5"


def _versions() -> dict[str, str]:
    """Versions of what decides the results: GA results depend on deap, TPE's on optuna."""
    from importlib.metadata import PackageNotFoundError, version

    import h5py
    out = {"l2l": __version__, "python": sys.version.split()[0], "hdf5": h5py.version.hdf5_version,
           "platform": platform.platform()}
    for package in ("numpy", "scipy", "pandas", "h5py", "dask", "distributed", "deap", "optuna"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def check_out(path: Path) -> None:
    """Refuse an output path that cannot become a new trajectory, before anything is created."""
    if os.path.lexists(path):
        what = "is a dangling symbolic link" if path.is_symlink() and not path.exists() else "already exists"
        raise TrajectoryError(f"{path} {what}; choose another --out, or continue it with 'l2l resume {path}'")
    parent = path.parent
    for ancestor in (parent, *parent.parents):
        if os.path.lexists(ancestor):
            if not ancestor.is_dir():
                raise TrajectoryError(f"cannot create {path}: {ancestor} is not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK) and ancestor == parent:
                raise TrajectoryError(f"cannot create {path}: no permission to write in {parent}")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise TrajectoryError(f"cannot create {path}: no permission to create folders in {ancestor}")
            break


def run(config: RunConfig, out: str | os.PathLike | None = None, *, progress: bool = False,
        on_generation: Callable[[dict], None] | None = None, control: RunControl | None = None,
        simulator: Callable[..., Any] | None = None) -> Path:
    """Run ``config`` into a new trajectory file and return its path.

    ``simulator``: a Python function ``(params, seed) -> result`` to use as the
    inner loop instead of the config's (which must then be ``python``).
    ``control``: a :class:`~l2l.control.RunControl` through which another
    thread (or a signal handler) can ask this run to stop.

    Raises :class:`ConfigError` before creating anything if the config is
    invalid, and :class:`TrajectoryError` if the output file exists or
    another process writes it.
    """
    components = build(config, simulator)
    config = components.config
    path = Path(out) if out is not None else default_out(config)
    check_out(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrajectoryError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from None
    with WriterLock(path) as lock:
        check_out(path)  # a second run to the same file may have created it before we locked
        _create(components, path)
        with trajectory_writer.TrajectoryWriter(path, lock=lock) as writer:
            writer.event("started", {"backend": config.backend.to_json(), "pid": os.getpid()})
            _drive_recording_failure(components, writer, _fresh_state(components), reuse={},
                                     progress=progress, on_generation=on_generation,
                                     control=control or RunControl())
    return path


def _fresh_state(components: Components) -> dict[str, Any]:
    if components.policy is not None:
        from l2l.driver import initial_state
        return initial_state(components)
    return _initial_state(components)


def _initial_state(components: Components) -> dict[str, Any]:
    return {"optimizer": components.optimizer.init(components.problem, components.config.seed),
            "loop": {"generation": 0, "evaluations": 0, "failed": 0, "worst": {}, "best": {}}}


def _create(components: Components, path: Path) -> None:
    config = components.config
    stored = config.to_json()
    stored["objectives"] = [o.to_json() for o in components.problem.objectives]
    run_info = {"name": config.name, "seed": config.seed, "config": stored, "versions": _versions(),
                "host": socket.gethostname(), "user": getpass.getuser(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "optimizer": config.optimizer.to_json(), "simulator": config.simulator.to_json(),
                "backend": config.backend.to_json()}
    fidelity = components.simulator.fidelity()
    if fidelity is not None:  # also without a policy: compute is then counted at the top budget
        run_info["fidelity"] = {**fidelity.to_json(), "rungs": list(components.budgets or [fidelity.maximum]),
                                "compute": components.compute or None}
    try:
        trajectory_writer.create(path, run=run_info, space=config.space,
                                 objectives=components.problem.objectives)
    except OSError as exc:
        raise TrajectoryError(f"cannot create {path}: {exc.strerror or exc}") from None


def load_run_config(trajectory: Trajectory) -> RunConfig:
    stored = dict(trajectory.run["config"])
    simulator = stored.get("simulator")
    path = simulator.get("path") if isinstance(simulator, dict) else None
    return from_mapping(stored, base_dir=path if isinstance(path, str) and path else str(trajectory.path.parent))


def resume(path: str | os.PathLike, *, generations: int | None = None, backend: str | None = None,
           workers: int | None = None, progress: bool = False,
           on_generation: Callable[[dict], None] | None = None, control: RunControl | None = None,
           simulator: Callable[..., Any] | None = None) -> Path:
    """Continue the run stored in ``path`` from its last committed generation.

    ``generations`` raises the total number of generations (to extend a
    finished run); ``backend``/``workers`` change where evaluations run, which
    does not change the results. A run whose simulator was a Python function
    needs it again as ``simulator``. Raises :class:`TrajectoryError` if another
    process writes the file.
    """
    path = Path(path)
    if not path.exists():
        raise TrajectoryError(f"{path}: no such file")
    with WriterLock(path) as lock:
        with Trajectory(path) as trajectory:
            config = load_run_config(trajectory).with_overrides(generations=generations, backend=backend,
                                                                workers=workers)
            components = build(config, simulator)
            state = trajectory.state() if trajectory.n_generations else _fresh_state(components)
            # The state of a multi-fidelity or asynchronous run accounts for every row it committed with;
            # rows a dead run appended after its last commit are dropped and their work redone identically.
            # A generational run reuses the rows of the generation it was in the middle of.
            keep_rows, reuse = None, {}
            if components.policy is not None:
                keep_rows = state["loop"].get("rows", 0)
            elif config.mode == "async":
                keep_rows = state["loop"]["evaluations"]
            else:
                reuse = _stored_outcomes(trajectory, state["loop"]["generation"], components.problem.objectives)
        with trajectory_writer.TrajectoryWriter(path, lock=lock, keep_rows=keep_rows) as writer:
            writer.event("resumed", {"generation": state["loop"]["generation"], "reused": len(reuse),
                                     "generations": config.generations, "pid": os.getpid(),
                                     "backend": config.backend.to_json()})
            _drive_recording_failure(components, writer, state, reuse=reuse, progress=progress,
                                     on_generation=on_generation, control=control or RunControl())
    return path


def _stored_outcomes(trajectory: Trajectory, generation: int,
                     objectives: tuple[Objective, ...]) -> dict[int, Outcome]:
    """Outcomes of ``generation`` already in the file (an interrupted generation)."""
    frame = trajectory.evaluations()
    rows = frame.index[frame["generation"] == generation]
    if not len(rows):
        return {}
    outputs = trajectory.outputs_of(generation)
    metrics = trajectory.metric_columns
    out = {}
    for _, row in frame.loc[rows].iterrows():
        individual = int(row["individual"])
        out[individual] = Outcome(
            generation=generation, individual=individual, seed=int(row["seed"]), status=str(row["status"]),
            objectives={o.name: float(row[o.name]) for o in objectives},
            metrics={m: float(row[column]) for m, column in metrics.items()},
            outputs=outputs[individual], error=row["error"] or "",
            started=row["started"].timestamp(), duration=float(row["duration"]),
            attempt=int(row["attempts"]) - 1)
    return out


def _penalties(config: RunConfig, objectives: tuple[Objective, ...], worst: dict[str, float]) -> np.ndarray:
    values = []
    for o in objectives:
        if isinstance(config.penalty, dict) and o.name in config.penalty:
            values.append(float(config.penalty[o.name]))
        elif isinstance(config.penalty, (int, float)):
            values.append(float(config.penalty))
        else:
            values.append(float(worst.get(o.name, 0.0)))
    return np.array(values)


def _summary(objectives: tuple[Objective, ...], values: np.ndarray, ok: np.ndarray) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {"best": {}, "median": {}, "worst": {}}
    for j, o in enumerate(objectives):
        column = values[ok, j]
        if not len(column):
            summary["best"][o.name] = summary["median"][o.name] = summary["worst"][o.name] = float("nan")
            continue
        best, worst = (column.max(), column.min()) if o.direction == "maximize" else (column.min(), column.max())
        summary["best"][o.name], summary["median"][o.name], summary["worst"][o.name] = \
            float(best), float(np.median(column)), float(worst)
    return summary


def _better(o: Objective, a: float, b: float | None) -> bool:
    return b is None or (a > b if o.direction == "maximize" else a < b)


class _Progress:
    """A tqdm bar over evaluations with generation, evaluations/s and best so far (one per run).

    ``tqdm.auto`` draws a widget in a notebook and text in a terminal.
    """

    def __init__(self, enabled: bool, total: int, initial: int, unit: str = "eval"):
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=total or None, initial=initial, unit=unit, dynamic_ncols=True,
                            file=sys.stderr)

    def update(self, n: int, generation: int, best: dict[str, float], failed: int, extra: str = "") -> None:
        if self.bar is None:
            return
        self.bar.set_postfix_str(progress_text(generation, best, failed, extra), refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_text(generation: int, best: dict[str, float], failed: int, where: str = "") -> str:
    """The progress bar's postfix: no "best" before there is one. ``where`` replaces "gen G"."""
    parts = [where or f"gen {generation}"]
    if best:
        parts.append("best " + " ".join(f"{k}={v:.4g}" for k, v in best.items()))
    if failed:
        parts.append(f"failed {failed}")
    return " ".join(parts)


def _announce(executor: Executor, progress: bool) -> None:
    """Tell a person at a terminal where the Dask dashboard is."""
    link = getattr(executor, "dashboard_link", None)
    if progress and link:
        print(f"dask dashboard: {link}", file=sys.stderr)


def _drive_recording_failure(components: Components, writer, state: dict[str, Any], **options: Any) -> None:
    """:func:`_drive`, with a ``failed`` event (and the error) in the file if the run dies of an exception."""
    try:
        _drive(components, writer, state, **options)
    except Exception as exc:
        try:
            writer.event("failed", {"error": f"{type(exc).__name__}: {exc}"[:400]})
        except Exception:  # noqa: BLE001 - the file itself may be what failed; the error goes on up
            pass
        raise


def _drive(components: Components, writer, state: dict[str, Any], *, reuse: dict[int, Outcome],
           progress: bool, on_generation: Callable[[dict], None] | None, control: RunControl) -> None:
    config, problem, optimizer = components.config, components.problem, components.optimizer
    objectives = problem.objectives
    loop = dict(state["loop"])
    optimizer_state = state["optimizer"]
    settings = Settings(objectives=tuple(o.name for o in objectives), timeout=config.timeout,
                        run_dir=str(writer.path.with_suffix(".work")))
    if components.policy is not None:
        from l2l.driver import drive_policy
        return drive_policy(components, writer, state, progress=progress, on_generation=on_generation,
                            settings=settings, control=control)
    if config.mode == "async":
        from l2l.steady_state import drive_async
        return drive_async(components, writer, state, reuse=reuse, progress=progress,
                           on_generation=on_generation, settings=settings, control=control)
    population_hint = getattr(optimizer, "population_size", 0) or 0
    bar = _Progress(progress, config.generations * population_hint or 0, loop["evaluations"])
    executor = components.executor
    try:
        executor.start(components.simulator, settings)
        _announce(executor, progress)
        while loop["generation"] < config.generations and not optimizer.done(problem, optimizer_state):
            generation = loop["generation"]
            started = time.time()
            candidates, optimizer_state = optimizer.ask(problem, optimizer_state)
            if len(candidates) == 0:
                break
            params = [problem.space.decode(c) for c in candidates]
            tasks = {i: Task(generation, i, evaluation_seed(config.seed, generation, i), params[i])
                     for i in range(len(candidates)) if i not in reuse}
            outcomes: dict[int, Outcome] = {i: o for i, o in reuse.items() if i < len(candidates)}
            reuse = {}
            executor.submit(list(tasks.values()))
            buffer: list[Outcome] = []
            last_flush = time.monotonic()
            try:
                while executor.pending:
                    if control.stop_requested:
                        break
                    for outcome in executor.wait(timeout=STOP_POLL_SECONDS):
                        if not outcome.ok and outcome.attempt < config.retries:
                            task = tasks[outcome.individual]
                            executor.submit([Task(generation, task.individual, task.seed, task.params,
                                                  outcome.attempt + 1)])
                            continue
                        outcomes[outcome.individual] = outcome
                        buffer.append(outcome)
                        bar.update(1, generation, loop["best"], loop["failed"] + (not outcome.ok))
                    if buffer and (time.monotonic() - last_flush > FLUSH_SECONDS or not executor.pending):
                        writer.append(buffer, [params[o.individual] for o in buffer])
                        buffer, last_flush = [], time.monotonic()
            except KeyboardInterrupt:
                if buffer:  # keep what finished before the interrupt
                    writer.append(buffer, [params[o.individual] for o in buffer])
                writer.event("stopped", {"generation": generation, "reason": "interrupted"})
                raise
            if control.stop_requested:
                if buffer:
                    writer.append(buffer, [params[o.individual] for o in buffer])
                writer.event("stopped", {"generation": generation, "reason": control.stop_reason,
                                         "evaluations_kept": len(outcomes)})
                return
            ordered = [outcomes[i] for i in range(len(candidates))]
            ok = np.array([o.status == OK for o in ordered])
            values = np.array([[o.objectives.get(obj.name, np.nan) if o.status == OK else np.nan
                                for obj in objectives] for o in ordered], dtype=float)
            for j, obj in enumerate(objectives):
                column = values[ok, j]
                if len(column):
                    worst = column.min() if obj.direction == "maximize" else column.max()
                    if obj.name not in loop["worst"] or _better(obj, loop["worst"][obj.name], float(worst)):
                        loop["worst"][obj.name] = float(worst)
                    best = column.max() if obj.direction == "maximize" else column.min()
                    if _better(obj, float(best), loop["best"].get(obj.name)):
                        loop["best"][obj.name] = float(best)
            told = np.where(ok[:, None], values, _penalties(config, objectives, loop["worst"])[None, :])
            scores = told * np.array([o.sign for o in objectives])
            outputs = _outputs(ordered, ok) if optimizer.needs_outputs else None
            optimizer_state = optimizer.tell(problem, optimizer_state, candidates, scores, outputs)
            failed = int((~ok).sum())
            loop.update(generation=generation + 1, evaluations=loop["evaluations"] + len(ordered),
                        failed=loop["failed"] + failed)
            summary = _summary(objectives, values, ok)
            writer.commit_generation(generation, evaluations=writer.rows, failed=failed, started=started,
                                     finished=time.time(), summary=summary,
                                     state={"optimizer": optimizer_state, "loop": loop})
            if generation == 0:
                refuse_missing_objectives(ordered, writer)
            if on_generation is not None:
                on_generation({"generation": generation, "summary": summary, "failed": failed,
                               "best": dict(loop["best"])})
        writer.event("finished", {"generations": loop["generation"], "evaluations": loop["evaluations"]})
    finally:
        bar.close()
        executor.close()


MISSING_OBJECTIVES = "invalid result: returned objectives "


def refuse_missing_objectives(outcomes: list[Outcome], writer) -> None:
    """End the run with a ConfigError if no evaluation of the first generation returned the objectives.

    That is a config naming an objective its simulator does not produce: every
    later evaluation would fail the same way. The failed rows stay in the file.
    """
    if not outcomes or any(o.ok or not o.error.startswith(MISSING_OBJECTIVES) for o in outcomes):
        return
    detail = outcomes[0].error[len("invalid result: "):]
    raise ConfigError(f"no evaluation of the first generation returned the run's objectives ({detail}); "
                      f"name the simulator's objectives in [[objectives]]; the failed evaluations are in "
                      f"{writer.path}")


def _outputs(ordered: list[Outcome], ok: np.ndarray) -> np.ndarray:
    """Output vectors of a generation; failed rows get the mean of the successful ones."""
    good = [o.outputs for o, flag in zip(ordered, ok) if flag and o.outputs is not None]
    if not good:
        raise TrajectoryError("the optimizer needs output vectors, but no evaluation of this generation "
                              "returned outputs")
    mean = np.mean(np.stack(good), axis=0)
    return np.stack([o.outputs if flag and o.outputs is not None else mean for o, flag in zip(ordered, ok)])
