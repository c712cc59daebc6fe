"""A learning curve one of whose segments kills the Dask worker running it, for the tests of how the Dask
backends count the runs of a segment whose worker died."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from models_compute_limit import curve


def killed_once(params, seed, budget, checkpoint=None, markers="", always=False):
    """The curve of models_compute_limit, but the first segment of the run to get here kills its worker
    process (SIGKILL) midway, 0.2 s in: it names itself (seed and budget) in the marker file ``markers/killed`` first.
    Every start of a segment appends its name to ``markers/starts``, so that a test knows how often each one
    really started. Dask runs the killed one again elsewhere; the marker makes that run go normally, unless
    ``always``: then every run of that segment kills its worker."""
    me = f"{seed} {float(budget):g}"
    with open(Path(markers) / "starts", "a") as starts:
        starts.write(me + "\n")
    try:
        with open(Path(markers) / "killed", "x") as marker:
            marker.write(me)
    except FileExistsError:
        if not (always and (Path(markers) / "killed").read_text() == me):
            return curve(params, seed, budget, checkpoint)
    time.sleep(0.2)  # midway
    os.kill(os.getpid(), signal.SIGKILL)
    raise RuntimeError("still running after SIGKILL")
