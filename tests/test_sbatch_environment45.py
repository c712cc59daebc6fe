"""The job script's own ``#SBATCH`` lines win over sbatch's ``SBATCH_*`` environment variables (session 45).

sbatch takes an input variable over the script's line for the same option (command line > environment > script):
with ``SBATCH_TIMELIMIT=1`` in the user's environment, the jobs of a ``walltime = "00:10:00"`` run (and l2l submit's
``--time 00:20:00``) got one minute, unsaid, while l2l counted on its own; a site's ``SBATCH_PARTITION`` sent the jobs
of ``partition = "debug"`` elsewhere (one that does not exist: the run was refused, the message telling the user to
correct the config's partition, which was right); ``SBATCH_OUTPUT`` moved l2l submit's log from the one it names.
Variables for options the script does not set (a site's ``SBATCH_ACCOUNT`` where the config has no account) apply.
"""

from __future__ import annotations

import re
import subprocess

import pytest


def test_sbatch_environment_drops_the_variables_of_options_the_script_sets():
    from l2l.jobs.slurm_values import sbatch_environment

    script = "#!/bin/bash\n#SBATCH --time=00:10:00\n#SBATCH -p debug\n#SBATCH --mem=1G\n#SBATCH -o x.log\n"
    environ = {"SBATCH_TIMELIMIT": "1", "SBATCH_PARTITION": "other", "SBATCH_MEM_PER_CPU": "100",
               "SBATCH_OUTPUT": "y.log", "SBATCH_WAIT": "1", "SBATCH_ARRAY_INX": "0-3", "SBATCH_ACCOUNT": "proj",
               "SBATCH_QOS": "long", "PATH": "/usr/bin"}
    assert sbatch_environment(script, environ) == {"SBATCH_ACCOUNT": "proj", "SBATCH_QOS": "long", "PATH": "/usr/bin"}
    assert sbatch_environment("#!/bin/bash\n#SBATCH --qos=normal\n#SBATCH -A p1\n", environ).keys() == {
        "SBATCH_TIMELIMIT", "SBATCH_PARTITION", "SBATCH_MEM_PER_CPU", "SBATCH_OUTPUT", "PATH"}


@pytest.mark.slurm
def test_a_slurm_array_run_keeps_its_partition_against_sbatch_partition(tmp_path, capsys, monkeypatch):
    from slurm_helpers import OUTER_RUN, require_slurm, write_toml

    from l2l.cli import main

    require_slurm()
    monkeypatch.setenv("SBATCH_PARTITION", "no-such-partition-45")
    monkeypatch.setenv("SBATCH_TIMELIMIT", "1")
    config = write_toml(tmp_path / "c.toml", {**OUTER_RUN, "run": {"name": "env45", "generations": 1},
                                              "backend": {"name": "slurm-array", "partition": "debug",
                                                          "walltime": "00:10:00"}})
    # before: 2, 'sbatch refused the job arrays: ... invalid partition specified: no-such-partition-45'
    assert main(["run", str(config), "--out", str(tmp_path / "run.h5"), "--no-progress"]) == 0, capsys.readouterr()
    assert "2 evaluations (0 failed)" in capsys.readouterr().out


@pytest.mark.slurm
def test_submit_keeps_its_time_limit_and_log_against_the_environment(tmp_path, capsys, monkeypatch):
    from slurm_helpers import OUTER_RUN, require_slurm, write_toml

    from l2l.cli import main

    require_slurm()
    monkeypatch.setenv("SBATCH_TIMELIMIT", "1")
    monkeypatch.setenv("SBATCH_OUTPUT", str(tmp_path / "elsewhere-%j.log"))
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    code = main(["submit", str(config), "--out", str(tmp_path / "run.h5"), "--time", "00:20:00", "--signal-seconds",
                 "60", "--prologue", "sleep 60"])
    out = capsys.readouterr().out
    ids = re.findall(r"submitted job (\d+)", out)
    try:
        assert code == 0 and ids, out
        shown = subprocess.run(["scontrol", "show", "job", ids[0]], capture_output=True, text=True).stdout
        assert "TimeLimit=00:20:00" in shown, shown  # before: TimeLimit=00:01:00
        assert f"StdOut={tmp_path / 'run.h5'}.slurm-{ids[0]}.log" in shown, shown  # before: elsewhere-N.log
    finally:
        for job_id in ids:
            subprocess.run(["scancel", job_id], capture_output=True)
