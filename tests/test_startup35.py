"""Ctrl-C in the first seconds of ``l2l run`` on the ``local`` backend, and the progress bar into a file.

A Ctrl-C (SIGINT) that Python handles while the main thread runs a weakref callback, which the Dask cluster's
start and close set off by the hundred, raises KeyboardInterrupt inside the callback: Python prints it as
"Exception ignored in: <function WeakValueDictionary...> Traceback ... KeyboardInterrupt" and drops it. While the
cluster started (before the run took it) and while it closed, nothing kept it: the traceback was printed and the
run went on to its end (found by sending SIGINT to the process group at delays of 0..8 s: 1 run in 10 at 5 s).
Here the Ctrl-C comes deterministically inside such a callback, at those two moments.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import l2l

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[run]
name = "startup"
seed = 3
generations = 6

[space]
x = { low = -2.0, high = 2.0 }

[optimizer]
name = "random"
population_size = 2

[simulator]
name = "sleep"
median = 0.01
sigma = 0.0

[backend]
name = "local"
workers = 1
dashboard = false
"""

# The console script's function, with a Ctrl-C dropped in a weakref callback just before ``where`` runs.
DRIVER = """\
import gc, os, signal, sys, weakref
import l2l.loop, l2l.jobs.dask
from l2l.__main__ import main


class Thing:
    pass


def interrupted(_):  # as Python handles a Ctrl-C that lands in a weakref callback
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(100000):
        pass


def dropping(function):
    def wrapper(*args, **kwargs):
        thing = Thing()
        keep = weakref.ref(thing, interrupted)
        del thing
        gc.collect()
        return function(*args, **kwargs)
    return wrapper


owner, name = sys.argv[1].rsplit(".", 1)
owner = {"loop": l2l.loop, "LocalExecutor": l2l.jobs.dask.LocalExecutor}[owner]
setattr(owner, name, dropping(getattr(owner, name)))
sys.exit(main(sys.argv[2:]))
"""


def _run(tmp_path: Path, where: str, *options: str) -> tuple[subprocess.CompletedProcess, Path]:
    config, out = tmp_path / "run.toml", tmp_path / "run.h5"
    config.write_text(CONFIG)
    done = subprocess.run([sys.executable, "-c", DRIVER, where, "run", str(config), "--out", str(out), *options],
                          capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    return done, out


# the run's file is created while the cluster starts (in a thread): before, the run went on and ended with 0;
# the cluster closes (a Ctrl-C as a finished run closes it): before, the traceback and exit status 0
@pytest.mark.parametrize("where", ["loop._create", "LocalExecutor._close_cluster"])
def test_ctrl_c_dropped_while_the_cluster_starts_or_closes_stops_with_one_note(tmp_path, where):
    done, out = _run(tmp_path, where, "--no-progress")
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 130, done.stderr
    assert f"l2l resume {out.absolute()}" in done.stderr.replace("'", "")
    assert l2l.validate(out) == []


def test_the_progress_bar_into_a_file_is_lines_not_carriage_returns(tmp_path, monkeypatch):
    from l2l.progress import Progress

    log = tmp_path / "log"
    with log.open("w") as stderr:  # l2l run ... 2> log
        monkeypatch.setattr(sys, "stderr", stderr)
        bar = Progress(True, 12, 0)
        for n in range(12):
            bar.update(1, n // 2 + 1, {"f": 1.0 - n / 100}, 0)
            time.sleep(0.01)
        bar.close()
    text = log.read_text()
    # before: one line of the 13 states joined by carriage returns (a carriage return before each)
    assert "\r" not in text, repr(text)
    lines = text.splitlines()
    # the first and the last (a minute between two lines), each whole, as a log shows them
    assert len(lines) == 2 and lines[0].startswith("  0%|") and lines[-1].startswith("100%|"), text
    assert " 0/12 [" in lines[0] and " 12/12 [" in lines[-1], text
    assert "gen 6 best f=0.89" in lines[-1], text
