"""A user's own simulator file: errors while importing it, and a fidelity declared for a run without a policy."""

from __future__ import annotations

import sys
import textwrap

import pytest

import l2l
from l2l.cli import main


def _config(tmp_path, simulator, population=3):
    text = textwrap.dedent(f"""
        [run]
        generations = 1
        [space]
        lr = {{ low = 0.0, high = 1.0 }}
        [optimizer]
        name = "random"
        population_size = {population}
        [simulator]
        {simulator}
        [[objectives]]
        name = "loss"
        direction = "minimize"
        [backend]
        name = "serial"
        """)
    path = tmp_path / "c.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("source, message", [
    ("def train(params, seed)\n    return 1.0\n", "module 'model' has a syntax error: expected ':' ({}, line 1)"),
    ("import os\nSETTING = os.environ['L2L_NO_SUCH_VARIABLE']\n",
     "importing module 'model' raised KeyError: 'L2L_NO_SUCH_VARIABLE' ({}, line 2)"),
])
def test_a_model_file_that_fails_to_import_gets_one_line_naming_its_file_and_line(tmp_path, capsys, source,
                                                                                  message):
    (tmp_path / "model.py").write_text(source)
    config = _config(tmp_path, 'name = "python"\nfunction = "model:train"')
    assert main(["run", str(config), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [f"l2l: error: simulator 'python': {message.format(tmp_path / 'model.py')}"]


def test_a_python_or_command_simulator_with_a_fidelity_trains_to_its_top_budget_without_a_policy(tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent("""
        def train(params, seed, budget, checkpoint=None):
            return {"loss": (params["lr"] - 0.1) ** 2 + 1.0 / budget}
        """))
    (tmp_path / "prog.py").write_text(textwrap.dedent("""
        import json, sys
        print(json.dumps({"loss": (float(sys.argv[1]) - 0.1) ** 2 + 1.0 / float(sys.argv[2])}))
        """))
    fidelity = 'multi_fidelity = { name = "epochs", minimum = 1, maximum = 27 }'
    python = _config(tmp_path, f'name = "python"\nfunction = "model:train"\n{fidelity}')
    frame = l2l.load(l2l.run(l2l.load_config(python), tmp_path / "p.h5"))
    assert (frame["status"] == "ok").all()
    assert frame["loss"].tolist() == pytest.approx(((frame["lr"] - 0.1) ** 2 + 1 / 27).tolist())
    command = _config(tmp_path, f'name = "command"\nargv = ["{sys.executable}", "{{config_dir}}/prog.py", '
                                f'"{{lr}}", "{{budget}}"]\n{fidelity}', population=2)
    frame = l2l.load(l2l.run(l2l.load_config(command), tmp_path / "c.h5"))
    assert (frame["status"] == "ok").all()
    assert frame["loss"].tolist() == pytest.approx(((frame["lr"] - 0.1) ** 2 + 1 / 27).tolist(), rel=1e-5)


def test_a_checkpoint_larger_than_the_limit_fails_its_segment_with_the_option_named(tmp_path):
    (tmp_path / "big.py").write_text(textwrap.dedent("""
        import numpy as np
        from l2l.simulators import SimulationResult
        def train(params, seed, budget, checkpoint=None):  # 600 x 600 floats: 2.7 MiB
            return SimulationResult(objectives={"loss": 1.0 / budget}, checkpoint={"weights": np.zeros((600, 600))})
        """))
    text = ('name = "python"\nfunction = "big:train"\ncheckpoint_limit_mb = 2\n'
            'multi_fidelity = { name = "epochs", minimum = 1, maximum = 9 }')
    config = _config(tmp_path, text).read_text().replace('[backend]', '[policy]\nname = "asha"\n[backend]')
    config = config.replace("generations = 1", "compute = 30")
    (tmp_path / "c.toml").write_text(config)
    path = l2l.run(l2l.load_config(tmp_path / "c.toml"), tmp_path / "b.h5")
    segments = l2l.load(path, segments=True)
    assert (segments["status"] == "failed").all() and l2l.validate(path) == []
    from l2l.results_schema.reader import Trajectory
    with Trajectory(path) as trajectory:
        assert "holds 2.7 MiB, more than checkpoint_limit_mb = 2 of the python simulator" in trajectory.error_text(0)
