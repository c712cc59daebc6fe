"""``l2l compare`` of sweeps that ran different numbers of evaluations says that its table favours the longer one.

The table's "best" values and hypervolumes are each run's at its own end: NSGA-II's 40 evaluations beside MOTPE's
30 read as a win of the one that ran longer. Before, nothing was said (the figure's x axis compares them at equal
evaluations; the table does not).
"""

from __future__ import annotations

from pathlib import Path

import l2l
from l2l.plot.compare_runs import compute_note
from l2l.plot.data import load_run


def bowl(params, seed):
    return float(params["x"] ** 2)


def _run(tmp_path: Path, name: str, generations: int) -> Path:
    config = {"run": {"name": name, "seed": 1, "generations": generations}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 5},
              "backend": {"name": "serial"}}
    return Path(l2l.run(config, tmp_path / f"{name}.h5", simulator=bowl, progress=False))


def test_different_numbers_of_evaluations_are_said(tmp_path):
    long, short, other = _run(tmp_path, "long", 4), _run(tmp_path, "short", 3), _run(tmp_path, "other", 4)
    note = compute_note([load_run(long, errors=False), load_run(short, errors=False)])
    assert note is not None  # was: None, nothing printed under the table
    assert note.startswith("note: the runs ran different numbers of evaluations (long (random): 20, short (random): "
                           "15): the best values and hypervolumes above are each run's at its own end"), note
    assert compute_note([load_run(long, errors=False), load_run(other, errors=False)]) is None  # as many: nothing
