"""Damaged re-evaluation rows (a ``/reevaluations/model`` cell that is no sha256, since session 43) no longer hide
the run's own summary.

Before, ``l2l show`` printed nothing but the re-evaluations' error (exit status 2), and ``l2l resume`` ran and
committed its whole session, then ended in that error from its closing summary, exit status 2, as if it had failed.
Now both print the summary and one line naming the problem, as ``l2l show``'s ``state`` line does for a damaged
state; ``l2l validate`` still names it and ``l2l.load(FILE, reevaluations=True)`` still refuses.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

import l2l
import l2l.reevaluate
from l2l.errors import TrajectoryError


def test_show_and_resume_go_on_past_a_damaged_model_cell(tmp_path, l2l_here):
    config = {"run": {"seed": 1, "generations": 2}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "sphere", "optimizer": {"name": "random", "population_size": 3},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / "run.h5", progress=False))
    l2l.reevaluate.reevaluate(path, top=2, seeds=2, progress=False)
    with h5py.File(path, "r+") as f:
        f["reevaluations/model"][0] = b"zz"
    problem = "/reevaluations/model is neither empty nor 64 hexadecimal digits in 1 row (first: row 0)"
    assert l2l.validate(path) == [problem]
    with pytest.raises(TrajectoryError, match="64 hexadecimal"):
        l2l.load(path, reevaluations=True)

    line = (f"re-evaluations cannot be read: {problem}; the run's own evaluations above are not affected: "
            f"l2l validate {path} names every problem")
    shown = l2l_here("show", path, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr  # was 2, and nothing but the error
    assert line in shown.stdout.splitlines() and "progress   2 of 2 generations" in shown.stdout, shown.stdout

    resumed = l2l_here("resume", path, "--generations", 3, "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr  # was 2, after the session had run and been committed
    assert line in resumed.stdout.splitlines() and "results: " in resumed.stdout, resumed.stdout
    assert len(l2l.load(path)) == 9
