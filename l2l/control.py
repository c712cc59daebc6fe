"""The handle of one run: how a caller, another thread or a signal asks it to stop.

Every run has its own :class:`RunControl`; nothing about stopping is kept per
process, so stopping one run never stops another, earlier or later, in the
same process.
"""

from __future__ import annotations

import threading


class RunControl:
    """Stop request of one run; safe to use from any thread and from a signal handler.

    ``request_stop`` only sets a flag: the loop sees it between evaluations,
    appends and commits what has finished, records a ``stopped`` event and
    returns. ``l2l resume`` continues the file.

    One handle may serve several runs one after the other (``l2l.run(..., control=c)``, then
    ``l2l.resume(path, control=c)``): a stop that a run honoured ends with that run, and the next run started
    with the handle runs until it is asked again. A stop requested while no run is going on (before the first
    one, or between two) is the next run's.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._reason = ""
        self._spent = False  # the stop requested was honoured by a run that has ended since

    def request_stop(self, reason: str = "requested") -> None:
        """Ask the run to stop; ``reason`` is what its ``stopped`` event records and ``l2l show``'s status says. It
        is taken as text: an exception as ``ValueError: diverged``, bytes decoded, another object as its ``str``
        (before, anything JSON has no form for ended the run in json's "Object of type ... is not JSON
        serializable" where it was to stop). Never raises: it may be called from a signal handler."""
        self._forget_spent()  # asked between two runs: for the next one, not the one that ended
        if not self._stop.is_set():
            self._reason = reason if reason is None or isinstance(reason, str) else _text(reason)
        self._stop.set()

    def run_starts(self) -> None:
        """Called as ``l2l.run`` or ``l2l.resume`` starts a run with this handle: a stop an earlier run honoured
        is forgotten (before, reusing the handle of a stopped run stopped the next run, or the resume of the same
        file, before its first evaluation, without a word)."""
        self._forget_spent()

    def _forget_spent(self) -> None:
        """Forget a stop that a run which has ended since honoured."""
        if self._spent:
            self._spent = False
            self._stop.clear()
            self._reason = ""

    def run_ends(self) -> None:
        """Called as that run returns or raises: a stop requested by then was its own."""
        self._spent = self._stop.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_reason(self) -> str:
        """Why the stop was requested ('' if it was not)."""
        return self._reason

    def __repr__(self) -> str:
        return f"RunControl(stop_requested={self.stop_requested}, reason={self._reason!r})"


def _text(reason: object) -> str:
    """A stop's reason given as another object than a text, as text."""
    try:
        if isinstance(reason, (bytes, bytearray)):
            return bytes(reason).decode("utf-8", "replace")
        if isinstance(reason, BaseException):
            return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__
        return str(reason)
    except Exception:  # noqa: BLE001 - a __str__ that fails: the stop still happens
        return type(reason).__name__
