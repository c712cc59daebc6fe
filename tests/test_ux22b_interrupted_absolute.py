"""Ctrl-C in ``l2l run --out run.h5`` / ``l2l resume run.h5`` (relative paths) names the file in its
'interrupted; ...' line as the run's banner and closing 'results:' line name it since b4b939b and 722e9c7:
absolutely (it printed the path as typed: 'every committed evaluation is in run.h5'). No symbolic link is
resolved (Path.absolute)."""

from __future__ import annotations

import l2l
from l2l.cli import main
from conftest import write_toml

#: Ctrl-C pressed during the sixth evaluation since calls.txt was removed (serial backend: in the loop's process).
MODEL = '''
import os, signal
from pathlib import Path

CALLS = Path(__file__).with_name("calls.txt")


def simulate(params, seed):
    calls = int(CALLS.read_text() or 0) + 1 if CALLS.exists() else 1
    CALLS.write_text(str(calls))
    if calls == 6:
        os.kill(os.getpid(), signal.SIGINT)
    return {"loss": float(params["x"]) ** 2}
'''

CONFIG = {"run": {"name": "ctrlc", "seed": 1, "generations": 3},
          "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 4},
          "simulator": {"name": "python", "function": "ctrlc_model:simulate"},
          "objectives": [{"name": "loss", "direction": "minimize"}],
          "backend": {"name": "serial"}}


def _last(err: str) -> str:
    return err.strip().splitlines()[-1]


def test_the_interrupted_lines_name_the_file_absolutely(tmp_path, monkeypatch, capsys):
    (tmp_path / "ctrlc_model.py").write_text(MODEL)
    write_toml(tmp_path / "c.toml", CONFIG)
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "run.h5"
    assert main(["run", "c.toml", "--out", "run.h5", "--no-progress"]) == 130
    err = capsys.readouterr().err
    # before: 'interrupted; every committed evaluation is in run.h5; continue with: l2l resume run.h5'
    assert _last(err) == (f"interrupted; every committed evaluation is in {absolute}; continue with: "
                          f"l2l resume {absolute}"), err
    assert err.splitlines()[0].endswith(f" -> {absolute}"), err  # as the banner names it
    assert len(l2l.load(absolute)) >= 4
    (tmp_path / "calls.txt").unlink()  # the resume's sixth evaluation is interrupted too
    assert main(["resume", "run.h5", "--no-progress"]) == 130
    err = capsys.readouterr().err
    # before: 'interrupted; continue with: l2l resume run.h5'
    assert _last(err) == f"interrupted; continue with: l2l resume {absolute}", err
    assert err.splitlines()[0].endswith(f" -> {absolute}"), err


def test_a_backend_that_cannot_go_on_names_the_file_absolutely(tmp_path, monkeypatch, capsys):
    # the line a SLURM backend ends with once sbatch refuses every job ('every finished evaluation is in ...;
    # continue with: l2l resume ...'), here from a serial backend made to fail at its fifth evaluation
    from l2l.errors import ExecutorError
    from l2l.jobs.serial import SerialExecutor

    wait, calls = SerialExecutor.wait, []

    def failing(self, timeout=None):
        calls.append(1)
        if len(calls) == 5:
            raise ExecutorError("sbatch refused the job arrays the run needs")
        return wait(self, timeout)

    monkeypatch.setattr(SerialExecutor, "wait", failing)
    write_toml(tmp_path / "c.toml", {**CONFIG, "simulator": {"name": "sphere"}, "objectives": []})
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "run.h5"
    assert main(["run", "c.toml", "--out", "run.h5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    # before: '...; every finished evaluation is in run.h5; continue with: l2l resume run.h5'
    assert _last(err) == (f"l2l: error: sbatch refused the job arrays the run needs; every finished evaluation is "
                          f"in {absolute}; continue with: l2l resume {absolute}"), err
