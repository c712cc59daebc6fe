"""A python function that returns the shape a ``command`` program prints, ``{"objectives": {...}, "curve": {...},
"checkpoint": {...}}``, is told to return an ``l2l.SimulationResult``: a python function's dict is read as
``{objective: number}``, and before, the only word was numpy's complaint about its first key (``objective
'objectives': float() argument must be a string or a real number, not 'dict'``), on every segment of the run."""

from __future__ import annotations

import textwrap

import pytest

from conftest import l2l_cli
from l2l.jobs.base import Settings, normalize

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    epoch = 0 if checkpoint is None else int(checkpoint["epoch"])
    curve = [[e, params["lr"] / e] for e in range(epoch + 1, int(budget) + 1)]
    return {"objectives": {"loss": curve[-1][1]}, "curve": {"loss": curve}, "checkpoint": {"epoch": int(budget)}}
'''

CONFIG = '''
[run]
name = "shape"
seed = 1
generations = 1
policy = "asha"

[space]
lr = { type = "float", low = 0.01, high = 1.0 }

[optimizer]
name = "random"
population_size = 3

[simulator]
name = "python"
function = "train:train"
multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }

[[objectives]]
name = "loss"
direction = "minimize"

[backend]
name = "serial"
'''


def test_the_command_shape_returned_by_a_python_function_is_told_how_to_return_it(tmp_path):
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN))
    (tmp_path / "shape.toml").write_text(CONFIG)
    done = l2l_cli("run", tmp_path / "shape.toml", "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # refused at the first commit (every segment failed, exit 1, before)
    last = done.stderr.strip().splitlines()[-1]
    assert "returned a dict with the key 'objectives'" in last and "fix what the simulator returns" in last, last
    assert "l2l.SimulationResult(objectives=..., curve=..., checkpoint=...)" in last, last
    assert "float() argument" not in last, last


@pytest.mark.parametrize("objectives", [{"loss": 0.5}, {"loss": 0.5, "accuracy": 0.9}])
def test_normalize_names_the_key_objectives(objectives):
    settings = Settings(objectives=("loss",))
    with pytest.raises(ValueError, match="key 'objectives'.*l2l.SimulationResult") as raised:
        normalize({"objectives": objectives, "curve": {"loss": [[1, 0.5]]}}, settings)
    assert "float() argument" not in str(raised.value)


def test_an_objective_named_objectives_is_still_a_number():
    settings = Settings(objectives=("objectives",))
    assert normalize({"objectives": 0.25}, settings)[0] == {"objectives": 0.25}
