"""``walltime = "0"`` of the ``slurm`` backend (session 45): SLURM reads a time of 0 as no time limit (the
partition's most applies), and the workers' lifetime, the walltime less a margin, came out as 0 s, which Dask reads
as none (``--lifetime 0s`` in the worker's command): the worker jobs never retired, and the partition's limit ended
them mid-evaluation, which the lifetime's accounting exists to prevent (``lifetime = "0"`` was refused already).
Refused as the config is read, in one line naming it, exit status 2, nothing written."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("walltime", ["0", "00:00:00", "0-0"])
def test_a_slurm_walltime_of_nothing_is_refused(tmp_path, capsys, walltime):
    from slurm_helpers import OUTER_RUN, write_toml

    from l2l.cli import main

    config = write_toml(tmp_path / "c.toml", {**OUTER_RUN, "backend": {"name": "slurm", "walltime": walltime}})
    assert main(["run", str(config), "--dry-run", "--out", str(tmp_path / "run.h5")]) == 2  # before: 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"l2l: error: backend 'slurm': walltime {walltime!r} is no time "
                                                   f"limit to SLURM"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml"]
