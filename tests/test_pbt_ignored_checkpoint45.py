"""A PBT learner that ignores the checkpoint it is given (trains from scratch again on every continuation, the
porter's mistake of a Ray Tune function that never calls ``train.get_checkpoint()``) ends the run at its first
continued segment, in one line with the reason, exit status 2 from the command line, the segments done kept and
``l2l resume`` going on once the function is fixed. Before, every continuation failed with that reason until
``run.compute`` was spent (14 of 20 segments of a 6-member run here) and the run ended with exit status 1."""

from __future__ import annotations

import pytest

import l2l
from l2l.errors import ConfigError


def _config() -> dict:
    return {"run": {"name": "ignored", "seed": 1},
            "space": {"lr": {"type": "float", "low": 1e-3, "high": 1.0, "log": True}},
            "policy": {"name": "pbt", "population": 6, "interval": 4},
            "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 20}},
            "objectives": [{"name": "acc", "direction": "maximize"}],
            "backend": {"name": "serial"}}


def _train(params, seed, budget, checkpoint=None, ignore=True):
    start = 0 if checkpoint is None or ignore else int(checkpoint["epoch"])
    value = 1.0 - abs(params["lr"] - 0.1) / (1 + start)
    curve = [[epoch, value - 1 / (epoch + 1)] for epoch in range(start + 1, int(budget) + 1)]
    return l2l.SimulationResult(objectives={"acc": curve[-1][1]}, curve={"acc": curve},
                                checkpoint={"epoch": int(budget)})


def test_a_learner_that_ignores_its_checkpoint_ends_the_run_at_the_first_continuation(tmp_path):
    path = tmp_path / "ignored.h5"
    with pytest.raises(ConfigError) as caught:
        l2l.run(_config(), str(path), simulator=_train)
    message = str(caught.value)
    assert "not past the budget 4 of the checkpoint this segment continued from" in message
    assert "every segment would fail the same way" in message and "\n" not in message
    segments = l2l.load(str(path), segments=True)
    assert (segments["status"] == "failed").sum() == 1  # was 14 of 20, the compute spent on failures
    assert (segments["status"] == "ok").sum() == 6  # the population's first interval, kept


def test_the_run_goes_on_once_the_function_continues(tmp_path):
    path = tmp_path / "ignored.h5"
    with pytest.raises(ConfigError):
        l2l.run(_config(), str(path), simulator=_train)
    l2l.resume(str(path), simulator=lambda *a, **k: _train(*a, **k, ignore=False))
    rows = l2l.load(str(path))
    assert (rows["state"] == "completed").sum() == 6 and rows.loc[rows["state"] == "completed", "budget"].eq(20).all()
