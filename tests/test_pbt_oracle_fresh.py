"""benchmarks/pbt.py --fresh-seeds: the stored oracle's picks trained again on seeds no selection saw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from module_files import module_from_file

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
STORED = BENCH / "results" / "pbt_oracle.json"


@pytest.fixture(scope="module")
def pbt():
    yield module_from_file("bench_pbt_oracle_fresh", BENCH / "pbt.py", register=True)  # dataclasses look it up
    sys.modules.pop("bench_pbt_oracle_fresh", None)


def test_the_stored_picks_give_the_stored_figures_on_the_selection_seeds(pbt):
    # the constant and the schedules --fresh-seeds rebuilds from the stored file are the ones --oracle scored:
    # on the oracle's own seeds they give its figures again, so on fresh seeds only the seeds differ
    stored = json.loads(STORED.read_text())["results"]["noisy-sgd"]
    task = next(t for t in pbt.tasks(False) if t.name == "noisy-sgd")
    again = pbt.oracle_fresh(task, stored, stored["seeds"])
    assert again["constant"]["fresh"]["mean"] == pytest.approx(stored["best_constant_quality"], abs=1e-9)
    assert set(again["falling"]) == set(stored["falling"])
    constant = again["constant"]["fresh"]["per_seed"]
    for label, value in stored["falling"].items():
        column = again["falling"][label]
        assert column["fresh"]["mean"] == pytest.approx(value, abs=1e-9)
        assert column["difference"]["per_seed"] == pytest.approx(
            [s - c for s, c in zip(column["fresh"]["per_seed"], constant)], abs=2e-5)
        assert column["better_in"] == sum(d < 0 for d in column["difference"]["per_seed"])  # a loss: lower


def test_a_file_that_is_no_oracle_is_one_line_and_exit_2(tmp_path):
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"benchmark": "pbt", "results": {}}) + "\n")
    done = subprocess.run([sys.executable, str(BENCH / "pbt.py"), "--fresh-seeds", "--oracle-file", str(other)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"l2l: error: {other} is not the output of benchmarks/pbt.py --oracle"]
    assert done.stdout == ""
