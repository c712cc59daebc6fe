"""A ``slurm`` run whose replacement worker job sbatch refuses while other worker jobs remain.

Before: the run went on with one worker fewer, for good (dask-jobqueue never submits a refused job again), and
said nothing; only the first ``maximum_jobs`` submissions refused were told. Now one warning line says that sbatch
refused a replacement and with how many worker jobs the run goes on.

The planned ``sbatch`` of test_slurm_refused_later.py answers: ``pass`` hands the submission to the real sbatch,
``refuse`` answers as a QOS limit does (the last word of the plan repeats).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from slurm_helpers import require_slurm, wait_for
from test_slurm_more_refusals import SAID
from test_slurm_refused_later import Sbatch, _config, _errors, _started

import l2l


def _warnings(path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.startswith("l2l: warning")]


@pytest.mark.slurm
def test_a_refused_replacement_worker_job_is_told_in_one_warning_line_and_the_run_goes_on(tmp_path):
    """Two workers run; one is cancelled and its replacement refused: one line says so while the run goes on with the
    other, which finishes the run."""
    require_slurm()
    sbatch = Sbatch(tmp_path / "sbatch", "pass,pass,refuse")
    # An evaluation first waits (at most 60 s) until both worker jobs have started one, so that the first to start
    # cannot run the whole run alone; once each job has started two, every evaluation waits while the file 'hold'
    # exists (at most 300 s): the run lasts until the test removes it, whatever the load. Before, evaluations took
    # 0.2 s while it existed, and the run's evaluations (20-40 s) raced with the test's waits for the refusal
    # and the warning.
    hold = tmp_path / "hold"
    hold.touch()
    started = tmp_path / "started"
    released = tmp_path / "released"  # once made, every evaluation answers at once (one shell, no other program)
    script = (f'if [ -f {released} ]; then echo 1; exit 0; fi; echo "$SLURM_JOB_ID" >> {started}; '
              f'for _ in $(seq 600); do [ "$(sort -u {started} | wc -l)" -ge 2 ] && break; sleep 0.1; done; '
              f'if [ "$(sort {started} | uniq -c | awk \'$1 >= 2\' | wc -l)" -ge 2 ]; then '
              f'for _ in $(seq 3000); do [ -f {hold} ] || break; sleep 0.1; done; fi; echo 1')
    argv = ["sh", "-c", script, "sh", "{x}"]
    config = _config(tmp_path, 10, {"name": "slurm", "partition": "debug", "memory": "1GB",
                                    "walltime": "00:05:00", "minimum_jobs": 2, "maximum_jobs": 2,
                                    "chunk_size": 1}, argv=argv)
    out, stderr_path = tmp_path / "replaced.h5", tmp_path / "stderr"
    with open(stderr_path, "w") as stderr_file:
        process = subprocess.Popen([sys.executable, "-m", "l2l", "run", str(config), "--out", str(out),
                                    "--no-progress"], cwd=tmp_path, env=sbatch.env(), stdout=subprocess.DEVNULL,
                                   stderr=stderr_file, text=True)
    try:
        first = sbatch.job("pass")
        taken = wait_for(lambda: [job for _, action, job in sbatch.entries() if action == "pass"][1:], 120,
                         "the second worker job")
        wait_for(lambda: _started(tmp_path, first) >= 2 and _started(tmp_path, taken[0]) >= 2, 120,
                 "evaluations in both worker jobs")
        subprocess.run(["scancel", first], check=True, timeout=30)
        wait_for(sbatch.refusals, 90, "the replacement of the cancelled worker to be refused")
        # before: nothing, however long the run went on
        warnings = wait_for(lambda: _warnings(stderr_path), 30, "a warning line")
        assert process.poll() is None, stderr_path.read_text()
        assert warnings == [f"l2l: warning: sbatch refused a replacement worker job ({SAID}); the run goes on "
                            f"with 1 worker job"], stderr_path.read_text()
        time.sleep(2)  # looked at every second: said once
        assert _warnings(stderr_path) == warnings
        released.touch()
        hold.unlink()
        # the rest of the 20 evaluations on one worker job (200 before session 36: 20-110 s at load 29-43 before
        # 'released' made each evaluation one shell; it failed once at load 37 on 120 s); the wait gives room, not time
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        sbatch.cancel_all()
    stderr = stderr_path.read_text()
    assert process.returncode == 0, stderr
    assert _errors(stderr) == warnings, stderr
    assert len(l2l.load(out)) == 20
    assert [action for _, action, _ in sbatch.entries()] == ["pass", "pass", "refuse"]
