"""Ctrl-C while a Dask backend runs: a cluster's close that a second Ctrl-C does not cut half done
(:func:`closing_through_ctrl_c`), and a Ctrl-C that Python dropped in a weakref callback or a ``__del__`` (which
Dask's objects set off often) kept and raised in the main thread (:func:`watch_dropped_interrupts`,
:func:`raise_dropped_interrupt`). Shared by the ``local``, ``dask`` and ``slurm`` backends."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any


#: How long closing a cluster may go on after Ctrl-C was pressed again during it (see closing_through_ctrl_c).
CLOSE_PATIENCE_SECONDS = 30.0


def closing_through_ctrl_c(close, patience: float = CLOSE_PATIENCE_SECONDS) -> None:
    """Run ``close`` (a cluster's or client's close) to its end, although Ctrl-C is pressed again meanwhile.

    The first Ctrl-C stops a run, which then closes its Dask cluster; the impatient press again. Dask's
    synchronous ``close`` waits in the calling thread, and a KeyboardInterrupt there cancels the closing
    coroutine half done: the cluster stays 'closing' for good, and the next close (the loop closes its
    executor once more on the way out, as does Dask at exit) waits for it forever, with no message. So the
    close runs in a thread of its own while this (the main) thread waits; a Ctrl-C that arrives meanwhile is
    raised once the close is done (or after ``patience`` seconds, when the close is left to itself).
    """
    if threading.current_thread() is not threading.main_thread():  # Ctrl-C is raised in the main thread only
        close()
        return
    done = threading.Event()
    failure: list[BaseException] = []

    def closing() -> None:
        try:
            close()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread below
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=closing, name="l2l-close", daemon=True)
    interrupted_at = None
    started = False
    while not started:  # Ctrl-C may come while the thread starts (and the close has begun)
        try:
            thread.start()
            started = True
        except KeyboardInterrupt:
            interrupted_at = time.monotonic()
        except RuntimeError:  # started already, interrupted while start() waited for the thread
            started = True
    while True:
        try:
            if done.wait(0.1 if interrupted_at is None else max(0.0, interrupted_at + patience - time.monotonic())):
                break
        except KeyboardInterrupt:
            interrupted_at = interrupted_at if interrupted_at is not None else time.monotonic()
        if interrupted_at is not None and time.monotonic() >= interrupted_at + patience:
            break
    if interrupted_at is not None:
        raise KeyboardInterrupt
    if failure:
        raise failure[0]


_dropped_lock = threading.Lock()
_dropped: dict[str, Any] = {"runs": 0, "interrupts": 0, "previous": None}


def _unraisable(unraisable: Any) -> None:
    """``sys.unraisablehook`` while Dask runs live: a KeyboardInterrupt Python dropped in the main thread is kept
    for :func:`raise_dropped_interrupt`, not printed; anything else goes to the hook found."""
    with _dropped_lock:
        keep = (_dropped["runs"] > 0 and isinstance(unraisable.exc_value, KeyboardInterrupt)
                and threading.current_thread() is threading.main_thread())
        if keep:
            _dropped["interrupts"] += 1
        previous = _dropped["previous"] or sys.__unraisablehook__
    if not keep:
        previous(unraisable)


def watch_dropped_interrupts(watch: bool) -> None:
    """A Dask run starts (``watch``) or has ended: while any lives, Ctrl-C that Python drops is kept (see
    :func:`raise_dropped_interrupt`)."""
    with _dropped_lock:
        _dropped["runs"] += 1 if watch else -1
        if watch and _dropped["runs"] == 1:
            _dropped["previous"], _dropped["interrupts"] = sys.unraisablehook, 0
            sys.unraisablehook = _unraisable
        elif not watch and _dropped["runs"] <= 0:
            _dropped["runs"], _dropped["interrupts"] = 0, 0
            if sys.unraisablehook is _unraisable:  # (one installed later stays; ours then passes all on)
                sys.unraisablehook = _dropped["previous"] or sys.__unraisablehook__


def raise_dropped_interrupt() -> None:
    """Raise the KeyboardInterrupt of a Ctrl-C that Python dropped, in the main thread.

    Python raises it wherever the main thread is when the signal is handled; there inside a weakref callback or a
    ``__del__`` (a garbage collection, which Dask's objects set off often), it is printed as "Exception ignored in:
    <function WeakValueDictionary...> KeyboardInterrupt" and dropped: the run went on to its end and exited with
    status 0, as if no Ctrl-C had come (seen on ``slurm``, 1 run in 5 under load)."""
    if threading.current_thread() is not threading.main_thread():
        return
    with _dropped_lock:
        dropped, _dropped["interrupts"] = _dropped["interrupts"], 0
    if dropped:
        raise KeyboardInterrupt
