"""What a simulator prints goes to stderr: ``l2l run cfg.toml > out.txt`` holds only l2l's own lines."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

MODEL = '''
import ctypes
import os
import sys


def chatty(params, seed):
    print("SIM-PRINT", seed)
    sys.stdout.write("SIM-WRITE\\n")
    os.write(1, b"SIM-FD1\\n")  # as C code or a child process would
    ctypes.CDLL(None).printf(b"SIM-C\\n")  # C's stdio: block-buffered where stdout is a pipe
    return float(params["x"]) ** 2
'''

CONFIG = """
[run]
name = "chatty"
seed = 3
generations = 2
{timeout}
[space]
x = {{ type = "float", low = -1.0, high = 1.0 }}
[optimizer]
name = "random"
population_size = 3
[simulator]
name = "python"
function = "chatty_model:chatty"
[backend]
{backend}
"""


def _run(tmp_path, backend, timeout=""):
    (tmp_path / "chatty_model.py").write_text(MODEL)
    config = tmp_path / "chatty.toml"
    config.write_text(CONFIG.format(backend=backend, timeout=timeout))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--no-progress"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def _only_l2l_on_stdout(out, err, fd_level):
    assert "SIM-PRINT" not in out and "SIM-WRITE" not in out, out
    assert "2 generations, 6 evaluations (0 failed)" in out  # l2l's summary is still there
    assert err.count("SIM-PRINT") == 6 and err.count("SIM-WRITE") == 6, err  # the user still sees them
    if fd_level:
        assert "SIM-FD1" not in out and err.count("SIM-FD1") == 6, (out, err)
        assert "SIM-C" not in out and err.count("SIM-C") == 6, (out, err)


@pytest.mark.parametrize("timeout", ["", "timeout = 60"], ids=["in-process", "with-timeout"])
def test_serial_prints_go_to_stderr(tmp_path, timeout):
    out, err = _run(tmp_path, 'name = "serial"', timeout)
    _only_l2l_on_stdout(out, err, fd_level=True)


def test_local_workers_prints_go_to_stderr(tmp_path):
    out, err = _run(tmp_path, 'name = "local"\nworkers = 2')
    _only_l2l_on_stdout(out, err, fd_level=True)


def test_only_the_evaluating_threads_prints_move(capsys):
    """Two evaluations in threads at once (as in a Dask worker) print to stderr; a line another thread prints
    meanwhile stays on stdout, and stdout is the same stream again afterwards."""
    import threading

    from l2l.jobs.base import Settings, Task, evaluate
    from l2l.simulators.base import Simulator

    inside, release = threading.Barrier(3), threading.Event()

    class Waiting(Simulator):
        def run(self, params, seed):
            print("SIM", seed)
            inside.wait(timeout=60)
            release.wait(timeout=60)
            print("SIM-AGAIN", seed)
            return 0.0

    before = sys.stdout
    outcomes = []
    threads = [threading.Thread(target=lambda s=s: outcomes.append(
        evaluate(Waiting(), Task(0, s, s, {}), Settings(("loss",))))) for s in (1, 2)]
    for thread in threads:
        thread.start()
    inside.wait(timeout=60)  # both evaluations are running
    print("L2L-OWN-LINE")
    release.set()
    for thread in threads:
        thread.join(timeout=60)
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert sys.stdout is before
    captured = capsys.readouterr()
    assert captured.out == "L2L-OWN-LINE\n"
    assert sorted(captured.err.split("\n")) == ["", "SIM 1", "SIM 2", "SIM-AGAIN 1", "SIM-AGAIN 2"]


def test_serial_runs_in_two_threads_give_stdout_back():
    """Two serial runs in threads of one process, their evaluations overlapping (the first to start ends
    first): once both are done, file descriptor 1 is the process's stdout again, not its stderr."""
    import threading

    from l2l.jobs.serial import descriptor_1_to_stderr

    before = os.fstat(1)
    entered, first_left = threading.Event(), threading.Event()
    seen = {}

    def second():
        with descriptor_1_to_stderr():
            entered.set()
            first_left.wait(10)
            seen["during"] = os.fstat(1)

    with descriptor_1_to_stderr():
        thread = threading.Thread(target=second)
        thread.start()
        assert entered.wait(10)
    first_left.set()
    thread.join(10)
    after = os.fstat(1)
    stderr = os.fstat(2)
    # the second evaluation still had its output moved after the first ended...
    assert (seen["during"].st_dev, seen["during"].st_ino) == (stderr.st_dev, stderr.st_ino)
    # ...and the process's stdout came back once both had ended
    assert (after.st_dev, after.st_ino) == (before.st_dev, before.st_ino)
