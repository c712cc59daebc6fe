"""What a methods section needs to say about a run, as stored in its file and as ``l2l show`` prints it.

A run's file records, once when it is created, the versions of what decides its results (``/run`` attribute
``versions``, see :func:`versions`): l2l and, where l2l runs from a git checkout, the commit it runs at (with
``+modified`` where tracked files differ from it: a version number alone does not name the code of an editable
install), Python, the platform, HDF5 and the packages whose versions change the numbers (numpy, the optimizers'
deap, optuna and nevergrad, the simulators' NEST and Brian2). A resumed session (``l2l resume`` on another
machine, or after an upgrade) records in its ``resumed`` event the versions that differ from the file's
(:func:`changed_versions`). :func:`versions_line` and :func:`time_line` are ``l2l show``'s ``versions`` and
``time`` lines; docs/reproducibility.md says what else a methods section takes from the file.
"""

from __future__ import annotations

import functools
import json
import platform
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from l2l.results_schema.reader import Trajectory

#: The distributions whose versions a run records (those not installed are recorded as such).
PACKAGES = ("numpy", "scipy", "pandas", "h5py", "dask", "distributed", "deap", "optuna", "nevergrad",
            "nest-simulator", "brian2")
#: Seconds the git commands that name the source checkout may take before they are given up.
GIT_TIMEOUT = 5.0


def source_revision(folder: str | Path | None = None) -> str | None:
    """The git commit the l2l source in ``folder`` (default: this package's parent folder) is at, with
    ``+modified`` where a tracked file differs from it; None where it is no git checkout or git cannot tell."""
    folder = Path(folder) if folder is not None else Path(__file__).resolve().parent.parent
    if not (folder / ".git").exists():
        return None
    try:
        head = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT)
        if head.returncode != 0:
            return None
        changed = subprocess.run(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no",
                                  "--", "l2l"], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):  # no git, or a hung file system: the version number is left
        return None
    revision = head.stdout.strip()
    if not revision:
        return None
    return revision + ("+modified" if changed.returncode != 0 or changed.stdout.strip() else "")


@functools.lru_cache(maxsize=1)
def _this_checkout() -> str | None:
    """:func:`source_revision` of the l2l this process runs, asked once a process (two git calls, ~20 ms)."""
    return source_revision()


def versions() -> dict[str, str]:
    """The versions a run records when its file is created: ``l2l``, ``l2l_source`` (the git commit, only where
    l2l runs from a checkout), ``python``, ``hdf5``, ``platform`` and every package of :data:`PACKAGES`."""
    from importlib.metadata import PackageNotFoundError, version

    import h5py

    from l2l import __version__

    out = {"l2l": __version__}
    revision = _this_checkout()
    if revision:
        out["l2l_source"] = revision
    out.update({"python": sys.version.split()[0], "hdf5": h5py.version.hdf5_version,
                "platform": platform.platform()})
    for package in PACKAGES:
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


def changed_versions(recorded: Any) -> dict[str, dict[str, str | None]]:
    """The ``resumed`` event's ``versions`` entry: each of :func:`versions` that differs from ``recorded`` (the
    file's ``/run`` ``versions``; None where this session has no such entry, e.g. no ``l2l_source`` outside a
    checkout), as ``{"versions": {name: value}}``; {} where this session runs what the file records. A file that
    records none (an l2l of before 6 December) gets them all."""
    recorded = recorded if isinstance(recorded, dict) else {}
    now = versions()
    changed: dict[str, str | None] = {name: value for name, value in now.items() if recorded.get(name) != value}
    changed.update({name: None for name in recorded if name not in now})
    return {"versions": changed} if changed else {}


def versions_line(run: dict[str, Any]) -> str:
    """``l2l show``'s ``versions`` line: what the run's file records besides l2l's own version (given on the
    ``host`` line), the packages not installed left out; '' for a file that records none."""
    recorded = run.get("versions") if isinstance(run.get("versions"), dict) else {}
    parts = [f"{name} {value}" for name, value in recorded.items()
             if name not in ("l2l", "platform") and value != "not installed"]
    if "platform" in recorded:
        parts.append(str(recorded["platform"]))
    return ", ".join(parts)


def resumed_versions_text(trajectory: Trajectory) -> str:
    """What the ``versions`` line adds for sessions resumed with other versions than the file records, each by its
    number among the run's sessions: ``session 2 (resumed): numpy 1.26.4 -> 2.1.0, l2l 0.1.0 -> 0.2.0``; '' where
    every session recorded none (ran the file's versions, or an l2l that did not record them)."""
    events = trajectory.events()
    recorded = trajectory.run.get("versions") if isinstance(trajectory.run.get("versions"), dict) else {}
    parts, session = [], 0
    for kind, detail in zip(events["kind"], events["detail"]):
        if kind not in ("started", "resumed"):
            continue
        session += 1
        try:
            changed = json.loads(detail).get("versions") if kind == "resumed" else None
        except (TypeError, ValueError, AttributeError):
            changed = None
        if not isinstance(changed, dict) or not changed:
            continue
        said = ", ".join(f"{name} {recorded.get(name) or 'none'} -> {value or 'none'}"
                         for name, value in changed.items())
        parts.append(f"session {session} (resumed): {said}")
    return "; ".join(parts)


def versions_text(trajectory: Trajectory) -> str:
    """``l2l show``'s ``versions`` line: :func:`versions_line`, then the sessions resumed with other versions
    (:func:`resumed_versions_text`)."""
    return "; ".join(text for text in (versions_line(trajectory.run), resumed_versions_text(trajectory)) if text)


def time_line(trajectory: Trajectory) -> str:
    """``l2l show``'s ``time`` line: the wall time of the run's sessions, each from its ``started`` or ``resumed``
    event to the event that ended it (the backend's start-up included, the pauses between sessions not), read
    from the event log alone; a session with no such event (killed, or still running) is counted apart, not
    guessed. '' before a first session."""
    events = trajectory.events()
    seconds, sessions, open_sessions, begun = 0.0, 0, 0, None
    for time, kind in zip(events["time"], events["kind"]):
        if kind in ("started", "resumed"):
            open_sessions += begun is not None  # the session before had no end
            begun, sessions = time, sessions + 1
        elif kind in ("stopped", "finished", "failed") and begun is not None:
            seconds += (time - begun).total_seconds()
            begun = None
    open_sessions += begun is not None
    if not sessions:
        return ""
    text = f"{seconds:.1f} s of wall time in {sessions - open_sessions} session{'s' * (sessions - open_sessions != 1)}"
    if open_sessions:
        text += (f"; {open_sessions} more without an end (killed, or running) not counted")
    return text


def provenance_lines(trajectory: Trajectory) -> list[tuple[str, str]]:
    """``l2l show``'s ``versions`` and ``time`` lines, by label (a text '' is left out)."""
    return [("versions", versions_text(trajectory)), ("time", time_line(trajectory))]


#: How many fresh seeds :func:`reevaluation_seeds_line` names before it counts the rest.
SHOWN_SEEDS = 10


def reevaluation_seeds_line(trajectory: Trajectory) -> str:
    """The fresh seeds the stored re-evaluation ran on, in the order of their repeats, as ``l2l reevaluate`` and
    ``l2l show`` print them under its ranking ('' where nothing is re-evaluated)."""
    if not trajectory.has_reevaluations:
        return ""
    rows = trajectory.reevaluations(errors=False)
    if rows.empty:
        return ""
    seeds = [int(seed) for seed in rows.sort_values("repeat", kind="stable")["seed"].drop_duplicates()]
    shared = bool(rows.groupby("repeat")["seed"].nunique().max() == 1)  # common random numbers, as drawn
    shown = ", ".join(str(seed) for seed in seeds[:SHOWN_SEEDS])
    more = f", ... ({len(seeds)} in all)" if len(seeds) > SHOWN_SEEDS else ""
    return (f"fresh seeds ({'the same for every candidate, ' if shared else ''}derived from run seed "
            f"{trajectory.run.get('seed')}): {shown}{more}; each row's: "
            f"l2l.load({str(trajectory.path)!r}, reevaluations=True)")


__all__ = ["PACKAGES", "SHOWN_SEEDS", "changed_versions", "provenance_lines", "reevaluation_seeds_line",
           "resumed_versions_text", "source_revision", "time_line", "versions", "versions_line", "versions_text"]
