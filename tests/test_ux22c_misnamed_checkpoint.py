"""The line a run ends with says why a python function's segments restarted when its checkpoint parameter has
another name (``def train(params, seed, budget, ckpt=None)``): the banner said "the function takes no checkpoint",
and the end line and ``l2l show`` said "model:train returned no checkpoint", though it returned one (dropped, since
l2l passes it as ``checkpoint=``)."""

from __future__ import annotations

from conftest import l2l_cli

CONFIG = """
[run]
name = "ck"
seed = 0
generations = 1
policy = "asha"

[space]
x = { type = "float", low = 0.0, high = 1.0 }

[optimizer]
name = "random"
population_size = 9

[policy]
min_budget = 1
max_budget = 9
eta = 3

[simulator]
name = "python"
function = "model:train"
multi_fidelity = { name = "epochs", unit = "epochs", minimum = 1, maximum = 9 }

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
"""

MISNAMED = """import l2l

def train(params, seed, budget, ckpt=None):
    return l2l.SimulationResult(objectives={"loss": params["x"] + 1.0 / budget}, checkpoint={"epoch": budget})
"""

FORGETS = """def train(params, seed, budget, checkpoint=None):
    return {"loss": params["x"] + 1.0 / budget}
"""


def _restarts(tmp_path, model: str) -> tuple[str, str]:
    (tmp_path / "model.py").write_text(model)
    (tmp_path / "run.toml").write_text(CONFIG)
    done = l2l_cli("run", "run.toml", "--out", "run.h5", "--no-progress", cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    shown = l2l_cli("show", "run.h5", cwd=tmp_path, timeout=300)
    assert shown.returncode == 0, shown.stderr
    ended = [line for line in (done.stdout + done.stderr).splitlines() if "from scratch again" in line]
    restarts = [line for line in shown.stdout.splitlines() if line.startswith("restarts")]
    assert len(ended) == len(restarts) == 1, (done.stdout, done.stderr, shown.stdout)
    assert "every segment restarts: the function takes no checkpoint" in done.stderr or model is FORGETS
    return ended[0], restarts[0]


def test_a_misnamed_checkpoint_parameter_is_named_at_the_end_as_in_the_banner(tmp_path):
    ended, shown = _restarts(tmp_path, MISNAMED)
    for line in (ended, shown):
        assert "returned no checkpoint" not in line
        assert line.endswith("model:train takes no checkpoint: it has no parameter named 'checkpoint' ('ckpt' is "
                             "not one), so whatever it returned as checkpoint was not kept (to continue instead, "
                             "rename that parameter checkpoint=None)"), line


def test_a_function_that_takes_a_checkpoint_and_returns_none_still_reads_returned_no_checkpoint(tmp_path):
    ended, shown = _restarts(tmp_path, FORGETS)
    for line in (ended, shown):
        assert line.endswith("model:train returned no checkpoint (to continue instead, take checkpoint=None and "
                             "return l2l.SimulationResult(objectives=..., checkpoint={...}))"), line
