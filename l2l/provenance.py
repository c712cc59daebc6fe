"""What a methods section needs to say about a run, as stored in its file and as ``l2l show`` prints it.

A run's file records, once when it is created, the versions of what decides its results (``/run`` attribute
``versions``, see :func:`versions`): l2l and, where l2l runs from a git checkout, the commit it runs at (with
``+modified`` where tracked files differ from it: a version number alone does not name the code of an editable
install), Python, the platform, HDF5 and the packages whose versions change the numbers (numpy, the optimizers'
deap, optuna and nevergrad, the simulators' NEST and Brian2). A resumed session (``l2l resume`` on another
machine, or after an upgrade) records in its ``resumed`` event the versions that differ from the file's
(:func:`changed_versions`). :func:`versions_line` and :func:`time_line` are ``l2l show``'s ``versions`` and
``time`` lines; docs/reproducibility.md says what else a methods section takes from the file.

Each session (the run, each ``l2l resume``) also records, in its ``started`` or ``resumed`` event, the code of the
user's model (:func:`l2l.model_code.model_sources`: a sha256 of the module file of a ``python`` simulator's
function, of the source text of what a function object runs, of each file a ``command`` simulator's argv names), of
the modules the model imports from its own package (:func:`~l2l.model_code.model_imports`) and the driver's host,
CPU model and count
(:func:`driver_host`); its ``finished``, ``stopped`` or ``failed`` event the hosts its evaluations ran on, with their
counts (:class:`SessionHosts`, from each outcome's ``host``: the SLURM node name, else the host name, seen by the
process that evaluated it), which each commit of the run state also holds, for a resume to record those of a killed
session (:func:`killed_hosts`). An event holds at most 512 bytes: what does not fit is left out, never the event's own
entries (:func:`with_session`). :mod:`l2l.sessions` reads them back (``session_records``) and words
``l2l show``'s ``model`` and ``hosts`` lines.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from l2l.model_changes import changed_model_line, model_change_line
from l2l.model_code import imported_files, model_imports, model_sources  # noqa: F401 (docs name imported_files here)
from l2l.model_hashes import SHORT_HASH, whole_digest

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
    from l2l.version import __version__

    out = {"l2l": __version__}
    revision = _this_checkout()
    if revision:
        out["l2l_source"] = revision
    out.update(_installed())
    return out


@functools.lru_cache(maxsize=1)
def _installed() -> dict[str, str]:
    """Python's, HDF5's, the platform's and every package's of :data:`PACKAGES` version, looked up once per process
    (about 0.3 s on a loaded machine, at every run and resume before): the modules this process runs are the ones it
    imported, whatever pip installs meanwhile."""
    from importlib.metadata import PackageNotFoundError, version

    import h5py

    out = {"python": sys.version.split()[0], "hdf5": h5py.version.hdf5_version, "platform": platform.platform()}
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


def last_session_versions(trajectory: Trajectory) -> dict[str, Any]:
    """The versions the run's last session ran with: the file's (``/run`` ``versions``), with what each resume
    recorded as different (its ``resumed`` event's ``versions``; None: absent then) applied in turn."""
    recorded = dict(trajectory.run.get("versions")) if isinstance(trajectory.run.get("versions"), dict) else {}
    events = trajectory.events()
    for kind, detail in zip(events["kind"], events["detail"]):
        if kind != "resumed":
            continue
        try:
            changed = json.loads(detail).get("versions")
        except (TypeError, ValueError, AttributeError):
            changed = None
        if isinstance(changed, dict):
            recorded.update(changed)
    return recorded


#: The versions a re-evaluation names where they differ from the run's: l2l's, Python's and the packages', not the
#: checkout's commit (every commit of a checkout differs) or the platform's (the kernel's build, the machine's).
_COMPARED = ("l2l", "python", "hdf5", *PACKAGES)


def reevaluation_versions_line(trajectory: Trajectory) -> str:
    """The note ``l2l reevaluate`` prints where it runs other versions than the run's last session did (a
    reviewer's machine, an upgrade since): ``l2l: note: ... numpy 1.26.4 -> 2.3.5 ...``; '' where the same, or
    where the file records none (an l2l of before 6 December 2026). Re-evaluation rows record no versions."""
    recorded = last_session_versions(trajectory)
    if not recorded:
        return ""
    now = versions()
    differ = [f"{name} {recorded.get(name) or 'none'} -> {now.get(name) or 'none'}" for name in _COMPARED
              if name in recorded and recorded.get(name) != now.get(name)]
    if not differ:
        return ""
    return (f"l2l: note: this re-evaluation runs other versions than the run's last session ({', '.join(differ)}): "
            f"where its means differ from the values the run recorded, these may be why (its rows do not record "
            f"versions; l2l show's versions line has the run's)")


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
    seconds, sessions, killed, begun = 0.0, 0, 0, None
    for time, kind in zip(events["time"], events["kind"]):
        if kind in ("started", "resumed"):
            killed += begun is not None  # the session before had no end, and another came: it was killed
            begun, sessions = time, sessions + 1
        elif kind in ("stopped", "finished", "failed") and begun is not None:
            seconds += (time - begun).total_seconds()
            begun = None
    last = int(begun is not None)  # the last session has no end: killed, or still running
    if not sessions:
        return ""
    ended = sessions - killed - last
    text = f"{seconds:.1f} s of wall time in {ended} session{'s' * (ended != 1)}"
    # (a killed session was said 'killed, or running' even after a resume had shown it was killed)
    if killed and last:
        text += f"; {killed + last} more without an end not counted ({killed} killed; the last killed, or running)"
    elif killed:
        text += f"; {killed} more killed (no event ended {'it' if killed == 1 else 'them'}) not counted"
    elif last:
        text += "; 1 more without an end (killed, or running) not counted"
    return text


#: The most bytes of an event's detail (the file's ``event_detail`` is S512, SPEC.md).
EVENT_BYTES = 512


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), else what :mod:`platform` says ('' where nothing)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith(("model name", "hardware", "cpu model")) and ":" in line:
                    return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return platform.processor() or platform.machine()


@functools.lru_cache(maxsize=1)
def driver_host() -> dict[str, Any]:
    """The host the run's driver (the process writing the file) runs on: ``host``, ``cpu`` (model), ``cpus``."""
    return {"host": socket.gethostname(), "cpu": cpu_model(), "cpus": os.cpu_count() or 0}


def _fits(detail: dict[str, Any]) -> bool:
    return len(json.dumps(detail).encode()) <= EVENT_BYTES


def _short(model: list[list[str]], digits: int | None) -> list[list[str]]:
    """``model`` with each file named by its name alone, each hash cut to ``digits`` (None: whole)."""
    return [[where if where.startswith("function ") else Path(where).name,
             digest[:digits] if digits and whole_digest(digest) else digest] for where, digest in model]


def killed_hosts(records: list[dict[str, Any]], state: Any) -> dict[str, Any] | None:
    """What a resume records of the session before it where that one was killed (its event log ends with its
    ``started`` or ``resumed`` event; ``records``: :func:`l2l.sessions.session_records`): ``{"session": N,
    "hosts": {host: evaluations}}``, the hosts of the evaluations it appended up to its last commit, as the run
    state ``state`` (the file's last) holds them (:meth:`SessionHosts.in_state`); None where it was not killed or
    committed nothing."""
    if not records or "ended" in records[-1] or not isinstance(state, dict):
        return None
    hosts = state.get("hosts")
    if not isinstance(hosts, dict) or hosts.get("session") != records[-1]["session"]:
        return None
    counts = hosts.get("counts")
    if not isinstance(counts, dict) or not counts:
        return None
    return {"session": records[-1]["session"], "hosts": counts}


def _ranked_fit(detail: dict[str, Any], key: str, head: dict[str, Any], counts: dict[str, int]) -> dict[str, Any]:
    """``detail`` with ``{key: {**head, "hosts": ..., "more_hosts": ...}}``, as many hosts (most evaluations first) as
    fit the event, halved until they do; ``detail`` itself where none does."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = len(ranked)
    while shown:
        entry = {**head, "hosts": dict(ranked[:shown]),
                 **({"more_hosts": len(ranked) - shown} if shown < len(ranked) else {})}
        if _fits({**detail, key: entry}):
            return {**detail, key: entry}
        shown //= 2
    return detail


def with_session(detail: dict[str, Any], simulator: Any, trajectory: Trajectory | None = None,
                 state: Any = None) -> dict[str, Any]:
    """``detail`` (a ``started`` or ``resumed`` event's) with the session's ``model`` (:func:`model_sources`),
    ``imports`` (:func:`model_imports`) and ``driver`` (:func:`driver_host`), as much of them as fits the event with
    every entry of ``detail`` whole: the full paths and hashes, else the files' names, else hashes cut to SHORT_HASH
    digits, else less of the driver, else no ``imports``. ``trajectory`` (a resume's): a model, or modules it
    imports, that differ from the last ones its sessions recorded are said in one warning line on stderr; where the
    session before was killed, ``killed`` (:func:`killed_hosts`, from its run state ``state``) as much as fits."""
    from l2l.sessions import session_records

    model = model_sources(simulator)
    imports = model_imports(simulator)
    records = session_records(trajectory.events()) if trajectory is not None else []
    recorded = [record for record in records if "model" in record]
    if recorded and isinstance(recorded[-1]["model"], list):
        line = model_change_line(recorded[-1]["model"], model, recorded[-1].get("imports"), imports)
        if line:
            print(line, file=sys.stderr)
    driver = driver_host()
    named = {**imports, "under": Path(imports["under"]).name} if imports else None
    short = {**named, "sha256": named["sha256"][:SHORT_HASH]} if named else None
    tried = [(model, imports, driver), (_short(model, None), named, driver), (_short(model, SHORT_HASH), short, driver),
             (_short(model, SHORT_HASH), short, {"host": driver["host"], "cpus": driver["cpus"]}),
             (_short(model, SHORT_HASH), short, None)]
    tried += [(files, None, host) for files, _, host in tried[2:]]
    tried += [([], None, driver), ([], None, None)]  # (a model too long: the driver still)
    # the killed session's hosts first: what the run counted is worth more than the model's file names, which the
    # ladder below shortens (a resume whose model folder held over 200 imported modules, whose 'capped' note made
    # the event too long, lost the killed session's evaluations from l2l show's hosts line)
    killed = killed_hosts(records, state)
    kept = _ranked_fit({}, "killed", {"session": killed["session"]}, killed["hosts"]) if killed else {}
    extras = [{**({"model": files} if files else {}), **({"imports": imported} if files and imported else {}),
               **({"driver": host} if host else {})} for files, imported, host in tried]
    for extra in extras:
        if _fits({**detail, **kept, **extra}):
            return {**detail, **kept, **extra}
    for extra in extras:  # the killed session's hosts fit beside nothing: as many of them as fit after the rest
        if _fits({**detail, **extra}):
            detail = {**detail, **extra}
            break
    return _ranked_fit(detail, "killed", {"session": killed["session"]}, killed["hosts"]) if killed else detail


class SessionHosts:
    """Counts the evaluations of a session (its number among the run's, from 1) by the host that ran them (each
    outcome's ``host``, :func:`l2l.jobs.base.node_name`), for the event that ends it (:meth:`added`) and for each
    commit of its run state (:meth:`in_state`), from which the next resume recovers them where it was killed
    (:func:`killed_hosts`)."""

    def __init__(self, session: int = 1) -> None:
        self.session = session
        self.counts: dict[str, int] = {}

    def saw(self, outcomes: Any) -> None:
        for outcome in outcomes:
            host = getattr(outcome, "host", "")
            if host:
                self.counts[host] = self.counts.get(host, 0) + 1

    def added(self, detail: Any) -> Any:
        """``detail`` with ``hosts`` (name: evaluations, most first), as many as fit the event with ``detail`` whole
        (``more_hosts``: how many were left out); ``detail`` itself where it is no dict or nothing was seen."""
        if not isinstance(detail, dict) or not self.counts:
            return detail
        ranked = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        shown = len(ranked)
        while shown:
            extra = {"hosts": dict(ranked[:shown]), **({"more_hosts": len(ranked) - shown} if shown < len(ranked)
                                                       else {})}
            if _fits({**detail, **extra}):
                return {**detail, **extra}
            shown //= 2
        return detail

    def in_state(self, state: Any) -> Any:
        """The run state ``state`` a commit stores, with ``hosts``: this session's number and counts so far."""
        if not isinstance(state, dict):
            return state
        return {**state, "hosts": {"session": self.session, "counts": dict(self.counts)}}


#: The largest model file ``l2l show`` hashes again to see whether it was edited since (as a session hashes them).
_REHASHED_BYTES = 10 * 2**20


def model_edited_since(records: list[dict[str, Any]]) -> str:
    """What the ``model`` line of ``l2l show`` adds where a file the run's last session hashed is still where it was
    and hashes otherwise now (edited since: a re-evaluation or resume there would run other code): ``the file there
    now differs: noisy_bowl.py sha256 f2adaad63e4bb2d9 (edited since the run)``; '' where every such file is the
    same, gone (another machine: nothing to say) or no file (a function's source)."""
    import hashlib

    recorded = [record for record in records if isinstance(record.get("model"), list)]
    if not recorded:
        return ""
    differ = []
    for entry in recorded[-1]["model"]:
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            continue
        where, digest = str(entry[0]), str(entry[1])
        if not (whole_digest(digest) or len(digest) == SHORT_HASH) or not os.path.isabs(where):
            continue
        try:
            if not os.path.isfile(where) or os.path.getsize(where) > _REHASHED_BYTES:
                continue
            with open(where, "rb") as f:
                now = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            continue
        if not now.startswith(digest):
            differ.append(f"{Path(where).name} sha256 {now[:SHORT_HASH]}")
    if not differ:
        return ""
    return (f"the file{'s' * (len(differ) != 1)} there now differ{'s' * (len(differ) == 1)}: {', '.join(differ)} "
            f"(edited since the run: l2l reevaluate and l2l resume there would run other code)")


def provenance_lines(trajectory: Trajectory) -> list[tuple[str, str]]:
    """``l2l show``'s ``versions``, ``model``, ``hosts`` and ``time`` lines, by label (a text '' is left out). A last
    session without an end (killed and not resumed since, or running) is counted up to its last commit, as its run
    state holds them (:func:`killed_hosts`)."""
    from l2l.sessions import hosts_line, model_line, session_records, stored_reevaluation_hosts

    records = session_records(trajectory.events())
    if records and "ended" not in records[-1]:
        try:
            state = trajectory.state() if trajectory.n_generations else None
        except Exception:  # noqa: BLE001 - a state that cannot be read: the line without its hosts, as before
            state = None
        open_session = killed_hosts(records, state)
        if open_session:
            records[-1].update(ended="open", hosts=open_session["hosts"])
    model = model_line(records)
    edited = model_edited_since(records)
    return [("versions", versions_text(trajectory)), ("model", f"{model}; {edited}" if model and edited else model),
            ("hosts", hosts_line(records, stored_reevaluation_hosts(trajectory))), ("time", time_line(trajectory))]


#: How many fresh seeds :func:`reevaluation_seeds_line` names before it counts the rest.
SHOWN_SEEDS = 10


def reevaluation_seeds_line(trajectory: Trajectory) -> str:
    """The fresh seeds the stored re-evaluation ran on, in the order of their repeats, as ``l2l reevaluate`` and
    ``l2l show`` print them under its ranking ('' where nothing is re-evaluated); where rows ran model code other
    than the run's, a second line says so (:func:`changed_model_line`)."""
    if not trajectory.has_reevaluations:
        return ""
    rows = trajectory.reevaluations(errors=False)
    if rows.empty:
        return ""
    seeds = [int(seed) for seed in rows.sort_values("repeat", kind="stable")["seed"].drop_duplicates()]
    shared = bool(rows.groupby("repeat")["seed"].nunique().max() == 1)  # common random numbers, as drawn
    shown = ", ".join(str(seed) for seed in seeds[:SHOWN_SEEDS])
    more = f", ... ({len(seeds)} in all)" if len(seeds) > SHOWN_SEEDS else ""
    line = (f"fresh seeds ({'the same for every candidate, ' if shared else ''}derived from run seed "
            f"{trajectory.run.get('seed')}): {shown}{more}; each row's: "
            f"l2l.load({str(trajectory.path)!r}, reevaluations=True)")
    changed = changed_model_line(rows)
    return f"{line}\n{changed}" if changed else line


__all__ = ["PACKAGES", "SHOWN_SEEDS", "SessionHosts", "changed_versions", "cpu_model", "driver_host", "imported_files",
           "killed_hosts", "last_session_versions", "model_edited_since", "provenance_lines", "reevaluation_seeds_line",
           "reevaluation_versions_line", "resumed_versions_text", "source_revision",
           "time_line", "versions", "versions_line", "versions_text", "with_session"]
