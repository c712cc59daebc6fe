"""Running the docs as written (session 30): what they quote, the code says."""
from __future__ import annotations

from l2l import cli
from l2l.control import RunControl


def test_inside_l2l_submits_job_a_stop_by_sigterm_does_not_point_at_a_next_line_that_came_before_it(capsys,
                                                                                                   monkeypatch):
    # scancel, a requeue or the time limit: SLURM sends SIGTERM to the job's script and the loop at once, and the
    # script says 'l2l submit: job N cancelled ...; go on with: sbatch ...' before the loop has committed and
    # printed its stop line (seen in a job's log on this machine's SLURM); the stop line said 'the job's next line
    # says whether it requeues itself', pointing the reader below, at nothing
    monkeypatch.setenv("L2L_BATCH_JOB", "4242")
    control = RunControl()
    control.request_stop("signal SIGTERM")
    assert cli._stopped(control, "runs/sweep.h5") == 143
    line = capsys.readouterr().err.strip()
    assert "next line" not in line and "'l2l submit:' line" in line and "l2l resume" not in line, line
