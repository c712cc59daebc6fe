"""A run's counts and compute have upper bounds, refused as the config or the command line is read.

Before, ``run.generations = 2**62`` started a run whose progress bar counted to 18446744073709551616 with an ETA
of millions of years, and ``--compute 1e308`` one whose bar showed a total and ETA of 309 digits; ``--compute inf``
was refused as "must be a number of fidelity units >= 0, got inf", which it is. Now each is one line naming the
bound (exit status 2, nothing created), as the component options' upper bounds are (test_option_upper_bounds.py).
"""

from __future__ import annotations

import pytest
from test_config_fuzz import time_limit  # the old code started these runs: a run without end becomes a failure

from l2l.cli import main

SWEEP = """
[run]
name = "limits"
seed = 1
{run}
[space]
x = {{ type = "float", low = -5.0, high = 5.0, shape = [2] }}
[optimizer]
name = "random"
population_size = 2
[simulator]
name = "sphere"
{multi}
[backend]
name = "serial"
{policy}
"""


def _config(tmp_path, run: str, policy: bool = False) -> str:
    path = tmp_path / "limits.toml"
    path.write_text(SWEEP.format(run=run, multi="multi_fidelity = true" if policy else "",
                                 policy='[policy]\nname = "asha"' if policy else ""))
    return str(path)


#: case -> (run keys, a policy run?, extra arguments, the error line)
REFUSED = {
    "run.generations 2**62": (f"generations = {2 ** 62}", False, [],
                              f"l2l: error: run.generations must be an integer from 1 to 1000000000, got {2 ** 62}"),
    "run.evaluations 2**62": (f"evaluations = {2 ** 62}", False, [],
                              f"l2l: error: run.evaluations must be an integer from 0 to 1000000000, got {2 ** 62}"),
    "--generations 2**62": ("generations = 2", False, ["--generations", str(2 ** 62)],
                            f"l2l: error: --generations must be an integer from 1 to 1000000000, got {2 ** 62}"),
    "--evaluations 10**9 + 1": ("generations = 2", False, ["--evaluations", str(10 ** 9 + 1)],
                                "l2l: error: --evaluations must be an integer from 1 to 1000000000, got 1000000001"),
    "run.compute 1e308": ("compute = 1e308", True, [],
                          "l2l: error: run.compute must be at most 1e+15 fidelity units, got 1e+308"),
    "--compute 1e308": ("compute = 400", True, ["--compute", "1e308"],
                        "l2l: error: --compute must be at most 1e+15 fidelity units, got 1e+308"),
    "--compute inf": ("compute = 400", True, ["--compute", "inf"],
                      "l2l: error: --compute must be a finite number of fidelity units (at most 1e+15), got inf"),
    "run.compute inf": ("compute = inf", True, [],
                        "l2l: error: run.compute must be a finite number of fidelity units (at most 1e+15), got inf"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_absurd_limit_is_refused_in_one_line_and_nothing_is_created(tmp_path, capsys, case):
    run, policy, extra, line = REFUSED[case]
    with time_limit(30):
        status = main(["run", _config(tmp_path, run, policy), "--out", str(tmp_path / "x.h5"), "--no-progress",
                       *extra])
    err = capsys.readouterr().err
    assert status == 2 and err == line + "\n", (status, err)
    assert [p.name for p in tmp_path.iterdir()] == ["limits.toml"]


@pytest.mark.parametrize("run, policy, extra", [
    (f"generations = {10 ** 9}", False, []), (f"evaluations = {10 ** 9}", False, []),
    ("compute = 1e15", True, []), ("compute = 400", True, ["--compute", "1e15"]),
])
def test_the_bounds_themselves_are_accepted(tmp_path, capsys, run, policy, extra):
    assert main(["run", _config(tmp_path, run, policy), "--out", str(tmp_path / "x.h5"), "--dry-run",
                 *extra]) == 0, capsys.readouterr().err
