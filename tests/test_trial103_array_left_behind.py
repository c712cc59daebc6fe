"""``l2l resume`` of a ``slurm-array`` run whose loop was killed cancels the arrays the killed loop left running.

A loop killed with ``kill -9`` on a login node cannot cancel its job arrays. Their tasks trained on, for their
whole walltime, segments whose results nobody reads (the resume runs them again), in the slots the resumed run
needs: with a ``python`` training function nothing stopped them. (A ``command`` program's leftover ended sooner,
by chance: the new segment's evaluation ends what the old one started in the same working directory.)
"""

from __future__ import annotations

import os
import subprocess

import pytest

import l2l
from slurm_helpers import kill9, l2l_command, require_slurm, squeue, wait_for, write_toml

MODEL = '''
import os
import time

def train(params, seed, budget, checkpoint=None):
    """Slow while the file 'slow' exists beside this module (the killed session's tasks), fast after."""
    slow = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slow")
    start = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = []
    for epoch in range(start + 1, int(budget) + 1):
        if os.path.exists(slow):
            open(slow + "-" + str(os.getpid()), "w").close()  # this task is asleep now
            time.sleep(600)
        curve.append([epoch, float(params["x"] ** 2 + 1.0 / epoch)])
    from l2l.simulators import SimulationResult
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget)})
'''


def _jobs(name: str) -> set[str]:
    """The SLURM job ids (arrays by their base id) of the jobs named ``name`` that are to run or running (one
    cancelled may be COMPLETING a while on a loaded host: it runs nothing more)."""
    return {row[0].split("_")[0] for row in squeue("--name", name, "--format=%i|%j|%T")
            if row[1:] in ([name, "PENDING"], [name, "RUNNING"])}


@pytest.mark.slurm
def test_resume_cancels_the_arrays_of_the_killed_session(tmp_path):
    require_slurm()
    (tmp_path / "slowmodel.py").write_text(MODEL)
    (tmp_path / "slow").write_text("")
    name = f"left-{os.getpid()}"  # its arrays, l2l-left-<pid>, are this pytest process's alone (the test's folder
    # name is the same in every pytest process: another one's arrays were counted, and cancelled, as this one's)
    config = write_toml(tmp_path / "run.toml", {
        "run": {"name": name, "seed": 1, "generations": 1, "policy": "asha"},
        "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
        # 3 candidates, budgets 1 and 3: 4 segments for the resume (9 candidates up to 9 epochs, 13 segments: 24 s at
        # load 23; now 15 s); 2 tasks of the first session's array asleep, 1 waiting in the queue
        "optimizer": {"name": "random", "population_size": 3},
        "simulator": {"name": "python", "function": "slowmodel:train",
                      "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 3}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "slurm-array", "max_running": 2, "walltime": "00:15:00"}})
    path = tmp_path / f"{name}.h5"
    job_name = f"l2l-{name}"
    left: set[str] = set()
    process = subprocess.Popen(l2l_command("run", str(config), "--no-progress"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: list(tmp_path.glob("slow-*")), 300, "a task of the first session asleep")
        assert process.poll() is None, process.communicate()
        kill9(process.pid)
        process.wait()
        left = _jobs(job_name)  # the killed loop cancelled nothing: its tasks sleep on
        assert left
        (tmp_path / "slow").unlink()
        done = subprocess.run(l2l_command("resume", str(path), "--no-progress"), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not _jobs(job_name) & left, "the killed session's array is still in the queue"
        frame = l2l.load(path)
        assert (frame["state"] == "completed").any()
    finally:
        if process.poll() is None:
            kill9(process.pid)
            process.wait()
        for job in left & _jobs(job_name):  # the old code's leftover: cancelled by its id
            subprocess.run(["scancel", job], timeout=30, check=False)
