"""A clock for tests of code that polls on ``time.monotonic``: patched in as a module's ``time``, moved by hand."""

from __future__ import annotations

import time


class ManualClock:
    """Stands in for the ``time`` module of one module under test: ``monotonic()`` returns ``now``, which the test
    moves on; every other attribute is the real ``time``'s."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str):
        return getattr(time, name)
