"""A full-fidelity sweep (no ``[policy]``) whose function declares a fidelity trains every candidate to the top
budget: ``l2l show``'s progress line and the closing line of ``l2l run`` say its compute, counted as ``l2l compare``
counts it (failed evaluations and retried attempts too), so that a user who then runs the same function under
``policy = "asha"`` can compare the two where they read them (they said only '11 evaluations (2 failed)').

A slurm-array task whose program got SIGTERM before the task itself (scancel, a time limit) leaves no working
folder of its program in ``<run>.work``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import l2l
from l2l.jobs.array_task import write_tasks
from l2l.jobs.base import Task
from l2l.cli import main
from l2l.plot.compare import table
from l2l.summary.text import finished_text

ROOT = Path(__file__).resolve().parents[1]

TRAIN = '''
from pathlib import Path


def train(params, seed, budget, checkpoint=None):
    """Fails on its first attempt where 0.55 < x < 0.85 (a marker file remembers it), always where x > 0.85."""
    x = params["x"]
    marker = Path(__file__).with_name(f"tried-{x!r}")
    if x > 0.85 or (x > 0.55 and not marker.exists()):
        marker.touch()
        raise RuntimeError("diverged")
    return {"loss": (x - 0.3) ** 2 + 1.0 / budget}
'''


def _sweep(folder, retries: int):
    (folder / "train_small32b.py").write_text(textwrap.dedent(TRAIN))
    return l2l.from_mapping({
        "run": {"name": "sweep", "seed": 1, "generations": 1, "retries": retries},
        "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "grid", "points": 11},
        "simulator": {"name": "python", "function": "train_small32b:train",
                      "multi_fidelity": {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 27}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}},
        base_dir=folder)


def test_a_full_fidelity_sweep_says_its_compute_as_compare_counts_it(tmp_path, capsys):
    # 11 grid points: x = 0.6, 0.7, 0.8 fail once and are retried, 0.9 and 1.0 fail both attempts: 16 attempts
    path = l2l.run(_sweep(tmp_path, retries=1), tmp_path / "sweep.h5")
    compared = float(table([str(path)])["compute (epochs)"].iloc[0])
    assert compared == 16 * 27, compared
    said = "432 epochs of compute"  # before: '11 evaluations (2 failed)' alone, in both lines
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    assert f"11 evaluations (2 failed), {said}, status: finished" in progress, progress
    closing = finished_text(path, 1.0).splitlines()[0]
    assert closing.startswith(f"done in 1.0 s: 1 generation, 11 evaluations (2 failed), {said}, "), closing

    # a sweep whose function declares no fidelity has no compute to say
    (tmp_path / "plain.py").write_text("def simulate(params, seed):\n    return {'loss': params['x']}\n")
    plain = l2l.from_mapping({
        "run": {"name": "plain", "seed": 1, "generations": 1}, "space": {"x": {"type": "float", "low": 0.0,
                                                                               "high": 1.0}},
        "optimizer": {"name": "grid", "points": 3}, "simulator": {"name": "python", "function": "plain:simulate"},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}, base_dir=tmp_path)
    path = l2l.run(plain, tmp_path / "plain.h5")
    assert "of compute" not in finished_text(path, 1.0)
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    assert "compute" not in capsys.readouterr().out


@pytest.mark.parametrize("budget", [None, 9.0])
def test_a_slurm_array_task_cancelled_after_its_program_leaves_no_working_directory(tmp_path, budget):
    # scancel as SLURM sends it: SIGTERM to the program, then (50 ms later, inside STOP_GRACE) to the task. The
    # task reads no failure (4959a89) and writes no result; its program's folder stayed in <run>.work for good
    # where the task did not run again (the run ended meanwhile, or a later attempt ran in a folder of its own)
    run_dir = tmp_path / "run.work"
    batch = run_dir / "array" / "batches" / "b"
    (batch / "results").mkdir(parents=True)
    options = {"argv": ["sh", "-c", 'echo partial > out.txt; (sleep 0.05; kill -TERM "$PPID") & kill -TERM $$'],
               "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9}}  # budget None: a sweep's task
    spec = run_dir / "array" / "spec.json"
    spec.write_text(json.dumps({"simulator": {"name": "command", "options": options},
                                "settings": {"objectives": ["value"], "timeout": None, "run_dir": str(run_dir)}}))
    write_tasks(str(batch), [Task(2, 1, 7, {}, budget=budget, trial=-1 if budget is None else 4)])
    task = subprocess.run([sys.executable, "-m", "l2l.jobs.array_task", "--spec", str(spec), "--tasks",
                           str(batch / "tasks.json"), "--results", str(batch / "results"), "--index", "0"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert task.returncode == 128 + signal.SIGTERM and not list((batch / "results").iterdir()), task.stderr
    assert "stopped (SIGTERM" in task.stderr, task.stderr
    # before: run.work/g000002/i000001-t-1-b9-a0 (or -t4-b9-a0) with params.json and out.txt
    assert sorted(p.name for p in run_dir.iterdir()) == ["array"], sorted(run_dir.rglob("*"))
