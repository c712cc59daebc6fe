"""A new user's multi-fidelity run: their own training function and program, the one-line config, the figures.

Each test is something a user of docs/multifidelity.md met: a ``command`` simulator whose ``{checkpoint_dir}``
no segment could find when the output file was named relatively (``l2l run cfg.toml --out run.h5``), a training
function that ignores its checkpoint and so spends the whole compute while ``l2l show`` counted a third, and a
one-line run drawn by ``l2l compare`` as nothing at all.
"""

from __future__ import annotations

import math
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import write_toml
from inprocess_cli import l2l_main as _cli  # in this process: what l2l says and writes, not the process

import l2l
from l2l.simulators import SimulationResult

ROOT = Path(__file__).resolve().parents[1]


TRAIN_SCRIPT = """
import json, os, sys
lr, budget, state_dir = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = os.path.join(state_dir, "state.json")
if os.path.exists(state):                       # written by this candidate's previous segment
    with open(state) as f:
        saved = json.load(f)
    step, w = saved["step"], saved["w"]
else:
    step, w = 0, 1.0
curve = []
for step in range(step + 1, budget + 1):
    w = w - lr * w
    curve.append([step, w * w])
with open(state, "w") as f:
    json.dump({"step": budget, "w": w}, f)
print(json.dumps({"objectives": {"loss": w * w}, "curve": {"loss": curve}}))
"""

def _command_config(folder: Path) -> Path:
    """The docs' one-line config of a ``command`` program (``train.py`` in ``folder``): prog.toml."""
    return write_toml(folder / "prog.toml", {
        "run": {"name": "prog", "seed": 2, "generations": 1, "policy": "successive-halving"},
        "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5}},
        "optimizer": {"name": "random", "population_size": 9},
        "simulator": {"name": "command",
                      "argv": [sys.executable, "{config_dir}/train.py", "{lr}", "{budget}", "{checkpoint_dir}"],
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9, "integer": True}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})


def test_command_checkpoint_dir_with_a_relative_output_file(tmp_path):
    """``l2l run cfg.toml --out run.h5`` from the project folder: the program runs in its own working directory,
    so ``{checkpoint_dir}`` must name the folder from there too; it was relative to l2l's folder, and every
    segment of the docs' example program failed ('No such file or directory')."""
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN_SCRIPT))
    _command_config(tmp_path)
    done = _cli("run", "prog.toml", "--out", "run.h5", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    segments = l2l.load(tmp_path / "run.h5", segments=True)
    assert (segments["status"] == "ok").all(), segments.loc[segments["status"] != "ok", "error"].iloc[0]
    continued = segments[segments["from_budget"] > 0]
    assert len(continued) >= 3  # the survivors went on from the files their previous segment left
    assert (l2l.load(tmp_path / "run.h5")["state"] == "completed").sum() == 1


STATELESS_SCRIPT = """
import json, sys
lr, budget = float(sys.argv[1]), int(sys.argv[2])
w, curve = 1.0, []
for step in range(1, budget + 1):               # no checkpoint: every segment trains from step 0
    w = w - lr * w
    curve.append([step, w * w])
print(json.dumps({"objectives": {"loss": w * w}, "curve": {"loss": curve}}))
"""


def test_a_program_that_keeps_no_checkpoint_restarts_counted_so(tmp_path):
    """A program that leaves nothing in ``{checkpoint_dir}`` trains from scratch at every budget: l2l counted its
    segments as continuations (21 steps where 27 were spent); now each restarts openly, costs its budget, and
    none fails for going back below a checkpoint it never had."""
    (tmp_path / "train.py").write_text(textwrap.dedent(STATELESS_SCRIPT))
    _command_config(tmp_path)
    done = _cli("run", "prog.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    segments = l2l.load(tmp_path / "prog.h5", segments=True)
    assert (segments["status"] == "ok").all(), segments["error"].dropna().tolist()[:1]
    assert (segments["from_budget"] == 0).all()  # no checkpoint to continue from
    assert float(segments["budget"].sum()) == 27.0  # 9 x 1 + 3 x 3 + 1 x 9: what the program spent
    assert float(l2l.load(tmp_path / "prog.h5")["compute"].sum()) == 27.0


def _config(population: int = 9):
    return l2l.from_mapping({
        "run": {"name": "own", "seed": 4, "generations": 1, "policy": "successive-halving"},
        "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5}},
        "optimizer": {"name": "random", "population_size": population},
        "simulator": {"name": "python",
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9, "integer": True}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"},
    })


def _train(params, seed, budget, checkpoint):
    start, w = (0, 1.0) if checkpoint is None else (int(checkpoint["step"]), float(checkpoint["w"]))
    curve = []
    for step in range(start + 1, int(budget) + 1):
        w = w - params["lr"] * w
        curve.append([step, w * w])
    return SimulationResult(objectives={"loss": w * w}, curve={"loss": curve},
                            checkpoint={"step": int(budget), "w": w})


def continues(params, seed, budget, checkpoint=None):
    return _train(params, seed, budget, checkpoint)


def ignores_checkpoint(params, seed, budget, checkpoint=None):
    """Takes the checkpoint (so l2l counts each segment from where the last ended) but trains from step 0."""
    return _train(params, seed, budget, None)


def no_checkpoint_parameter(params, seed, budget):
    """Restarts at every budget, as the docs allow: l2l knows it and counts each segment from scratch."""
    result = _train(params, seed, budget, None)
    result.checkpoint = None
    return result


def test_a_function_that_ignores_its_checkpoint_is_told_so(tmp_path):
    """A function that accepts ``checkpoint`` and trains from the start anyway spends a full restart per
    segment while the run counted only the continuation (l2l show said 21 steps where 27 were spent): its
    first continued segment fails, saying that the curve did not start past the budget it continued from, and
    the run ends there, as every continuation would fail the same way (before session 45 each failed in turn
    until the compute was spent; tests/test_pbt_ignored_checkpoint45.py)."""
    from l2l.errors import ConfigError

    path = tmp_path / "ignores.h5"
    with pytest.raises(ConfigError, match="every segment would fail the same way"):
        l2l.run(_config(), path, simulator=ignores_checkpoint)
    segments = l2l.load(path, segments=True)
    continued = segments[segments["from_budget"] > 0]
    assert len(continued) == 1
    assert (continued["status"] == "failed").all()
    error = continued["error"].iloc[0]
    assert "checkpoint" in error and "from the start" in error and "'loss'" in error, error
    assert (segments.loc[segments["from_budget"] == 0, "status"] == "ok").all()
    # the two honest ways are untouched: continuing from the checkpoint, and having no ``checkpoint``
    # parameter (every segment a restart, counted as one)
    good = l2l.run(_config(), tmp_path / "good.h5", simulator=continues)
    restart = l2l.run(_config(), tmp_path / "restart.h5", simulator=no_checkpoint_parameter)
    for path in (good, restart):
        segments = l2l.load(path, segments=True)
        assert (segments["status"] == "ok").all(), segments["error"].dropna().tolist()[:1]
    best = [l2l.load(p).query("state == 'completed'")["loss"].min() for p in (good, restart)]
    assert math.isclose(best[0], best[1])
    compute = [float(l2l.load(p)["compute"].sum()) for p in (good, restart)]
    assert compute[0] < compute[1]


def _visible(line) -> bool:
    """Whether a matplotlib line shows anything: two finite points in a row, or a marker on a finite point."""
    y = np.asarray(line.get_ydata(), dtype=float)
    finite = np.isfinite(y)
    if not finite.any():
        return False
    joined = bool((finite[1:] & finite[:-1]).any())
    return joined or line.get_marker() not in (None, "None", "", " ")


def test_compare_draws_a_run_whose_best_arrives_at_its_end(tmp_path):
    """The sweep at full budget against the one-line early-stopping run: successive halving's only result at
    the top budget is its last segment, so its best-so-far curve is one finite point; it was drawn as a
    line without a marker, i.e. not at all, in both panels of ``l2l compare``."""
    from l2l import plot

    config = _config()
    sweep = l2l.from_mapping({
        "run": {"name": "sweep", "seed": 4, "generations": 1},
        "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5}},
        "optimizer": {"name": "random", "population_size": 9},
        "simulator": {"name": "python",
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9, "integer": True}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"},
    })
    a = l2l.run(sweep, tmp_path / "sweep.h5", simulator=continues)
    b = l2l.run(config, tmp_path / "early.h5", simulator=continues)
    figure = plot.compare([a, b])
    left, right = figure.axes[0], figure.axes[1]
    for ax in (left, right):
        lines = {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}
        assert len(lines) == 2, list(lines)
        for label, line in lines.items():
            assert _visible(line), f"{label} draws nothing in {ax.get_title()!r}"
    done = _cli("compare", str(a), str(b), "-o", str(tmp_path / "cmp.png"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
