"""A user's inner loop that misbehaves (found by ``scripts/fuzz_sim31.py``): the run goes on or stops in one line,
nothing computed is lost, the file stays valid.

* A ``python`` function that changes the working directory (``os.chdir`` into its data folder) on the ``serial``
  backend, which evaluates in l2l's own process: a run written to a relative path (``--out run.h5``) ended after
  its evaluations with ``run.h5: no such file``, looked for in the model's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import l2l


def _config(**run) -> dict:
    return {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
            "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 2, "seed": 1, **run},
            "backend": {"name": "serial"}}


def _wander(params, seed):
    os.chdir(os.environ["L2L_TEST_ELSEWHERE"])
    return float(params["x"]) ** 2


def test_a_function_that_changes_the_working_directory_leaves_a_relative_run_file_where_it_was(tmp_path,
                                                                                                monkeypatch):
    elsewhere = tmp_path / "data"
    elsewhere.mkdir()
    monkeypatch.setenv("L2L_TEST_ELSEWHERE", str(elsewhere))
    monkeypatch.chdir(tmp_path)
    path = l2l.run(_config(), "run.h5", simulator=_wander, progress=False)
    assert Path(os.getcwd()) == tmp_path
    assert (tmp_path / "run.h5").is_file() and not (elsewhere / "run.h5").exists()
    frame = l2l.load(tmp_path / path)
    assert len(frame) == 4 and (frame["status"] == "ok").all()
