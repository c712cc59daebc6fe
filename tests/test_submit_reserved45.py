"""``l2l submit --sbatch`` may not override the sbatch options the loop's job script depends on (session 45).

The job script writes its own ``--output`` (the log ``l2l submit`` names, appended to by every requeued job),
``--signal=B:USR1@N`` (from ``--signal-seconds``: the job's shell stops the loop and requeues the job) and
``--requeue``. An extra directive for one of them came after l2l's line, and sbatch took it, unsaid: with
``--sbatch=--output=logs/%j.out`` the ``log:`` line l2l submit printed named a file never written; with
``--sbatch=--no-requeue`` the job said 'requeueing job ...' at its walltime, scontrol refused, and nothing resumed
the run; ``--sbatch=--array=0-3`` started four loops on one file. Each is refused in one line naming it and what to
give instead, exit status 2, nothing written (as ``--sbatch=--time=...`` was already).
"""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("extra, said", [
    ("--output=logs/%j.out", "sets the job's log"), ("-o x.log", "sets the job's log"),
    ("-ox.log", "sets the job's log"), ("--error=err.log", "sets the job's log"),
    ("--open-mode=truncate", "sets the job's log"), ("--signal=USR1@60", "give --signal-seconds N instead"),
    ("--no-requeue", "requeueing itself"), ("--array=0-3", "one outer loop per array task"),
    ("-a 0-3", "one outer loop per array task")])
def test_submit_refuses_an_extra_directive_that_overrides_its_own(tmp_path, capsys, extra, said):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    assert main(["submit", str(config), "--dry-run", f"--sbatch={extra}"]) == 2  # before: 0, the script printed
    out, err = capsys.readouterr()
    assert not out and err.count("\n") == 1, err
    assert err.startswith(f"l2l: error: l2l submit: --sbatch: extra directive {extra!r} ") and said in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]


def test_submit_keeps_the_other_extra_directives(tmp_path, capsys, monkeypatch):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    extras = ["--qos=long", "-A proj", "--exclusive", "--export=ALL", "--outfoo=1", "--requeue"]
    # no sbatch on PATH: the dry run's 'sbatch --test-only' of the loop's job (a made-up qos, account and option)
    monkeypatch.setenv("PATH", str(tmp_path / "no-sbatch"))  # is not made; the script's text is what this reads
    assert main(["submit", str(config), "--dry-run", *(f"--sbatch={extra}" for extra in extras)]) == 0
    script = capsys.readouterr().out
    for extra in extras:
        assert f"\n#SBATCH {extra}\n" in script, script
    assert "\n#SBATCH --output=" in script and "--signal=B:USR1@300\n" in script


@pytest.mark.slurm
def test_submit_cancels_a_loop_job_no_node_can_run(tmp_path, capsys):
    """Where the cluster does not enforce its partitions' limits (EnforcePartLimits=NO, SLURM's default, as on the
    single-node SLURM), sbatch took a loop job asking more CPUs than any node has: 'submitted job ...', exit 0, and
    the job pended for ever (reason PartitionConfig). sbatch --test-only says no: one line, exit 2, nothing left."""
    import re
    import subprocess

    from slurm_helpers import OUTER_RUN, require_slurm, write_toml

    from l2l.cli import main

    require_slurm()
    most = max(int(c.rstrip("+")) for c in subprocess.run(["sinfo", "-h", "-o", "%c"], capture_output=True,
                                                           text=True, check=True).stdout.split())
    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    code = main(["submit", str(config), "--cpus", str(most + 1), "--time", "00:05:00", "--signal-seconds", "60"])
    out, err = capsys.readouterr()
    taken = re.findall(r"submitted job (\d+)|job (\d+), which would have pended", out + err)
    ids = [a or b for a, b in taken]
    try:
        assert code == 2, out + err  # before: 0, the job pending for ever
        assert not out and err.count("\n") == 1 and err.startswith(
            "l2l: error: l2l submit: no node can run the loop's job: sbatch --test-only says "), err
        assert "--cpus" in err and err.rstrip().endswith("nothing was submitted"), err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]  # the script taken back
        listed = subprocess.run(["squeue", "-h", "-j", ids[0], "-o", "%T"], capture_output=True, text=True).stdout
        assert listed.strip() in ("", "CANCELLED"), listed
    finally:
        for job_id in ids:
            subprocess.run(["scancel", job_id], capture_output=True)


def test_submit_refuses_signal_seconds_above_what_slurm_takes(tmp_path, capsys):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", OUTER_RUN)
    # before: 0 (the script printed; submitted, sbatch said 'Invalid --signal specification', naming no option)
    assert main(["submit", str(config), "--dry-run", "--time", "3-00:00:00", "--signal-seconds", "70000"]) == 2
    out, err = capsys.readouterr()
    assert not out and err == ("l2l: error: l2l submit: --signal-seconds must be at most 65535 (the most SLURM's "
                               "--signal takes), got 70000\n"), err
    assert main(["submit", str(config), "--dry-run", "--time", "3-00:00:00", "--signal-seconds", "65535"]) == 0


def test_a_test_only_that_could_not_reach_slurmctld_cancels_nothing(monkeypatch):
    """Only sbatch's word on the job makes l2l submit cancel one sbatch took: a test-only that found slurmctld out of
    reach (restarting) says nothing about it."""
    from l2l.commands import slurm as submit
    from l2l.jobs.slurm_common import SlurmError

    def refusing(said):
        def call(argv, **kwargs):
            raise SlurmError(argv, 1, "", said)
        return call

    monkeypatch.setattr(submit, "call", refusing("sbatch: error: Batch job submission failed: Unable to contact "
                                                 "slurm controller (connect failure)"))
    assert submit._loop_job_refusal("#!/bin/bash\n") is None
    monkeypatch.setattr(submit, "call", refusing("allocation failure: Requested node configuration is not available"))
    assert submit._loop_job_refusal("#!/bin/bash\n") == \
        "allocation failure: Requested node configuration is not available"
