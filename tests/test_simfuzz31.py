"""A user's inner loop that misbehaves (found by ``scripts/fuzz_sim31.py``): the run goes on or stops in one line,
nothing computed is lost, the file stays valid.

* A ``python`` function that changes the working directory (``os.chdir`` into its data folder) on the ``serial``
  backend, which evaluates in l2l's own process: a run written to a relative path (``--out run.h5``) ended after
  its evaluations with ``run.h5: no such file``, looked for in the model's folder.
* A function that crashes its process (a segfault in C code, ``os._exit``) under ``[run] timeout``, which runs
  each evaluation in a forked process: the failure said ``RuntimeError: the evaluation's process died (wait status
  768)`` under l2l's traceback, naming neither the signal nor the exit status. Without a timeout, on ``serial``, the
  crash takes l2l's process with it: it now prints where in the function it happened (was: nothing at all).
* Traces of a recording's size (88 MiB an evaluation) were stored without a word: 16 segments wrote a 2 GB file.
* A ``command`` program that prints megabytes of progress: its whole output was held in l2l's memory, several times
  (300 MB printed: 1.2 GB resident); only the ends are read now.
* A function that raises KeyboardInterrupt on ``local``: it killed the Dask worker evaluating it (in a thread of
  its own, where no Ctrl+C arrives), then the next, and each evaluation failed as ``KilledWorker`` after about 20 s.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import l2l


def _config(**run) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 2, "seed": 1, **run},
            "backend": {"name": "serial"}}


def _wander(params, seed):
    os.chdir(os.environ["L2L_TEST_ELSEWHERE"])
    return float(params["x"]) ** 2


def test_a_function_that_changes_the_working_directory_leaves_a_relative_run_file_where_it_was(tmp_path,
                                                                                                monkeypatch):
    elsewhere = tmp_path / "data"
    elsewhere.mkdir()
    monkeypatch.setenv("L2L_TEST_ELSEWHERE", str(elsewhere))
    monkeypatch.chdir(tmp_path)
    path = l2l.run(_config(), "run.h5", simulator=_wander, progress=False)
    assert Path(os.getcwd()) == tmp_path
    assert (tmp_path / "run.h5").is_file() and not (elsewhere / "run.h5").exists()
    frame = l2l.load(tmp_path / path)
    assert len(frame) == 4 and (frame["status"] == "ok").all()


def _crash(params, seed):
    """Crash this (forked) process one of two ways, without a core file."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    faulthandler.disable()  # (pytest's: its dump of this process would fill the test's output)
    if params["x"] > 0:
        ctypes.string_at(0)
    os._exit(3)


def test_a_function_that_crashes_its_process_under_a_timeout_fails_naming_the_signal_or_the_exit_status(tmp_path):
    config = _config(timeout=30)  # (serial: the local backend's workers fork the same way, checked by hand)
    config["optimizer"]["population_size"] = 4
    path = l2l.run(config, tmp_path / "run.h5", simulator=_crash, progress=False)
    frame = l2l.load(path)
    assert len(frame) == 8 and (frame["status"] == "failed").all()
    errors = set(frame["error"])
    said = {"EvaluationError: the evaluation's process was killed by signal 11 (SIGSEGV) before it returned a result",
            "EvaluationError: the evaluation's process exited with status 3 (os._exit, or exit() in C code) before "
            "it returned a result"}
    assert errors <= said and len(errors) == 2, errors


def test_a_segfault_in_a_function_evaluated_in_l2ls_own_process_prints_the_functions_line(tmp_path):
    (tmp_path / "crashing.py").write_text("import ctypes\n\ndef simulate(params, seed):\n    ctypes.string_at(0)\n")
    program = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        from l2l.simulators.python import PythonFunction
        PythonFunction(function="crashing:simulate", path={str(tmp_path)!r}).run({{"x": 0.5}}, 1)
        """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONFAULTHANDLER": ""})
    assert done.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in done.stderr
    assert f'File "{tmp_path / "crashing.py"}", line 4 in simulate' in done.stderr


def _recording(params, seed):
    from l2l.simulators import SimulationResult

    return SimulationResult(objectives={"value": float(params["x"]) ** 2},
                            traces={"v": np.zeros(5 * 2 ** 19), "spikes": np.zeros(100)})


def test_traces_of_a_recordings_size_are_warned_of_once_and_stored(tmp_path, capsys):
    path = l2l.run(_config(), tmp_path / "run.h5", simulator=_recording, progress=False)
    warnings = [line for line in capsys.readouterr().err.splitlines() if "MiB" in line]
    assert warnings == ["l2l: warning: the traces of generation 0, individual 0 (its evaluation) hold 20.0 MiB ('v' "
                        "20.0 MiB), stored in the run's file with every evaluation (20 GiB for 1,000 such): return a "
                        "summary, and save a recording to a file of your own; later ones are not named"]
    assert len(l2l.load(path)) == 4


def _command(program: str):
    from l2l.simulators.command import Command

    return Command(argv=(sys.executable, "-c", program, "{x}"))


def test_a_command_that_prints_megabytes_is_read_without_holding_them(tmp_path):
    """Its result, printed after 40 MB of progress bars (carriage returns) and longer than the block read from the
    end of its output, is read whole; its 10 MB on stderr are not held either."""
    flood = ("import json, sys\nline = '\\r' + '#' * 999\nfor _ in range(40000):\n    sys.stdout.write(line)\n"
             "sys.stderr.write('e' * 10 ** 7)\nprint()\n"
             "print(json.dumps(dict(objectives=dict(value=float(sys.argv[1]) * 2), traces=dict(t=[0.125] * 60000))))"
             "\nprint('   ')\n")
    tracemalloc.start()
    try:
        result = _command(flood).evaluate({"x": 0.25}, 1, _context(tmp_path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.objectives == {"value": 0.5} and result.traces["t"].shape == (60000,)
    assert peak < 8 * 2 ** 20, f"{peak / 2 ** 20:.1f} MiB held for 50 MB of output"


def _context(tmp_path):
    from l2l.simulators.base import EvaluationContext

    return EvaluationContext(generation=0, individual=0, run_dir=str(tmp_path / "run.work"))


def _interrupting(params, seed):
    raise KeyboardInterrupt


def test_a_keyboardinterrupt_raised_by_the_function_in_a_workers_thread_fails_that_evaluation():
    from l2l.jobs.base import Settings, Task, evaluate
    from l2l.simulators.python import CallableSimulator

    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(evaluate(
        CallableSimulator(function=_interrupting), Task(0, 1, 7, {"x": 0.5}), Settings(objectives=("value",)))))
    worker.start()
    worker.join(60)
    assert len(outcomes) == 1 and outcomes[0].status == "failed"
    assert outcomes[0].error.startswith("the simulator raised KeyboardInterrupt, which ends an evaluation as a "
                                        "failure here\nTraceback")
