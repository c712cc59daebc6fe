"""``l2l submit --dry-run`` asks ``sbatch --test-only`` of the loop's own job, as ``l2l submit`` does (session 45).

``l2l submit --dry-run --partition nosuch`` printed the script and exited 0, while ``l2l submit`` refused the same
options: the dry run now says what sbatch says of the loop's job in one line of standard error (the script alone on
standard output), a refusal as one ``l2l: error:`` line with exit status 2, as ``l2l run --dry-run`` refuses a
backend sbatch refuses; with no sbatch on PATH it says the job was not checked and exits 0."""

from __future__ import annotations

import pytest


def _config(tmp_path):
    from slurm_helpers import OUTER_RUN, write_toml

    return write_toml(tmp_path / "c.toml", OUTER_RUN)


@pytest.mark.slurm
def test_a_partition_sbatch_refuses_is_refused_by_the_dry_run(tmp_path, capsys):
    from slurm_helpers import require_slurm

    from l2l.cli import main

    require_slurm()
    config = _config(tmp_path)
    assert main(["submit", str(config), "--dry-run", "--partition", "nosuch"]) == 2  # before: 0
    out, err = capsys.readouterr()
    assert out.startswith("#!/bin/bash\n") and "#SBATCH --partition=nosuch\n" in out  # the script, printed first
    assert err.count("\n") == 1 and err.startswith("l2l: error: l2l submit: sbatch --test-only refuses the loop's "
                                                   "job: '") and "nosuch" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]  # nothing written, nothing submitted
    assert main(["submit", str(config), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("#!/bin/bash\n")
    assert err == "note: sbatch --test-only takes the loop's job (no job made)\n", err


def test_without_sbatch_the_dry_run_says_the_loop_job_was_not_checked(tmp_path, capsys, monkeypatch):
    from l2l.cli import main

    config = _config(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "no-sbatch"))
    assert main(["submit", str(config), "--dry-run", "--partition", "nosuch"]) == 0
    out, err = capsys.readouterr()
    assert "#SBATCH --partition=nosuch\n" in out
    assert err == ("note: the loop's job was not checked: no sbatch here (l2l submit asks sbatch --test-only of it "
                   "before it submits)\n"), err
