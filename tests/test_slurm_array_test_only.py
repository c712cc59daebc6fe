"""A ``slurm-array`` run whose arrays sbatch refuses (a partition that does not exist) is refused before its file.

Before, the run created its file and its ``RUN.work`` folder, then failed at the first ``sbatch --array`` with
"sbatch failed (exit status 1): ... (the command: sbatch --parsable --array=0-1 ...)", and the corrected config,
run again, was told the file holds nothing computed and must be deleted. Now it asks ``sbatch --test-only``
first, as the ``slurm`` backend does of its worker jobs, and ends in one line with nothing created.
"""

from __future__ import annotations

import os

import pytest
from conftest import write_toml

from l2l.cli import main

#: An sbatch that refuses everything as SLURM refuses an unknown partition, and logs its arguments.
REFUSING = """#!/bin/sh
echo "$@" >> "$(dirname "$0")/calls"
echo "sbatch: error: invalid partition specified: no-such-partition" >&2
echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2
exit 1
"""


def _config(tmp_path, partition: str):
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "refused", "generations": 1}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
        "backend": {"name": "slurm-array", "partition": partition, "walltime": "00:05:00", "max_running": 2}})


def _refused(tmp_path, capsys, partition: str) -> str:
    out = tmp_path / "run" / "a.h5"
    status = main(["run", str(_config(tmp_path, partition)), "--out", str(out), "--no-progress"])
    errors = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("l2l 0.")]
    assert status == 2 and len(errors) == 1, errors
    assert not out.exists() and not (tmp_path / "run" / "a.work").exists()  # before: both, holding nothing
    return errors[0]


def test_a_refused_array_is_refused_before_the_file_and_its_folder_exist(tmp_path, capsys, monkeypatch):
    shim = tmp_path / "bin" / "sbatch"
    shim.parent.mkdir()
    shim.write_text(REFUSING)
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    error = _refused(tmp_path, capsys, "no-such-partition")
    assert error == ("l2l: error: sbatch refused the job arrays: sbatch: error: invalid partition specified: "
                     "no-such-partition; sbatch: error: Batch job submission failed: Invalid partition name "
                     "specified (checked with 'sbatch --test-only' before submitting any; correct [backend] in the "
                     "config, e.g. its partition, account, walltime or job_extra_directives)"), error
    # one question, with the run's array throttle, and no submission
    assert (tmp_path / "bin" / "calls").read_text().split("\n")[:-1] == ["--test-only --array=0-0%2"]


@pytest.mark.slurm
def test_the_local_slurm_refuses_an_unknown_partition_before_the_file_exists(tmp_path, capsys):
    from slurm_helpers import require_slurm

    require_slurm()
    error = _refused(tmp_path, capsys, "no-such-partition")
    assert error.startswith("l2l: error: sbatch refused the job arrays: sbatch: error: invalid partition "
                            "specified: no-such-partition"), error
