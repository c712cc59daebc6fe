"""A new user's trial of multi-fidelity with a training function of their own (a small MLP by SGD in numpy).

Each test is something the user met following README.md and docs/multifidelity.md, with the mistakes users
make: a function that hands its checkpoint back beside its loss, as a tuple or as a dict key, was told only
numpy's complaint about a dict (``float() argument must be a string or a real number, not 'dict'``); one that
takes a ``checkpoint`` and returns none was told its restarts came from "a python function without a
'checkpoint' parameter, or a program that left no file in its {checkpoint_dir}", neither of which it is; a
median-stopping ``grace`` past the last rung below the top ran a sweep that stopped nothing early; the overview
figure of a run whose segments to the top budget all failed named a result at a lower budget as its best, and
its report said "no successful evaluation"; running a config again on its file after raising run.compute advised
'l2l resume FILE', which continues to the stored compute; a run of one candidate said "1 candidates", "1 segments".
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from inprocess_cli import l2l_main  # in this process: these tests are about what l2l says, not the process

TRAIN = '''
import numpy as np
from l2l import SimulationResult


def train(params, seed, budget, checkpoint=None):
    """A one-hidden-layer network by SGD on fixed synthetic data; the checkpoint holds the weights."""
    data = np.random.default_rng(7)
    x = data.normal(size=(64, 2))
    y = (x[:, 0] ** 2 - x[:, 1] > 0.5).astype(float)
    width = int(params["width"])
    if checkpoint is None:
        init = np.random.default_rng(seed)
        done, w1, w2 = 0, init.normal(size=(2, width)), init.normal(size=width) / np.sqrt(width)
    else:
        done, w1, w2 = int(checkpoint["epoch"]), checkpoint["w1"], checkpoint["w2"]
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        h = np.tanh(x @ w1)
        p = 1 / (1 + np.exp(-np.clip(h @ w2, -30, 30)))
        g = (p - y) / len(y)
        w1 = w1 - params["lr"] * (x.T @ (np.outer(g, w2) * (1 - h ** 2)) + params["wd"] * w1)
        w2 = w2 - params["lr"] * (h.T @ g + params["wd"] * w2)
        p = 1 / (1 + np.exp(-np.clip(np.tanh(x @ w1) @ w2, -30, 30)))
        curve.append([epoch, float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))])
    return SimulationResult(objectives={"loss": curve[-1][1]}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "w1": w1, "w2": w2})


def as_tuple(params, seed, budget, checkpoint=None):
    result = train(params, seed, budget, checkpoint)
    return result.objectives["loss"], result.checkpoint


def as_dict(params, seed, budget, checkpoint=None):
    result = train(params, seed, budget, checkpoint)
    return {"loss": result.objectives["loss"], "checkpoint": result.checkpoint}


def fails_at_top(params, seed, budget, checkpoint=None):
    if budget >= 9:
        raise MemoryError("the top budget does not fit")
    return train(params, seed, budget, checkpoint)


def forgets(params, seed, budget, checkpoint=None):  # takes a checkpoint, returns none: every segment restarts
    return {"loss": train(params, seed, budget, checkpoint).objectives["loss"]}
'''

CONFIG = '''
[run]
name = "mlp"
seed = 3
compute = {compute}

[space]
lr = {{ type = "float", low = 0.001, high = 1.0, log = true }}
wd = {{ type = "float", low = 1e-6, high = 0.1, log = true }}
width = {{ type = "int", low = 2, high = 16 }}

[optimizer]
name = "random"

[simulator]
name = "python"
function = "mlp:{function}"
multi_fidelity = {{ name = "epochs", minimum = 1, maximum = 9 }}

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"

[policy]
name = "{policy}"
{options}
'''


def _config(folder: Path, function: str = "train", policy: str = "asha", options: str = "", compute: float = 20,
            name: str = "mlp") -> Path:
    (folder / "mlp.py").write_text(textwrap.dedent(TRAIN))
    path = folder / f"{name}.toml"
    path.write_text(CONFIG.format(function=function, policy=policy, options=options, compute=compute))
    return path


def test_a_checkpoint_returned_beside_the_loss_is_told_how_to_return_it(tmp_path):
    for function, returned in (("as_tuple", "returned a tuple of 2 values, not a number"),
                               ("as_dict", "returned a dict with the key 'checkpoint'")):
        config = _config(tmp_path, function, compute=3, name=function)
        done = l2l_main("run", config, "--out", tmp_path / f"{function}.h5", "--no-progress", cwd=tmp_path)
        assert done.returncode == 2, done.stderr  # refused at the first commit (session 44; every segment failed
        last = done.stderr.strip().splitlines()[-1]  # until run.stop_after_failures, exit status 1, before)
        assert returned in last and "fix what the simulator returns" in last, last
        assert "l2l.SimulationResult(objectives=..., " in last and "checkpoint=...)" in last, last
        assert "float() argument" not in last


def test_a_function_that_takes_a_checkpoint_and_returns_none_is_named_in_the_restarts_line(tmp_path):
    config = _config(tmp_path, "forgets")
    out = tmp_path / "forgets.h5"
    done = l2l_main("run", config, "--out", out, "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    shown = l2l_main("show", out, cwd=tmp_path)
    for text in (done.stdout, shown.stdout):
        line = next(line for line in text.splitlines() if "from scratch again" in line)
        assert "mlp:forgets returned no checkpoint" in line, line
        assert "checkpoint={...}" in line and "without a 'checkpoint' parameter" not in line, line


def test_a_median_stopping_grace_past_the_last_rung_below_the_top_is_refused(tmp_path):
    # rungs 1, 3, 9: median stopping decides at 1 and 3 only; a grace of 5 would stop no candidate (a sweep that
    # calls itself early stopping), as budgets that give one rung would, which are refused
    config = _config(tmp_path, policy="median-stopping", options="grace = 5", name="late")
    out = tmp_path / "late.h5"
    done = l2l_main("run", config, "--out", out, "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("l2l: error: policy 'median-stopping': grace = 5 "), lines
    assert "no candidate would be stopped early" in lines[0] and "at most 3" in lines[0], lines
    assert not out.exists()
    config = _config(tmp_path, policy="median-stopping", options="grace = 3", name="in_time")
    assert l2l_main("run", config, "--dry-run", cwd=tmp_path).returncode == 0


@pytest.fixture(scope="module")
def low_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """A run whose segments to the top budget all fail, and its l2l run (one for the tests that read it)."""
    folder = tmp_path_factory.mktemp("low")
    out = folder / "low.h5"
    return out, l2l_main("run", _config(folder, "fails_at_top", compute=40), "--out", out, "--no-progress", cwd=folder)


def test_the_overview_title_says_when_its_best_is_below_the_top_budget(low_run):
    from l2l.plot.figures import fitness, overview

    out, done = low_run
    assert "no candidate reached the top budget 9" in done.stdout, done.stdout  # as l2l show says it
    for draw in (overview, fitness):
        title = draw(out)._suptitle.get_text()
        assert "best loss = " in title and "at 3 epochs: no candidate reached the top budget 9" in title, title


def test_the_report_of_a_run_with_no_candidate_at_the_top_budget_says_so(low_run, tmp_path, monkeypatch):
    from l2l.analysis.report import report
    from l2l.plot import figures

    out, done = low_run
    assert done.returncode in (0, 1)
    monkeypatch.setattr(figures, "KINDS", ())  # the report's text is read, not its figures (9 of its 10 s of CPU)
    page = report(out, tmp_path / "low.html").read_text()
    # its segments to 1 and 3 epochs succeeded: not "no successful evaluation"; the table says where they are
    assert "no successful evaluation" not in page
    assert "none at the top budget 9 (no candidate reached it" in page
    assert "- no candidate reached the top budget 9; these are results at lower budgets" in page


def test_running_a_config_again_with_a_raised_budget_offers_a_resume_that_keeps_it(tmp_path):
    # l2l resume runs the stored config: the advice 'continue it with l2l resume FILE' after run.compute was raised in
    # the config file continued to the old compute; after --seed 4, it continued the run of seed 3
    out = tmp_path / "mlp.h5"
    assert l2l_main("run", _config(tmp_path, compute=20), "--out", out, "--no-progress", cwd=tmp_path).returncode == 0
    again = l2l_main("run", _config(tmp_path, compute=40), "--out", out, "--no-progress", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.strip().endswith(f"continue it with 'l2l resume {out} --compute 40'"), again.stderr
    seed = l2l_main("run", _config(tmp_path, compute=40), "--out", out, "--seed", "4", cwd=tmp_path)
    assert seed.returncode == 2
    assert seed.stderr.strip() == f"l2l: error: {out} already exists and holds the run of seed 3, not 4; choose " \
                                  f"another --out", seed.stderr


def test_one_candidate_and_one_segment_are_counted_in_the_singular(tmp_path):
    out = tmp_path / "one.h5"
    done = l2l_main("run", _config(tmp_path, compute=0.5), "--out", out, "--no-progress", cwd=tmp_path)
    shown = l2l_main("show", out, cwd=tmp_path)
    for text in (done.stdout, shown.stdout):
        assert "1 candidate (0 completed, 0 stopped, 1 paused), 1 segment (0 failed)" in text, text
