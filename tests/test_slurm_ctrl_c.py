"""Ctrl-C on the 'slurm' backend (Dask workers as SLURM jobs): the same stop as on the local backend."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys

import pytest
from file_watch import committed_evaluations

import l2l
from l2l.jobs.slurm import slurm_cluster_class
from slurm_helpers import executable, l2l_command, require_slurm, wait_for, write_toml


def test_importing_dask_jobqueue_leaves_the_process_s_ctrl_c_handling_alone():
    code = ("import signal, sys; from l2l.jobs.slurm import slurm_cluster_class; slurm_cluster_class()\n"
            "print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, "
            "signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr
    # imported before l2l by someone else: its handler (sys.exit on Ctrl-C) is taken out again
    code = "import dask_jobqueue\n" + code
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["True", "True"], done.stdout + done.stderr
    assert slurm_cluster_class().__name__ == "SLURMCluster"


#: The evaluation of the run stopped by Ctrl-C: the sphere of ``x``; from generation 2 on it first waits for the file
#: ``go`` in its folder (at most 300 s), which the test makes only once the run has ended: the run cannot end before
#: the Ctrl-C, whatever the load, and the Ctrl-C lands with evaluations in flight. Before, the run was 400
#: generations of 0.05 s evaluations (80 s at least): the test had that margin to see 8 evaluations and send SIGINT.
GATED_SPHERE = """#!/bin/sh
if [ "$2" -ge 2 ]; then
    for _ in $(seq 3000); do [ -e {folder}/go ] && break; sleep 0.1; done
fi
echo "$1" | awk '{{ print $1 * $1 }}'
"""


@pytest.mark.slurm
def test_ctrl_c_stops_a_slurm_run_with_status_130_the_resume_line_and_a_stopped_event(tmp_path):
    require_slurm()
    program = executable(tmp_path / "sphere.sh", GATED_SPHERE.format(folder=shlex.quote(str(tmp_path))))
    config = write_toml(tmp_path / "ctrlc.toml", {
        "run": {"name": "ctrlc", "seed": 3, "generations": 3},
        "space": {"x": {"type": "float", "low": -2.0, "high": 2.0}},
        "optimizer": {"name": "random", "population_size": 4},
        "simulator": {"name": "command", "argv": [str(program), "{x}", "{generation}"]},
        "backend": {"name": "slurm", "minimum_jobs": 1, "maximum_jobs": 1, "walltime": "00:10:00",
                    "memory": "1GB"}})
    path = tmp_path / "ctrlc.h5"
    process = subprocess.Popen(l2l_command("run", str(config), "--out", str(path), "--no-progress"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        # generations 0 and 1 in the file: the run waits for generation 2, which cannot end before 'go'
        wait_for(lambda: committed_evaluations(path) >= 8 or process.poll() is not None, 300, "8 evaluations on SLURM")
        assert process.poll() is None, process.communicate()
        os.killpg(process.pid, signal.SIGINT)  # what the terminal does
        _, err = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        (tmp_path / "go").touch()
    assert process.returncode == 130, err
    assert f"continue with: l2l resume {path}" in err and "Traceback" not in err, err
    assert committed_evaluations(path) == 8  # the evaluations of generation 2 were in flight, none finished
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "stopped", events
    assert l2l.validate(path) == []
