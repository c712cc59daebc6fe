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
import dataclasses
import getpass
import math
import os
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import numpy as np

from l2l import initial_points
from l2l.sessions import session_backend
from l2l.backend_notes import unnamed_scheduler
from l2l.components import Components, ComputeFloor, build as _build, load_run_config
from l2l.config import RunConfig, from_mapping, penalty_warning
from l2l.control import RunControl
from l2l.driver_state import INHERIT_TO_TOP, count_every_attempt, rescore_early_failures
from l2l.errors import ConfigError, TrajectoryError, command, path_argument, shown
from l2l.jobs import Outcome, Settings
from l2l.jobs.slurm_common import cancel_left_behind
from l2l.jobs.warm import start_fork_server
from l2l.left_jobs import SLURM_BACKENDS, cancelled_note, jobs_left_elsewhere, say_note
from l2l.numbers import at_least, compute as compute_text, exact, number
from l2l.objectives import Objective
from l2l.own_files import sweep_leftovers
from l2l.provenance import SessionHosts, changed_versions, with_session
from l2l.results_schema import checkpoint_store
from l2l.results_schema import writer as trajectory_writer
from l2l.results_schema.lock import WriterLock, missing_note, moved_from_another_host
from l2l.results_schema.reader import Trajectory
from l2l.words import Placeholder, call, named, on_command_line, option, passed_as

def default_out(config: RunConfig) -> Path:
    if config.out:
        out = Path(config.out)
        return out if out.is_absolute() else Path(config.base_dir) / out
    return Path(config.base_dir) / f"{config.name}.h5"


def _versions() -> dict[str, str]:
    """Versions of what decides the results (:func:`l2l.provenance.versions`): GA results depend on deap, TPE's
    on optuna, a NEST model's on NEST; with the git commit of l2l where it runs from a checkout."""
    from l2l.provenance import versions
    return versions()


def build(config: RunConfig, simulator: Callable[..., Any] | None = None, *, resumed: bool = False) -> Components:
    """The run's parts (optimizer, simulator, backend, policy); :class:`ConfigError` (one line) if they cannot
    work together. ``resumed``: built to go on from a stored state (see :func:`l2l.components.build`)."""
    components = _build(config, simulator, resumed=resumed)
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
        refusal = _target_out_of_reach(config, components, interval)
        if refusal:
            raise ConfigError(refusal)
    short = _compute_short_of_top(components)
    if short and config.target is not None and not resumed:  # (a stored run resumes as it ran; --compute raises)
        what, way = short.rsplit("; ", 1)
        raise ConfigError(f"{config.target_from} counts only results at the simulator's top budget, and {what}, so "
                          f"the run could never end at its target; {way}, or leave the target out")
    return components


def _compute_short_of_top(components: Components) -> str:
    """Where the run's compute ends a policy run before the policy can start any segment to the top budget (its
    ``before_top``: the least it spends or commits first, exact for successive halving and hyperband, a lower
    bound for asha, whose promotions depend on the results), what is short and the compute that lets the first
    segment to the top start (for asha: the least that may); '' otherwise (and where the policy cannot tell)."""
    policy = components.policy
    before = getattr(policy, "before_top", None)
    if before is None or len(components.budgets) < 2:
        return ""
    # a python function without a checkpoint parameter trains every segment from scratch, at its whole budget
    # (counted so): the compute that lets a continuing run reach the top left this one short of it
    restarts = components.simulator.restarts()
    least = before(list(components.budgets), restarts=True) if restarts else before(list(components.budgets))
    compute = float(components.compute)
    if least is None or compute > least + 1e-9:
        return ""
    fidelity = components.simulator.fidelity()
    unit = fidelity.unit or fidelity.name
    enough = f"{number(math.floor(least + 1e-9) + 1)} or more" if fidelity.integer else f"more than {at_least(least)}"
    if hasattr(policy, "rungs") and hasattr(policy, "planned_compute"):  # pbt: one member at the top is not the run
        enough += (f" (run.compute = {at_least(policy.planned_compute(list(components.budgets)))} trains every member "
                   f"to the top)")
    bound = "" if getattr(policy, "before_top_exact", False) else "at least "
    how = " (every segment restarts: the function takes no checkpoint)" if restarts else ""
    return (f"run.compute = {compute_text(compute)} {unit} ends the run before policy "
            f"{components.config.policy.name!r} trains any candidate to the top budget "
            f"({number(components.budgets[-1])} {unit}): its first segment there starts only after "
            f"{bound}{number(least)} {unit} at the lower rungs{how}; give run.compute = {enough}")


def _target_out_of_reach(config: RunConfig, components: Components, interval: float, *,
                         last_to_top: bool = True) -> str | None:
    """Why a Lamarckian run's target could never end it, or None: run.target counts only results at the simulator's
    top budget, and generations of ``interval`` units each that stop short of it (run.generations, or the
    generations run.evaluations leaves room for) leave every result below, so the run would end 'target not
    reached' whatever its values (a target there means 'stop once a candidate is good enough', which it cannot).
    ``last_to_top``: run.inherit = true's last generation trains to the top budget (False: a state stored by an
    l2l whose generations all trained the rounded share, which resumes so)."""
    fidelity = components.simulator.fidelity()
    size = getattr(components.optimizer, "population_size", None)
    counts = [int(config.generations)] if config.generations else []
    if config.evaluations and isinstance(size, int) and size > 0:
        counts.append(-(-int(config.evaluations) // size))  # generations started before the evaluations run out
    if not counts:
        return None  # run.max_time alone: as many generations as the time allows
    generations = min(counts)
    if config.inherit is True and last_to_top and config.generations and generations >= config.generations:
        return None  # all of run.generations run, and the last one trains what the rounded shares left
    reached = min(fidelity.maximum, generations * interval)
    if reached >= fidelity.maximum - 1e-9:
        return None
    unit = fidelity.unit or fidelity.name
    spread = (f"run.inherit = true's {generations} generations of {number(interval)} {unit} each (the top budget "
              f"spread over them, in whole {unit})" if config.inherit is True and fidelity.integer else
              f"{generations} generations of run.inherit = {number(interval)} {unit}")
    by_evaluations = generations != config.generations
    why = (f" (run.evaluations = {config.evaluations} leaves room for {generations} generations of {size})"
           if by_evaluations else "")
    if config.inherit is True and not last_to_top:  # a stored run goes on with the schedule it started with
        way = "start a new run (the last of its generations trains to the top budget)"
    elif config.inherit is True:  # run.evaluations ends it before its last generation, which trains to the top
        way = f"give run.evaluations = {config.generations * size} (all {config.generations} generations)"
    else:
        needed = math.ceil(fidelity.maximum / interval - 1e-9)
        way = (f"give run.evaluations = {needed * size}" if by_evaluations else f"give {needed} generations") + \
            " (or a larger run.inherit)"
    return (f"{config.target_from} counts only results at the simulator's top budget ({number(fidelity.maximum)} "
            f"{unit}), and {spread} train candidates to {number(reached)} at most{why}, so the run could never end at "
            f"its target; {way}, or leave the target out")


def out_folder_refusal(path: Path, config: RunConfig | None = None, from_config: bool = False) -> str:
    """What refuses the output ``path`` that is a folder: named as the user gave it, ``--out`` (``out=``) or,
    ``from_config`` (no ``--out``: :func:`default_out`), the config's ``run.out``."""
    if from_config and config is not None and config.out:
        suggested = shown(Path(config.out) / "run.h5")
        return (f'run.out = "{shown(config.out)}" in the config names a folder ({path}); give run.out a file name, '
                f'e.g. "{suggested}", or give {option("out", Placeholder("FILE"))}')
    return f"{path} is a folder; give {option('out')} a file name, e.g. {path / 'run.h5'}"


def check_out(path: Path, config: RunConfig | None = None, *, existing_ok: bool = False,
              from_config: bool = False) -> None:
    """Refuse an output path that cannot become a new trajectory, before anything is created; ``config``, the
    run's, tells an existing trajectory of another config (not to be resumed instead) from one of this config.
    ``existing_ok`` (``l2l run --dry-run``, which writes nothing): an existing file is refused only if it holds a
    run of another config, a mistake the real run would not get past either. ``from_config``: ``path`` is the
    config's ``run.out`` (no ``--out`` given), which a refusal names."""
    if path.is_dir():  # first: '.' has no name for the run folder's (ValueError: ... has an empty name)
        raise TrajectoryError(out_folder_refusal(path, config, from_config))
    if config is not None:
        _check_run_folder(path, config)
    function = passed_as(config.simulator.options) if config is not None else ""  # resumed by passing it again
    if os.path.lexists(path):
        if path.is_symlink() and not path.exists():
            raise TrajectoryError(f"{path} is a dangling symbolic link; choose another {option('out')}")
        if existing_ok:
            other = _holds_another_config(path, config) if config is not None and not _nothing_computed(path) else ""
            if other:
                raise TrajectoryError(f"{path} already exists and holds a run of another config ({other}); choose "
                                      f"another {option('out')}")
            return
        from l2l.results_schema.lock import holder, writer_alive, writer_named
        if writer_alive(path):  # not to be resumed now: l2l resume would be refused
            info = holder(path)  # None if the writer let go of the file since: no "(pid None)" then
            raise TrajectoryError(f"{path} already exists and is being written by {writer_named(info)}; "
                                  f"choose another {option('out')}, or wait for it to finish")
        foreign = _not_a_trajectory(path)
        if foreign:  # not to be resumed: 'l2l resume' on the config file itself (--out run.toml) would only fail
            raise TrajectoryError(f"{path} already exists and is not an l2l trajectory ({foreign}); choose another "
                                  f"{option('out')}")
        if _nothing_computed(path):  # a Python caller (a notebook's cell run again) is told Python's way to delete
            remove = command("rm", path) if on_command_line() else f"os.remove({str(path)!r})"
            raise TrajectoryError(f"{path} already exists but holds nothing computed (its run ended before any "
                                  f"evaluation: interrupted, or refused by sbatch); delete it and run again: "
                                  f"{remove}, or choose another {option('out')}")
        other = _holds_another_config(path, config) if config is not None else ""
        if other:
            raise TrajectoryError(f"{path} already exists and holds a run of another config ({other}); choose another "
                                  f"{option('out')}")
        stored = _stored_config(path) if config is not None else None
        if stored is not None and stored.seed != config.seed:  # l2l resume would go on with the stored seed
            raise TrajectoryError(f"{path} already exists and holds the run of seed {stored.seed}, not {config.seed}; "
                                  f"choose another {option('out')}")
        try:  # l2l resume declines a run that reached its run.target, whatever budget is raised: none to suggest
            with Trajectory(path) as trajectory:
                reached = _target_reached(trajectory)
        except Exception:  # noqa: BLE001 - unreadable or damaged: the plain message
            reached = None
        if reached:
            raise TrajectoryError(f"{path} already exists and holds this config's run, which ended as {reached} with "
                                  f"another {option('out')} ({named('resume')} runs nothing more for it, whatever "
                                  f"budget is raised)")
        more = _resume_budgets(stored, config) if stored is not None else []
        if not more and _finished(path):  # 'l2l resume FILE' would only say there is nothing to resume
            budgets = "compute" if stored is not None and stored.policy is not None else "generations"
            raise TrajectoryError(f"{path} already exists and holds this config's finished run; choose another "
                                  f"{option('out')}, or extend it with '{call('resume', path, function=function)}' "
                                  f"and a budget raised ({option(budgets)}, {option('evaluations')} or "
                                  f"{option('max_time')})")
        raise TrajectoryError(f"{path} already exists; choose another {option('out')}, or continue it with "
                              f"'{call('resume', path, function=function, **more)}'")
    from l2l.results_schema.checkpoint_store import folder_of

    if os.path.lexists(folder_of(path)):  # a deleted trajectory's large checkpoints: not to be mixed with new ones
        raise TrajectoryError(f"{folder_of(path)} exists without {path.name} (the checkpoints of a run whose file "
                              f"was deleted or moved); move or delete it, or choose another {option('out')}")
    parent = path.parent
    for ancestor in (parent, *parent.parents):
        if os.path.lexists(ancestor):
            if not ancestor.is_dir():
                raise TrajectoryError(f"cannot create {path}: {ancestor} is not a folder")
            if not os.access(ancestor, os.W_OK | os.X_OK) and ancestor == parent:
                raise TrajectoryError(f"cannot create {path}: no permission to write in {parent}")
            if not os.access(ancestor, os.W_OK | os.X_OK):
                raise TrajectoryError(f"cannot create {path}: no permission to create folders in {ancestor}")
            try:  # permissions can say yes where writing fails (/proc, a read-only mount, a full disk)
                with tempfile.NamedTemporaryFile(dir=ancestor, prefix=".l2l-probe-"):
                    pass
            except OSError as exc:
                raise TrajectoryError(f"cannot create {path}: cannot write in {ancestor} "
                                      f"({exc.strerror or exc})") from None
            break


def _not_a_trajectory(path: Path) -> str | None:
    """Why the existing ``path`` is certainly not an l2l trajectory ('not an HDF5 file', 'a device, not a regular
    file', ...), or None if it is one or may be one (unreadable, damaged: the messages for a trajectory then)."""
    import stat

    from l2l.results_schema.opening import SIGNATURE, open_hdf5

    try:
        mode = os.stat(path).st_mode
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            return "a device, not a regular file"
        if not stat.S_ISREG(mode):
            return "not a regular file"
        # O_NONBLOCK: should the path have become a pipe since the stat, reading it must not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            head = os.read(fd, len(SIGNATURE))
        finally:
            os.close(fd)
    except OSError:
        return None
    if head != SIGNATURE:
        return "an empty file" if not head else "not an HDF5 file"
    try:
        with open_hdf5(path) as f:
            fmt = f.attrs.get("format")
    except Exception:  # noqa: BLE001 - damaged or unreadable: may be a trajectory
        return None
    if isinstance(fmt, bytes):
        fmt = fmt.decode("utf-8", errors="replace")
    from l2l.results_schema.layout import FORMAT

    return None if fmt == FORMAT else f"an HDF5 file without l2l's format attribute {FORMAT!r}"


def _check_run_folder(path: Path, config: RunConfig, resumed: bool = False) -> None:
    """The backend's word on the run's folder ``<out>.work`` (the SLURM backends' job logs go there), before
    anything is created: a ``%`` in it made slurm-array fail after the file was created. ``resumed``: the
    folders of the trajectory's owner pass too (a lab mate's run in the group's folder)."""
    from l2l.jobs import BACKENDS
    from l2l.own_files import refuse_foreign
    from l2l.results_schema.checkpoint_store import folder_of

    # made first by another user (in a shared /tmp, where no one else can remove or replace ours): refused
    trusted = path if resumed else None
    refuse_foreign(path.with_suffix(".work"), "the run's folder", trusted)
    refuse_foreign(folder_of(path), "the run's checkpoint folder", trusted)
    check = getattr(BACKENDS.get(config.backend.name), "check_run_dir", None)
    if callable(check):
        check(str(path.with_suffix(".work")), dict(config.backend.options))


def _finished(path: Path) -> bool:
    """True if ``path`` is a readable trajectory whose run ended by itself (its last event ``finished``); False if
    in doubt."""
    try:
        with Trajectory(path) as trajectory:
            return trajectory.finished()
    except Exception:  # noqa: BLE001 - unreadable or damaged: the plain message
        return False


def _nothing_computed(path: Path) -> bool:
    """True if ``path`` is a readable trajectory with no evaluation in it, committed or not, none re-evaluated and
    no checkpoint folder: what a run leaves that failed at once (sbatch refused its options). Resuming it would
    run the stored config again, often what failed, and a new run to the same --out was refused ('already
    exists'), so the user is told it can be deleted. l2l never deletes it itself: only the user knows that no
    l2l is about to write it. False if in doubt (unreadable, damaged)."""
    from l2l.results_schema.checkpoint_store import folder_of

    try:
        if os.path.lexists(folder_of(path)):
            return False
        with Trajectory(path) as trajectory:
            if trajectory.n_evaluations:
                return False
            lengths: list[int] = []  # rows a killed run appended after its last commit, re-evaluations, blobs
            for name, group in trajectory.file.items():
                if name != "run" and hasattr(group, "visititems"):
                    group.visititems(lambda _, item: lengths.append(item.shape[0] if getattr(item, "shape", ())
                                                                    else 0))
            return not any(lengths)
    except Exception:  # noqa: BLE001 - not a trajectory, or damaged: the plain message
        return False


def _stored_config(path: Path) -> RunConfig | None:
    """The config a trajectory stored, or None if it is not readable."""
    try:
        with Trajectory(path) as trajectory:
            return load_run_config(trajectory)
    except Exception:  # noqa: BLE001 - not a trajectory, or damaged: the plain message
        return None


def _resume_budgets(stored: RunConfig, config: RunConfig) -> dict[str, Placeholder]:
    """The ``l2l resume`` options that give the stored run ``config``'s budgets where they differ: l2l resume runs
    the stored config, so a budget raised in the config file (say run.compute) would be left out unless named."""
    options = [("compute", stored.compute, config.compute), ("evaluations", stored.evaluations, config.evaluations),
               ("max_time", stored.max_time, config.max_time)]
    if config.policy is None:  # a run with a [policy] refuses --generations: its sweep is fixed once it started
        options.append(("generations", stored.generations, config.generations))
    return {name: Placeholder(exact(new)) for name, old, new in options if new and new != old}


def _holds_another_config(path: Path, config: RunConfig) -> str:
    """What differs where ``path`` is a trajectory whose stored config runs something else than ``config`` (another
    space, optimizer, policy, simulator or objectives; budgets, seed and backend aside): ``"its objectives: value
    (minimize) there, value (maximize) here"``, ``"another space, optimizer"``; "" if none, or not readable."""
    sections = ("space", "optimizer", "policy", "simulator", "objectives")
    try:
        with Trajectory(path) as trajectory:
            stored = load_run_config(trajectory).to_json()
    except Exception:  # noqa: BLE001 - not a trajectory, or damaged: the plain message
        return ""
    mine = config.to_json()
    if isinstance(mine.get("simulator"), dict) and mine["simulator"].get("callable"):
        # a function passed to l2l.run is stored without the folder that reading the stored config adds to a python
        # simulator: every rerun of such a run was said to be 'of another config'
        mine["simulator"] = {k: v for k, v in mine["simulator"].items() if k != "path"}
        stored["simulator"] = {k: v for k, v in (stored.get("simulator") or {}).items() if k != "path"}
    policy = mine.get("policy")
    if isinstance(policy, dict) and policy.get("name") == "model-based":
        # a model-based run stores the values of its options whose defaults changed (_create), given or not
        from l2l.policies.model_based import CHANGED_DEFAULTS, ModelBased

        defaults = {f.name: f.default for f in dataclasses.fields(ModelBased) if f.name in CHANGED_DEFAULTS}
        mine["policy"] = {**defaults, **policy}
    # a config that leaves the objectives to its simulator is stored with them spelled out
    other = [k for k in sections if stored.get(k) != mine.get(k)
             and (k != "objectives" or (stored.get(k) is not None and mine.get(k) is not None))]
    if other == ["objectives"]:  # the one a reader cannot see in the config: a name alone took today's side
        def said(objectives: Any) -> str:
            return ", ".join(f"{o.get('name')} ({o.get('direction')})" if isinstance(o, dict) else str(o)
                             for o in (objectives or []))
        return f"its objectives: {said(stored.get('objectives'))} there, {said(mine.get('objectives'))} here"
    return f"another {', '.join(other)}" if other else ""


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

    ``config``: a :class:`~l2l.config.RunConfig` (``l2l.load_config``), or a mapping of the config's tables as a
    TOML file holds them (``{"run": {...}, "space": {...}, "simulator": {...}, "policy": {...}}``), read by
    :func:`l2l.from_mapping` (a module a ``python`` simulator names is looked up in the working directory).

    Raises :class:`ConfigError` before creating anything if the config is
    invalid, and :class:`TrajectoryError` if the output file exists or
    another process writes it.
    """
    config = as_run_config(config)
    if config.backend.name == "local":
        start_fork_server()  # the Dask workers' fork server imports what they need while we build
    components = build(config, simulator)
    config = components.config
    path = _out_path(out) if out is not None else default_out(config)
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
                                                      "pid": os.getpid(), **_session_file(path, config)},
                                                     components.simulator))
                _drive_recording_failure(components, writer, _fresh_state(components), reuse={},
                                         progress=progress, on_generation=on_generation,
                                         on_evaluation=on_evaluation, control=control or RunControl())
            _reevaluate_after(path, lock, config, simulator, progress=progress, control=control)
    finally:
        components.executor.close()  # already closed by the loop, unless the run failed before it started
    return path


def _out_path(out: str | os.PathLike) -> Path:
    """The ``out=`` of :func:`run` as a Path, refused in one line where it names no file: ``""`` (it read as the
    folder ``.``) and ``"runs/"`` (Path drops the slash: a file ``runs`` was written), as ``l2l run --out`` is.
    A folder that exists is left to :func:`check_out`, which says it is one."""
    text = os.fspath(out)
    if isinstance(text, str) and not text.strip():
        raise ConfigError(f"{option('out')} must name a file, e.g. run.h5, got {text!r}")
    path = Path(text)
    if isinstance(text, str) and text.endswith(("/", os.sep)) and not path.is_dir():
        raise ConfigError(f"{option('out')} must name a file, e.g. {os.path.join(text, 'run.h5')}, got {text!r}")
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


def warn_options(components: Components) -> None:
    """One warning line on stderr for options of the ``[policy]`` table that do nothing as given (the policy's
    ``config_warning``), one for a run.compute that ends the run before any candidate can reach the top budget
    (:func:`_compute_short_of_top`), else one for a ``hyperband`` run with room for its first bracket alone (its
    ``single_bracket_warning``): as a run starts from a config (``l2l run``, :func:`run`) and on
    ``l2l run --dry-run``."""
    first = initial_points.note(components.config)  # 'note: 3 initial points first (run.initial_points)'
    if first:
        print(first, file=sys.stderr)
    penalty = penalty_warning(components.config.penalty, components.problem.objectives)
    if penalty:
        print(penalty, file=sys.stderr)
    check = getattr(components.policy, "config_warning", None)
    text = check(components.config.policy.options) if check is not None else ""
    if text:
        print(text, file=sys.stderr)
    short = _compute_short_of_top(components)
    if short:  # (the more telling line: a hyperband run so short has room for no bracket at all)
        print(f"l2l: warning: {short}", file=sys.stderr)
    single = getattr(components.policy, "single_bracket_warning", None)
    if single is not None and components.budgets and not short:  # one bracket only: successive halving
        fidelity = components.simulator.fidelity()
        text = single(list(components.budgets), float(components.compute), fidelity.unit or fidelity.name,
                      components.config.generations)
        if text:
            print(text, file=sys.stderr)
    threads = threads_warning(components)
    if threads:
        print(threads, file=sys.stderr)


def threads_warning(components: Components) -> str:
    """A warning line where a NEST simulator's ``threads`` (``nest``, ``lsm`` on engine ``nest``), times the workers of
    a ``local`` or ``serial`` run, asks more threads than this machine has cores: NEST's threads wait for each other
    spinning, so an evaluation slows many times over when they share cores (docs/simulators.md); '' otherwise.
    ``threads = 0`` gives each evaluation its worker's share, never more."""
    simulator, executor = components.simulator, components.executor
    threads = getattr(simulator, "threads", 0)
    if not isinstance(threads, int) or threads <= 1 or getattr(simulator, "engine", "nest") != "nest" \
            or executor.name not in ("local", "serial"):
        return ""
    cores = os.cpu_count() or 1
    workers = 1 if executor.name == "serial" else int(getattr(executor, "workers", 0) or cores)
    if threads * workers <= cores:
        return ""
    on = "the serial backend" if executor.name == "serial" else f"{workers} local worker{'s' * (workers != 1)}"
    return (f"l2l: warning: [simulator] threads = {threads} on {on} asks {threads * workers} threads of this "
            f"machine's {cores} core{'s' * (cores != 1)}: NEST's threads wait for each other spinning when they share "
            f"cores, which slows every evaluation many times over; keep workers x threads at most {cores} (threads = 0 "
            f"gives each evaluation its worker's share)")


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
    members again, not reusing the failures of the model it was told to fix: see :func:`_failed_to_redo`.

    ``model_dir``: the folder that holds the run's model now (its module, or a command's files), where the file's
    stored folder is gone (a reviewer's copy); the model there must hash as the one the run ran, unless
    ``accept_changed_model`` (:func:`l2l.components.relocated_model`). This session's ``resumed`` event records it
    (``model_dir``); the stored config is left as it is, so a later resume names it again.
    """
    path = path_argument(path)  # '' (l2l resume ''): one line, not pathlib's "PosixPath('.') has an empty name"
    if not isinstance(drop_unreadable, bool):
        raise ConfigError(f"drop_unreadable must be True or False, got {drop_unreadable!r}")
    if not path.exists():  # a removed file's writer, alive or killed, is said (its lock)
        raise TrajectoryError(missing_note(path))
    with contextlib.ExitStack() as stack, WriterLock(path) as lock:
        _refuse_moved_from_another_host(path)  # before its jobs are cancelled or its temporaries removed
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
            moved = _model_dir_entry(stored) if model_dir is not None else {}
            if drop_unreadable and stored.policy is None and not stored.inherit:
                raise ConfigError(f"{option('drop_unreadable')} applies to a run whose candidates continue from "
                                  "checkpoints (a [policy] or run.inherit); this run stores none")
            # The budgets an earlier resume raised hold until one is given again: a plain resume (a requeued
            # job's) of a run extended with --compute 400 and killed went back to the config's compute 100 and
            # ended the run at '173 of 100', its paused candidates stopped.
            given = {"generations": generations, "evaluations": evaluations, "compute": compute,
                     "max_time": max_time}
            budgets = {**_raised_earlier(trajectory, stored), **{k: v for k, v in given.items() if v is not None}}
            if stop_after_failures is None:  # as an earlier resume switched it, until given again
                stop_after_failures = _switched_earlier(trajectory)
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
                _check_raised(state["loop"], ended, _compute_unit(trajectory), **limits)
                if events.iloc[-1] == "finished":
                    # a budget beyond what the run did, and the policy has no work left for it: nothing runs
                    why = _target_reached(trajectory) or _used_up(config, state, trajectory)
                    if why is None and _raises(state["loop"], **limits):  # and no other budget still binds
                        why = _still_reached(config, state["loop"], _compute_unit(trajectory))
                    if why is not None or not _raises(state["loop"], **limits):
                        trajectory.check_recent_rows()  # a damaged file is refused, whether or not anything runs
                        if why is not None and nothing_more is not None:
                            nothing_more(trajectory, why)
                        elif nothing_to_do is not None:
                            nothing_to_do(trajectory)
                        say_note(note)
                        finished = True
            if not finished and not drop_unreadable:
                _refuse_missing_folder(trajectory)
            if not finished:  # a finished run given no new budget (a requeued job's resume): nothing to run
                refusal = unnamed_scheduler(trajectory, config.backend, backend, "l2l resume")
                if refusal:  # backend dask without a scheduler: the address the run's last session used
                    raise ConfigError(refusal)
                try:
                    components = build(config, simulator, resumed=True)
                except ComputeFloor as exc:  # in the words of l2l resume: its --compute, with the least that runs
                    raise ConfigError(_resume_floor(exc, path, compute, state,
                                                    passed_as(config.simulator.options))) from None
                short = _compute_short_of_top(components) if compute is not None else ""
                if short:  # --compute that ends the run before any candidate reaches the top budget: as l2l run
                    print(f"l2l: warning: {short.replace('run.compute = ', '--compute ')}", file=sys.stderr)
                if config.inherit is True and config.target is not None and state is not None \
                        and not state["loop"].get(INHERIT_TO_TOP):  # its generations end a rounding short of the top
                    refusal = _target_out_of_reach(config, components, components.inherit, last_to_top=False)
                    if refusal:
                        raise ConfigError(refusal)
                _check_run_folder(path, config, resumed=True)  # a backend given to resume, before anything is written
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
                        and not _failed_to_redo(trajectory):
                    reuse = _stored_outcomes(trajectory, state["loop"]["generation"], components.problem.objectives,
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
                                                      **_session_file(path, config), **moved}, components.simulator))
            else:
                writer.event("resumed", with_session({
                    "generation": state["loop"]["generation"], "reused": len(reuse), **plan,
                    "evaluations": config.evaluations, "max_time": config.max_time, "pid": os.getpid(),
                    **({} if config.stop_after_failures is None else
                       {"stop_after_failures": config.stop_after_failures}),
                    "backend": backend_json, **_session_file(path, config), **moved,
                    **changed_versions(trajectory.run.get("versions"))}, components.simulator, trajectory, state))
            _drive_recording_failure(components, writer, state, reuse=reuse, progress=progress,
                                     on_generation=on_generation, on_evaluation=on_evaluation,
                                     control=control or RunControl(), drop_unreadable=drop_unreadable,
                                     session=session)
        _reevaluate_after(path, lock, config, simulator, backend, workers, progress, control, model_dir=model_dir,
                          accept_changed_model=accept_changed_model)
    return path


def _model_dir_entry(config: RunConfig) -> dict[str, str]:
    """``{"model_dir": folder}`` for the event of a session resumed with ``model_dir``: where its model came from (the
    stored config still names the folder the run started with)."""
    options = config.simulator.options
    folder = options.get("config_dir") if config.simulator.name == "command" else options.get("path")
    return {"model_dir": str(folder)} if isinstance(folder, str) and folder else {}


def _refuse_moved_from_another_host(path: Path) -> None:
    """Refuse (:class:`TrajectoryError`) to resume ``path`` where the run's last session, which has no end in the
    file, recorded it under another name (a SLURM backend's session records its file: :func:`_session_file`) and
    the lock there is held from another host: the file was moved while that run writes it
    (:func:`~l2l.results_schema.lock.moved_from_another_host`). A writer on this host is refused as the lock is
    taken, whatever the backend (:class:`WriterLock`)."""
    import json

    try:
        with Trajectory(path) as trajectory:
            log = trajectory.events()
    except Exception:  # noqa: BLE001 - a damaged file: the resume says what is wrong with it, as before
        return
    if not len(log) or log["kind"].iloc[-1] not in ("started", "resumed"):  # no session, or it ended
        return
    try:
        detail = json.loads(log["detail"].iloc[-1])
    except ValueError:
        return
    recorded = detail.get("file") if isinstance(detail, dict) else None
    refusal = moved_from_another_host(path, recorded) if isinstance(recorded, str) and recorded else None
    if refusal:
        raise TrajectoryError(refusal)


def _session_file(path: Path, config: RunConfig) -> dict[str, str]:
    """``{"file": the run's file, absolute}`` for the event of a session on a SLURM backend (else {}): where the folder
    naming its jobs was (``<file>.work``), and so their name (``l2l-NAME``), should the file be moved without it
    (:func:`l2l.left_jobs.jobs_left_elsewhere`)."""
    return {"file": str(path.absolute())} if config.backend.name in SLURM_BACKENDS else {}


def _refuse_missing_folder(trajectory: Trajectory) -> None:
    """Refuse, before any worker starts, to resume a run whose folder of large checkpoints is not beside the file
    (moved or copied without it). Before, the resume ran, trained new candidates into a new empty folder and
    ended with an error at the first paused candidate it continued: compute spent on a run that could not go on
    as it would have."""
    from l2l.summary import missing_folder_line

    missing = missing_folder_line(trajectory, 0)
    if missing:
        raise TrajectoryError(f"{missing}; or resume with {option('drop_unreadable')} to record every candidate "
                              f"that would continue from one of its checkpoints as failed")


def _used_up(config: RunConfig, state: dict[str, Any], trajectory: Trajectory) -> str | None:
    """Why the finished run of ``config`` has nothing more to run whatever its budgets (its policy's work is
    complete), in words; None if it has, or has no policy. Decided from the stored state, before any worker
    starts."""
    if config.policy is None or state["loop"].get("in_flight"):
        return None
    from l2l.driver import nothing_left
    from l2l.policies import POLICIES, TrialTable

    policy = POLICIES.create(config.policy.name, config.policy.options)
    loop, space = state["loop"], trajectory.space
    table = TrialTable({k: dict(v) for k, v in state["trials"].items()}, space.to_unit, dict(loop), space)
    if not nothing_left(policy, state.get("policy"), table):
        return None
    name, key = config.policy.name, getattr(policy, "sweep_option", "max_candidates")
    candidates = int(getattr(policy, key, 0) or 0)
    # the stored config keeps the policy's options only: a one-line sweep's run.generations x population_size
    # and a [policy] table's own count read the same, so both are named
    more = f"a larger [policy] {key} (more run.generations in a one-line sweep)"
    if key == "population" and candidates:
        return (f"all {candidates} members of policy {name!r} were trained to the top budget; the population "
                f"([policy] population = {candidates}; run.generations x population_size in a one-line sweep) is "
                f"fixed when the run starts: for more, start a new run with {more}")
    if candidates and int(loop.get("next_trial", 0)) >= candidates:
        return (f"all {candidates} candidates of the sweep were evaluated (completed or stopped by policy "
                f"{name!r}); their number ([policy] {key} = {candidates}; run.generations x population_size in a "
                f"one-line sweep) is fixed when the run starts: for more, start a new run with {more}")
    options = ", ".join(f"{k} = {v}" for k, v in config.policy.options.items())
    return f"policy {name!r} has done all its work ({options}), so more compute runs nothing"


def _target_reached(trajectory: Trajectory) -> str | None:
    """Why a run that ended by reaching its run.target has nothing more to run, whatever budget is raised; None
    if it did not end so."""
    from l2l.summary.text import reached_line

    line = reached_line(trajectory)
    if not line:
        return None
    return f"its {line.replace('target', 'run.target', 1).replace(' reached by', ' was reached by', 1)}; for more, " \
           f"start a new run"


def _resume_floor(exc: ComputeFloor, path: Any, given: float | None, state: dict[str, Any] | None,
                  function: bool | str = False) -> str:
    """Why a resume's compute (``--compute``, else the one the file stores: an l2l before the floor let a run
    start with it) cannot run PBT, and the ``l2l resume`` command with the least compute that can."""
    spent = float(state["loop"].get("compute", 0.0)) if state is not None else 0.0
    least = exc.least(spent)
    what = option("compute", Placeholder(exact(exc.compute))) if given is not None else \
        f"its run.compute = {compute_text(exc.compute)} (an earlier l2l started the run with it)"
    fix = f"at least {number(least)}: {call('resume', path, compute=Placeholder(number(least)), function=function)}" \
        if exc.integer else \
        f"more than {at_least(least)}: {call('resume', path, compute=Placeholder('N'), function=function)} with N " \
        f"above {at_least(least)}"
    return f"{what} {exc.why}; give {fix} ({option('compute', Placeholder(at_least(exc.default)))} trains every " \
           f"member to the top)"


def _compute_unit(trajectory: Trajectory) -> str:
    """What the compute of ``trajectory``'s run counts, as its fidelity says it (``epochs``); "compute units" for a
    file that stores none."""
    fidelity = trajectory.run.get("fidelity")
    unit = (fidelity.get("unit") or fidelity.get("name")) if isinstance(fidelity, dict) else None
    return str(unit) if unit else "compute units"


def _still_reached(config: RunConfig, loop: dict[str, Any], unit: str = "compute units") -> str | None:
    """Why a finished run given a higher budget still has nothing to run: another of its budgets, not given
    (or given no higher), is reached already (``l2l resume --evaluations 600`` of a run that ended at its 15
    generations); None if every budget leaves room."""
    reached = []  # (what, its option, whether a singular verb goes with it alone)
    if config.policy is None and config.generations and loop.get("generation", 0) >= config.generations:
        reached.append((f"{config.generations} generation{'s' * (config.generations != 1)} (run.generations)",
                        option("generations"), config.generations == 1))
    if config.policy is not None and config.compute and loop.get("compute", 0.0) >= config.compute:
        reached.append((f"{compute_text(config.compute)} {unit} of compute (run.compute)", option("compute"), False))
    if config.evaluations and loop.get("evaluations", 0) >= config.evaluations:
        reached.append((f"{config.evaluations} evaluation{'s' * (config.evaluations != 1)} (run.evaluations)",
                        option("evaluations"), config.evaluations == 1))
    if config.max_time and loop.get("elapsed", 0.0) >= config.max_time:
        reached.append((f"{number(config.max_time)} s of run time (run.max_time)", option("max_time"), True))
    if not reached:
        return None
    what = " and ".join(text for text, _, _ in reached)
    options = " and ".join(option for _, option, _ in reached)
    return f"its {what} {'is' if len(reached) == 1 and reached[0][2] else 'are'} used up: raise {options} too"


def _raised_earlier(trajectory: Trajectory, stored: RunConfig) -> dict[str, float]:
    """The budgets the last ``resumed`` event ran toward where they differ from the stored config's (each
    resume records them); {} if the run was never resumed."""
    import json

    events = trajectory.events()
    resumed = events[events["kind"] == "resumed"]
    if not len(resumed):
        return {}
    try:
        detail = json.loads(resumed["detail"].iloc[-1])
    except (TypeError, ValueError):
        return {}
    keys = ("compute",) if stored.policy is not None else ("generations",)
    out = {}
    for key in (*keys, "evaluations", "max_time"):
        value = detail.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 \
                and value != getattr(stored, key):
            out[key] = int(value) if key in ("generations", "evaluations") else float(value)
    return out


def _switched_earlier(trajectory: Trajectory) -> int | None:
    """The run.stop_after_failures the last ``resumed`` event ran with (``--stop-after-failures``, or the config's),
    None if it recorded none or the run was never resumed."""
    import json

    events = trajectory.events()
    resumed = events[events["kind"] == "resumed"]
    if not len(resumed):
        return None
    try:
        value = json.loads(resumed["detail"].iloc[-1]).get("stop_after_failures")
    except (TypeError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _failed_to_redo(trajectory: Trajectory) -> bool:
    """True where the run's last session stopped for run.stop_after_failures: a generational run then drops the rows
    of the generation it stopped in the middle of (an N not a multiple of the population), all failed (none of the
    run ever succeeded), and evaluates its members again. Those failures are the model's that the stop asked to fix,
    not results of the model the run goes on with; a killed run's failed rows are reused (its model is the same),
    as are the whole generations committed before the stop (the optimizer was told them). A resume that did not fix
    the model fails them again, counted in its own N; the default N falls between two generations, leaving none."""
    from l2l.driver_failures import stopped_for_failures

    return stopped_for_failures(trajectory) is not None


def _raises(loop: dict[str, Any], **limits: float | None) -> bool:
    """True if a budget given to resume lies beyond what the run has done (see :func:`_check_raised`)."""
    done = {"generations": loop.get("generation", 0), "evaluations": loop.get("evaluations", 0),
            "compute": loop.get("compute", 0.0), "max_time": loop.get("elapsed", 0.0)}
    return any(value is not None and float(value) > float(done[key]) for key, value in limits.items())


def _check_raised(loop: dict[str, Any], ended: bool, unit: str = "compute units", **limits: float | None) -> None:
    """A budget given to resume may not be below what a run that ended has done already (it would read,
    say, '8 of 3 generations' for good). A killed run (no event after its start) may be given any budget:
    the resume then ends it where it stands (its finished event, its re-evaluation); so may the budget a
    run has reached (a finished run: nothing runs).
    """
    done = {"generations": (loop.get("generation", 0), "generations"),
            "evaluations": (loop.get("evaluations", 0), "evaluations"),
            "compute": (loop.get("compute", 0.0), f"{unit} spent"),  # the fidelity's unit: epochs
            "max_time": (loop.get("elapsed", 0.0), "seconds of run time used")}
    for key, value in limits.items():
        if value is None:
            continue
        have, what = done[key]
        if ended and float(value) < float(have):
            if key == "max_time":  # to 0.1 s, 0.04 s read '0.0 ... must be at least 0.0' with --max-time 0 refused
                shown, least = _figure(float(have)), _at_least(float(have))
            else:
                shown = least = number(have)
                if float(least) < float(have):  # 6 significant digits, rounded down: the figure in full
                    least = repr(float(have))
            raise ConfigError(f"the run has {shown} {what} already; {option(key)} must be at least {least}")


def _figure(value: float) -> str:
    """``value`` as a message gives it: one decimal place from 1 up, three significant digits below."""
    return f"{value:.1f}" if value >= 1 or value == 0 else f"{value:.3g}"


def _at_least(value: float) -> str:
    """The least figure a message asks for in place of ``value`` (>= 0): as :func:`_figure` writes it, rounded
    up, so that the figure given back is not refused again (0.0123 -> '0.013', 12.04 -> '12.1')."""
    if value <= 0:
        return "0"
    places = 1 if value >= 0.1 else 1 - math.floor(math.log10(value))  # two significant digits below 0.1
    text = f"{math.ceil(round(value * 10 ** places, 6)) / 10 ** places:.{places}f}"
    return text if float(text) >= value else repr(value)


def _stored_outcomes(trajectory: Trajectory, generation: int, objectives: tuple[Objective, ...],
                     committed: int | None = None) -> dict[int, Outcome]:
    """Outcomes of ``generation`` already in the file (an interrupted generation).

    Only the rows after the last commit (``committed`` of them before) are read, so a resume costs the same
    whatever the size of the file.
    """
    from l2l.results_schema.layout import STATUS_NAMES

    start = committed if committed is not None else 0
    metrics = trajectory.metric_columns
    names = ("generation", "individual", "seed", "status", "attempts", "started", "duration",
             *(f"objectives/{o.name}" for o in objectives), *(f"metrics/{m}" for m in metrics))
    columns = trajectory.rows(names, start)
    out = {}
    for k in np.flatnonzero(columns["generation"] == generation):
        row = start + int(k)
        individual = int(columns["individual"][k])
        out[individual] = Outcome(
            generation=generation, individual=individual, seed=int(columns["seed"][k]),
            status=STATUS_NAMES[int(columns["status"][k])],
            objectives={o.name: float(columns[f"objectives/{o.name}"][k]) for o in objectives},
            metrics={m: float(columns[f"metrics/{m}"][k]) for m in metrics},
            outputs=trajectory.output_of(row), error=trajectory.error_text(row, limit=1 << 20),
            started=float(columns["started"][k]), duration=float(columns["duration"][k]),
            attempt=int(columns["attempts"][k]) - 1)
    return out


def _drive_recording_failure(components: Components, writer, state: dict[str, Any], **options: Any) -> None:
    """:func:`_drive`, with a ``failed`` event (and the error) in the file if the run dies of an exception, and a
    ``stopped`` one (reason ``interrupted``) for a Ctrl-C before the driver's loop began, which writes its own
    after: one while the local cluster was still starting left the session's ``started`` event the last, which
    ``l2l show`` read as a run whose process was killed ("interrupted (no process writes the file ...)")."""
    told = _EventsTold(writer, options.pop("session", 1))
    try:
        _drive(components, told, state, **options)
    except KeyboardInterrupt as exc:
        if told.last is None:  # nothing of this session computed: the file holds what it held before it
            try:
                told.event("stopped", {"generation": state["loop"].get("generation", 0), "reason": "interrupted"})
            except Exception:  # noqa: BLE001 - the file itself may be what failed; the interrupt goes on up
                pass
        # What finished is committed (the driver's stop): said under the traceback a script or notebook shows
        # (l2l run and resume print their own line instead), which before named neither the file nor the way on.
        where = writer.path.absolute()
        passed = passed_as(components.config.simulator.options)
        if passed:  # passed again (by its name, as the notebook or script that ran it knows it); no command can
            again = f"l2l.resume({str(where)!r}, simulator={passed})"
        else:
            again = f"l2l.resume({str(where)!r}) (or: {command('l2l', 'resume', where)})"
        exc.add_note(f"l2l: interrupted; every committed evaluation is in {where}; continue with {again}")
        raise
    except Exception as exc:
        try:
            told.event("failed", {"error": f"{type(exc).__name__}: {exc}"[:400]})  # with its hosts
        except Exception:  # noqa: BLE001 - the file itself may be what failed; the error goes on up
            pass
        raise


class _EventsTold:
    """A trajectory writer that notes the kind of the last event written through it (None: none yet), and the hosts
    of the outcomes appended through it, recorded in the event that ends the session (l2l.provenance.SessionHosts),
    and in each commit of the run state, from which a resume recovers them where the session ``session`` (its number
    among the run's) is killed."""

    def __init__(self, writer, session: int = 1) -> None:
        self._writer, self.last, self.hosts = writer, None, SessionHosts(session)

    def commit_generation(self, generation: int, *, state: Any, **commit: Any) -> None:
        self._writer.commit_generation(generation, state=self.hosts.in_state(state), **commit)

    def append(self, outcomes: Any, params: Any) -> None:
        self.hosts.saw(outcomes)
        self._writer.append(outcomes, params)

    def event(self, kind: str, detail: Any = "") -> None:
        self._writer.event(kind, self.hosts.added(detail) if kind in ("finished", "stopped", "failed") else detail)
        self.last = kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


def _drive(components: Components, writer, state: dict[str, Any], *, reuse: dict[int, Outcome],
           progress: bool, on_generation: Callable[[dict], None] | None, control: RunControl,
           drop_unreadable: bool = False, on_evaluation: Callable[[dict], None] | None = None) -> None:
    from l2l.driver import drive

    settings = Settings(objectives=tuple(o.name for o in components.problem.objectives),
                        timeout=components.config.timeout, run_dir=str(writer.path.with_suffix(".work")),
                        resumed=bool(state["loop"].get("evaluations")))
    # run.target ends the run at the first result that reaches it, not with the others its backend batched it with
    components.executor.each_result = components.config.target is not None
    begin, end = (getattr(components.simulator, name, None) for name in ("begin_run", "end_run"))  # (command's)
    if begin is not None and end is not None:
        begin(settings.run_dir)
    try:
        drive(components, writer, state, reuse=reuse, progress=progress, on_generation=on_generation,
              settings=settings, control=control, drop_unreadable=drop_unreadable, on_evaluation=on_evaluation)
    finally:
        if begin is not None and end is not None:
            end(settings.run_dir)
