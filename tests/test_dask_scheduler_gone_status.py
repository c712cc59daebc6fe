"""A run whose Dask scheduler went away (backend ``dask``) is ``stopped``, with the reason and the command that goes
on, in ``l2l show``, ``l2l watch`` and the report: before, ``failed (ExecutorError: backend 'dask': the scheduler at
... is gone ...)``, although every finished evaluation is in the file and ``l2l resume`` continues it as it continues
a stopped run. The ``failed`` event stays as it was written (files of earlier versions read the same); its error's
type, SchedulerGone, says what happened. A run through a real scheduler that goes away:
test_dask_external_scheduler_gone.py.
"""

from __future__ import annotations

import json
import os

from l2l.summary import run_status

GONE = ("backend 'dask': the scheduler at tcp://10.0.0.5:8786 is gone (not reached again within 30 s), with 4 "
        "evaluation(s) out; start it again (the same address, or scheduler file); every finished evaluation is in "
        "/data/runs/a.h5; continue with: l2l resume /data/runs/a.h5")


def _status(error: str, *path) -> tuple[str, str]:
    return run_status(["started", "failed"], ["{}", json.dumps({"error": error})], False, *path)


def test_a_run_whose_scheduler_went_away_is_stopped_with_the_command_that_goes_on(tmp_path):
    path = tmp_path / "my run.h5"
    reason = ("the Dask scheduler at tcp://10.0.0.5:8786 went away; every finished evaluation is kept: start the "
              "scheduler and its workers again, then continue with: l2l resume ")
    # before: ('failed', 'SchedulerGone: backend ...'), and so for the files written before SchedulerGone
    for recorded in (f"SchedulerGone: {GONE}", f"ExecutorError: {GONE}"):
        assert _status(recorded) == ("stopped", reason + "FILE")
        assert _status(recorded, path) == ("stopped", reason + f"'{os.path.abspath(path)}'")


def test_other_errors_of_a_backend_are_failures_still():
    for recorded in ("ExecutorError: backend 'slurm': sbatch refused the run's jobs", "ValueError: the scheduler at x "
                     "is gone (", "RuntimeError: SchedulerGone: backend 'dask': the scheduler at x is gone ("):
        assert _status(recorded) == ("failed", recorded)
