"""Two things users of multi-fidelity runs met, with small python training functions on the serial backend.

* A run whose every continued segment failed (a training function that crashes whenever it is given a
  checkpoint) and whose ``run.compute`` ran out first ended with its candidates paused, no candidate at the top
  budget, and exit status 0, as if it had worked; a resume would only continue them into the same failure.
* A curve holding NaN or inf, or whose value at the segment's budget is not the objective the segment returned,
  was taken without a word.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import l2l
from l2l.cli import main

CONFIG = '''
[run]
name = "{name}"
seed = 1
{run}

[space]
lr = {{ type = "float", low = 0.01, high = 1.0 }}

[optimizer]
name = "random"
population_size = 9

[simulator]
name = "python"
function = "models_mf_exit_curves:{function}"
multi_fidelity = {{ name = "epochs", minimum = 1, maximum = 9 }}

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
'''

ASHA = 'compute = {compute}\n\n[policy]\nname = "asha"'
SWEEP = 'generations = 1\npolicy = "median-stopping"'


def _run(capsys, folder: Path, name: str, function: str, run: str) -> tuple[int, Path, list[str]]:
    """``l2l run`` of a config with ``function`` and the ``[run]`` lines ``run``: exit status, file, stderr lines
    but the banner."""
    config = folder / f"{name}.toml"
    config.write_text(CONFIG.format(name=name, function=function, run=run))
    status = main(["run", str(config), "--no-progress", "--out", str(folder / f"{name}.h5")])
    err = [line for line in capsys.readouterr().err.splitlines() if not line.startswith("l2l 0")]
    return status, folder / f"{name}.h5", err


def test_a_run_cut_short_whose_every_continuation_failed_exits_1_and_one_cut_short_that_continued_exits_0(
        tmp_path, capsys):
    status, path, err = _run(capsys, tmp_path, "cannot", "cannot_continue", ASHA.format(compute=20))
    candidates = l2l.load(path)
    assert "completed" not in set(candidates["state"]) and (candidates["state"] == "paused").any()  # compute ran out
    assert status == 1, err
    failed = l2l.load(path, segments=True)
    continued = failed[failed["from_budget"] > 0]
    assert len(continued) and (continued["status"] != "ok").all()
    assert err[-1].startswith(f"l2l: no candidate reached the top budget: every segment that continued a candidate "
                              f"failed ({len(continued)} of {len(continued)}; "), err
    assert "segments failed in all), the last: trial " in err[-1] and "cannot load my own checkpoint" in err[-1]
    assert err[-1].endswith(f"(all errors: l2l.load({str(path)!r}, segments=True)['error'])"), err[-1]
    # l2l resume runs into the same failure and says so the same way
    assert main(["resume", str(path), "--compute", "30", "--no-progress"]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("l2l: no candidate reached the top budget: every")
    # cut short as well with no candidate at the top budget, but a continuation worked: paused, not failed
    status, path, err = _run(capsys, tmp_path, "some", "continues_some", ASHA.format(compute=12))
    segments = l2l.load(path, segments=True)
    continued = segments[segments["from_budget"] > 0]
    assert (continued["status"] != "ok").any() and (continued["status"] == "ok").any()
    assert "completed" not in set(l2l.load(path)["state"])
    assert status == 0 and not [line for line in err if line.startswith("l2l:")], err


def test_a_curve_with_nan_or_inf_is_kept_as_returned_with_one_warning_line_and_changes_no_decision(
        tmp_path, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, path, err = _run(capsys, tmp_path, "nan", "nan_points", SWEEP)
    assert status == 0, err
    # numpy's "All-NaN slice encountered" of a curve whose only fidelity is NaN (np.nanmax in the budget check)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    lines = [line for line in err if line.startswith("l2l:")]
    assert len(lines) == 1, err  # many segments hold such points: one line names the first
    assert lines[0].startswith("l2l: warning: curve 'loss' of trial 0 (its segment to 1) holds 1 point with NaN or "
                               "inf (the first [nan, "), lines[0]
    assert "kept as returned (l2l.traces)" in lines[0] and "later curves with such points are not named" in lines[0]
    # nothing is lost: every segment succeeded, the points are stored as returned, the decisions are those of
    # the same function with clean curves (median stopping reads the scores at the rungs)
    segments = l2l.load(path, segments=True)
    assert (segments["status"] == "ok").all()
    curves = l2l.traces(path)
    assert curves["value"].isna().any() and np.isinf(curves["value"]).any() and curves["step"].isna().any()
    _, clean, _ = _run(capsys, tmp_path, "clean", "train", SWEEP)
    columns = ["trial", "budget", "state", "loss"]
    assert segments[columns].equals(l2l.load(clean, segments=True)[columns])


def test_a_curve_that_ends_at_another_value_than_the_objective_draws_one_warning_line(tmp_path, capsys):
    status, path, err = _run(capsys, tmp_path, "other", "other_quantity", SWEEP)
    assert status == 0, err
    lines = [line for line in err if line.startswith("l2l:")]
    assert len(lines) == 1, err
    loss = l2l.load(path, segments=True).set_index(["trial", "budget"])["loss"][(0, 1.0)]
    assert lines[0].startswith(f"l2l: warning: curve 'loss' of trial 0 (its segment to 1) has {2 * loss:g} at "
                               f"fidelity 1, but its result there is loss {loss:g}: "), lines[0]
    assert "a curve of another quantity needs another name" in lines[0]
    assert (l2l.load(path, segments=True)["status"] == "ok").all()
    # an objective rounded to float32 is the curve's value: nothing to say
    status, _, err = _run(capsys, tmp_path, "f32", "float32_objective", SWEEP)
    assert status == 0 and not [line for line in err if line.startswith("l2l:")], err
