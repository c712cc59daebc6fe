"""Brian2 objects a model made and never ran: a ``brian2`` evaluation that left one out of every network fails.

Brian2's magic ``run()`` collects the objects held in variables of the function that calls it, not those in a dict, a
list or another function's variables. A model that builds its network in a helper and keeps what it returns in a
dict (``objects = build(b, params)``, then ``b.run(...)``) ran an empty network: every evaluation "succeeded" with a
rate of 0 (three of three on ``serial``, ``l2l show`` listing them as tied at 0), Brian2 saying on stderr only, as
each group was deleted, that it "was never included in a network" (a worker's stderr, 4 lines an object; of a
``SpikeMonitor`` left out, nothing: Brian2 does not warn of objects that record a group). An explicit ``Network(G)``
that lacks the monitor is the same mistake. :func:`watch_runs` notes, at every ``run()`` of the evaluation (magic or
a ``Network``'s), the objects of its scope that no network has run; one still left out when the model returns
(or deleted unrun) fails the evaluation in one line naming it and where it was made.
"""

from __future__ import annotations

import inspect
import logging
import weakref
from contextlib import contextmanager
from typing import Any, Iterator


def _created_at(obj: Any) -> str:
    """``bmodels.py, line 21, in _build``: where Brian2 says the object was made ('' if it kept nothing)."""
    for line in str(getattr(obj, "_creation_stack", "")).splitlines():
        line = line.strip()
        if line.startswith("File "):
            path, _, rest = line[5:].partition(", line ")
            name = path.strip("'\"").replace("\\", "/").rsplit("/", 1)[-1]
            return f"{name}, line {rest}" if rest else name
    return ""


def _left_out(brian_object: type) -> list[Any]:
    """The objects of the current scope that would join a network (groups, synapses, monitors, inputs), that no
    network has run, and that are no part of another object (a group's state updater is run with its group)."""
    key = brian_object._scope_current_key
    alive = [obj for obj in (ref() for ref in list(brian_object.__instances__())) if obj is not None
             and getattr(obj, "_scope_key", None) == key]
    contained = {id(part) for obj in alive for part in getattr(obj, "contained_objects", ())}
    return [obj for obj in alive if getattr(obj, "add_to_magic_network", False)
            and getattr(obj, "_network", "") is None and id(obj) not in contained]


def _network_run(self, duration, report=None, report_period=None, namespace=None, profile=None,  # noqa: ANN001
                 level=0):  # noqa: ANN001
    """The parameters of Brian2's ``Network.run`` (its documented signature), to find ``level`` among them."""


@contextmanager
def watch_runs(brian2: Any) -> Iterator[dict[int, tuple[Any, str, str, str]]]:
    """Around a model's call (Brian2's lock held): every ``Network.run`` (a bare ``run()`` too) notes the objects it
    left out; an object a later run takes in is forgotten again. Yields {id: (weak reference, type, name, where)} of
    those left out; :func:`never_ran` reads it after the call."""
    from brian2.core.base import BrianObject
    from brian2.core.network import Network

    original = inspect.getattr_static(Network, "run")
    signature = inspect.signature(_network_run)  # Brian2's decorators hide it: (*args, **kwds)
    noted: dict[int, tuple[Any, str, str, str]] = {}

    def run(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        # one frame more than Brian2 expects: its namespace is read 'level' frames up (the model's locals)
        bound.arguments["level"] = int(bound.arguments.get("level", 0)) + 1
        try:
            return original(*bound.args, **bound.kwargs)
        finally:
            for key in [key for key, (ref, *_rest) in noted.items() if ref() is not None
                        and getattr(ref(), "_network", None) is not None]:
                del noted[key]
            for obj in _left_out(BrianObject):
                noted.setdefault(id(obj), (weakref.ref(obj), type(obj).__name__, str(obj.name), _created_at(obj)))

    held = _Held()
    handler = getattr(brian2.BrianLogger, "console_handler", None)
    if handler is not None:
        handler.addFilter(held)
    Network.run = run
    try:
        yield noted
    finally:
        Network.run = original
        if handler is not None:
            handler.removeFilter(held)
    # (not reached when the model raised: its failure is the line, as for every failed evaluation)
    if never_ran(noted) is None and handler is not None:
        for record in held.records:  # of an object made after the last run: Brian2's warning, as before
            handler.handle(record)


class _Held(logging.Filter):
    """Holds Brian2's console warnings that an object was deleted unrun ("The object 'neurongroup' is getting deleted,
    but was never included in a network ...", 4 lines an object) while the model runs: where the evaluation fails for
    it, its line says so; else they are given as they were."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.endswith("unused_brian_object"):
            self.records.append(record)
            return False
        return True


def never_ran(noted: dict[int, tuple[Any, str, str, str]]) -> str | None:
    """One line naming the objects a run left out and no later run took in (alive and still unrun after the model
    returned, or deleted so); None if there are none."""
    unrun = sorted((kind, name, where) for ref, kind, name, where in noted.values()
                   if ref() is None or getattr(ref(), "_network", None) is None)
    if not unrun:
        return None
    named = [f"{kind} {name!r}" + (f" (made at {where})" if where else "") for kind, name, where in unrun[:3]]
    more = f" and {len(unrun) - 3} more" if len(unrun) > 3 else ""
    return (f"simulator 'brian2': {', '.join(named)}{more} never ran: no network the model ran held "
            f"{'it' if len(unrun) == 1 else 'them'} (a bare run() collects only the objects in variables of the "
            f"function that calls it, not in a dict, a list or another function's variables); keep each object "
            f"in a variable of that function, or run a Network(...) of all of them")


__all__ = ["never_ran", "watch_runs"]
