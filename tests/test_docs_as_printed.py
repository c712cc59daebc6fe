"""What a new user meets following the README and docs/ as printed (found by doing so)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from file_watch import committed_evaluations

import l2l

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
[run]
name = "twice"
seed = 3
generations = 400

[space]
x = { low = -2.0, high = 2.0 }

[optimizer]
name = "random"
population_size = 4

[simulator]
name = "sleep"
median = 0.05

[backend]
name = "local"
workers = 2
"""

# ``l2l run`` as a terminal runs it, except that the user presses Ctrl-C a second time just as the stopped run
# starts to close its Dask cluster (the terminal sends SIGINT to the whole process group).
IMPATIENT = """
import asyncio, os, signal, sys
import distributed.deploy.spec as spec
from distributed.core import Status

original = spec.SpecCluster._correct_state
pressed = []

async def _correct_state(self):  # called by the cluster's close once it is 'closing'
    if self.status == Status.closing and not pressed:
        pressed.append(True)
        os.killpg(os.getpgrp(), signal.SIGINT)
        await asyncio.sleep(0.5)
    return await original(self)

spec.SpecCluster._correct_state = _correct_state

if __name__ == "__main__":
    from l2l.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_pressed_again_while_the_run_closes_its_cluster_exits_and_keeps_the_run(tmp_path, capsys):
    """Ctrl-C twice: the second press landed in Dask's close of the local cluster, which it cancelled half
    done; the loop's next close then waited for it forever, silent, until a third Ctrl-C (and Dask's exit
    handler waited 10 s more). Now the close goes to its end, the run exits 130 with its one line, and
    nothing of it is left running."""
    config = tmp_path / "twice.toml"
    config.write_text(CONFIG)
    script = tmp_path / "impatient.py"
    script.write_text(IMPATIENT)
    path = tmp_path / "twice.h5"
    process = subprocess.Popen([sys.executable, str(script), "run", str(config), "--out", str(path), "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                               start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 120
        while committed_evaluations(path) < 8 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)  # the first Ctrl-C; the second comes as the cluster closes
        try:
            _, err = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            raise AssertionError("l2l run hung after Ctrl-C was pressed twice") from None
        assert process.returncode == 130, err
        assert err.strip().splitlines()[-1] == f"interrupted; every committed evaluation is in {path}; continue with: " \
                                                f"l2l resume {path}", err
        assert "Traceback" not in err, err
        deadline = time.monotonic() + 60
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(process.pid), "worker processes of the stopped run are still running"
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    assert l2l.validate(path) == [] and committed_evaluations(path) >= 8
    from l2l.cli import main

    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "status: stopped (interrupted)" in shown, shown
    frame = l2l.load(path)
    assert (frame["status"] == "ok").all()


def test_validate_of_a_mistyped_name_is_bad_input_in_one_line_and_a_file_is_named_once(tmp_path, capsys):
    """``l2l validate FILE`` with a name that is not there: exit 2 with 'l2l: error:' as every other command
    (it was exit 1, 'nofile.h5: nofile.h5: no such file', as if a file had been found damaged)."""
    from l2l.cli import main

    missing = tmp_path / "rn.h5"
    assert main(["validate", str(missing)]) == 2
    assert capsys.readouterr().err == f"l2l: error: {missing}: no such file\n"
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not a trajectory")
    assert main(["validate", str(junk), str(missing)]) == 2  # refused before any file is checked
    assert capsys.readouterr() == ("", f"l2l: error: {missing}: no such file\n")
    assert main(["validate", str(junk)]) == 1
    err = capsys.readouterr().err
    assert err.count(str(junk)) == 1 and "not an HDF5 file" in err, err
