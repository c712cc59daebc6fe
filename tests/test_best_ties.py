"""Where the objective saturates (an error rate of 0 reached by many candidates), the best list says that its
order among the tied ones is the order of evaluation and how to tell them apart; among equal means the
candidate evaluated more often comes first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import l2l
from l2l.analysis.best import REPEAT_COUNT, best_candidates, tied_with_best
from l2l.cli import main
from l2l.objectives import Objective

TESTS = Path(__file__).resolve().parent


def _sweep(folder: Path, evaluations: int, capsys) -> tuple[Path, str]:
    """``l2l run`` of a random sweep over x on the saturating learner; the path and what the run printed."""
    config = folder / "ties.toml"
    config.write_text(f"""
[run]
name = "ties"
seed = 0
generations = 1

[space.x]
type = "float"
low = 0.0
high = 1.0

[optimizer]
name = "random"
population_size = {evaluations}

[[objectives]]
name = "test_error"
direction = "minimize"

[simulator]
name = "python"
function = "models_saturating:error"
path = "{TESTS}"

[backend]
name = "serial"
""")
    path = folder / "ties.h5"
    assert main(["run", str(config), "--out", str(path), "--no-progress"]) == 0
    return path, capsys.readouterr().out


def test_show_and_the_end_of_a_run_say_how_many_candidates_tie_at_the_best_and_name_the_command(tmp_path, capsys):
    path, out = _sweep(tmp_path, 24, capsys)
    frame = l2l.load(path)
    tied = int((frame["test_error"] == 0).sum())
    assert tied >= 2, "with x uniform in [0, 1], more than one candidate of 24 lies below 0.6"
    line = f"{tied} candidates share the best test_error (0)"
    assert line in out  # the end of l2l.run's output
    assert main(["show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert line in shown
    assert f"l2l reevaluate {path} --top {tied}" in shown


def test_no_tie_line_where_the_best_is_unique(tmp_path, capsys):
    path, out = _sweep(tmp_path, 1, capsys)  # one candidate: nothing ties with it
    assert "share the best" not in out
    assert "1 generation, 1 evaluation (0 failed)" in out  # (was "1 generations, 1 evaluations")
    assert main(["show", str(path)]) == 0
    assert "share the best" not in capsys.readouterr().out


def test_among_equal_means_the_candidate_evaluated_more_often_comes_first():
    ok = pd.DataFrame({"generation": 0, "individual": range(6),
                       "x": [0.1, 0.2, 0.2, 0.2, 0.3, 0.3], "test_error": [0.0, 0.0, 0.0, 0.0, 0.0, 0.5]})
    objective = Objective("test_error", "minimize")
    best, averaged = best_candidates(ok, objective, ["x"], 3)
    assert averaged
    assert best["x"].tolist() == [0.2, 0.1, 0.3]  # three results of 0 before one result of 0
    assert best[REPEAT_COUNT].tolist() == [3, 1, 2]
    assert tied_with_best(ok, objective, ["x"]) == 2
    assert tied_with_best(ok.assign(test_error=np.arange(6.0)), objective, ["x"]) == 1


def test_many_ties_are_counted_up_to_the_rows_show_reads_and_say_so(tmp_path, capsys):
    path, out = _sweep(tmp_path, 60, capsys)
    assert int((l2l.load(path)["test_error"] == 0).sum()) > 20  # about 36 of 60
    line = next(line for line in out.splitlines() if "share the best" in line)
    assert line.startswith("at least 20 candidates share the best test_error (0)")
    assert line.endswith("--top 20")
