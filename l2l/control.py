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
    """

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._reason = ""

    def request_stop(self, reason: str = "requested") -> None:
        if not self._stop.is_set():
            self._reason = reason
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_reason(self) -> str:
        """Why the stop was requested ('' if it was not)."""
        return self._reason

    def __repr__(self) -> str:
        return f"RunControl(stop_requested={self.stop_requested}, reason={self._reason!r})"
