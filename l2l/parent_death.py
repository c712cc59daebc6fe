"""Processes l2l starts end when the process that started them dies, ``kill -9`` included.

An evaluation with ``run.timeout`` runs in a child forked by the driver (or by a ``local`` worker), and the
``command`` simulator's program is a child too. Before, a driver killed with ``kill -9`` left them running
(reparented to init) to their end: a forked evaluation for up to its timeout, burning a core, and a program
for as long as it ran. Now each is killed (SIGKILL) the moment the thread that started it ends: on Linux by
``prctl(PR_SET_PDEATHSIG)``, set in the child before it does anything else; elsewhere a forked evaluation
polls its parent's pid every :data:`POLL` seconds (a program started by ``command`` is not watched there).

The signal is SIGKILL, which no handler inherited from the driver (its SIGTERM handler, say) can turn into a
stop of a run in the child. It reaches the child alone: what a program started itself (a shell wrapper's
``python train.py``) is not signalled, and ends when it next writes to the output of the program that is
gone, or when ``l2l resume`` runs the evaluation again (:func:`l2l.simulators.command._kill_started`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any

#: prctl's option that asks a signal on the parent's death (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent where prctl is not available.
POLL = 0.5

_prctl: list = []  # libc's prctl, looked up once in the parent (None: not Linux, or not reachable)


def _lookup() -> Any:
    if not _prctl:
        found = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                found = ctypes.CDLL(None, use_errno=True).prctl
                found.restype = ctypes.c_int
                found.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            except (OSError, AttributeError, TypeError):
                found = None
        _prctl.append(found)
    return _prctl[0]


def available() -> bool:
    """True if a child can ask the kernel to kill it when its parent dies (Linux)."""
    return _lookup() is not None


def preexec(parent: int):
    """A ``preexec_fn`` for :class:`subprocess.Popen`: the program is killed when ``parent`` (the caller's
    pid) dies; None where the kernel cannot do it (nothing to run between fork and exec then).

    Looks libc up now, in the parent, so that the child between its fork and its exec only calls it."""
    prctl = _lookup()
    if prctl is None:
        return None

    def die_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl: no signal will come
            os._exit(1)

    return die_with_parent


def die_with_parent(parent: int) -> None:
    """In a child just forked from ``parent``: be killed when ``parent`` dies (or the thread that forked us).

    Linux: ``PR_SET_PDEATHSIG`` with SIGKILL. Elsewhere a daemon thread polls :func:`os.getppid` and exits
    the child once it differs from ``parent``."""
    prctl = _lookup()
    if prctl is not None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died between the fork and prctl
            os._exit(1)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL)
        os._exit(1)

    threading.Thread(target=watch, name="l2l-parent-watch", daemon=True).start()
