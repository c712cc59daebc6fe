"""kill -9 at moments the other resume tests do not reach (found by scripts/kill_stress.py), made deterministic:
each run here kills its own process at one chosen point, then ``l2l resume`` must give the uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import l2l
from conftest import comparable

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def asha(seed: int = 2) -> dict:
    return {"run": {"seed": seed, "compute": 60}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
            "simulator": {"name": "python", "path": str(TESTS), "function": "models_kill26:curve",
                          "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
            "backend": {"name": "serial"}}


def killed_run(config: dict, path: Path, setup: str, env: dict | None = None) -> None:
    """``l2l.run(config, path)`` in a child process that ``setup`` (Python code) arranges to kill with SIGKILL."""
    code = (f"import os, signal, l2l\n{setup}\n"
            f"l2l.run(l2l.from_mapping({config!r}), {str(path)!r}, progress=False)\n")
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT), "L2L_KILL26_STEP": "0", **(env or {})})
    assert child.returncode == -signal.SIGKILL, child.stderr


def test_a_run_killed_before_its_started_event_resumes_as_started(tmp_path):
    """Killed after creating its file, before writing 'started' in it: the resumed run said 'resumed' and never
    'started' (l2l show's events and the run's first backend and pid said nothing of its start)."""
    whole = l2l.run(l2l.from_mapping(asha()), tmp_path / "whole.h5", progress=False)
    killed = tmp_path / "killed.h5"
    killed_run(asha(), killed, "from l2l.results_schema import writer\nevent = writer.TrajectoryWriter.event\n"
               "def dies(self, kind, *args, **kwargs):\n"
               "    if kind == 'started':\n        os.kill(os.getpid(), signal.SIGKILL)\n"
               "    return event(self, kind, *args, **kwargs)\n"
               "writer.TrajectoryWriter.event = dies")
    with l2l.Trajectory(killed) as trajectory:
        assert trajectory.events().empty
    l2l.resume(killed, progress=False)
    with l2l.Trajectory(killed) as trajectory:
        assert trajectory.events()["kind"].tolist() == ["started", "finished"]
    assert comparable(l2l.load(killed)).equals(comparable(l2l.load(whole))) and l2l.validate(killed) == []
