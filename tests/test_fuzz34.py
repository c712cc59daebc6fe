"""Defects the fuzzers (scripts/fuzz_*.py) found on session 33's code, with session 34's seeds and cases.

* ``l2l.lineage(path, members=..., curves=...)`` took its arguments unchecked: ``members=3`` ended in Python's
  "'int' object is not iterable", ``members=['a']`` or ``[None]`` in "'>=' not supported between ...", a trial the
  run does not have (``[999]``, ``[-1]``, ``[1.5]``) gave an empty frame without a word, ``[True]`` was trial 1,
  and ``curves='no'`` (or 3, None, NaN) gave the curves. Now one line each: ArgumentError for a value of the wrong
  type, TrajectoryError naming the trials the run has (as ``l2l.checkpoint(trial=)`` does)
  (scripts/fuzz_cli30.py's session 34 lineage cases).
* ``run.inherit`` given as a number the simulator does not train to was rounded without a word: 0.5 or 1e-300 of
  an integer fidelity trained 1 epoch a generation, 2.5 trained 2 (``round``), 0.25 below a continuous fidelity's
  least budget 0.5 trained 0.5; now refused in one line before the run starts, a stored run resumes as it ran
  (fuzz_cli30's inherit=1e-300, fuzz_python_api new34's run(run.inherit=3.5)).
* ``[backend] lifetime = "00:00:00"`` (or "0") of ``slurm`` was taken: Dask reads a lifetime of 0 as none, so the
  worker jobs stayed until SLURM killed them at walltime; now refused as the config is read (fuzz_cli30's slurm
  lifetime cases).
"""
from __future__ import annotations

import numpy as np
import pytest

import l2l
from l2l.errors import ArgumentError, ConfigError, TrajectoryError
from l2l.simulators import SimulationResult


def _learner(params, seed, budget, checkpoint=None):
    done = 0 if checkpoint is None else int(checkpoint["epoch"])
    loss = 1.0 if checkpoint is None else float(checkpoint["loss"])
    curve = []
    for epoch in range(done + 1, int(budget) + 1):
        loss *= 1 - float(params["lr"])
        curve.append([epoch, loss])
    return SimulationResult(objectives={"loss": loss}, curve={"loss": curve},
                            checkpoint={"epoch": int(budget), "loss": loss})


@pytest.fixture(scope="module")
def pbt(tmp_path_factory):
    config = {"run": {"name": "pbt", "seed": 1, "compute": 32},
              "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True}},
              "optimizer": {"name": "random"},
              "policy": {"name": "pbt", "population": 4, "interval": 2},
              "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 8}},
              "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}}
    return l2l.run(config, tmp_path_factory.mktemp("pbt") / "pbt.h5", simulator=_learner, progress=False)


@pytest.mark.parametrize("members", [3, 1.5, "1", b"1", {1: 2}, object(), ["a"], [None], [1.5], [True],
                                     [float("nan")], [[0]]])
def test_lineage_refuses_members_that_are_no_list_of_trial_numbers_in_one_line(pbt, members):
    with pytest.raises(ArgumentError, match=r"^members must be a list of trial numbers .*, got ") as caught:
        l2l.lineage(pbt, members=members)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("members", [[999], [-1], [0, 10 ** 30]])
def test_lineage_refuses_a_trial_the_run_lacks_naming_its_trials(pbt, members):
    trials = l2l.load(pbt, segments=True)["trial"]
    with pytest.raises(TrajectoryError, match=rf"no trial {members[-1]}: its trials are numbered "
                                              rf"{trials.min()} to {trials.max()}$"):
        l2l.lineage(pbt, members=members)


@pytest.mark.parametrize("curves", ["no", 3, None, [1], float("nan")])
def test_lineage_refuses_curves_that_is_neither_true_nor_false(pbt, curves):
    with pytest.raises(ArgumentError, match="^curves must be True or False, got "):
        l2l.lineage(pbt, curves=curves)


def test_lineage_still_takes_lists_tuples_arrays_and_numpy_trial_numbers(pbt):
    whole = l2l.lineage(pbt)
    member = int(whole["member"].iloc[0])
    for members in ([member], (member,), np.array([member]), [np.int64(member)], range(member, member + 1)):
        assert l2l.lineage(pbt, members=members).equals(whole[whole["member"] == member].reset_index(drop=True))
    assert len(l2l.lineage(pbt, members=[])) == 0
    assert len(l2l.lineage(pbt, curves=np.bool_(True))) >= len(whole)


def _inheriting(inherit, **fidelity):
    return l2l.from_mapping({
        "run": {"name": "inherit", "seed": 1, "generations": 3, "inherit": inherit},
        "space": {"lr": {"type": "float", "low": 0.01, "high": 0.5, "log": True}},
        "optimizer": {"name": "random", "population_size": 2},
        "simulator": {"name": "python", "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 9,
                                                           **fidelity}},
        "objectives": [{"name": "loss", "direction": "minimize"}], "backend": {"name": "serial"}})


@pytest.mark.parametrize("inherit", [0.5, 1e-300, 2.5])
def test_inherit_refuses_a_fraction_of_whole_epochs_before_the_run_starts(tmp_path, inherit):
    """run.inherit = 0.5 (or 1e-300) of an integer fidelity trained 1 epoch a generation, 2.5 trained 2, unsaid."""
    with pytest.raises(ConfigError, match=r"^run.inherit = \S+ epochs a generation is no budget the simulator "
                                          r"trains to: its epochs are whole numbers from 1; give a whole number "
                                          r"from 1 to 9, or true") as caught:
        l2l.run(_inheriting(inherit), tmp_path / "i.h5", simulator=_learner, progress=False)
    assert "\n" not in str(caught.value) and not (tmp_path / "i.h5").exists()


def test_inherit_refuses_less_than_a_continuous_fidelitys_least_budget(tmp_path):
    with pytest.raises(ConfigError, match=r"^run.inherit = 0.25 epochs .*: its least budget is 0.5 epochs; give "
                                          r"a number from 0.5 to 9, or true"):
        l2l.run(_inheriting(0.25, minimum=0.5, integer=False), tmp_path / "i.h5", simulator=_learner,
                progress=False)


def test_inherit_still_takes_whole_epochs_written_as_floats_and_true(tmp_path):
    for inherit in (3.0, 2, True):
        path = l2l.run(_inheriting(inherit), tmp_path / f"i{inherit}.h5", simulator=_learner, progress=False)
        assert sorted(set(l2l.load(path, segments=True)["budget"])) == ([2.0, 4.0, 6.0] if inherit == 2
                                                                         else [3.0, 6.0, 9.0])


@pytest.mark.parametrize("lifetime", ["00:00:00", "0", "0-0"])
def test_slurm_refuses_a_worker_lifetime_of_no_time(lifetime):
    """Dask reads a lifetime of 0 as none: the worker jobs stayed until SLURM killed them at walltime, the evaluations
    they held lost, what lifetime is there to avoid (l2l run --dry-run said the config was valid)."""
    from l2l.jobs import BACKENDS

    with pytest.raises(ConfigError, match=rf"^backend 'slurm': lifetime '{lifetime}' is no time to work: give the "
                                          r"worker jobs' lifetime below walltime '01:00:00', or leave it out"):
        BACKENDS.create("slurm", {"walltime": "01:00:00", "lifetime": lifetime})
    assert BACKENDS.create("slurm", {"walltime": "01:00:00", "lifetime": "00:30:00"})._lifetime == 1800
