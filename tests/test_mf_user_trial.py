"""A user's trial of multi-fidelity: their own training function, a sweep, then budget, checkpoint and one line.

Each test is something a user following README.md and docs/multifidelity.md met: a training function that
already takes a budget, run before its fidelity was declared, refused with Python's call error ("missing a
required argument: 'budget'") instead of being told to declare the fidelity; and ``l2l compare`` of the sweep
before (no fidelity) and the policy run after, which counted a segment as an evaluation (116 against 81,
where the policy run spent 477 epochs of the sweep's 2,187) without saying that compute was not compared.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]




TRAIN = '''
import numpy as np
from l2l import SimulationResult


def simulate(params, seed):                       # the sweep's function: always 9 epochs
    return {"loss": float((params["lr"] - 0.3) ** 2 + 1.0 / 9)}


def train(params, seed, budget, checkpoint=None):  # the same with a budget and a checkpoint
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, float((params["lr"] - 0.3) ** 2 + 1.0 / e)] for e in range(done + 1, int(budget) + 1)]
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "w": np.zeros(3)})
'''

CONFIG = '''
[run]
name = "{name}"
seed = 1
generations = 1
{policy}

[space]
lr = {{ type = "float", low = 0.01, high = 1.0 }}

[optimizer]
name = "random"
population_size = 9

[simulator]
name = "python"
function = "train:{function}"
{fidelity}

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
'''

FIDELITY = 'multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }'


def _config(folder: Path, name: str, function: str, fidelity: str = "", policy: str = "") -> Path:
    (folder / "train.py").write_text(textwrap.dedent(TRAIN))
    path = folder / f"{name}.toml"
    path.write_text(CONFIG.format(name=name, function=function, fidelity=fidelity, policy=policy))
    return path


def test_a_function_that_takes_a_budget_without_a_declared_fidelity_is_told_to_declare_one(tmp_path, l2l_here):
    config = _config(tmp_path, "forgot", "train", policy='policy = "hyperband"')
    done = l2l_here("run", str(config), "--no-progress", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "train:train takes a 'budget'" in lines[0] and "declares no fidelity" in lines[0]
    assert "multi_fidelity = {" in lines[0] and "[simulator]" in lines[0]
    assert not (tmp_path / "forgot.h5").exists()


def test_compare_of_a_sweep_without_fidelity_and_a_policy_run_says_compute_is_not_compared(tmp_path, l2l_here):
    sweep = _config(tmp_path, "sweep", "simulate")
    one_line = _config(tmp_path, "halving", "train", fidelity=FIDELITY, policy='policy = "successive-halving"')
    for config in (sweep, one_line):
        assert l2l_here("run", str(config), "--no-progress", cwd=tmp_path).returncode == 0
    # --dpi 20: the figure is drawn as ever, its pixels are not what is checked (the lines compare prints are)
    done = l2l_here("compare", "sweep.h5", "halving.h5", "--out", "both.png", "--dpi", "20", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stdout.splitlines() if line.startswith("note:")]
    assert len(notes) == 1, done.stdout
    assert "compute is not compared" in notes[0] and "sweep declares no fidelity" in notes[0]
    # with the fidelity declared, the sweep's compute is counted and nothing needs saying
    declared = _config(tmp_path, "declared", "train", fidelity=FIDELITY)
    assert l2l_here("run", str(declared), "--no-progress", cwd=tmp_path).returncode == 0
    done = l2l_here("compare", "declared.h5", "halving.h5", "--out", "both2.png", "--dpi", "20", cwd=tmp_path)
    assert "compute (epochs)" in done.stdout and "note:" not in done.stdout


def test_a_model_based_run_says_its_optimizer_is_not_used(tmp_path, l2l_here):
    """Under model-based, [optimizer] name = "tpe" gave the same run as "random" (the policy proposes every
    candidate), while the banner said "tpe x python"; without an [optimizer], 'auto' described a choice it
    then never used."""
    for optimizer in ("random", "tpe"):
        config = _config(tmp_path, f"mb-{optimizer}", "train", fidelity=FIDELITY,
                         policy="compute = 40").read_text()
        config = config.replace("generations = 1\n", "").replace('name = "random"', f'name = "{optimizer}"')
        (tmp_path / f"mb-{optimizer}.toml").write_text(config + '\n[policy]\nname = "model-based"\n')
        done = l2l_here("run", f"mb-{optimizer}.toml", "--no-progress", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert (f"note: policy 'model-based' proposes every candidate itself (its own model of the results): "
                f"optimizer '{optimizer}' is not used") in done.stderr
    halving = _config(tmp_path, "halving", "train", fidelity=FIDELITY, policy='policy = "successive-halving"')
    done = l2l_here("run", str(halving), "--no-progress", cwd=tmp_path)
    assert done.returncode == 0 and "is not used" not in done.stderr


WHOLE_CURVE = '''

def whole_curve(params, seed, budget, checkpoint=None):   # continues, but returns its whole history as the curve
    history = [] if checkpoint is None else [list(point) for point in checkpoint["history"]]
    result = train(params, seed, budget, checkpoint)
    history += result.curve["loss"]
    return SimulationResult(objectives=result.objectives, curve={"loss": history},
                            checkpoint={**result.checkpoint, "history": np.array(history)})
'''


def test_a_continuation_that_returns_its_whole_curve_is_told_to_return_the_new_points_only(tmp_path, l2l_here):
    """A function that continued from its checkpoint but returned its whole learning curve (kept in the
    checkpoint) was told only that it "trained from the start again", which it had not."""
    config = _config(tmp_path, "whole", "whole_curve", fidelity=FIDELITY, policy='policy = "successive-halving"')
    with open(tmp_path / "train.py", "a") as f:
        f.write(WHOLE_CURVE)
    done = l2l_here("run", str(config), "--no-progress", "--backend", "serial", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # the first continuation fails and ends the run: each would
    assert "every segment would fail the same way" in done.stderr  # (before session 45 all did, then exit 1)
    import l2l

    errors = l2l.load(str(tmp_path / "whole.h5"), segments=True)["error"].dropna()
    errors = [e for e in errors if e]
    assert errors, "continued segments fail"
    assert "returned its whole curve, return the points above 1 only" in errors[0], errors[0]
    assert "from the start again" in errors[0]          # the other cause is still named


PROGRAM = '''
import json, os, sys
lr, budget, folder = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
state = os.path.join(folder, "state.json") if folder != "-" else "state.json"  # "-": beside itself, a mistake
if os.path.exists(state):
    with open(state) as f:
        saved = json.load(f)
    epoch, w = int(saved["epoch"]), float(saved["w"])
else:
    epoch, w = 0, 1.0
curve = []
for epoch in range(epoch + 1, budget + 1):
    w = w * (1 - lr)
    curve.append([epoch, w * w])
with open(state, "w") as f:
    json.dump({"epoch": budget, "w": w}, f)
print(json.dumps({"objectives": {"loss": curve[-1][1]}, "curve": {"loss": curve}}))
'''


def test_a_program_that_keeps_its_state_outside_checkpoint_dir_is_told_its_segments_restarted(tmp_path, l2l_here):
    """A command program that wrote its state beside itself instead of in {checkpoint_dir} restarted every
    segment: the run spent 27 epochs where continuing costs 21 (the banner's bound), and neither l2l run nor
    l2l show said why."""
    (tmp_path / "prog.py").write_text(PROGRAM)
    for name, folder in (("elsewhere", "-"), ("inside", "{checkpoint_dir}")):
        _config(tmp_path, name, "train", policy='policy = "successive-halving"')
        config = (tmp_path / f"{name}.toml").read_text().replace(
            'name = "python"\nfunction = "train:train"',
            f'name = "command"\nargv = ["{sys.executable}", "{{config_dir}}/prog.py", "{{lr}}", "{{budget}}", '
            f'"{folder}"]\n{FIDELITY}')
        (tmp_path / f"{name}.toml").write_text(config)
        run = l2l_here("run", f"{name}.toml", "--no-progress", "--backend", "serial", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        show = l2l_here("show", f"{name}.h5", cwd=tmp_path)
        if name == "elsewhere":
            line = "trained their candidates from scratch again, 6 epochs more than continuing"
            assert line in run.stdout and "left no file in its {checkpoint_dir}" in run.stdout, run.stdout
            assert f"restarts   4 segments {line}" in show.stdout, show.stdout
        else:
            assert "from scratch" not in run.stdout + show.stdout


def test_show_of_a_run_cut_short_before_the_top_budget_says_its_best_are_lower_budgets(tmp_path, l2l_here):
    """A one-line Hyperband run given --compute 12 reached no top budget: l2l run and l2l show headed the
    budget-1 and budget-3 losses "best 5 by loss", as if they were results of a full training."""
    config = _config(tmp_path, "short", "train", fidelity=FIDELITY, policy='policy = "hyperband"')
    run = l2l_here("run", str(config), "--no-progress", "--compute", "12", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    show = l2l_here("show", "short.h5", cwd=tmp_path)
    for text in (run.stdout, show.stdout):
        assert "(minimize) - no candidate reached the top budget 9; these are results at lower budgets:" in text, text
    full = l2l_here("run", str(config), "--no-progress", "--out", "full.h5", cwd=tmp_path)
    assert "no candidate reached" not in full.stdout + l2l_here("show", "full.h5", cwd=tmp_path).stdout


def test_a_policy_run_whose_continuations_all_fail_exits_with_status_1_saying_no_candidate_reached_the_top(
        tmp_path, l2l_here):
    # a function that cannot continue from its checkpoint: every first segment succeeds, every continuation
    # fails, so no candidate reaches the top budget; the run exited 0 as if it had a result
    (tmp_path / "cannot.py").write_text(textwrap.dedent(TRAIN) + textwrap.dedent('''
        def cannot_continue(params, seed, budget, checkpoint=None):
            if checkpoint is not None:
                raise RuntimeError("cannot load my own checkpoint")
            return train(params, seed, budget)
    '''))
    config = _config(tmp_path, "cannot", "train", fidelity=FIDELITY, policy='policy = "successive-halving"')
    config.write_text(config.read_text().replace("train:train", "cannot:cannot_continue"))
    done = l2l_here("run", str(config), "--out", str(tmp_path / "cannot.h5"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 1, (done.stdout, done.stderr)
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("l2l: no candidate reached the top budget: ") and "segments failed" in last, last
    assert "cannot load my own checkpoint" in last, last
    assert (tmp_path / "cannot.h5").exists()  # the results are kept
    # a run that did reach the top budget still exits 0
    fine = _config(tmp_path, "fine", "train", fidelity=FIDELITY, policy='policy = "successive-halving"')
    assert l2l_here("run", str(fine), "--out", str(tmp_path / "fine.h5"), "--no-progress", cwd=tmp_path).returncode == 0
