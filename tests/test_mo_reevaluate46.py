"""``l2l reevaluate --top 1`` of a run of several objectives re-evaluates one end of its front, the best by the first
objective, and says so; before, its line said ``1 of them spread evenly along it by err (both ends kept)``."""

from __future__ import annotations

import l2l
from l2l.reevaluate import reevaluate


def trade_off(params, seed):
    return {"err": params["x"], "spikes": (1.0 - params["x"]) ** 2}


def test_top_one_of_a_front_says_it_keeps_one_end(tmp_path):
    config = {"run": {"name": "mo", "seed": 1, "generations": 1}, "space": {"x": {"low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 6}, "simulator": "python",
              "objectives": [{"name": "err"}, {"name": "spikes"}], "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "mo.h5", simulator=trade_off, progress=False)
    front = sorted(l2l.front(path), key=lambda c: c.objectives["err"])
    assert len(front) == 6  # err and spikes fight over x: every candidate is on the front
    table = reevaluate(path, top=1, seeds=1, simulator=trade_off, progress=False)
    picked = table.attrs["picked"]
    assert "both ends kept" not in picked, picked  # was: "1 of them spread evenly ... (both ends kept)"
    assert ": 6 candidates, 1 of them: its best by err, one end of it (--top 2 or more keeps both ends);" in picked
    rows = l2l.load(path, reevaluations=True)
    assert set(zip(rows["generation"], rows["individual"])) == {(front[0].generation, front[0].individual)}
