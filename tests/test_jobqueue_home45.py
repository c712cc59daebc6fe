"""Importing dask-jobqueue for a slurm run writes nothing into the user's dask config folder: its import copied
jobqueue.yaml, commented out, into ~/.config/dask (here $DASK_CONFIG) on every first run; its defaults still load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = """
import dask.config
from l2l.jobs.slurm_jobqueue import slurm_cluster_class
slurm_cluster_class()
print(dask.config.get("jobqueue.slurm.interface", "missing"), dask.config.PATH == {folder!r})
"""


def test_importing_dask_jobqueue_leaves_the_dask_config_folder_alone(tmp_path):
    folder = tmp_path / "dask"
    env = {**os.environ, "DASK_CONFIG": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(folder=str(folder))], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "True"], done.stdout  # its defaults loaded, the folder put back
    assert not folder.exists() or not list(folder.iterdir()), list(folder.iterdir())
