"""A ``command`` program is started without forking the driver, and still dies with the driver.

f315652 gave every program ``prctl(PR_SET_PDEATHSIG)`` through subprocess's ``preexec_fn``, which makes Python fork
the whole driver for each program (an evaluation of ``echo`` on the serial backend took 34 ms instead of 17 at load
14). Now the program is spawned, and a guard process kills it (and what it started) when the driver dies
(l2l.parent_death); where no guard runs, ``setpriv --pdeathsig KILL --``, or ``preexec_fn`` where setpriv is
missing. More kill -9 tests of the driver: tests/test_lockchild29.py.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import textwrap
import threading
import time

import pytest
from process_watch import ends_within as _ends_within
from process_watch import reap  # noqa: F401 - a fixture

from l2l import parent_death
from l2l.errors import EvaluationError
from l2l.simulators.base import EvaluationContext
from l2l.simulators.command import Command

needs_linux = pytest.mark.skipif(not parent_death.available(), reason="the kernel's parent-death signal (Linux)")
needs_setpriv = pytest.mark.skipif(parent_death.setpriv() is None, reason="util-linux's setpriv with --pdeathsig")

#: Prints the parent-death signal the kernel holds for this program (prctl PR_GET_PDEATHSIG), then waits for the
#: file its first argument names to exist when it is given (deadline 20 s: a test never hangs on it).
PROGRAM = textwrap.dedent("""
    import ctypes, os, sys, time
    signal = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(signal), 0, 0, 0)
    deadline = time.monotonic() + 20
    while len(sys.argv) > 1 and not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
        time.sleep(0.01)
    print(signal.value)
""")

_forks: list[int] = []
_counting: list[bool] = [False]
os.register_at_fork(before=lambda: _counting[0] and _forks.append(1))


def _evaluate(tmp_path, argv, individual: int = 0) -> float:
    result = Command(argv=argv).evaluate({}, 1, EvaluationContext(0, individual, run_dir=str(tmp_path / "run")))
    return result.objectives["value"] if isinstance(result.objectives, dict) else float(result.objectives)


@needs_linux
@needs_setpriv
def test_a_program_starts_without_forking_the_driver(tmp_path):
    """Before, every evaluation forked the driver (its Python fork hooks ran, and its memory was copied)."""
    _counting[0] = True
    try:
        values = [_evaluate(tmp_path, ["echo", "1.5"], individual) for individual in range(3)]
    finally:
        _counting[0] = False
    assert values == [1.5, 1.5, 1.5]
    assert _forks == [], f"the driver forked {len(_forks)} times to start 3 programs"


WRAPPED = textwrap.dedent("""
    import os, sys, time
    with open(sys.argv[1], "a") as handle:
        handle.write(f"{os.getppid()} {os.getpid()}\\n")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.05)
""")


@needs_linux
def test_a_shell_wrappers_child_ends_with_the_killed_driver_too(tmp_path, reap):
    """The guard kills what the program started: ``sh -c 'python train.py; echo'`` left python running after a
    kill -9 of l2l (the parent-death signal reached the shell alone), and before f315652 both ran on."""
    (tmp_path / "wrapped.py").write_text(WRAPPED)
    pids = tmp_path / "pids"
    script = " ".join(shlex.quote(str(arg)) for arg in (sys.executable, tmp_path / "wrapped.py", pids)) + "; echo 1"
    driver = os.fork()
    if driver == 0:  # pragma: no cover - the driver: one evaluation, killed while its program runs
        try:
            os.dup2(os.open(tmp_path / "driver.log", os.O_WRONLY | os.O_CREAT, 0o644), 2)
            _evaluate(tmp_path, ["sh", "-c", script])
        finally:
            os._exit(0)
    end = time.monotonic() + 60
    while not (pids.exists() and pids.read_text().endswith("\n")):
        assert not os.waitpid(driver, os.WNOHANG)[0], "the driver ended before its program started"
        assert time.monotonic() < end, "the program did not start"
        time.sleep(0.02)
    shell, program = (int(pid) for pid in pids.read_text().split())
    reap.extend([shell, program])
    os.kill(driver, signal.SIGKILL)
    os.waitpid(driver, 0)
    assert _ends_within(program, 10), "the shell's child outlived the killed driver"
    assert _ends_within(shell, 10), "the shell outlived the killed driver"


@needs_linux
@pytest.mark.parametrize("way", ["setpriv", "preexec_fn"])
def test_where_no_guard_runs_the_program_gets_the_parent_death_signal(tmp_path, monkeypatch, way):
    """In a child forked for run.timeout (no guard of its own) the kernel holds SIGKILL (9) as the program's
    parent-death signal, through setpriv and where setpriv is missing (0 before f315652)."""
    if way == "setpriv" and parent_death.setpriv() is None:
        pytest.skip("no setpriv with --pdeathsig here")
    monkeypatch.setattr(parent_death, "_forked_evaluation", [True])
    if way == "preexec_fn":
        monkeypatch.setattr(parent_death, "_setpriv", [None])
    assert _evaluate(tmp_path, [sys.executable, "-c", PROGRAM]) == 9


@needs_linux
@pytest.mark.parametrize("way", ["guard", "setpriv"])
def test_a_thread_that_ends_does_not_kill_another_threads_program(tmp_path, monkeypatch, way):
    """A parent-death signal follows the thread that started the program: a worker thread that ends (a pool's
    idle thread, another evaluation's) must not take a program started by a thread still waiting for it."""
    if way == "setpriv":
        if parent_death.setpriv() is None:
            pytest.skip("no setpriv with --pdeathsig here")
        monkeypatch.setattr(parent_death, "_forked_evaluation", [True])
    release = tmp_path / "release"
    outcome: dict = {}

    def long() -> None:
        try:
            outcome["value"] = _evaluate(tmp_path, [sys.executable, "-c", PROGRAM, str(release)], 0)
        except EvaluationError as exc:
            outcome["error"] = str(exc).splitlines()[0]

    waiting = threading.Thread(target=long)
    waiting.start()
    short = threading.Thread(target=lambda: outcome.setdefault("short", _evaluate(tmp_path, ["echo", "2"], 1)))
    short.start()
    short.join(30)
    assert not short.is_alive() and outcome.get("short") == 2.0
    release.touch()
    waiting.join(30)
    assert outcome.get("value") == (9 if way == "setpriv" else 0), outcome  # the program's parent-death signal


def test_a_missing_program_is_named_as_before(tmp_path):
    """setpriv would exit with status 127 for a program it cannot find; the message is subprocess's, as before."""
    with pytest.raises(EvaluationError, match=r"^cannot start 'l2l-no-such-program-29': \[Errno 2\]"):
        _evaluate(tmp_path, ["l2l-no-such-program-29", "1"])


@needs_linux
def test_a_command_program_on_a_local_worker_ends_with_its_killed_driver(tmp_path, reap):
    """The program's guard is its worker's: the worker ends with the driver, and its guard kills the program."""
    from test_lockchild29 import PROGRAM as SLEEPING
    from test_lockchild29 import _config, _started_driver

    (tmp_path / "program.py").write_text(SLEEPING)
    pids = tmp_path / "pids"
    config = _config({"name": "command", "argv": [sys.executable, str(tmp_path / "program.py"), str(pids)]}, "local")
    driver, program = _started_driver(config, tmp_path / "run.h5", pids)
    reap.append(program)
    os.kill(driver, signal.SIGKILL)
    os.waitpid(driver, 0)
    assert _ends_within(program, 30), "the command's program outlived its killed driver and its worker"
