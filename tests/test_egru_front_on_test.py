"""scripts/egru_front_on_test.py: a front's candidates re-scored on fresh seeds, with their spread, per seed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from module_files import module_from_file

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "egru_front_on_test.py"


class _InProcess:
    """Stands in for the script's process pool: the fake trainer below runs here, where it is counted."""

    def __init__(self, workers):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, function, jobs):
        return [function(job) for job in jobs]


def test_front_rescored_once_per_distinct_candidate_and_seed_with_se_and_per_seed_values(tmp_path, monkeypatch):
    script = module_from_file("egru_front_on_test", SCRIPT)
    same = {"activity_penalty": 1.5, "theta_init": 0.1, "epsilon": 0.1, "learning_rate": 0.02}
    other = {"activity_penalty": 0.3, "theta_init": 0.4, "epsilon": 0.05, "learning_rate": 0.01}
    # NSGA-II evaluated `same` twice (two front rows, different validation scores); `other` once
    table = pd.DataFrame([{**same, "status": "ok", "test_error": 0.3, "macs_per_step": 300.0, "accuracy": 0.7,
                           "test_activity_sparsity": 0.8},
                          {**same, "status": "ok", "test_error": 0.2, "macs_per_step": 400.0, "accuracy": 0.8,
                           "test_activity_sparsity": 0.7},
                          {**other, "status": "ok", "test_error": 0.9, "macs_per_step": 10.0, "accuracy": 0.1,
                           "test_activity_sparsity": 0.99}])
    trained = []

    def fake_rescore(job):
        _, params, seed = job
        trained.append((params["activity_penalty"], seed))
        accuracy = params["learning_rate"] * 10 + seed / 1000
        return {"accuracy": accuracy, "macs_per_step": 100.0, "silent": 0.5, "live_units": 0.5}

    monkeypatch.setattr(script, "rescore", fake_rescore)
    monkeypatch.setattr(script, "ProcessPoolExecutor", _InProcess)
    monkeypatch.setattr(script.l2l, "load", lambda path: table)
    out = tmp_path / "front.json"
    monkeypatch.setattr(sys, "argv", ["egru_front_on_test.py", "RUN.h5", "--seeds", "200", "201", "202",
                                      "--out", str(out)])
    script.main()
    assert sorted(trained) == sorted((p, s) for p in (1.5, 0.3) for s in (200, 201, 202))
    record = json.loads(out.read_text())
    assert record["seeds"] == [200, 201, 202] and record["run"] == "RUN.h5" and len(record["front"]) == 3
    for row in record["front"]:
        expected = [row["params"]["learning_rate"] * 10 + s / 1000 for s in (200, 201, 202)]
        assert np.allclose(row["per_seed"]["accuracy"], expected)
        assert np.isclose(row["test"]["accuracy"][0], np.mean(expected))
        assert np.isclose(row["se"]["accuracy"], np.std(expected, ddof=1) / np.sqrt(3))
