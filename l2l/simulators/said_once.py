"""What a simulator's warnings remember, kept per simulator instance: one run's, not the process's.

The warnings of :mod:`l2l.simulators.nest_left`, :mod:`~l2l.simulators.nest_seeds` and
:mod:`~l2l.simulators.brian2_seeds` are said once, and need to remember what earlier evaluations did (the seed a model
set itself). Kept in module globals, that was once per *process*: a second ``l2l.run`` in the same notebook was not
told again, and what the first run's evaluations had seen counted in the second's. Every run builds its simulator
afresh (and a ``local`` or SLURM worker unpickles its own copy of it), so :func:`state` keeps that memory beside the
simulator instance instead: a new run starts with none, and it goes when the instance goes. The state is not part of
the instance (nor of its pickle): a frozen dataclass stays as it was, and equal simulators of two runs stay equal.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

#: id(owner) -> {warning's name: its state}; an entry leaves with its owner (weakref.finalize).
_STATE: dict[int, dict[str, dict[str, Any]]] = {}
_LOCK = threading.Lock()


def state(owner: Any, name: str) -> dict[str, Any]:
    """The mutable state of warning ``name`` for ``owner`` (a simulator instance, or a function where no simulator
    is known): an empty dict the first time."""
    key = id(owner)
    with _LOCK:
        held = _STATE.get(key)
        if held is None:
            held = _STATE[key] = {}
            try:
                weakref.finalize(owner, _STATE.pop, key, None)
            except TypeError:  # an owner without weak references (kept for the process then, as before)
                pass
        return held.setdefault(name, {})


__all__ = ["state"]


#: What the warnings saw in this process's evaluations, while a collector listens (:func:`collecting`): the
#: ``slurm-array`` task, a process per evaluation whose stderr goes to a job log nobody reads, writes them with its
#: result, and the run's driver replays them (:func:`l2l.simulators.said_replay.replay`), where the warning is said once for the whole run and
#: the seeds of different tasks meet. None: nobody listens (every other process: nothing is kept).
_REPORTS: list[list[dict[str, Any]] | None] = [None]


def report(kind: str, **data: Any) -> None:
    """Note what a warning saw (``kind``: the module's name, ``data``: the numbers its ``seen`` takes), if listened."""
    reports = _REPORTS[0]
    if reports is not None and len(reports) < 100:
        reports.append({"kind": kind, **data})


class collecting:
    """``with collecting() as reports:`` the reports of the evaluations run inside, in ``reports`` (a list)."""

    def __enter__(self) -> list[dict[str, Any]]:
        self.outer, _REPORTS[0] = _REPORTS[0], []
        return _REPORTS[0]

    def __exit__(self, *exc: Any) -> None:
        _REPORTS[0] = self.outer


__all__ += ["collecting", "report"]
