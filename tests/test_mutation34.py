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


# -- what a run's closing lines and l2l submit say ---------------------------------------------------------


def test_a_policy_run_max_time_cut_short_is_told_to_resume_with_twice_the_time():
    from l2l.summary.text import cut_short_line

    summary = SimpleNamespace(cut_short=("run.max_time (1.5 s)", "--max-time"), max_time=1.5, simulator={})
    line = cut_short_line(summary, "run.h5")
    assert line.endswith("resume with a larger --max-time: l2l resume run.h5 --max-time 3"), line
    summary.simulator = {"callable": True}
    assert cut_short_line(summary, "run.h5").endswith("l2l.resume('run.h5', simulator=function, max_time=3)")


def test_an_exception_group_of_four_is_given_whole_without_a_mark_of_more():
    from l2l.jobs.base import MESSAGE_LINES, _in_one_line

    assert MESSAGE_LINES == 4
    four = ExceptionGroup("four failed", [ValueError(f"bad {i}") for i in range(4)])
    assert _in_one_line(four) == ("ExceptionGroup: four failed (4 sub-exceptions): ValueError: bad 0; ValueError: "
                                  "bad 1; ValueError: bad 2; ValueError: bad 3\n")
    five = ExceptionGroup("five failed", [ValueError(f"bad {i}") for i in range(5)])
    assert _in_one_line(five).endswith("ValueError: bad 3 …\n")


def test_submit_goes_ahead_where_sbatch_test_only_gives_no_answer():
    from l2l.commands.slurm import _backend_refusal
    from l2l.jobs.slurm_common import SlurmError

    def answers(returncode: int):
        def check(simulator):
            raise SlurmError(["sbatch", "--test-only"], returncode, "", "sbatch: error: invalid partition specified")
        return SimpleNamespace(executor=SimpleNamespace(pre_run_checks=check), simulator=None)

    for silent in (127, -9):  # sbatch missing here, or killed past its timeout: the submission's own sbatch says
        assert _backend_refusal(answers(silent)) is None
    refused = _backend_refusal(answers(1))
    assert isinstance(refused, ConfigError) and str(refused).endswith("; nothing was submitted")


# -- l2l/driver_failures.py ------------------------------------------------------------------------------


def test_failures_after_a_success_of_an_earlier_session_never_stop_the_run():
    from l2l.driver_failures import FailureWatch

    watch = FailureWatch(lambda: 3, "evaluation")
    for _ in range(5):  # a resumed run whose earlier session had a success: a region of the space that fails
        watch.saw("failed", "Traceback ...\nValueError: x out of range\n", ever_succeeded=True)
    assert not watch.due
    fresh = FailureWatch(lambda: 3, "evaluation")
    for _ in range(3):
        fresh.saw("failed", "Traceback ...\nValueError: x out of range\n", ever_succeeded=False)
    assert fresh.due


# -- l2l/results_schema/lock.py: resume of a file that is gone ---------------------------------------------


def _lock_of(path, pid: int, host: str) -> None:
    import json

    from l2l.results_schema.lock import lock_path

    lock_path(path).write_text(json.dumps({"pid": pid, "host": host, "since": "2026-12-06T16:00:00Z"}) + "\n")


def _resume_error(path, capsys) -> str:
    from l2l.cli import main

    assert main(["resume", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_resume_of_a_removed_file_whose_writer_is_on_another_host_does_not_call_it_killed(tmp_path, capsys):
    path = tmp_path / "run.h5"
    _lock_of(path, 4242, "another-node-of-the-cluster")  # a run on a compute node may still be writing it
    err = _resume_error(path, capsys)
    assert err == (f"l2l: error: {path}: no such file; its writer's lock names pid 4242 on "
                   f"another-node-of-the-cluster, since 2026-12-06T16:00:00Z, which this host cannot check")


def test_resume_of_a_removed_file_says_a_command_that_pastes_for_a_path_with_a_blank(tmp_path, capsys):
    import socket
    import subprocess
    import sys

    path = tmp_path / "my run.h5"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lock_of(path, dead.pid, socket.gethostname())
    err = _resume_error(path, capsys)
    assert err.endswith(f"start it again (l2l run CONFIG --out '{path}')"), err


# -- l2l/jobs/dask_worker.py and the slurm worker jobs with dashboard = false ----------------------------------


class _Counts:
    """A simulator that counts its evaluations (the run's simulator on a shared Dask worker)."""

    name = "counts"

    def __init__(self) -> None:
        self.calls = 0
        self.ended_in: list = []

    def run(self, params, seed):
        self.calls += 1
        return 0.0

    def end_programs(self, run_dir) -> None:
        self.ended_in.append(run_dir)


def test_a_chunk_on_a_shared_worker_starts_no_evaluation_once_its_run_has_ended(monkeypatch):
    import pickle

    from l2l.jobs import dask_worker
    from l2l.jobs.base import Settings, Task
    from l2l.simulators.base import Simulator

    simulator = type("Counts", (_Counts, Simulator), {})()
    worker = SimpleNamespace(plugins={"l2l-run": dask_worker.SimulatorPlugin(simulator, "l2l-run")})
    monkeypatch.setattr(dask_worker, "get_worker", lambda: worker)
    tasks = pickle.dumps([Task(0, i, i, {"x": 0.1}) for i in range(3)])
    settings = Settings(objectives=("value",))
    assert len(pickle.loads(dask_worker.run_chunk(tasks, "l2l-run", settings))) == 3 and simulator.calls == 3
    dask_worker.end_run("l2l-run", "/runs/a.work", dask_worker=worker)  # run.target reached: the run ended
    assert pickle.loads(dask_worker.run_chunk(tasks, "l2l-run", settings)) == []
    assert simulator.calls == 3 and simulator.ended_in == ["/runs/a.work"]


def test_a_slurm_run_with_dashboard_false_checks_and_submits_pageless_worker_jobs(tmp_path, monkeypatch):
    from l2l.jobs import slurm

    checked: list[str] = []
    monkeypatch.setattr(slurm, "check_with_test_only", lambda script, options, jobs: checked.append(script))
    executor = slurm.SlurmExecutor(walltime="00:05:00", dashboard=False)
    executor._run_dir = str(tmp_path / "run.work")
    executor.check_submission()  # before: TypeError, the scheduler's class given to the job's script
    [script] = checked
    assert "--no-dashboard --worker-class l2l.jobs.dask_worker.PagelessWorker" in script
