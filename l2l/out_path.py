"""A run's output file: where it goes (:func:`default_out`) and what refuses it before anything is created
(:func:`check_out`: a folder, a file that is not a trajectory, a run of another config or seed, a finished run, a
folder that cannot be written); :mod:`l2l.loop` asks these before a run starts."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

from l2l.errors import ConfigError, TrajectoryError, command, shown
from l2l.results_schema.reader import Trajectory
from l2l.resume_limits import resume_budgets, target_reached
from l2l.run_config import RunConfig
from l2l.stored_config import load_run_config
from l2l.words import Placeholder, call, named, on_command_line, option, passed_as


def default_out(config: RunConfig) -> Path:
    if config.out:
        out = Path(config.out)
        return out if out.is_absolute() else Path(config.base_dir) / out
    return Path(config.base_dir) / f"{config.name}.h5"



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
        check_run_folder(path, config)
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
                reached = target_reached(trajectory)
        except Exception:  # noqa: BLE001 - unreadable or damaged: the plain message
            reached = None
        if reached:
            raise TrajectoryError(f"{path} already exists and holds this config's run, which ended as {reached} with "
                                  f"another {option('out')} ({named('resume')} runs nothing more for it, whatever "
                                  f"budget is raised)")
        more = resume_budgets(stored, config) if stored is not None else []
        if not more and _finished(path):  # 'l2l resume FILE' would only say there is nothing to resume
            fixed = _used_up(path, stored)
            if fixed:  # a finished pbt run (its population trained to the top): no budget raised runs more
                raise TrajectoryError(f"{path} already exists and holds this config's finished run, which no "
                                      f"budget raised extends ({fixed}); choose another {option('out')}")
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



def check_run_folder(path: Path, config: RunConfig, resumed: bool = False) -> None:
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



def _used_up(path: Path, stored: RunConfig | None) -> str | None:
    """Why the finished run in ``path`` has nothing more to run whatever budget a resume raises (its policy's work
    is done: all members of a ``pbt`` population at the top budget; :func:`l2l.resume_limits.used_up`), in words;
    None if a resume with more budget would run something, or in doubt. Before, ``l2l run`` (and ``l2l.run``) into
    the file of a finished PBT run suggested ``l2l resume FILE`` with more compute, which ran nothing."""
    if stored is None or stored.policy is None:
        return None
    from l2l.resume_limits import used_up
    try:
        with Trajectory(path) as trajectory:
            state = trajectory.state() if trajectory.n_generations else None
            return used_up(stored, state, trajectory) if state is not None else None
    except Exception:  # noqa: BLE001 - unreadable or damaged: the plain message
        return None


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



def out_path(out: str | os.PathLike) -> Path:
    """The ``out=`` of :func:`l2l.loop.run` as a Path, refused in one line where it names no file: ``""`` (it read as
    the folder ``.``) and ``"runs/"`` (Path drops the slash: a file ``runs`` was written), as ``l2l run --out`` is.
    A folder that exists is left to :func:`check_out`, which says it is one."""
    text = os.fspath(out)
    if isinstance(text, str) and not text.strip():
        raise ConfigError(f"{option('out')} must name a file, e.g. run.h5, got {text!r}")
    path = Path(text)
    if isinstance(text, str) and text.endswith(("/", os.sep)) and not path.is_dir():
        raise ConfigError(f"{option('out')} must name a file, e.g. {os.path.join(text, 'run.h5')}, got {text!r}")
    return path
