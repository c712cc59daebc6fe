"""persona33c: a user of the original L2L ports a stateful optimizee (a network kept between generations).

``run.inherit = true`` with a training function that takes no ``checkpoint`` ran to the end without a word: every
generation trained each candidate from scratch to its share of the top budget, so nothing was inherited, and the
run spent 48,000 steps where the Lamarckian run it was meant to be spends 25,600 (8 generations of 16, 1,600
steps). Population-based training refused such a function when the config was read; ``run.inherit`` now does too.
"""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError

TRAIN = '''
def train(params, seed, budget{extra}):
    loss = (params["lr"] - 0.1) ** 2 + 1.0 / budget
    return {result}
'''


def config(tmp_path, extra: str, result: str):
    (tmp_path / "stateful.py").write_text(TRAIN.format(extra=extra, result=result))
    return l2l.from_mapping({
        "run": {"name": "stateful", "seed": 1, "generations": 2, "inherit": True},
        "space": {"lr": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "ga", "population_size": 2},
        "simulator": {"name": "python", "function": "stateful:train", "path": str(tmp_path),
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 10}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "backend": {"name": "serial"}})


def test_inherit_refuses_a_function_without_a_checkpoint(tmp_path):
    out = tmp_path / "stateful.h5"
    with pytest.raises(ConfigError) as caught:
        l2l.run(config(tmp_path, "", "loss"), out, progress=False)
    message = str(caught.value)
    assert "\n" not in message
    assert "run.inherit" in message and "stateful:train takes no 'checkpoint' argument" in message
    assert "accept checkpoint=None and return one" in message
    assert not out.exists()


def test_inherit_runs_a_function_that_continues(tmp_path):
    result = '__import__("l2l").SimulationResult(objectives={"loss": loss}, checkpoint={"step": budget})'
    out = l2l.run(config(tmp_path, ", checkpoint=None", result), tmp_path / "ok.h5", progress=False)
    rows = l2l.load(out, segments=True)
    assert len(rows) == 4 and (rows.loc[rows["generation"] == 1, "from_budget"] > 0).all()


def test_inherit_ends_the_run_at_a_segment_that_returns_no_checkpoint(tmp_path, capsys):
    """It went on without a word, every generation training from scratch; PBT ends the run there, as now this."""
    from l2l.cli import main

    config(tmp_path, ", checkpoint=None", "loss")  # writes stateful.py; the CLI reads the same config as TOML
    (tmp_path / "stateful.toml").write_text(f"""
[run]
name = "stateful"
seed = 1
generations = 2
inherit = true
[space]
lr = {{ type = "float", low = 0.0, high = 1.0 }}
[optimizer]
name = "ga"
population_size = 2
[simulator]
name = "python"
function = "stateful:train"
path = "{tmp_path}"
multi_fidelity = {{ name = "steps", minimum = 1, maximum = 10 }}
[[objectives]]
name = "loss"
direction = "minimize"
[backend]
name = "serial"
""")
    assert main(["run", str(tmp_path / "stateful.toml"), "--no-progress"]) == 2
    error = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: error:")]
    assert len(error) == 1 and "run.inherit" in error[0] and "stateful:train returned no checkpoint at 5" in error[0]
    assert "checkpoint={...}" in error[0] and (tmp_path / "stateful.h5").exists()
