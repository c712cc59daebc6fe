"""A curve that is not rows of [fidelity, value] (Ray Tune's reports moved as ``curve={"loss": [values]}``, a dict
``{epoch: value}``, a list of dicts) is the simulator's programming error: every segment fails the same way. The
run went on failing segments, each a candidate spent (a 30-candidate sweep resumed after the fix ran only 10 new
ones), until run.stop_after_failures ended it with exit status 1. It now ends at the first such segment, as at a
checkpoint that cannot be stored: one line naming the curve, exit status 2, never retried, the segment kept."""

from __future__ import annotations

import sys

import pytest

import l2l
from inprocess_cli import l2l_main

MODULE = '''
import l2l


def values_only(params, seed, budget, checkpoint=None):
    losses = [params["x"] + 1.0 / epoch for epoch in range(1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": losses[-1]}, curve={"loss": losses})


def reports(params, seed, budget, checkpoint=None):
    losses = [{"loss": params["x"] + 1.0 / epoch} for epoch in range(1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": losses[-1]["loss"]}, curve={"loss": losses})


def rows(params, seed, budget, checkpoint=None):
    losses = [[epoch, params["x"] + 1.0 / epoch] for epoch in range(1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"loss": losses[-1][1]}, curve={"loss": losses})
'''

CONFIG = """
[run]
name = "c"
seed = 2
retries = 2
[space]
x = { low = 0.0, high = 1.0 }
[simulator]
name = "python"
function = "ray_curves:%s"
multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }
[[objectives]]
name = "loss"
direction = "minimize"
%s
[backend]
name = "serial"
"""
ASHA = '[policy]\nname = "asha"\neta = 3\nmax_candidates = 6'


def _config(tmp_path, function, policy=ASHA, run=""):
    (tmp_path / "ray_curves.py").write_text(MODULE)
    text = CONFIG % (function, policy)
    if run:
        text = text.replace("retries = 2", f"retries = 2\n{run}")
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("function, shape", [("values_only", "got shape (1,)"), ("reports", "got list")])
def test_an_asha_run_ends_at_the_first_segment_whose_curve_is_no_rows(tmp_path, function, shape):
    config = _config(tmp_path, function)
    done = l2l_main("run", config, "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"l2l: error: curve 'loss' must be rows of [fidelity, value], {shape}"), last
    assert "every segment would fail the same way, so the run ends at the first" in last
    segments = l2l.load(tmp_path / "c.h5", segments=True)
    assert len(segments) == 1 and segments["attempts"].iloc[0] == 1  # not retried, no second candidate spent
    # the function fixed, the run goes on from there and spends its candidates on training
    fixed = MODULE.replace(f"def {function}(", "def broken(").replace("def rows(", f"def {function}(")
    (tmp_path / "ray_curves.py").write_text(fixed)
    sys.modules.pop("ray_curves", None)
    resumed = l2l_main("resume", tmp_path / "c.h5", "--no-progress", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    after = l2l.load(tmp_path / "c.h5", segments=True)
    assert (after["status"] == "ok").sum() == len(after) - 1


def test_a_sweep_without_a_policy_ends_after_its_first_generation(tmp_path):
    config = _config(tmp_path, "values_only", policy='[optimizer]\nname = "random"\npopulation_size = 3',
                     run="generations = 5")
    done = l2l_main("run", config, "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("l2l: error: curve 'loss' must be rows of [fidelity, value], got shape (9,) "
                           "(generation 0, individual 0); every evaluation would fail the same way"), last
    assert len(l2l.load(tmp_path / "c.h5")) <= 3  # nothing past the first generation ran
