"""Two small follow-ups of session 29.

Each re-evaluation row records the node it ran on (``/reevaluations/host``, an optional column: groups written
before it stay readable and valid, and gain it at the next ``l2l reevaluate``); ``l2l show``'s hosts line, ``l2l
export --provenance`` and the report's provenance table say where the re-evaluations ran. Before, a re-evaluation
recorded no host at all.

``l2l checkpoint FILE -o OUT.npz`` joins nested keys with '/': a checkpoint holding a key ``"a/b"`` and a nested
``{"a": {"b": ...}}`` wrote one of them only (the other silently lost); the later is now ``a/b (2)``, said in a
line. Entries named ``file`` or ``allow_pickle`` (numpy.savez's own arguments) are written too.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import l2l
from l2l.cli import main
from l2l.reevaluate import reevaluate

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from test_ckptcli29 import config  # noqa: E402
from test_compat27 import _copy  # noqa: E402
from test_reevaluate import _run  # noqa: E402


def _show_hosts(capsys, path) -> str:
    assert main(["show", str(path)]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("hosts ")]
    return lines[0] if lines else ""


def test_each_reevaluation_records_its_node_and_show_export_and_report_say_so(tmp_path, capsys, monkeypatch):
    path = _run(tmp_path)
    monkeypatch.setenv("SLURMD_NODENAME", "node-a")  # what a SLURM job's evaluation sees (l2l.jobs.base.node_name)
    reevaluate(path, 2, 2)
    rows = l2l.load(path, reevaluations=True)
    assert rows["host"].tolist() == ["node-a"] * 4
    assert l2l.validate(path) == []
    assert _show_hosts(capsys, path).endswith("; re-evaluations on node-a (4)")
    assert main(["export", str(path), "-o", str(tmp_path / "rows.csv"), "--provenance", "--reevaluations"]) == 0
    record = json.loads((tmp_path / "rows.provenance.json").read_text())
    assert record["reevaluations"]["hosts"] == {"node-a": 4} and "hosts_not_recorded" not in record["reevaluations"]
    from l2l.analysis.report import _provenance  # the report's provenance table (its figures cost seconds)
    from l2l.plot.data import RunData
    from l2l.reevaluate import ranking
    from l2l.results_schema.reader import Trajectory
    from l2l.summary import summarize

    with Trajectory(path) as trajectory:
        table = _provenance(RunData.from_trajectory(trajectory), summarize(trajectory), ranking(trajectory))
    assert "; re-evaluations on node-a (4)</td>" in table


def test_a_group_without_the_host_column_stays_valid_and_gains_it_at_the_next_reevaluation(tmp_path, capsys,
                                                                                         monkeypatch):
    old = _copy("7ce11fa_traces", tmp_path)  # written by the l2l of 7ce11fa, re-evaluated then
    assert l2l.validate(old) == [] and l2l.load(old, reevaluations=True)["host"].isna().all()
    assert "re-evaluations" not in _show_hosts(capsys, old)
    path = _run(tmp_path)
    reevaluate(path, 2, 2)
    with h5py.File(path, "a") as f:  # as an l2l before the column wrote it
        del f["reevaluations/host"]
    assert l2l.validate(path) == [] and l2l.load(path, reevaluations=True)["host"].isna().all()
    monkeypatch.setenv("SLURMD_NODENAME", "node-b")
    reevaluate(path, 2, 3)
    rows = l2l.load(path, reevaluations=True)
    assert rows.fillna({"host": "-"}).groupby("repeat")["host"].apply(list).to_dict() == {
        0: ["-", "-"], 1: ["-", "-"], 2: ["node-b", "node-b"]}
    assert l2l.validate(path) == []
    assert _show_hosts(capsys, path).endswith("; re-evaluations on node-b (2) (4 rows without a host: written by an "
                                              "l2l before 6 December 2026, or their worker died)")


def test_validate_reports_a_host_column_of_another_type(tmp_path):
    path = _run(tmp_path)
    reevaluate(path, 1, 2)
    with h5py.File(path, "a") as f:
        del f["reevaluations/host"]
        f["reevaluations"].create_dataset("host", data=np.zeros(2, dtype="<i8"), maxshape=(None,))
    assert l2l.validate(path) == ["/reevaluations/host has dtype int64 and shape (2,), spec says |S64 (n,)"]


def clashing(params, seed, budget, checkpoint=None):
    """A training function whose checkpoint has a key 'a/b' and a nested a -> b, and keys numpy.savez takes."""
    step = 0 if checkpoint is None else int(checkpoint["step"])
    return l2l.SimulationResult(objectives={"loss": params["lr"] / budget},
                                checkpoint={"a/b": np.array([1.0]), "a": {"b": np.array([2.0]), "c": None},
                                            "file": np.array(3), "allow_pickle": np.array(4),
                                            "step": np.array(step + int(budget))})


@pytest.fixture(scope="module")
def clashed(tmp_path_factory):
    run = config(0)
    run["policy"] = {"name": "pbt", "population": 2, "interval": 2}
    run["simulator"]["multi_fidelity"]["maximum"] = 4
    return l2l.run(run, tmp_path_factory.mktemp("smalls29") / "r.h5", simulator=clashing, progress=False)


def test_checkpoint_entries_that_join_to_one_name_are_all_written(clashed, capsys, tmp_path):
    out = tmp_path / "m.npz"
    assert main(["checkpoint", str(clashed), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    with np.load(out, allow_pickle=False) as saved:
        assert sorted(saved.files) == ["a/b", "a/b (2)", "allow_pickle", "file", "step"]  # a/c: None, listed
        assert float(saved["a/b"][0]) == 1.0 and float(saved["a/b (2)"][0]) == 2.0  # one was lost
        assert int(saved["file"]) == 3 and int(saved["allow_pickle"]) == 4  # TypeError / taken as savez's option
    assert "the entry checkpoint['a']['b'] is named 'a/b (2)': 'a/b' is an entry before it" in printed
    assert main(["checkpoint", str(clashed)]) == 0  # the listing names both
    listed = [line.split("  ")[0].strip() for line in capsys.readouterr().out.splitlines()[1:]]
    assert {"a/b", "a/b (2)", "a/c"} <= set(listed)
