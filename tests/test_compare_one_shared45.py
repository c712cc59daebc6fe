"""``l2l compare`` of runs of several objectives that share only one says the others were left out.

A run of err and cost beside one of err and acc is compared by err alone: each run's "best err" is one end of the
front it searched. Before, the table showed those best values with no word that cost and acc existed (runs that
share two or three objectives said in the hypervolume note which objectives a front was taken without).
"""

from __future__ import annotations

from pathlib import Path

import l2l


def cost(params, seed):
    return {"err": float(params["x"] ** 2), "cost": float((params["x"] - 1) ** 2)}


def acc(params, seed):
    return {"err": float(params["x"] ** 2), "acc": float(params["x"])}


def _run(tmp_path: Path, name: str, function, second: dict) -> Path:
    config = {"run": {"name": name, "seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 2.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 4},
              "objectives": [{"name": "err", "direction": "minimize"}, second], "backend": {"name": "serial"}}
    return Path(l2l.run(config, tmp_path / f"{name}.h5", simulator=function, progress=False))


def test_the_objectives_left_out_are_named(tmp_path, l2l_here):
    a = _run(tmp_path, "a", cost, {"name": "cost", "direction": "minimize"})
    b = _run(tmp_path, "b", acc, {"name": "acc", "direction": "maximize"})
    compared = l2l_here("compare", a, b, "-o", tmp_path / "c.png", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    notes = [line for line in compared.stdout.splitlines() if line.startswith("note: compared by err alone")]
    assert len(notes) == 1, compared.stdout  # was: nothing said
    assert "left out (a (random): cost; b (random): acc)" in notes[0], notes[0]
    assert "one end of the trade-off it searched" in notes[0]

    # the objective chosen among several both share (l2l compare --objective err): the user's choice, nothing said
    from l2l.objectives import Objective
    from l2l.plot.compare_hypervolume import hypervolume_note
    from l2l.plot.data import load_run

    runs = [load_run(a, errors=False), load_run(a, errors=False)]
    assert hypervolume_note(runs, [Objective("err", "minimize")]) is None
