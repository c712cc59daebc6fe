"""Extra ``#SBATCH`` directives with blanks or ``#`` in their values, and what a refused ``sbatch`` prints.

Found by a new user on the single-node SLURM: ``job_extra_directives = ["--comment=my sweep #1"]`` was written
as given, so sbatch refused every job ("Invalid directive found in batch script: sweep"): the ``slurm-array``
backend stopped at its first array with an error of five lines, the ``slurm`` backend waited for workers that
never came until it was killed. A refused sbatch (a partition that does not exist) ended ``l2l run`` with the
command, an empty stdout and stderr on lines of their own after ``l2l: error:``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import l2l_cli, write_toml

from l2l.cli import main
from l2l.errors import ConfigError
from l2l.jobs.slurm_common import SlurmError
from l2l.jobs.slurm_values import check_extra_directives


def _config(tmp_path, backend: dict):
    return write_toml(tmp_path / "c.toml", {
        "run": {"name": "quoted", "generations": 1}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": "command", "argv": [sys.executable, "-c", "print(1)", "{x}"]},
        "backend": {"partition": "debug", "walltime": "00:05:00", **backend}})


def test_an_extra_directives_value_is_quoted_the_way_sbatch_reads_it():
    assert check_extra_directives(["--comment=my sweep #1", "--constraint=a|b", "--qos=long", "--qos long",
                                   '--comment="as written"'], "backend") == (
        '--comment="my sweep #1"', '--constraint="a|b"', "--qos=long", "--qos long", '--comment="as written"')
    with pytest.raises(ConfigError, match="more than an option and one word; write it as '--option=value'"):
        check_extra_directives(["--comment my sweep"], "backend")  # sbatch would read 'sweep' as a directive


@pytest.mark.slurm
@pytest.mark.parametrize("backend", ["slurm", "slurm-array"])
def test_sbatch_accepts_the_job_script_of_an_extra_directive_with_blanks(tmp_path, capsys, backend):
    config = _config(tmp_path, {"name": backend, "job_extra_directives": ["--comment=my sweep #1"]})
    assert main(["run", str(config), "--dry-run"]) == 0
    script = capsys.readouterr().out
    start = script.index("#!")
    (tmp_path / "job.sh").write_text(script[start:])
    tested = subprocess.run(["sbatch", "--test-only", str(tmp_path / "job.sh")], capture_output=True, text=True,
                            timeout=60, check=False)
    # before: "sbatch: error: Invalid directive found in batch script: sweep"
    assert tested.returncode == 0 and "Invalid directive" not in tested.stderr, tested.stderr


def test_a_failed_slurm_command_is_one_line_saying_what_slurm_said():
    error = SlurmError(["sbatch", "--parsable", "job.sh"], 1, "",
                       "sbatch: error: invalid partition specified: nosuch\n"
                       "sbatch: error: Batch job submission failed: Invalid partition name specified\n")
    assert "\n" not in str(error)
    assert str(error).startswith("sbatch failed (exit status 1): sbatch: error: invalid partition specified: "
                                 "nosuch; sbatch: error: Batch job submission failed"), str(error)
    assert str(error).endswith("(the command: sbatch --parsable job.sh)")


@pytest.mark.slurm
def test_a_partition_sbatch_refuses_ends_the_run_in_one_line(tmp_path):
    config = _config(tmp_path, {"name": "slurm-array", "partition": "no-such-partition"})
    refused = l2l_cli("run", config, "--no-progress", cwd=tmp_path, timeout=120)
    errors = [line for line in refused.stderr.splitlines() if not line.startswith("l2l 0.")]
    assert refused.returncode == 2 and len(errors) == 1, refused.stderr
    # asked with sbatch --test-only before the file exists (test_slurm_array_test_only.py); was 'sbatch failed ...'
    assert errors[0].startswith("l2l: error: sbatch refused the job arrays: sbatch: error: invalid partition"), \
        refused.stderr
