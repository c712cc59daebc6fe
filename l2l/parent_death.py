"""Processes l2l starts end when the process that started them dies, ``kill -9`` included.

An evaluation with ``run.timeout`` runs in a child forked by the driver (or by a ``local`` worker), and the
``command`` simulator's program is a child too. Before, a driver killed with ``kill -9`` left them running
(reparented to init) to their end: a forked evaluation for up to its timeout, burning a core, and a program
for as long as it ran.

A forked evaluation is killed (SIGKILL) the moment the thread that forked it ends: on Linux by
``prctl(PR_SET_PDEATHSIG)``, set in the child before it does anything else; elsewhere it polls its parent's
pid every :data:`POLL` seconds. The signal is SIGKILL, which no handler inherited from the driver (its
SIGTERM handler, say) can turn into a stop of a run in the child.

A program (``command``) is spawned as one without the guarantee (``vfork``/``posix_spawn``, no fork of the
driver), :data:`GUARD_VARIABLE` in its environment. Each process that starts programs keeps a guard: a small
Python process (:mod:`l2l.program_guard`), started once, waiting on a pipe whose only writing end this
process holds. When this process dies, ``kill -9`` included, the kernel closes that end, and the guard kills
(SIGKILL) every process whose environment holds this process's token: its programs, and what they started
(a shell wrapper's ``python train.py``, which a parent-death signal never reaches). A guard ties them to the
process, not to a thread: a worker thread that ends takes no program with it.

Where no guard runs (no ``/proc``; a child forked for ``run.timeout``, short-lived) a program is started by
util-linux's ``setpriv --pdeathsig KILL -- program ...`` (util-linux is essential on Debian and Ubuntu),
which sets the parent-death signal and execs the program in its process; where setpriv is missing or too
old for ``--pdeathsig``, by a ``preexec_fn`` calling prctl between fork and exec. That makes
:mod:`subprocess` fork the whole process (with its threads' locks held) for every program: ``echo`` took
3.6 ms to run instead of 1.1 ms at best, a median of 43 ms instead of 7 at load 14 (setpriv: 2.1 and 16 ms);
see benchmarks/command_overhead.py for whole runs. A program that the driver's death catches before its
guard (or setpriv) is ready, in the milliseconds after the first start, runs on; ``l2l resume`` kills it
when it runs that evaluation again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import Any

#: prctl's option that asks a signal on the parent's death (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent where prctl is not available.
POLL = 0.5

_prctl: list = []  # libc's prctl, looked up once in the parent (None: not Linux, or not reachable)
_setpriv: list = []  # the path of a setpriv that takes --pdeathsig, looked up once (None: none here)
#: Set in a program's environment to its starter's guard token: what the guard kills when the starter dies.
GUARD_VARIABLE = "L2L_GUARD"
_guard: dict = {}  # this process's guard: pid (of the process that started it), entry, fd (the pipe's writing end)
_forked_evaluation: list[bool] = [False]  # a child forked for run.timeout: starts no guard of its own
_guard_lock = threading.Lock()
_GUARD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "program_guard.py")


def _forget_guard() -> None:
    """In a forked child: the parent's guard is not ours; close our copy of its pipe (the guard must see the
    end when the parent dies, not when its last forked child does)."""
    global _guard_lock
    _guard_lock = threading.Lock()  # another thread may have held it at the fork
    found = _guard.pop("fd", None)
    _guard.clear()
    if found is not None:
        try:
            os.close(found)
        except OSError:
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_guard)


def guard() -> str | None:
    """``NAME=token`` for the environment of a program that must die with this process (its guard started
    at the first call), or None where no guard can run: no ``/proc`` to find the programs in, a child forked
    for ``run.timeout``, or the guard failed to start."""
    if _forked_evaluation[0]:
        return None
    if _guard.get("pid") == os.getpid():
        return _guard["entry"]
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc/self") \
            or not sys.executable or not hasattr(os, "posix_spawn") or not os.path.isfile(_GUARD_SCRIPT):
        return None
    with _guard_lock:
        if _guard.get("pid") == os.getpid():  # another thread started it meanwhile
            return _guard["entry"]
        entry = f"{GUARD_VARIABLE}={os.getpid()}-{secrets.token_hex(8)}"
        read_end, write_end = os.pipe()  # both close on exec: no program holds the writing end
        try:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.posix_spawn(sys.executable, [sys.executable, "-I", "-S", _GUARD_SCRIPT, entry], os.environ,
                               file_actions=[(os.POSIX_SPAWN_DUP2, read_end, 0), (os.POSIX_SPAWN_DUP2, null, 1),
                                             (os.POSIX_SPAWN_DUP2, null, 2)],
                               setsid=True)  # its own session: Ctrl+C and the terminal's hangup do not reach it
            finally:
                os.close(null)
        except (OSError, NotImplementedError):  # (no POSIX_SPAWN_SETSID in an old C library)
            os.close(write_end)
            return None
        finally:
            os.close(read_end)
        _guard.update(pid=os.getpid(), entry=entry, fd=write_end)
        return entry


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


def setpriv() -> str | None:
    """The path of util-linux's ``setpriv`` if it runs here and knows ``--pdeathsig`` (util-linux 2.33 on), else
    None. Looked up once per process: one run of ``setpriv --pdeathsig KILL -- setpriv --version``."""
    if not _setpriv:
        found = None
        path = shutil.which("setpriv") or next(
            (p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.access(p, os.X_OK)), None)
        if path is not None and available():
            try:
                probe = subprocess.run([path, "--pdeathsig", "KILL", "--", path, "--version"], capture_output=True,
                                       timeout=30, check=False)
                found = path if probe.returncode == 0 and b"util-linux" in probe.stdout else None
            except (OSError, subprocess.SubprocessError):
                found = None
        _setpriv.append(found)
    return _setpriv[0]


def prepare() -> None:
    """Look up what a child will need (libc's prctl, setpriv) here, before a fork: the child of a threaded
    process should only call it."""
    available()
    setpriv()


def _found(program: str, cwd: Any, env: dict | None) -> bool:
    """True if ``program`` (argv[0]) names an executable file, looked up as :mod:`subprocess` does: a name
    with a slash from ``cwd``, a bare name on the ``PATH`` of ``env``."""
    if os.sep in program:
        path = program if os.path.isabs(program) or cwd is None else os.path.join(os.fspath(cwd), program)
        return os.path.isfile(path) and os.access(path, os.X_OK)
    search = (env if env is not None else os.environ).get("PATH", os.defpath)
    return shutil.which(program, path=search) is not None


def spawn(argv: list[str], cwd: Any = None, env: dict | None = None) -> tuple[list[str], dict, Any]:
    """``(argv, env, preexec_fn)`` for :class:`subprocess.Popen` that start ``argv`` so that the program is
    killed (SIGKILL) when this process dies: ``argv`` as it is, spawned, with this process's :func:`guard`
    in ``env``; where none runs, ``setpriv --pdeathsig KILL -- argv``, spawned too; where setpriv is missing,
    ``argv`` with :func:`preexec` (a fork of this process). A program that cannot be found is never given
    to setpriv (it would exit with status 127): :mod:`subprocess` raises the error it always did."""
    env = dict(os.environ if env is None else env)
    entry = guard()
    if entry is not None:
        name, _, token = entry.partition("=")
        env[name] = token
        return list(argv), env, None
    path = setpriv()
    if path is not None and argv and _found(argv[0], cwd, env):
        return [path, "--pdeathsig", "KILL", "--", *argv], env, None
    return list(argv), env, preexec(os.getpid())


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
    the child once it differs from ``parent``. The programs this child starts die with it by setpriv (no
    guard: it is short-lived)."""
    _forked_evaluation[0] = True
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
