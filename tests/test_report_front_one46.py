"""``l2l report`` of a run whose front is one candidate says '1 non-dominated candidate' (was 'candidates')."""

import l2l
from l2l.analysis.report import report


def _err_acc(params, seed):
    err = float((params["gain"] - 1.0) ** 2)
    return {"err": err, "acc": 1.0 - err}


def test_a_front_of_one_is_one_candidate(tmp_path):
    config = {"run": {"name": "one", "seed": 1, "generations": 2}, "space": {"gain": {"low": 0.0, "high": 3.0}},
              "simulator": "python", "optimizer": {"name": "ga", "population_size": 4, "weights": [1.0, 1.0]},
              "objectives": [{"name": "err", "direction": "minimize"}, {"name": "acc", "direction": "maximize"}],
              "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "one.h5", simulator=_err_acc, progress=False)
    text = open(report(path, tmp_path / "one.html"), encoding="utf-8").read()
    assert "Pareto front over err, acc: 1 non-dominated candidate (" in text
