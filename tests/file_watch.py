"""Watching a trajectory file another process writes: the tests that stop or kill a run once it has committed
some evaluations (Ctrl-C, SIGHUP, kill -9) wait for them with :func:`committed_evaluations`."""
from __future__ import annotations

import os

import l2l


def committed_evaluations(path: str | os.PathLike) -> int:
    """The evaluations committed to ``path`` so far; 0 while the file is not there or not readable yet (its writer
    is creating it)."""
    try:
        with l2l.Trajectory(path) as trajectory:
            return trajectory.n_evaluations
    except (l2l.TrajectoryError, OSError):
        return 0


def run_in_a_closed_terminal(argv: list[str], out: str | os.PathLike, env: dict[str, str], *, evaluations: int = 4,
                             timeout: float = 60, before_close=None, after_close=None) -> tuple[int, bytes]:
    """``argv`` (an ``l2l run`` writing ``out``) with environment ``env`` in a terminal of its own (a pty), until
    ``out`` holds ``evaluations`` committed evaluations (within ``timeout`` s); then the terminal closes, as a
    terminal window closed or an ssh connection dropped: the kernel hangs it up and sends SIGHUP to ``argv``'s
    process, which leads the session. Waits up to 60 s for it to end (else kills it and fails the test). Returns its
    exit status and what the terminal showed. ``before_close(pid)`` is called just before the terminal closes,
    ``after_close(what before_close returned)`` just after."""
    import pty
    import select
    import signal
    import sys
    import time

    import pytest

    pid, terminal = pty.fork()  # (env is made before the fork: the child only execs)
    if pid == 0:  # the child: l2l run in the terminal, with a bar
        try:
            os.execve(sys.executable, argv, env)
        finally:
            os._exit(127)
    shown, answer = b"", None
    try:
        deadline = time.monotonic() + timeout
        while committed_evaluations(out) < evaluations and time.monotonic() < deadline:
            if select.select([terminal], [], [], 0.05)[0]:
                try:
                    shown += os.read(terminal, 65536)
                except OSError:
                    break
        assert committed_evaluations(out) >= evaluations, shown.decode(errors="replace")
        if before_close is not None:
            answer = before_close(pid)
    finally:
        os.close(terminal)  # the terminal is gone
    if after_close is not None:
        after_close(answer)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), shown
        time.sleep(0.02)
    os.killpg(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("l2l run went on after its terminal closed")
