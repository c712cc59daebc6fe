"""``l2l reevaluate run.h5`` stopped by Ctrl-C and ``l2l watch run.h5`` (relative paths) name the file absolutely,
as l2l run's and l2l resume's banners and Ctrl-C lines do since 722e9c7 (test_ux22b_interrupted_absolute.py):
they printed it as typed ('... continue: l2l reevaluate run.h5', 'l2l watch run.h5'). The reevaluate line also
gives the options typed, so that it is the same command ('l2l reevaluate run.h5' alone asked for another
request: the defaults' top 5 and 10 seeds)."""

from __future__ import annotations

import io

from conftest import write_toml

from l2l.analysis.watch import watch
from l2l.cli import main

#: Ctrl-C pressed during the third evaluation after the run's eight (the serial backend: in l2l's own process).
MODEL = '''
import os, signal
from pathlib import Path

CALLS = Path(__file__).with_name("calls.txt")


def simulate(params, seed):
    calls = int(CALLS.read_text() or 0) + 1 if CALLS.exists() else 1
    CALLS.write_text(str(calls))
    if calls == 11:
        os.kill(os.getpid(), signal.SIGINT)
    return {"loss": float(params["x"]) ** 2}
'''

CONFIG = {"run": {"name": "again", "seed": 1, "generations": 2},
          "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
          "optimizer": {"name": "random", "population_size": 4},
          "simulator": {"name": "python", "function": "again_model:simulate"},
          "objectives": [{"name": "loss", "direction": "minimize"}],
          "backend": {"name": "serial"}}


def test_reevaluate_and_watch_name_the_file_absolutely(tmp_path, monkeypatch, capsys):
    (tmp_path / "again_model.py").write_text(MODEL)
    write_toml(tmp_path / "c.toml", CONFIG)
    monkeypatch.chdir(tmp_path)
    absolute = tmp_path / "run.h5"
    assert main(["run", "c.toml", "--out", "run.h5", "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["reevaluate", "run.h5", "--top", "2", "--seeds", "3"]) == 130
    last = capsys.readouterr().err.strip().splitlines()[-1]
    # before: '... run the same command again to continue: l2l reevaluate run.h5'
    assert last == ("interrupted; the re-evaluations committed so far are kept; run the same command again to "
                    f"continue: l2l reevaluate {absolute} --top 2 --seeds 3"), last
    out = io.StringIO()
    assert watch("run.h5", once=True, out=out) == 0
    # before: 'l2l watch run.h5   HH:MM:SS'
    assert out.getvalue().splitlines()[0].startswith(f"l2l watch {absolute}   "), out.getvalue()
