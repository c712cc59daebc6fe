"""run.max_time and --max-time have an upper bound, as run.generations, run.evaluations and run.compute have
(test_run_limit_bounds.py): 1e308 started a run that never ended (its wall-time budget never came), now it is one
line naming the bound (exit status 2, nothing created). The bound is run.timeout's, 1e9 s (about 31 years).
"""

from __future__ import annotations

import pytest
from test_config_fuzz import time_limit  # the old code started these runs: a run without end becomes a failure
from test_run_limit_bounds import _config

from l2l.cli import main

REFUSED = {
    "run.max_time 1e308": ("max_time = 1e308", [],
                           "l2l: error: run.max_time must be a number of seconds from 0 to 1000000000 (0: no limit), "
                           "got 1e+308"),
    "--max-time 1e308": ("generations = 2", ["--max-time", "1e308"],
                         "l2l: error: --max-time must be a number of seconds from 0 to 1000000000 (0: no limit), "
                         "got 1e+308"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_absurd_max_time_is_refused_in_one_line_and_nothing_is_created(tmp_path, capsys, case):
    run, extra, line = REFUSED[case]
    with time_limit(30):
        status = main(["run", _config(tmp_path, run), "--out", str(tmp_path / "x.h5"), "--no-progress", *extra])
    err = capsys.readouterr().err
    assert status == 2 and err == line + "\n", (status, err)
    assert [p.name for p in tmp_path.iterdir()] == ["limits.toml"]


@pytest.mark.parametrize("run, extra", [("max_time = 1e9", []), ("generations = 2", ["--max-time", "1e9"])])
def test_the_bound_itself_is_accepted(tmp_path, capsys, run, extra):
    assert main(["run", _config(tmp_path, run), "--out", str(tmp_path / "x.h5"), "--dry-run", *extra]) == 0, \
        capsys.readouterr().err
