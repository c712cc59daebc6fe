"""The note under a re-evaluation's ranking says when a candidate's mean mixes the run's code with changed code.

``l2l reevaluate`` keeps the rows already stored and runs only the missing seeds, so a reviewer who re-evaluated the
run's own code on 4 seeds, then changed the model and asked for 6 with ``--accept-changed-model``, gets candidates
whose means average 4 rows of one model and 2 of another. Before, ``l2l show`` (and ``l2l reevaluate``, ``compare``,
``report``) said of them "their means measure that code, not the model that chose the candidates": wrong for
every candidate ranked.
"""

from __future__ import annotations

from pathlib import Path

import h5py

import l2l
import l2l.reevaluate
from l2l.model_changes import changed_model_line

DIGEST = "cd" * 32


def bowl(params, seed):
    return float(params["x"] ** 2)


def test_a_mean_of_two_codes_is_said_to_measure_neither(tmp_path, l2l_here):
    config = {"run": {"seed": 2, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "python", "optimizer": {"name": "random", "population_size": 3},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / "run.h5", simulator=bowl, progress=False))
    l2l.reevaluate.reevaluate(path, top=2, seeds=3, simulator=bowl, progress=False)
    rows = l2l.load(path, reevaluations=True)
    with h5py.File(path, "r+") as f:  # as --accept-changed-model records the rows of the third seed
        model = f["reevaluations/model"][:]
        model[(rows["repeat"] == 2).to_numpy()] = DIGEST.encode()
        f["reevaluations/model"][:] = model
    assert l2l.validate(path) == []
    shown = l2l_here("show", path, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    note = [line for line in shown.stdout.splitlines() if line.startswith("note: ")]
    assert len(note) == 1, shown.stdout
    assert note[0].startswith("note: 2 of the 6 re-evaluations (2 candidates) ran model code other than the run's")
    assert "the means of 2 of them mix those rows with 4 of the run's code, so they measure neither" in note[0]
    assert "their means measure that code" not in note[0]  # was said of these mixed means

    # a candidate whose every row ran the changed code: its mean is that code's, as before
    rows = l2l.load(path, reevaluations=True)
    alone = rows[rows["individual"] == rows["individual"].iloc[0]].assign(model=DIGEST)
    assert changed_model_line(alone).endswith("their means measure that code, not the model that chose the candidates")
