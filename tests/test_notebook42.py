"""A data scientist's notebook (session 42): a run interrupted before its first evaluation finished, then its cell
run again, is told how to go on in Python.

Ctrl-C during the first evaluation of a notebook's run (or while a ``local`` cluster starts) leaves a file that holds
nothing computed. Running the cell again was refused with "... (its run ended before any evaluation, e.g. refused by
sbatch); delete it and run again: rm run.h5": a shell command and a SLURM cause, to a Python user whose run was
interrupted. From Python the message now gives ``os.remove('run.h5')`` and names the interrupt; ``l2l run`` keeps
``rm run.h5`` (tests/test_slurm_refused_runs.py).

``l2l.plot.compare`` of two runs that share no objective listed each run by its run name, which a config without
``run.name`` leaves at ``run``: "run: value (minimize); run: loss (minimize)" named neither file. It names them as
the figure's legend does (``run (random) [a.h5]``).

``control.request_stop(reason)`` from a callback with an exception as the reason (``request_stop(exc)``) ended the run
in json's "TypeError: Object of type ValueError is not JSON serializable" where it was to stop; the reason is taken
as text now (``stopped (ValueError: diverged)``).
"""

from __future__ import annotations

import os

import pytest

import l2l
from l2l.errors import TrajectoryError

CONFIG = {"space": {"x": {"low": -1.0, "high": 1.0}}, "simulator": "python",
          "optimizer": {"name": "random", "population_size": 2}, "run": {"generations": 1}, "backend": "serial"}


def _interrupted(params, seed):  # Ctrl-C while the first evaluation runs (backend serial: in this process)
    raise KeyboardInterrupt


def _bowl(params, seed):
    return float(params["x"] ** 2)


def test_a_cell_run_again_after_an_interrupt_before_any_result_is_told_to_delete_the_file_in_python(tmp_path,
                                                                                                     monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        l2l.run(CONFIG, "run.h5", simulator=_interrupted)
    assert len(l2l.load("run.h5")) == 0
    with pytest.raises(TrajectoryError) as caught:
        l2l.run(CONFIG, "run.h5", simulator=_bowl)
    message = str(caught.value)
    assert "\n" not in message
    assert "holds nothing computed" in message and "interrupted" in message, message
    assert "sbatch); delete it and run again: os.remove('run.h5'), or choose another out=" in message, message
    assert "rm run.h5" not in message, message  # before: the shell's command
    assert os.path.exists("run.h5")  # told, never deleted by l2l
    os.remove("run.h5")  # what it says works
    assert len(l2l.load(l2l.run(CONFIG, "run.h5", simulator=_bowl))) == 2


def test_compare_of_runs_without_a_shared_objective_names_each_file(tmp_path, monkeypatch):
    from l2l import plot

    monkeypatch.chdir(tmp_path)
    l2l.run(CONFIG, "a.h5", simulator=_bowl)
    l2l.run({**CONFIG, "objectives": [{"name": "loss"}]}, "b.h5", simulator=lambda params, seed: {"loss": 1.0})
    with pytest.raises(TrajectoryError) as caught:
        plot.compare(["a.h5", "b.h5"])
    message = str(caught.value)
    assert "\n" not in message
    # before: 'compared: run: value (minimize); run: loss (minimize)'
    assert "[a.h5]: value (minimize); " in message and "[b.h5]: loss (minimize)" in message, message


def test_a_stop_asked_with_an_exception_as_its_reason_stops_the_run_and_says_it(tmp_path, monkeypatch):
    from l2l.summary import summary_of

    monkeypatch.chdir(tmp_path)
    control = l2l.RunControl()
    path = l2l.run({**CONFIG, "run": {"generations": 3}}, "run.h5", simulator=_bowl, control=control,
                   on_generation=lambda info: control.request_stop(ValueError("diverged")))
    # before: TypeError: Object of type ValueError is not JSON serializable, raised by l2l.run
    assert summary_of(path).status_text == "stopped (ValueError: diverged)"
    assert 2 <= len(l2l.load(path)) < 6 and l2l.validate(path) == []
