"""A terminal that has hung up (closed, its ssh connection dropped): every write to it fails (EIO), so the
descriptors that are that terminal are pointed at /dev/null and the process goes on to its end.

``l2l run`` does it where SIGHUP asks the run to stop and where its closing lines find the terminal gone
(:mod:`l2l.cli`); a ``local`` backend's worker at the first write that finds it gone
(:mod:`l2l.jobs.worker_signals`). Only the os and the terminal are asked: the copy of standard output that the
``serial`` backend keeps (:func:`l2l.simulators.simulator_stdout.descriptor_1_to_stderr`) is looked up by its
module's name, and only where that module is loaded already.
"""

from __future__ import annotations

import os
import sys


def leave_hung_up_terminal() -> None:
    """Point standard output and error at /dev/null where they are a terminal that has hung up (closed, its ssh
    connection dropped): every write there fails (EIO), so the bar's next line, and the closing lines, would end
    the run in a traceback instead of a stop. A terminal still there (``kill -HUP`` from elsewhere) and a file or a
    pipe (``l2l run ... >log 2>&1``, where the lines are read later) are kept. The copy of standard output the
    ``serial`` backend keeps while an evaluation writes to stderr
    (:func:`l2l.simulators.simulator_stdout.descriptor_1_to_stderr`) too: it puts that copy back afterwards."""
    try:
        import termios  # noqa: F401 - POSIX only
    except ImportError:  # not POSIX: no terminal to hang up
        return
    serial = sys.modules.get("l2l.simulators.simulator_stdout")
    lock = getattr(serial, "_lock", None)
    # its copy is restored and closed under its lock, by another thread maybe (that descriptor's number may be a
    # file's the next moment); this handler may have interrupted the main thread holding it: then left alone
    held = lock is not None and lock.acquire(timeout=1.0)
    try:
        kept = getattr(serial, "_saved", None) if held else None
        leave_hung_up((1, 2, *([kept] if isinstance(kept, int) else [])))
    finally:
        if held:
            lock.release()


def leave_hung_up(descriptors) -> None:
    """:func:`leave_hung_up_terminal` on ``descriptors``: each that is a terminal that has hung up is pointed at
    /dev/null; a file, a pipe or a terminal still there is kept."""
    import errno
    import termios

    for fd in descriptors:
        try:
            termios.tcgetattr(fd)
        except termios.error as exc:
            if exc.args and exc.args[0] == errno.EIO:  # a terminal hung up; ENOTTY: a file or a pipe
                try:
                    null = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(null, fd)
                    os.close(null)
                except OSError:
                    pass
        except (OSError, ValueError):
            pass
