"""PBT refuses a python function that takes no checkpoint, when the config is read.

Before, such a run started: every segment trained from scratch, an exploit copied nothing, the default compute
(population x top budget) ran out with no member at the top budget, and the run exited 0.
"""

from __future__ import annotations

import pytest

import l2l

from conftest import l2l_cli


CONFIG = """[run]
name = "nockpt"
[space]
x = { type = "float", low = 0.0, high = 1.0 }
[simulator]
name = "python"
function = "model:train"
multi_fidelity = { name = "steps", minimum = 1, maximum = 100 }
[[objectives]]
name = "loss"
direction = "minimize"
[policy]
name = "pbt"
population = 4
interval = 20
[backend]
name = "serial"
"""

MODEL = """def train(params, seed, budget):
    return {"loss": params["x"] + 1.0 / budget}
"""


def test_a_function_without_a_checkpoint_parameter_is_refused_in_one_line_and_creates_no_file(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "pbt.toml").write_text(CONFIG)
    done = l2l_cli("run", "pbt.toml", "--no-progress", cwd=tmp_path, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: policy 'pbt' continues each member from its checkpoint and copies the best members' "
        "checkpoints; model:train takes no 'checkpoint' argument, so every segment would train from scratch and "
        "an exploit would copy nothing: accept checkpoint=None and return one (docs/multifidelity_simulators.md)"]
    assert not (tmp_path / "nockpt.h5").exists()


def test_a_function_passed_to_run_is_checked_too_and_one_with_a_checkpoint_runs(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "f"}, "space": {"x": {"low": 0.0, "high": 1.0}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 100}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 4, "interval": 20}, "backend": {"name": "serial"}})

    def restarts(params, seed, budget):
        return {"loss": params["x"] + 1.0 / budget}

    def continues(params, seed, budget, checkpoint=None):
        return l2l.SimulationResult(objectives={"loss": params["x"] + 1.0 / budget}, checkpoint={"step": budget})

    with pytest.raises(l2l.ConfigError, match="restarts takes no 'checkpoint' argument"):
        l2l.run(config, tmp_path / "a.h5", simulator=restarts, progress=False)
    assert not (tmp_path / "a.h5").exists()
    path = l2l.run(config, tmp_path / "b.h5", simulator=continues, progress=False)
    assert (l2l.load(path)["state"] == "completed").sum() == 4
