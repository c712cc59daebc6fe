"""``l2l export --provenance`` of re-evaluations says which rows ran model code other than the run's.

Re-evaluation rows accepted with ``--accept-changed-model`` record that code's sha256 (``/reevaluations/model``,
session 43); the provenance JSON an export writes beside its CSV (for a methods section) said only how many rows
there were, their seeds and hosts, as if every row had run the code its ``sessions`` record.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py

import l2l
import l2l.reevaluate

DIGEST = "cd" * 32


def test_the_provenance_counts_the_rows_of_each_changed_code(tmp_path, l2l_here):
    config = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "simulator": "sphere", "optimizer": {"name": "random", "population_size": 3},
              "backend": {"name": "serial"}}
    path = Path(l2l.run(config, tmp_path / "run.h5", progress=False))
    l2l.reevaluate.reevaluate(path, top=2, seeds=2, progress=False)
    out = l2l_here("export", path, "--reevaluations", "--provenance", "-o", "plain.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "changed_model" not in json.loads((tmp_path / "plain.provenance.json").read_text())["reevaluations"]

    with h5py.File(path, "r+") as f:  # as --accept-changed-model records the rows of changed code
        f["reevaluations/model"][1:4] = DIGEST.encode()
    out = l2l_here("export", path, "--reevaluations", "--provenance", "-o", "changed.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    record = json.loads((tmp_path / "changed.provenance.json").read_text())["reevaluations"]
    assert record["rows"] == 4 and record["changed_model"] == {DIGEST: 3}  # was: no word of it
