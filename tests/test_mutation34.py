"""Behaviours a hand-made mutation of the product (session 34) changed without any test failing.

Round 5 of tests/test_mutation30.py to tests/test_mutation33.py (in progress: the table of mutations follows).
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from l2l.errors import ConfigError


# -- l2l/numbers.py ---------------------------------------------------------------------------------


def test_a_value_of_six_whole_digits_and_a_fraction_keeps_its_zeros():
    from l2l.numbers import compute, number

    # no decimal point is left at six digits and more: trailing zeros of the whole part are digits, not padding
    assert number(100000.4) == "100000"
    assert number(-2500000.3) == "-2500000"
    assert number(100000.4, grouped=True) == "100,000"
    assert compute(1000000.25) == "1000000"
    assert number(0.00012) == "0.00012" and number(1.5) == "1.5"  # (zeros after the point still dropped)


# -- l2l/outcomes.py: NEST's name errors ----------------------------------------------------------------


def test_a_nest_parameter_typo_that_is_no_space_parameter_is_not_called_one():
    from l2l.jobs.base import FAILED, Outcome
    from l2l.outcomes import refuse_nest_name_errors

    error = ("Traceback (most recent call last):\nNESTErrors.UnaccessedDictionaryEntry: Unaccessed elements in "
             "params, in function NodeManager::set_status:  V_tresh\n")
    with pytest.raises(ConfigError) as refused:
        refuse_nest_name_errors([Outcome(0, i, i, FAILED, error=error) for i in range(2)],
                                SimpleNamespace(path="run.h5"), names=["tau_mem", "g"])
    message = str(refused.value)
    assert "set_status: V_tresh" in message and "a parameter NEST's model or call does not take" in message
    assert "of the run's space" not in message, message  # V_tresh is the model's own typo, in no [space]


# -- l2l/jobs/slurm.py: the worker jobs' lifetime ---------------------------------------------------------


class _Cancellable:
    """A future's stand-in: cancelled as the evaluation is taken from Dask."""

    def cancel(self) -> None:
        pass


class _Key:
    """A task's state on the scheduler (a WorkerState's ``executing`` key)."""

    def __init__(self, key: str) -> None:
        self.key = key


def _lifetime_executor(lifetime: int = 600, stagger: int = 0):
    from l2l.jobs.slurm import SlurmExecutor

    executor = SlurmExecutor(walltime="02:00:00", lifetime="00:10:00", lifetime_stagger="00:00:00", chunk_size=2)
    executor._lifetime, executor._stagger = lifetime, stagger
    executor._chunks, executor._outlived, executor._lost_lock = {"k": None}, {}, threading.Lock()
    return executor


def test_a_retirement_counts_for_an_evaluation_taken_up_within_5_percent_of_the_workers_life_only():
    executor = _lifetime_executor(600)  # 5 % of 600 s: 30 s
    executor._retired({"k": 560.0}, age=600.0)  # taken up 40 s into the worker's life: may fit a fresh one
    assert executor._outlived == {}
    executor._retired({"k": 575.0}, age=600.0)  # 25 s in: it had the worker's whole life, less the slack
    assert executor._outlived == {"k": [575.0]}
    short = _lifetime_executor(60)  # 5 % of 60 s is 3 s: 5 s at least
    short._retired({"k": 54.0}, age=60.0)
    short._retired({"k": 56.0}, age=60.0)
    assert short._outlived == {"k": [56.0]}


def test_a_chunk_of_two_outlived_twice_is_sent_again_as_two_chunks_of_one():
    from l2l.jobs.base import Task

    executor = _lifetime_executor(600)
    first, second = Task(0, 0, 7, {"x": 0.1}), Task(0, 1, 8, {"x": 0.2})
    future = _Cancellable()
    executor._chunks, executor._by_key, executor._futures = {"k": [first, second]}, {"k": future}, {future}
    executor._isolated, executor._lost, executor._reruns, executor._pending = None, {}, {}, 2
    executor._outlived = {"k": [598.0, 599.0]}
    sent = []
    executor._submit_chunks = lambda chunks: sent.extend(chunks) or []
    assert executor._give_up_outlived() == []  # neither failed yet: each may fit a worker's life alone
    assert sent == [[first], [second]]
    assert {key: runs for key, (task, runs) in executor._reruns.items()} == {id(first): 2, id(second): 2}
    assert executor._pending == 2


def test_a_run_timeout_above_the_shortest_staggered_lifetime_is_warned_of(capsys):
    from l2l.jobs.slurm import SlurmExecutor

    SlurmExecutor(walltime="00:01:00")._warn_timeout(28.0)  # lifetime 30 s ± 3 s: some workers retire at 27 s
    assert capsys.readouterr().err.startswith("l2l: warning: backend 'slurm': run.timeout = 28 s is not below the "
                                              "worker jobs' lifetime (walltime 00:01:00 less the retire margin: "
                                              "30 s ± 3 s)")


def _retirements(workers: dict):
    from l2l.jobs.slurm import retirements_plugin

    scheduler = SimpleNamespace(workers=workers)
    handed: list = []
    plugin = retirements_plugin()(scheduler, lambda executing, age=None: handed.append((executing, age)))
    return scheduler, plugin, handed


def _executing(seconds: float):
    return SimpleNamespace(executing={_Key("k"): seconds})


def _removed(worker: str, expected: bool = True, stimulus: str = "worker-close-gracefully-1733"):
    return {"action": "remove-worker", "worker": worker, "expected": expected, "stimulus_id": stimulus}


def test_only_a_worker_retiring_for_its_lifetime_hands_its_evaluations_over():
    scheduler, plugin, handed = _retirements({"tcp://a:1": _executing(590.0), "tcp://b:1": _executing(590.0),
                                              "tcp://c:1": _executing(590.0)})
    plugin.log_event("all", _removed("tcp://a:1", expected=False))  # its job died (killed, out of memory)
    plugin.log_event("all", _removed("tcp://b:1", stimulus="retire-workers-1733"))  # the scaler's scale-down
    assert handed == []  # Dask's own retries of a lost worker: no lifetime to blame
    plugin.log_event("all", _removed("tcp://c:1"))
    assert [executing for executing, _ in handed] == [{"k": 590.0}]


def test_a_worker_that_joined_later_hands_over_its_age():
    scheduler, plugin, handed = _retirements({})
    scheduler.workers["tcp://d:1"] = _executing(590.0)
    plugin.add_worker(scheduler, "tcp://d:1")
    plugin.log_event("all", _removed("tcp://d:1"))
    [(executing, age)] = handed
    assert executing == {"k": 590.0} and age is not None and 0 <= age < 60  # None: counted whatever its age


# -- l2l/components.py: a function passed again ------------------------------------------------------------


def _plain(params, seed):
    return {"value": (params["x"] - 0.2) ** 2}


def test_a_run_of_a_function_resumes_with_the_function_passed_again(tmp_path):
    import l2l

    config = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"type": "float", "low": 0.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "python"},
              "objectives": [{"name": "value", "direction": "minimize"}], "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "run.h5", simulator=_plain, progress=False)
    l2l.resume(path, simulator=_plain, generations=2, progress=False)  # its stored config says callable = true
    assert len(l2l.load(path)) == 4


# -- l2l/policies/pbt_shapes.py ---------------------------------------------------------------------------


def _watch():
    from l2l.policies.pbt_shapes import ShapeWatch

    said: list[str] = []
    return ShapeWatch((), said.append), said


def test_pbt_takes_a_width_for_the_checkpoints_only_where_every_member_from_scratch_had_it():
    import numpy as np

    watch, said = _watch()
    watch.scratch({"hidden": 8, "repeats": 3}, {"w": np.zeros((8, 3))}, 0)  # 3 = repeats here by chance
    watch.scratch({"hidden": 16, "repeats": 5}, {"w": np.zeros((16, 3))}, 1)  # not here: repeats shapes nothing
    watch.continued(2, 1, {"hidden": 16, "repeats": 4}, {"w": np.zeros((16, 3))})
    assert said == []  # before: 'pbt explored 'repeats' ... give [policy] keep = ["repeats"]', a false alarm
    watch.continued(3, 1, {"hidden": 12, "repeats": 5}, {"w": np.zeros((16, 3))})
    assert len(said) == 1 and said[0].startswith("l2l: warning: pbt explored 'hidden' (trial 3 was given hidden = 12)")


def test_pbt_does_not_warn_of_a_width_whose_axis_follows_another_parameter_equal_to_it_from_scratch():
    import numpy as np

    watch, said = _watch()
    for trial, width in enumerate((8, 16)):  # in and out widths equal in every member trained from scratch
        watch.scratch({"width_in": width, "width_out": width}, {"w": np.zeros((width, 2))}, trial)
    watch.continued(2, 1, {"width_in": 12, "width_out": 16}, {"w": np.zeros((16, 2))})  # the axis is width_out's
    assert said == []
    watch.continued(3, 1, {"width_in": 12, "width_out": 10}, {"w": np.zeros((16, 2))})  # neither: the donor's
    assert len(said) == 1 and "pbt explored 'width_in'" in said[0]
