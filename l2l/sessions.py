"""The time a run ran: from its start, leaving out the pauses between its sessions.

A run stopped in the evening and resumed the next morning was not running overnight. A pause starts at the
run's last sign of life before a ``resumed`` event (an evaluation that finished, or an event) and ends at that
event; the figures that measure a run's speed (``l2l compare``'s wall time and its best-so-far against time,
the report's wall time and rate, ``l2l watch``'s rate) count only the time outside the pauses, as
``run.max_time`` does.

Each session may run on another backend (``l2l resume FILE --backend B`` or ``--workers N``): its ``resumed``
event records the one it ran on, and :func:`backend_text` says which ran when, as ``l2l show``, the report and
``l2l watch`` give it.

Each session also records the code of the user's model it ran and the hosts it ran on (:mod:`l2l.provenance`):
:func:`session_records` reads them back, :func:`model_line` and :func:`hosts_line` word them for ``l2l show``
and the report.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np

from l2l.errors import L2LError
from l2l.model_hashes import SHORT_HASH, same_imports, same_model, whole_digest


def active_seconds(times: np.ndarray, start: float, event_times: Sequence[float], event_kinds: Sequence[str],
                   completions: np.ndarray) -> np.ndarray:
    """Seconds from ``start`` to each of ``times`` (all in seconds since the epoch) outside the pauses between
    sessions (see the module)."""
    times = np.asarray(times, dtype=float)
    moments = np.asarray(event_times, dtype=float)
    kinds = np.asarray(event_kinds, dtype=object)
    resumed = moments[kinds == "resumed"]
    if not len(resumed):
        return times - start
    signs = np.sort(np.concatenate([np.asarray(completions, dtype=float), moments[kinds != "resumed"]]))
    paused = np.zeros_like(times)
    for moment in resumed:
        before = signs[signs < moment]
        if len(before):
            paused += np.where(times >= moment, moment - before[-1], 0.0)
    return times - start - paused


def session_backend(backend: dict[str, Any], executor: Any) -> dict[str, Any]:
    """The backend a session runs on, as the run's file records it (created: with the run; each resume: in its
    ``resumed`` event): ``backend``, the config's (its name and options, as JSON), with what its ``executor`` used
    that those options do not say (``session_options()``): backend ``dask`` without an address, the address Dask's
    ``DASK_SCHEDULER_ADDRESS`` named, and where it came from. Before, such a session was recorded as ``dask`` alone,
    and ``l2l show`` could not say which cluster it ran on. The config keeps only the options given, so that
    ``l2l resume`` takes Dask's setting again."""
    found = getattr(executor, "session_options", None)
    used = found() if callable(found) else {}
    return {**backend, **used} if isinstance(used, dict) else dict(backend)


#: Stretches of sessions on one backend that :func:`backend_text` names: the created one and the latest few.
SHOWN_STRETCHES = 4


def session_backends(created: dict[str, Any], event_kinds: Sequence[str], event_details: Sequence[str]
                     ) -> list[dict[str, Any]]:
    """The backend of each session of a run, in order: the first is ``created`` (the one the file was made
    with), then one per ``resumed`` event, as its detail records it (the one before where it records none)."""
    backends = [created]
    for kind, detail in zip(event_kinds, event_details):
        if kind != "resumed":
            continue
        try:
            recorded = json.loads(detail).get("backend")
        except (TypeError, ValueError, AttributeError):  # a log of another version: nothing said, nothing changed
            recorded = None
        backends.append(recorded if isinstance(recorded, dict) and recorded.get("name") else backends[-1])
    return backends


def _options(backend: dict[str, Any], before: dict[str, Any] | None) -> str:
    """``backend`` in short: its name and options (``local workers=2``); after ``before`` of the same name, its
    name and the options that changed (``slurm maximum_jobs=8``), unless one was dropped."""
    options = {key: value for key, value in backend.items() if key != "name"}
    if before is not None and before.get("name") == backend.get("name") and set(before) <= set(backend):
        options = {key: value for key, value in options.items() if before.get(key) != value}
    return " ".join([str(backend.get("name")), *(f"{key}={json.dumps(value)}" for key, value in options.items())])


def backend_text(created: dict[str, Any], event_kinds: Sequence[str], event_details: Sequence[str]) -> str:
    """Where a run's sessions ran, in one line: ``created`` as JSON where every resume ran there too (what
    ``l2l show`` always printed), else each stretch of sessions on one backend, e.g.
    ``local workers=2 (created), serial (resumed, session 2)``: before, the line named the backend the file was
    created with, also when every later evaluation ran elsewhere. Sessions are numbered from 1, the run's start;
    between the created stretch and the latest ones, the stretches left out are counted."""
    backends = session_backends(created, event_kinds, event_details)
    if all(backend == created for backend in backends):
        return json.dumps(created)
    stretches: list[list[Any]] = []  # [first session, last session, backend]
    for session, backend in enumerate(backends, start=1):
        if stretches and stretches[-1][2] == backend:
            stretches[-1][1] = session
        else:
            stretches.append([session, session, backend])
    hidden = max(0, len(stretches) - SHOWN_STRETCHES)
    shown = [stretches[0], *stretches[1 + hidden:]]
    parts, before = [], None
    for first, last, backend in shown:
        sessions = f"session {first}" if first == last else f"sessions {first}-{last}"
        parts.append(f"{_options(backend, before)} ({'created' if first == 1 else f'resumed, {sessions}'})")
        before = backend
    if hidden:
        parts.insert(1, f"{hidden} more change{'s' * (hidden != 1)}")
    return ", ".join(parts)


#: How many evaluation hosts :func:`hosts_line` names before it counts the rest.
SHOWN_HOSTS = 8


def session_records(events: Any) -> list[dict[str, Any]]:
    """One dict per session (``started`` or ``resumed`` event of the log ``events``, ``Trajectory.events()``), in
    order: ``session`` (from 1), ``kind``, ``time`` and what it recorded of ``model``, ``driver``
    (:func:`with_session`) and, from the event that ended it, ``ended`` (its kind), ``hosts`` and ``more_hosts``
    (:class:`SessionHosts`); a killed session's ``ended`` is ``killed`` where the resume after it recovered its
    hosts (:func:`l2l.provenance.killed_hosts`); an entry not recorded (an older l2l, a session killed before its
    first commit) is absent."""
    records: list[dict[str, Any]] = []
    for time, kind, detail in zip(events["time"], events["kind"], events["detail"]):
        try:
            data = json.loads(detail)
        except (TypeError, ValueError):
            data = {}
        data = data if isinstance(data, dict) else {}
        if kind in ("started", "resumed"):
            killed = data.get("killed")  # the session before, killed: its hosts up to its last commit
            if isinstance(killed, dict) and records and "ended" not in records[-1] \
                    and killed.get("session") == records[-1]["session"]:
                records[-1]["ended"] = "killed"
                records[-1].update({key: killed[key] for key in ("hosts", "more_hosts") if key in killed})
            record: dict[str, Any] = {"session": len(records) + 1, "kind": kind, "time": str(time)}
            record.update({key: data[key] for key in ("model", "imports", "driver") if key in data})
            records.append(record)
        elif kind in ("finished", "stopped", "failed") and records and "ended" not in records[-1]:
            records[-1]["ended"] = kind
            records[-1].update({key: data[key] for key in ("hosts", "more_hosts", "taken") if key in data})
    return records


def _model_text(model: Any, imports: Any = None) -> str:
    if not isinstance(model, list) or not model:
        return "none"
    text = ", ".join(f"{where} sha256 {digest}" if whole_digest(str(digest)) or len(str(digest)) == SHORT_HASH
                     else f"{where} ({digest})" for where, digest in model)
    if isinstance(imports, dict):
        files = imports.get("files")
        text += (f", and the {files} file{'s' * (files != 1)} it imports from {imports.get('under')} "
                 f"sha256 {imports.get('sha256')}" + (f" ({imports['capped']})" if imports.get("capped") else ""))
    return text


def model_line(records: list[dict[str, Any]]) -> str:
    """``l2l show``'s ``model`` line: the user's model code the sessions ran (``noisy_bowl.py sha256 ...``), and each
    resumed session that ran other code (``session 2 (resumed): ... (changed)``); '' where no session recorded it."""
    recorded = [record for record in records if isinstance(record.get("model"), list)]
    if not recorded:
        return ""
    parts, before, imports = [], None, None
    for record in recorded:
        if (before is not None and same_model(before, record["model"]) or before == record["model"]) \
                and same_imports(imports, record.get("imports")):
            continue
        text = _model_text(record["model"], record.get("imports"))
        if before is not None:
            text = f"session {record['session']} ({record['kind']}): {text} (changed)"
        parts.append(text)
        before, imports = record["model"], record.get("imports")
    return "; ".join(parts)


def _driver_text(driver: Any) -> str:
    if not isinstance(driver, dict):
        return "?"
    about = ", ".join(part for part in (str(driver.get("cpu") or ""),
                                        f"{driver['cpus']} CPUs" if driver.get("cpus") else "") if part)
    return f"{driver.get('host', '?')}" + (f" ({about})" if about else "")


def reevaluation_hosts(rows: Any) -> dict[str, Any] | None:
    """The nodes the re-evaluation rows ``rows`` (``Trajectory.reevaluations()``) ran on: ``{"hosts": {host:
    rows}, "not_recorded": rows}`` (hosts by count, most first; ``not_recorded``: rows without a host, of an l2l
    before session 29 or whose worker died under them); None where there are no rows."""
    if rows is None or not len(rows):
        return None
    column = "(host)" if "(host)" in rows.columns else "host"  # an objective named host keeps the name
    hosts = rows[column] if column in rows.columns else [None] * len(rows)
    counts: dict[str, int] = {}
    for host in hosts:
        if isinstance(host, str) and host:
            counts[host] = counts.get(host, 0) + 1
    ranked = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return {"hosts": ranked, "not_recorded": int(len(rows) - sum(counts.values()))}


def stored_reevaluation_hosts(trajectory: Any) -> dict[str, Any] | None:
    """:func:`reevaluation_hosts` of the re-evaluations stored in an open trajectory (None: none, or a group that
    cannot be read, which ``l2l validate`` reports)."""
    if not trajectory.has_reevaluations:
        return None
    try:
        return reevaluation_hosts(trajectory.reevaluations(errors=False))
    except L2LError:
        return None


def _reevaluation_text(reevaluated: dict[str, Any] | None) -> str:
    """``re-evaluations on vm (6)``, with the rows whose host was not recorded; '' where none was recorded."""
    if not reevaluated or not reevaluated.get("hosts"):
        return ""
    ranked = list(reevaluated["hosts"].items())
    left, unknown = len(ranked) - SHOWN_HOSTS, int(reevaluated.get("not_recorded") or 0)
    return ("re-evaluations on " + ", ".join(f"{host} ({count})" for host, count in ranked[:SHOWN_HOSTS])
            + (f" and {left} more host{'s' * (left != 1)}" if left > 0 else "")
            + (f" ({unknown} row{'s' * (unknown != 1)} without a host: written by an l2l before 6 December 2026, or "
               f"{'their' if unknown != 1 else 'its'} worker died)" if unknown else ""))


def hosts_line(records: list[dict[str, Any]], reevaluated: dict[str, Any] | None = None) -> str:
    """``l2l show``'s ``hosts`` line: the driver's host (each one, with its sessions, where they differ), the
    hosts the evaluations ran on with their counts over every session, and those of the re-evaluations
    (``reevaluated``: :func:`reevaluation_hosts`); '' where none of them was recorded."""
    drivers: list[tuple[str, list[int]]] = []
    counts: dict[str, int] = {}
    more, killed, open_session, taken = 0, [], None, 0
    for record in records:
        if record.get("ended") == "killed":
            killed.append(str(record["session"]))
        elif record.get("ended") == "open":  # the last, without an end (l2l.provenance.provenance_lines)
            open_session = record["session"]
        if "driver" in record:
            text = _driver_text(record["driver"])
            if drivers and drivers[-1][0] == text:
                drivers[-1][1].append(record["session"])
            else:
                drivers.append((text, [record["session"]]))
        hosts = record.get("hosts")
        if isinstance(hosts, dict):
            for host, count in hosts.items():
                if isinstance(count, int):
                    counts[str(host)] = counts.get(str(host), 0) + count
        more += int(record.get("more_hosts") or 0)
        taken += record["taken"] if isinstance(record.get("taken"), int) else 0
    parts = []
    if len(drivers) == 1:
        parts.append(f"driver {drivers[0][0]}")
    elif drivers:
        parts.append("drivers " + ", ".join(
            f"{text} (session{'s' * (len(sessions) > 1)} {sessions[0]}"
            f"{f'-{sessions[-1]}' if len(sessions) > 1 else ''})" for text, sessions in drivers))
    if counts:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        named = ", ".join(f"{host} ({count})" for host, count in ranked[:SHOWN_HOSTS])
        left = len(ranked) - SHOWN_HOSTS + more
        parts.append(f"evaluations on {named}" + (f" and {left} more host{'s' * (left != 1)}" if left > 0 else "")
                     + (f" (session{'s' * (len(killed) > 1)} {', '.join(killed)} killed: counted up to "
                        f"{'their' if len(killed) > 1 else 'its'} last commit)" if killed else "")
                     + (f" (session {open_session} without an end, killed or running: counted up to its last "
                        f"commit)" if open_session else "")
                     + (f"; {taken} of them finished by a killed session's job arrays and taken by the next (not "
                        f"run again)" if taken else ""))
    parts.append(_reevaluation_text(reevaluated))
    return "; ".join(part for part in parts if part)


__all__ = ["SHOWN_HOSTS", "active_seconds", "backend_text", "hosts_line", "model_line", "reevaluation_hosts",
           "session_backend", "session_backends", "session_records", "stored_reevaluation_hosts"]
