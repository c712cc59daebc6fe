"""Runs: build the pieces of a config, create or reopen the trajectory, and drive it.

:func:`run` starts a run, :func:`resume` continues one from its file; both
hand the validated components, the writer and the run state to
:func:`l2l.driver.drive`, the one outer loop, where the optimizer proposes
candidates and a scheduling policy decides what runs next:
``generational`` (ask a generation, evaluate it, tell it, commit it),
``async`` (a new candidate whenever a worker is free) or a multi-fidelity
policy (successive halving, ASHA, Hyperband, median stopping, model-based).

Every evaluation's seed derives from (run seed, generation, individual); a
generation interrupted in the middle is resumed by asking again from the
saved state (which yields the same candidates) and evaluating only the
individuals the file does not hold yet.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import socket
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import numpy as np

from l2l import initial_points
from l2l.sessions import session_backend
from l2l.backend_notes import unnamed_scheduler
from l2l.components import Components, build as _build
from l2l.components_schedule import ComputeFloor
from l2l.stored_config import load_run_config
from l2l.config import from_mapping
from l2l.run_config import RunConfig
from l2l.control import RunControl
from l2l.driver_state import INHERIT_TO_TOP, count_every_attempt, rescore_early_failures
from l2l.errors import ConfigError, TrajectoryError, path_argument
from l2l.jobs.slurm_left import cancel_left_behind
from l2l.jobs.warm import start_fork_server
from l2l.left_jobs import cancelled_note, jobs_left_elsewhere, say_note
from l2l.loop_drive import drive_recording_failure
from l2l.numbers import number
from l2l.out_path import check_out, check_run_folder, default_out, out_path
from l2l.own_files import sweep_leftovers
from l2l.provenance import changed_versions, with_session
from l2l.results_schema import checkpoint_store
from l2l.results_schema import writer as trajectory_writer
from l2l.results_schema.lock import WriterLock, missing_note
from l2l.results_schema.reader import Trajectory
from l2l.resume_limits import (check_raised, compute_unit, failed_to_redo, raised_earlier, raises, resume_floor,
                               still_reached, switched_earlier, target_reached, used_up)
from l2l.resume_reads import (model_dir_entry, refuse_missing_folder, refuse_moved_from_another_host,
                              session_file, stored_outcomes)
from l2l.run_warnings import compute_short_of_top, target_out_of_reach, warn_options
from l2l.words import option, passed_as


def _versions() -> dict[str, str]:
    """Versions of what decides the results (:func:`l2l.provenance.versions`): GA results depend on deap, TPE's
    on optuna, a NEST model's on NEST; with the git commit of l2l where it runs from a checkout."""
    from l2l.provenance import versions
    return versions()


def build(config: RunConfig, simulator: Callable[..., Any] | None = None, *, resumed: bool = False,
          path: Path | None = None) -> Components:
    """The run's parts (optimizer, simulator, backend, policy); :class:`ConfigError` (one line) if they cannot
    work together. ``resumed``: built to go on from a stored state (see :func:`l2l.components.build`); ``path``: the
    run's file, which a message asking for the function of a run started with one names."""
    components = _build(config, simulator, resumed=resumed, path=path)
    refusal = initial_points.refusal(components)  # run.initial_points: an optimizer that can be told them
    if refusal:
        raise ConfigError(refusal)
    interval = float(getattr(components, "inherit", 0.0) or 0.0)
    if interval and config.generations:
        fidelity = components.simulator.fidelity()
        most = int(np.ceil(fidelity.maximum / interval - 1e-9))
        if config.generations > most:  # the later generations' parents would already be fully trained
            raise ConfigError(f"run.inherit: {config.generations} generations of {number(interval)} {fidelity.unit} "
                              f"each go past the simulator's top budget {number(fidelity.maximum)} (every learner is "
                              f"fully trained after {most} generations); use at most {most} generations, or a "
                              f"smaller run.inherit")
    if interval and config.target is not None:
        refusal = target_out_of_reach(config, components, interval)
        if refusal:
            raise ConfigError(refusal)
    short = compute_short_of_top(components)
    if short and config.target is not None and not resumed:  # (a stored run resumes as it ran; --compute raises)
        what, way = short.rsplit("; ", 1)
        raise ConfigError(f"{config.target_from} counts only results at the simulator's top budget, and {what}, so "
                          f"the run could never end at its target; {way}, or leave the target out")
    return components


def run(config: RunConfig | Mapping[str, Any], out: str | os.PathLike | None = None, *, progress: bool = False,
        on_generation: Callable[[dict], None] | None = None, on_evaluation: Callable[[dict], None] | None = None,
        control: RunControl | None = None, simulator: Callable[..., Any] | None = None) -> Path:
    """Run ``config`` into a new trajectory file and return its path.

    ``on_generation(info)`` is called after each commit, ``on_evaluation(info)`` as each evaluation (a segment, in
    a run with a policy) finishes, after its retries (see docs/python_api.md for ``info``).

    ``simulator``: a Python function ``(params, seed) -> result`` to use as the
    inner loop instead of the config's (which must then be ``python``).
    ``control``: a :class:`~l2l.control.RunControl` through which another
    thread (or a signal handler) can ask this run to stop.

    ``config``: a :class:`~l2l.run_config.RunConfig` (``l2l.load_config``), or a mapping of the config's tables as a
    TOML file holds them (``{"run": {...}, "space": {...}, "simulator": {...}, "policy": {...}}``), read by
    :func:`l2l.from_mapping` (a module a ``python`` simulator names is looked up in the working directory).

    Raises :class:`ConfigError` before creating anything if the config is
    invalid, and :class:`TrajectoryError` if the output file exists or
    another process writes it.
    """
    if simulator is not None and isinstance(config, Mapping) and "simulator" not in config:
        config = {**config, "simulator": "python"}  # the function given is the inner loop: a python simulator
    config = as_run_config(config)
    if config.backend.name == "local":
        start_fork_server()  # the Dask workers' fork server imports what they need while we build
    components = build(config, simulator)
    config = components.config
    path = out_path(out) if out is not None else default_out(config)
    check_out(path, config, from_config=out is None)
    warn_options(components)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TrajectoryError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from None
    # workers start (with the simulator) while the file is created and the first generation asked
    components.executor.prepare(components.simulator)
    try:
        with WriterLock(path) as lock:
            check_out(path, config)  # a second run to the same file may have created it before we locked
            created = _create(components, path)
            with trajectory_writer.TrajectoryWriter(path, lock=lock, created=created) as writer:
                writer.event("started", with_session({"backend": session_backend(config.backend.to_json(),
                                                                                 components.executor),
                                                      "pid": os.getpid(), **session_file(path, config)},
                                                     components.simulator))
                drive_recording_failure(components, writer, _fresh_state(components), reuse={},
                                         progress=progress, on_generation=on_generation,
                                         on_evaluation=on_evaluation, control=control or RunControl())
            _reevaluate_after(path, lock, config, simulator, progress=progress, control=control)
    finally:
        components.executor.close()  # already closed by the loop, unless the run failed before it started
    return path


def as_run_config(config: Any) -> RunConfig:
    """``config`` as a :class:`RunConfig`: a mapping of tables is read as a user's config file is (it raised
    ``AttributeError: 'dict' object has no attribute 'backend'`` before); anything else is refused in one line
    that names the two ways to make one."""
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, Mapping):
        return from_mapping(config, user_file=True)
    shown = repr(config) if len(repr(config)) <= 60 else f"{repr(config)[:57]}..."
    hint = f"l2l.load_config({shown})" if isinstance(config, (str, os.PathLike)) else "l2l.load_config(path)"
    raise ConfigError(f"l2l.run takes a config: a RunConfig ({hint}) or a mapping of its tables "
                      f"({{'run': {{...}}, 'space': {{...}}, ...}}), got {type(config).__name__} {shown}")


def _reevaluate_after(path: Path, lock: WriterLock, config: RunConfig, simulator: Callable[..., Any] | None,
                      backend: str | None = None, workers: int | None = None, progress: bool = False,
                      control: RunControl | None = None, *, model_dir: str | os.PathLike | None = None,
                      accept_changed_model: bool = False) -> None:
    """``[run] reevaluate``: the top candidates of a finished run on fresh seeds, under the same lock; on the
    ``backend``/``workers`` given to ``l2l resume`` (None: the stored ones), as the run went on; a line says it
    starts, and a bar shows it going on where the run had one (``progress``); a stop asked through the run's
    ``control`` ends it."""
    if not config.reevaluate:
        return
    from l2l.reevaluate import after_run

    after_run(path, lock=lock, simulator=simulator, backend=backend, workers=workers, progress=progress,
              control=control, model_dir=model_dir, accept_changed_model=accept_changed_model)


def _fresh_state(components: Components) -> dict[str, Any]:
    from l2l.driver import initial_state

    return initial_state(components)


def _create(components: Components, path: Path) -> int:
    config = components.config
    stored = config.to_json()
    stored["objectives"] = [o.to_json() for o in components.problem.objectives]
    if config.policy is not None and config.policy.name == "model-based":
        from l2l.policies.model_based import CHANGED_DEFAULTS

        stored["policy"] = {**stored["policy"], **{k: getattr(components.policy, k) for k in CHANGED_DEFAULTS}}
    run_info = {"name": config.name, "seed": config.seed, "config": stored, "versions": _versions(),
                "host": socket.gethostname(), "user": getpass.getuser(),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "optimizer": config.optimizer.to_json(), "simulator": config.simulator.to_json(),
                "backend": session_backend(config.backend.to_json(), components.executor)}
    fidelity = components.simulator.fidelity()
    if fidelity is not None:  # also without a policy: compute is then counted at the top budget
        run_info["fidelity"] = {**fidelity.to_json(), "rungs": list(components.budgets or [fidelity.maximum]),
                                "compute": components.compute or None}
    try:
        return trajectory_writer.create(path, run=run_info, space=config.space,
                                        objectives=components.problem.objectives, keep=True)
    except OSError as exc:
        raise TrajectoryError(f"cannot create {path}: {exc.strerror or exc}") from None


def resume(path: str | os.PathLike, *, generations: int | None = None, evaluations: int | None = None,
           max_time: float | None = None, compute: float | None = None, backend: str | None = None,
           workers: int | None = None, progress: bool = False,
           on_generation: Callable[[dict], None] | None = None,
           on_evaluation: Callable[[dict], None] | None = None, control: RunControl | None = None,
           simulator: Callable[..., Any] | None = None,
           announce: Callable[[Trajectory], None] | None = None,
           nothing_to_do: Callable[[Trajectory], None] | None = None,
           nothing_more: Callable[[Trajectory, str], None] | None = None,
           drop_unreadable: bool = False, stop_after_failures: int | None = None,
           model_dir: str | os.PathLike | None = None, accept_changed_model: bool = False) -> Path:
    """Continue the run stored in ``path`` from its last committed generation.

    ``generations``, ``evaluations``, ``max_time`` (seconds over the run's life) and ``compute`` (fidelity units, a
    run with a policy) raise the run's budgets (to extend a finished run); ``backend``/``workers`` change where
    evaluations run, which does not change the results: a ``backend`` named starts from its defaults (``workers``
    applied to them), even where it is the stored one, whose options (a scheduler's address, a partition) may hold
    no longer; without one the stored backend runs with its stored options (``workers`` applied to them). A run
    whose simulator was a Python function needs it again as ``simulator``. Raises :class:`TrajectoryError` if
    another process writes the file. ``announce(trajectory)`` is called once the file proved usable, before anything
    is written to it (``l2l resume`` prints its first line there). A run that finished, given no budget beyond what
    it did, is left as it is (no worker starts, nothing is written but a re-evaluation it had not finished):
    ``nothing_to_do(trajectory)`` is called then instead of ``announce``. So is a finished run whose policy has
    nothing more to run, whatever budget is raised (every candidate of its sweep completed or stopped, every PBT
    member at the top budget: more compute adds no candidate); ``nothing_more(trajectory, why)``, if given, is
    called then instead, ``why`` saying so in words.

    A checkpoint that cannot be read (its bytes damaged: they do not decode, or do not match the checksum stored
    with them) ends the run with an error naming its trial and row, every time, so that the file can be restored
    first; ``drop_unreadable`` records the segment that would continue from it as failed instead (the policy
    then treats that candidate as any failed one) and goes on.

    ``stop_after_failures`` replaces the run's ``run.stop_after_failures`` (0: never stop because the first
    evaluations all failed, for a model that fails in much of its space), for this resume and the later ones until
    one gives it again (recorded in the ``resumed`` event, as the budgets are). A resume of a generational run that
    stopped so in the middle of a generation (an N not a multiple of the population) evaluates that generation's
    members again, not reusing the failures of the model it was told to fix: see
    :func:`l2l.resume_limits.failed_to_redo`.

    ``model_dir``: the folder that holds the run's model now (its module, or a command's files), where the file's
    stored folder is gone (a reviewer's copy); the model there must hash as the one the run ran, unless
    ``accept_changed_model`` (:func:`l2l.stored_config.relocated_model`). This session's ``resumed`` event records it
    (``model_dir``); the stored config is left as it is, so a later resume names it again.
    """
    path = path_argument(path)  # '' (l2l resume ''): one line, not pathlib's "PosixPath('.') has an empty name"
    if not isinstance(drop_unreadable, bool):
        raise ConfigError(f"drop_unreadable must be True or False, got {drop_unreadable!r}")
    if not path.exists():  # a removed file's writer, alive or killed, is said (its lock)
        raise TrajectoryError(missing_note(path))
    with contextlib.ExitStack() as stack, WriterLock(path) as lock:
        refuse_moved_from_another_host(path)  # before its jobs are cancelled or its temporaries removed
        # SLURM jobs of a session killed (kill -9, its node lost) stop training for nobody, whatever backend this
        # one runs on (before, only a resume on slurm-array cancelled them); no other session is alive (the lock)
        # Its note is said after the banner (announce, nothing_to_do, nothing_more), which users read first, or
        # as an error ends the resume before it (the callback): the jobs are cancelled here all the same
        note = [cancelled_note(cancel_left_behind(path.with_suffix(".work")))]
        stack.callback(say_note, note)
        checkpoint_store.remove_stale_temporaries(path)  # its killed writers' (the lock: none is alive)
        sweep_leftovers()  # the temp folders of killed l2l processes (a finished run's too: nothing else would)
        with Trajectory(path) as trajectory:
            stored = load_run_config(trajectory, model_dir, accept_changed_model)
            moved = model_dir_entry(stored) if model_dir is not None else {}
            if drop_unreadable and stored.policy is None and not stored.inherit:
                raise ConfigError(f"{option('drop_unreadable')} applies to a run whose candidates continue from "
                                  "checkpoints (a [policy] or run.inherit); this run stores none")
            # The budgets an earlier resume raised hold until one is given again: a plain resume (a requeued
            # job's) of a run extended with --compute 400 and killed went back to the config's compute 100 and
            # ended the run at '173 of 100', its paused candidates stopped.
            given = {"generations": generations, "evaluations": evaluations, "compute": compute,
                     "max_time": max_time}
            budgets = {**raised_earlier(trajectory, stored), **{k: v for k, v in given.items() if v is not None}}
            if stop_after_failures is None:  # as an earlier resume switched it, until given again
                stop_after_failures = switched_earlier(trajectory)
            # a backend named starts from its defaults, even the stored one (whose options may hold no longer)
            config = stored.with_overrides(**budgets, stored=True, backend=backend, workers=workers,
                                           stop_after_failures=stop_after_failures)
            if stored.inherit is True and config.generations != stored.generations:
                raise ConfigError(f"run.inherit = true spread the top budget over the run's {stored.generations} "
                                  f"generations, so its learners are trained to the end by then: more generations "
                                  f"cannot continue them (start a new run, or give run.inherit in fidelity units)")
            state = trajectory.state() if trajectory.n_generations else None
            if state is not None:  # a file of an l2l that counted a retried segment's compute once
                count_every_attempt(state, trajectory)
                rescore_early_failures(state, trajectory, stored)  # or that scored its first failures 0.0
            finished = False
            # killed between creating the file and its 'started' event: nothing ran, so the run starts now
            log = trajectory.events()
            events = log["kind"]
            session = int(events.isin(("started", "resumed")).sum()) + 1  # this one's number, for its hosts
            never_started = not len(events)
            note.insert(0, jobs_left_elsewhere(path, log, stored.backend.name))  # a file moved without its folder
            if state is not None:  # before any worker starts or anything is written
                ended = bool(len(events)) and events.iloc[-1] not in ("started", "resumed")  # not killed
                limits = {k: getattr(config, k) for k, v in given.items() if v is not None}
                check_raised(state["loop"], ended, compute_unit(trajectory), **limits)
                if events.iloc[-1] == "finished":
                    # a budget beyond what the run did, and the policy has no work left for it: nothing runs
                    why = target_reached(trajectory) or used_up(config, state, trajectory)
                    if why is None and raises(state["loop"], **limits):  # and no other budget still binds
                        why = still_reached(config, state["loop"], compute_unit(trajectory))
                    if why is not None or not raises(state["loop"], **limits):
                        trajectory.check_recent_rows()  # a damaged file is refused, whether or not anything runs
                        if why is not None and nothing_more is not None:
                            nothing_more(trajectory, why)
                        elif nothing_to_do is not None:
                            nothing_to_do(trajectory)
                        say_note(note)
                        finished = True
            if not finished and not drop_unreadable:
                refuse_missing_folder(trajectory)
            if not finished:  # a finished run given no new budget (a requeued job's resume): nothing to run
                refusal = unnamed_scheduler(trajectory, config.backend, backend, "l2l resume")
                if refusal:  # backend dask without a scheduler: the address the run's last session used
                    raise ConfigError(refusal)
                try:
                    components = build(config, simulator, resumed=True, path=path)
                except ComputeFloor as exc:  # in the words of l2l resume: its --compute, with the least that runs
                    raise ConfigError(resume_floor(exc, path, compute, state,
                                                    passed_as(config.simulator.options))) from None
                short = compute_short_of_top(components) if compute is not None else ""
                if short:  # --compute that ends the run before any candidate reaches the top budget: as l2l run
                    print(f"l2l: warning: {short.replace('run.compute = ', '--compute ')}", file=sys.stderr)
                if config.inherit is True and config.target is not None and state is not None \
                        and not state["loop"].get(INHERIT_TO_TOP):  # its generations end a rounding short of the top
                    refusal = target_out_of_reach(config, components, components.inherit, last_to_top=False)
                    if refusal:
                        raise ConfigError(refusal)
                check_run_folder(path, config, resumed=True)  # a backend given to resume, before anything is written
                components.executor.prepare(components.simulator)  # workers start while the file is read; closed
                # below if the run does not start
                stack.callback(components.executor.close)
                carry = getattr(components.executor, "carry_lifetime_losses", None)
                if carry is not None and len(events) and events.iloc[-1] == "stopped":
                    from l2l.summary.record import event_detail

                    # the worker-job retirements counted under the evaluations it runs again (backend slurm)
                    carry(event_detail(log["detail"].iloc[-1]))
                if state is None:
                    state = _fresh_state(components)
                # The run state accounts for every row committed with it. A generational run reuses the rows of
                # the generation it was in the middle of; the other policies drop rows a dead run appended after
                # its last commit and redo their work identically.
                keep_rows, reuse = None, {}
                # A damaged file is refused before anything is written to it: its structure and commit marks were
                # checked on opening, and the last rows (all of a small file) are read as l2l.load reads them, so
                # that a resume costs the same whatever the size of the file (l2l validate checks every row).
                trajectory.check_recent_rows()
                if components.schedule.reuses_uncommitted and not components.inherit \
                        and not failed_to_redo(trajectory):
                    reuse = stored_outcomes(trajectory, state["loop"]["generation"], components.problem.objectives,
                                             state["loop"].get("rows"))
                else:
                    keep_rows = state["loop"].get("rows", state["loop"]["evaluations"])
                if announce is not None:
                    announce(trajectory)
                say_note(note)
        if finished:
            _reevaluate_after(path, lock, config, simulator, backend, workers, progress, control,  # one it had not
                              model_dir=model_dir, accept_changed_model=accept_changed_model)
            return path
        with trajectory_writer.TrajectoryWriter(path, lock=lock, keep_rows=keep_rows) as writer:
            # a policy run's budget is compute (its generations count commits, not a plan)
            plan = {"compute": components.compute} if components.policy is not None else \
                {"generations": config.generations}
            backend_json = session_backend(config.backend.to_json(), components.executor)
            if never_started:  # as the run killed before it wrote it would have
                writer.event("started", with_session({"backend": backend_json, "pid": os.getpid(),
                                                      **session_file(path, config), **moved}, components.simulator))
            else:
                writer.event("resumed", with_session({
                    "generation": state["loop"]["generation"], "reused": len(reuse), **plan,
                    "evaluations": config.evaluations, "max_time": config.max_time, "pid": os.getpid(),
                    **({} if config.stop_after_failures is None else
                       {"stop_after_failures": config.stop_after_failures}),
                    "backend": backend_json, **session_file(path, config), **moved,
                    **changed_versions(trajectory.run.get("versions"))}, components.simulator, trajectory, state))
            drive_recording_failure(components, writer, state, reuse=reuse, progress=progress,
                                     on_generation=on_generation, on_evaluation=on_evaluation,
                                     control=control or RunControl(), drop_unreadable=drop_unreadable,
                                     session=session)
        _reevaluate_after(path, lock, config, simulator, backend, workers, progress, control, model_dir=model_dir,
                          accept_changed_model=accept_changed_model)
    return path
















