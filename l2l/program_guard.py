"""The guard of the programs a process starts (:func:`l2l.parent_death.guard`), run as a script:
``python -I -S program_guard.py L2L_GUARD=<token>``, its standard input the reading end of a pipe whose only
writing end its starter holds.

It reads to the end of that input, which comes when its starter is gone (``kill -9`` included, or a normal
exit), then kills (SIGKILL) every process whose environment holds ``L2L_GUARD=<token>``, again while new
ones appear (a shell wrapper starting a child meanwhile), and exits. Standard library only: it runs
isolated, without l2l on its path.
"""

import os
import signal
import sys
import time


def main(entry: str) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (in its own session already: belt and braces)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        try:
            if not os.read(0, 4096):
                break
        except InterruptedError:
            continue
        except OSError:
            break
    kill_holding(entry.encode(), rounds=50)


def holding(needle: bytes) -> list[int]:
    """The processes (this one aside) whose environment holds the entry ``needle`` (``NAME=value``): Linux's
    ``/proc``; none where there is none, or of another user's."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for name in names:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(name))
        except OSError:  # gone, or another user's
            continue
    return found


def kill_holding(needle: bytes, rounds: int, pause: float = 0.01) -> None:
    """SIGKILL every process :func:`holding` ``needle``, again while new ones appear (a process may start another
    while we look), at most ``rounds`` times."""
    for _ in range(rounds):
        found = holding(needle)
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(pause)


if __name__ == "__main__":
    main(sys.argv[1])
