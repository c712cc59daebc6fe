"""A learning curve one of whose segments ends its own SLURM array job without a result, for the tests of how
slurm-array's resubmissions count compute."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from models_compute_limit import curve


def lost_once(params, seed, budget, checkpoint=None, markers="", how="cancel", always=False):
    """The curve of models_compute_limit, but the first segment of the run to get here loses its job: it names
    itself (seed and budget) in the marker file ``markers/lost``, then ``scancel``s its own array task (``how``
    'cancel': the job ends CANCELLED) or kills its own process (``how`` 'kill': the job ends FAILED), before any
    result is written. The backend resubmits it; the marker makes the resubmission run normally, unless
    ``always``: then every submission of that segment loses its job."""
    me = f"{seed} {float(budget):g}"
    try:
        with open(Path(markers) / "lost", "x") as marker:
            marker.write(me)
    except FileExistsError:
        if not (always and (Path(markers) / "lost").read_text() == me):
            return curve(params, seed, budget, checkpoint)
    if how == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    subprocess.run(["scancel", f"{os.environ['SLURM_ARRAY_JOB_ID']}_{os.environ['SLURM_ARRAY_TASK_ID']}"],
                   check=True)
    time.sleep(60)  # SLURM ends the job, and this process with it, meanwhile
    raise RuntimeError("still running 60 s after cancelling its own job")
