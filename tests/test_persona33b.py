"""Found moving an Optuna study to l2l on SLURM (persona33b): ``l2l submit`` of a config whose ``[backend]`` names a
partition sbatch refuses submitted the loop's job (exit 0), and the run it started ended at once in the job's log
(``sbatch refused the worker jobs: ...``), which nobody reads right away. ``l2l submit`` now makes the backend's checks
a fresh run makes before its file exists (``sbatch --test-only``) and refuses in one line, exit 2, nothing submitted.
Against the real single-node SLURM."""

from __future__ import annotations

import pytest

from l2l.cli import main
from slurm_helpers import require_slurm
from test_submit_existing import RUN
from test_slurm import write_toml

PARTITION = "no-such-partition-persona33b"


@pytest.mark.slurm
@pytest.mark.parametrize("backend, jobs", [("slurm", "the worker jobs"), ("slurm-array", "the job arrays")])
def test_submit_refuses_a_backend_partition_sbatch_refuses(tmp_path, capsys, backend, jobs):
    require_slurm()
    config = write_toml(tmp_path / "c.toml", {**RUN, "backend": {"name": backend, "partition": PARTITION}})
    for dry_run in ([], ["--dry-run"]):
        assert main(["submit", str(config), "--out", str(tmp_path / "outer.h5"), *dry_run]) == 2
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith(f"l2l: error: l2l submit: sbatch refused {jobs}: "), err
        assert PARTITION in err[0] and err[0].endswith("nothing was submitted"), err
        assert ("#SBATCH" in captured.out) == bool(dry_run)  # the dry run still prints the script
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]  # no script, no job, no file


def test_a_slurm_array_task_out_of_time_names_the_walltime_to_raise(tmp_path):
    """A task SLURM ended at its time limit (TIMEOUT) said 'SLURM job ended TIMEOUT (TimeLimit) without writing a
    result, after 2 submission(s)': what SLURM did, not that the limit is the backend's ``walltime`` to raise (found
    with walltime = '00:01:00' and a segment of 100 s). A cancelled task's line stays as it was."""
    from types import SimpleNamespace

    from l2l.jobs import BACKENDS
    from l2l.jobs.base import Task

    executor = BACKENDS.create("slurm-array", {"retries": 0, "walltime": "00:01:00"})
    executor._root = tmp_path
    for index, (state, reason) in enumerate([("TIMEOUT", "TimeLimit"), ("CANCELLED", "None")]):
        executor._lost(SimpleNamespace(tasks={index: Task(0, index, 11, {"x": 0.0})}, job_id="77"), index, state,
                       reason)
    timed_out, cancelled = (outcome.error.splitlines()[0] for outcome in executor._ready)
    assert timed_out.startswith("SLURM job ended TIMEOUT (TimeLimit) without writing a result, after 1 submission(s)")
    assert "walltime = '00:01:00'" in timed_out and "raise it" in timed_out, timed_out
    assert cancelled == "SLURM job ended CANCELLED without writing a result, after 1 submission(s)"
