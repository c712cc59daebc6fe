"""Population-based training over a space with a categorical parameter: plots and report."""

from __future__ import annotations

import l2l
from l2l.cli import main


def test_schedules_and_report_of_a_pbt_run_with_a_categorical_parameter(tmp_path):
    config = l2l.from_mapping({
        "run": {"name": "choice", "seed": 2},
        "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True},
                  "schedule": {"type": "categorical", "choices": ["fast", "slow"]}},
        "optimizer": {"name": "random"},
        "simulator": {"name": "python", "function": "choice_models:sgd_with_a_choice",
                      "multi_fidelity": {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 40}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 4, "interval": 10, "explore": "resample"},
        "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "c.h5")
    assert set(l2l.lineage(path)["schedule"]) == {"fast", "slow"}  # both choices are in some learner's history
    from l2l.plot import figures
    figure = figures.schedules(path)
    axis = next(ax for ax in figure.axes if ax.get_ylabel() == "schedule (choice)")
    assert [t.get_text() for t in axis.get_yticklabels()] == ["fast", "slow"]
    assert main(["plot", str(path), "--kind", "schedules", "-o", str(tmp_path / "s.png")]) == 0
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 0
    assert (tmp_path / "r.html").stat().st_size > 10_000
