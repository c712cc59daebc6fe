"""The notes and refusals about the backend of a stored run that ``l2l resume`` and ``l2l reevaluate`` run on
another backend, or on one that names no scheduler: the stored options left behind (:func:`backend_note`,
:func:`stored_backend_note`) and the Dask address the run's last session used (:func:`unnamed_scheduler`).

They read the stored run (its config, its sessions) and the backends' registry, so they live above
:mod:`l2l.config` and :mod:`l2l.components`, which both stay below them."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from l2l.sessions import session_backends
from l2l.stored_config import load_run_config
from l2l.run_config import Component
from l2l.jobs import BACKENDS
from l2l.words import named as named_command, option


def backend_note(stored: Component, named: str | None, now: Component, without: str) -> str:
    """The note line for a backend ``named`` on a stored run (``l2l resume``/``reevaluate FILE --backend NAME``):
    the options of the backend ``stored`` with the run that it does not use (those that differ from that backend's
    defaults and, where NAME is the stored backend, are not given again in ``now``, the backend it runs on:
    --workers), and that ``without`` (the command, run without --backend) keeps them; '' where none is left out.
    Another backend named drops them all (a slurm run resumed on slurm-array leaves its partition behind)."""
    if named is None:
        return ""
    same = named == stored.name
    defaults, left_out = _option_defaults(stored.name), object()
    left = {k: v for k, v in stored.options.items()
            if (not same or k not in now.options) and defaults.get(k, left_out) != v}
    if not left:
        return ""
    listed = ", ".join(f"{k} = {json.dumps(v)}" for k, v in left.items())
    return (f"l2l: note: --backend {named} starts from its defaults{' and --workers' if now.options else ''}: the "
            f"run's stored {stored.name} option{'s' * (len(left) != 1)} {listed} "
            f"{'are' if len(left) != 1 else 'is'} not used; {without} without --backend to keep "
            f"{'them' if len(left) != 1 else 'it'}")


def stored_backend_note(trajectory: Any, named: str | None, workers: int | None, without: str) -> str:
    """:func:`backend_note` of the run in ``trajectory`` resumed or re-evaluated with ``--backend named`` and
    ``--workers workers``; '' where there is nothing to say or the stored config cannot be read."""
    if named is None:
        return ""
    try:  # a note never fails on what it only reports: the command itself says what is wrong
        stored = load_run_config(trajectory)
        now = stored.with_overrides(stored=True, backend=named, workers=workers).backend
    except Exception:  # noqa: BLE001
        return ""
    return backend_note(stored.backend, named, now, without)


def unnamed_scheduler(trajectory: Any, backend: Component, named: str | None, without: str) -> str:
    """The one-line refusal of ``backend``, backend ``dask`` naming no scheduler (no address, no scheduler_file and
    Dask's DASK_SCHEDULER_ADDRESS not set), on the run stored in ``trajectory`` (resumed or re-evaluated with
    ``--backend named``; ``without``: the command, run without --backend), naming the address the run's last Dask
    session used (recorded with the session: ``address``, ``address_from``) and how to give it again; '' where a
    scheduler is named, or no Dask session of the run recorded an address (the backend's own refusal says then
    what to give). Before, the refusal said nothing of the address a shell without DASK_SCHEDULER_ADDRESS lost."""
    if backend.name != "dask" or backend.options.get("address") or backend.options.get("scheduler_file"):
        return ""
    import dask.config

    if dask.config.get("scheduler-address", None):  # the address the backend takes (DASK_SCHEDULER_ADDRESS)
        return ""
    try:  # a refusal never fails on what it only adds: the backend refuses by itself below
        created = trajectory.run.get("backend")
        events = trajectory.events()
        sessions = session_backends(created if isinstance(created, dict) else {}, list(events["kind"]),
                                    list(events["detail"]))
        config = trajectory.run.get("config")
        stored = (config.get("backend") if isinstance(config, dict) else None) or {}
    except Exception:  # noqa: BLE001
        return ""
    used = next((session for session in reversed(sessions) if isinstance(session, dict)
                 and session.get("name") == "dask" and session.get("address")), None)
    if used is None:
        return ""
    address, source = str(used["address"]), str(used.get("address_from") or "")
    gives = f"{option('backend', 'dask')} starts from its defaults, which name none" if named == "dask" else \
        "the run's [backend] names none"
    without = named_command(without.rpartition(" ")[2])  # 'l2l resume' on the command line, 'l2l.resume' from Python
    head = f"backend 'dask': no scheduler to connect to: {gives}, and DASK_SCHEDULER_ADDRESS is not set"
    if not source and isinstance(stored, dict) and stored.get("address") == address and named == "dask":
        return (f"{head} (the run's last Dask session used {address}, its [backend] address: {without} without "
                f"{option('backend')} uses it; or set DASK_SCHEDULER_ADDRESS to a running scheduler's address)")
    return (f"{head} (the run's last Dask session used {address}{f', from {source}' if source else ''}: set "
            f"DASK_SCHEDULER_ADDRESS to it, or to another running scheduler's address)")


def _option_defaults(backend: str) -> dict[str, Any]:
    """The default of every option of ``backend`` ({} where it cannot be known: a backend not registered)."""
    try:
        fields = dataclasses.fields(BACKENDS.get(backend))
    except Exception:  # noqa: BLE001 - a note never fails on what it only reports
        return {}
    return {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
            for f in fields if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING}
