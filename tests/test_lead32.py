"""Compute figures of many fidelity units read in full where the user reads them: a sweep of a function trained for
up to 1,234,567 steps said '1.23457e+06 steps of compute' in ``l2l show``'s progress line and the closing line of
``l2l run``, a figure that had lost its last digits and that no other place of the run wrote that way."""

from __future__ import annotations

import textwrap

import l2l
from l2l.cli import main
from l2l.summary.text import finished_text

TRAIN = '''
def train(params, seed, budget, checkpoint=None):
    return {"loss": (params["x"] - 0.3) ** 2 + 1.0 / budget}
'''


def test_a_sweep_of_a_million_steps_says_its_compute_to_the_last_step(tmp_path, capsys):
    (tmp_path / "train_lead32.py").write_text(textwrap.dedent(TRAIN))
    config = l2l.from_mapping({
        "run": {"name": "sweep", "seed": 1, "generations": 1},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "grid", "points": 3},
        "simulator": {"name": "python", "function": "train_lead32:train",
                      "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 1234567}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=tmp_path)
    path = l2l.run(config, tmp_path / "sweep.h5")
    said = "3703701 steps of compute"  # 3 x 1,234,567; before: '3.7037e+06 steps of compute'
    assert said in finished_text(path, 1.0).splitlines()[0]
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert said in capsys.readouterr().out


def test_compute_amounts_keep_whole_numbers_whole_and_fractions_short():
    from l2l.summary.progress import amount

    assert amount(1500000.0) == "1500000"
    assert amount(243) == "243"
    assert amount(0.1 + 0.2) == "0.3"
    assert amount(10 / 9) == "1.11111"


MANY_IMPORTS = '''
import os
import signal
from pathlib import Path

{imports}


def f(params, seed):
    calls = Path(__file__).with_name("calls")
    n = int(calls.read_text()) + 1 if calls.exists() else 1
    calls.write_text(str(n))
    if n == 6 and not Path(__file__).with_name("resumed").exists():
        os.kill(os.getpid(), signal.SIGKILL)
    return {{"loss": float(params["x"]) ** 2}}
'''


def test_a_resumed_runs_hosts_line_counts_the_killed_session_whose_model_imports_many_modules(tmp_path):
    """A resume records the killed session's evaluations in its event, which holds 512 bytes: a model importing more
    than 200 modules of its folder (a 'capped' note in the event's imports) left no room, and l2l show's hosts line
    counted 8 of 12 evaluations (the killed session's 4 gone); the full suite met it in an in-process resume."""
    import subprocess
    import sys

    from l2l.jobs.base import node_name

    for i in range(205):
        (tmp_path / f"m{i}.py").write_text(f"VALUE = {i}\n")
    (tmp_path / "model.py").write_text(MANY_IMPORTS.format(imports="\n".join(f"import m{i}" for i in range(205))))
    (tmp_path / "run.toml").write_text(textwrap.dedent('''
        [run]
        name = "many"
        seed = 1
        generations = 3
        [space]
        x = { type = "float", low = -1.0, high = 1.0 }
        [optimizer]
        name = "ga"
        population_size = 4
        [simulator]
        name = "python"
        function = "model:f"
        [[objectives]]
        name = "loss"
        direction = "minimize"
        [backend]
        name = "serial"
        '''))
    out = tmp_path / "many.h5"
    cli = [sys.executable, "-m", "l2l"]
    killed = subprocess.run([*cli, "run", str(tmp_path / "run.toml"), "--out", str(out), "--no-progress"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert killed.returncode == -9, killed.stderr
    (tmp_path / "resumed").touch()
    resumed = subprocess.run([*cli, "resume", str(out), "--no-progress"], capture_output=True, text=True, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    shown = subprocess.run([*cli, "show", str(out)], capture_output=True, text=True, cwd=tmp_path).stdout
    hosts = next(line for line in shown.splitlines() if line.startswith("hosts"))
    assert f"evaluations on {node_name()} (12)" in hosts, hosts
