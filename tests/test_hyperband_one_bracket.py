"""A hyperband run with room for its first bracket alone (its candidates or its compute) is successive halving:
l2l run and --dry-run say so in one warning line, with what runs every bracket; the run itself is unchanged."""

from __future__ import annotations

import pandas as pd

import l2l
from l2l.cli import main

CONFIG = """
[run]
name = "hb"
seed = 1
{run}
[space]
x = {{ type = "float", low = -5.0, high = 5.0 }}
[optimizer]
name = "random"
population_size = 9
{policy}
[simulator]
name = "sphere"
multi_fidelity = true
[backend]
name = "serial"
"""


def _config(tmp_path, run: str, policy: str = "") -> str:
    path = tmp_path / "hb.toml"
    path.write_text(CONFIG.format(run=run, policy=policy))
    return str(path)


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("l2l: warning: policy 'hyperband'")]


def test_a_one_line_hyperband_sweep_of_one_bracket_says_so_and_what_runs_them_all(tmp_path, capsys):
    config = _config(tmp_path, 'generations = 9\npolicy = "hyperband"')  # 81 candidates: the first bracket's
    assert main(["run", config, "--dry-run"]) == 0
    warned = _warnings(capsys.readouterr().err)
    assert len(warned) == 1 and "has room for one bracket only" in warned[0], warned
    assert "(run.generations x population_size = 9 x 9)" in warned[0] and "successive halving" in warned[0]
    assert warned[0].endswith("its 5 brackets (one from each rung, 1 to 81 synthetic budget units) start 143 "
                              "candidates: run.generations = 16 or more runs them all"), warned[0]
    assert main(["run", config, "--no-progress"]) == 0
    assert _warnings(capsys.readouterr().err) == warned
    segments = l2l.load(tmp_path / "hb.h5", segments=True)
    assert segments.groupby("budget").size().to_dict() == {1.0: 81, 3.0: 27, 9.0: 9, 27.0: 3, 81.0: 1}  # one bracket

    # the run is the one successive halving runs (the warning changes nothing)
    halving = _config(tmp_path, 'generations = 9\npolicy = "successive-halving"')
    assert main(["run", halving, "--no-progress", "--out", str(tmp_path / "sh.h5")]) == 0
    assert _warnings(capsys.readouterr().err) == []
    other = l2l.load(tmp_path / "sh.h5", segments=True)
    columns = ["trial", "budget", "from_budget", "seed", "x", "value"]
    pd.testing.assert_frame_equal(segments[columns], other[columns])

    # room for a second bracket: no warning
    assert main(["run", _config(tmp_path, 'generations = 10\npolicy = "hyperband"'), "--dry-run",
                 "--out", str(tmp_path / "more.h5")]) == 0
    assert _warnings(capsys.readouterr().err) == []


def test_a_compute_within_the_first_bracket_and_max_candidates_say_so_too(tmp_path, capsys):
    assert main(["run", _config(tmp_path, "compute = 297", '[policy]\nname = "hyperband"'), "--dry-run"]) == 0
    warned = _warnings(capsys.readouterr().err)
    assert len(warned) == 1 and "run.compute = 297 synthetic budget units is spent within the first (297 " in \
        warned[0] and warned[0].endswith("run.compute = 1581 or more runs them all"), warned
    assert main(["run", _config(tmp_path, "compute = 298", '[policy]\nname = "hyperband"'), "--dry-run"]) == 0
    assert _warnings(capsys.readouterr().err) == []
    assert main(["run", _config(tmp_path, "", '[policy]\nname = "hyperband"\nmax_candidates = 20'),
                 "--dry-run"]) == 0
    warned = _warnings(capsys.readouterr().err)
    assert len(warned) == 1 and "all 20 candidates ([policy] max_candidates)" in warned[0] and \
        warned[0].endswith("[policy] max_candidates = 143 or more runs them all"), warned
    # one bracket asked for: nothing to say
    assert main(["run", _config(tmp_path, "", '[policy]\nname = "hyperband"\nmax_candidates = 20\nbrackets = 1'),
                 "--dry-run"]) == 0
    assert _warnings(capsys.readouterr().err) == []
