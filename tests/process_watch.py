"""Watching processes a test does not own (a killed driver's evaluations and programs): alive, ended within a
deadline, and killed at the test's end if a failing test left them running."""
from __future__ import annotations

import os
import signal
import time

import pytest


def alive(pid: int) -> bool:
    """True while ``pid`` runs (not reaped, not a zombie): it is not this process's child, so no waitpid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except FileNotFoundError:
        return False


def ends_within(pid: int, seconds: float) -> bool:
    """Whether ``pid`` ends within ``seconds`` (polled)."""
    end = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def reap():
    """Processes a test may leave running if it fails: killed at its end."""
    left: list[int] = []
    yield left
    for pid in left:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
