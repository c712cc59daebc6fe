"""Behaviours a hand-made mutation of the product (session 34) changed without any test failing.

Round 5 of tests/test_mutation30.py to tests/test_mutation33.py, over the files the session-33 product commits
changed (git diff 1a94daf fc147ed -- l2l/): l2l/numbers.py, the slurm backend's worker lifetime (the retirements
plugin, the count, the split chunk, the timeout warning), dashboard = false's pageless scheduler and workers,
the write-back of a removed run file and the lock's note, the NEST name refusal, run.inherit's refusal, the
lineage's seed, the learning curves' FittingTicks and SizedLocator, l2l submit's sbatch --test-only, and a few
files no round had mutated (driver_failures.py, words.py, summary/failures.py, halving.py, space.py,
progress.py). Each mutation was made in a copy of HEAD (git archive) and the tests that exercise the place were
run (-x; the files naming it, SLURM tests left out but for the dashboard ones; the machine at load 15-20). Where a
mutation survived and a user would notice, a test below fails with it and passes without it. 62 mutations in 21
files: 32 caught, 26 survived that a user would notice (each fails one of the 25 new tests below), 4 survived
unseen or equivalent. None revealed a defect (numbers.py's numpy booleans, found meanwhile by review34, were
left out: HEAD changed there).

| place | mutation | caught by / new test / why not noticed |
|---|---|---|
| numbers.py number | trailing zeros stripped without a decimal point (100000.4 as '1') | new test 1 |
| numbers.py compute | whole only below 1e7, not 1e15 | caught by test_numbers33.py |
| numbers.py table_formatters | a score column all, not any, below 0.001 | caught by test_numbers33.py |
| numbers.py number | an int never grouped on an axis | caught by test_numbers33.py |
| numbers.py WHOLE | integer floats whole only below 1e7 | caught by test_numbers33.py |
| numbers.py table_formatters | compute columns not formatted | caught by test_numbers33.py |
| numbers.py number | a fraction's digits not grouped | caught by test_numbers33.py |
| summary/text.py cut_short_line | --max-time suggested as the same time, not twice | new test 11 |
| jobs/slurm.py lifetime_slack | min for max (5 s or 5 %) | caught by test_lead33.py |
| jobs/slurm.py _retired | half of lifetime + stagger, not - | unseen: the age check decides (stagger < lifetime / 3) |
| jobs/slurm.py _retired | slack doubled (taken up 10 % into a life counted) | new test 3 |
| jobs/slurm.py _give_up_outlived | LIFETIME_LOSSES + 1 retirements | caught by test_lifetime33.py |
| jobs/slurm.py _give_up_outlived | a chunk of two failed as one (its second evaluation lost) | new test 4 |
| jobs/slurm.py _warn_timeout | lifetime + stagger, not - stagger | new test 5 |
| jobs/slurm.py _Retirements | an unexpected removal (a job killed) counted | new test 6 |
| jobs/slurm.py _Retirements | a scale-down (not a lifetime's close) counted | new test 6 |
| jobs/slurm.py _Retirements | a worker's arrival not kept (its age None: always counted) | new test 7 |
| jobs/slurm.py _job_kwargs | no --worker-class PagelessWorker | caught by test_lead33.py (SLURM); new test 18 |
| jobs/slurm.py _job_kwargs | the scheduler not made PagelessScheduler | caught by test_lead33.py (SLURM) |
| jobs/slurm.py check_submission | scheduler_cls given to SLURMJob (TypeError, dashboard = false) | new test 18 |
| jobs/slurm.py log_directory | only the folder above checked, not the nearest that exists | caught by test_fuzz33.py |
| jobs/dask_worker.py end_run | a run's end not marked on the shared worker | new test 17 |
| jobs/dask_worker.py PagelessWorker | the worker's HTTP server started | caught by test_leftovers33.py |
| results_schema/writer.py | a replaced file taken as the writer's (device only) | caught by test_persona33a.py |
| results_schema/writer.py _write_back | no seek(0) before the copy | equivalent: HDF5 uses pread/pwrite, offset 0 |
| results_schema/writer.py | a removed file not kept to be written back | caught by test_persona33a.py |
| results_schema/lock.py missing_note | a writer on another host called killed | new test 15 |
| results_schema/lock.py missing_note | the command not quoted (a path with a blank) | new test 16 |
| outcomes.py refuse_nest_name_errors | one of several reasons taken as the only one | caught by test_small33.py |
| outcomes.py refuse_nest_name_errors | a synapse choice ('with name X ...') refused | caught by test_review33.py |
| outcomes.py refuse_nest_name_errors | every unaccessed name called a space parameter | new test 2 |
| outcomes.py refuse_nest_name_errors | all, not any, ok to go on | equivalent: an ok outcome is a second reason |
| components.py _inherit | a function without checkpoint not refused | caught by test_persona33c.py |
| components.py with_function | 'callable' not a known option (resume with a function refused) | new test 8 |
| driver_trials.py | run.inherit's missing checkpoint not ending the run | caught by test_persona33c.py |
| driver_trials.py | a failed PBT segment not watched for a width | caught by test_docsrun33.py |
| policies/pbt_shapes.py failed | any failure blamed on an explored integer | caught by test_review33.py |
| policies/pbt_shapes.py scratch | relations of any member from scratch, not every one | new test 9 |
| policies/pbt_shapes.py continued | an axis following another equal parameter warned of | new test 10 |
| commands/slurm.py _submit | --dry-run exits 0 where sbatch refuses | caught by test_persona33b.py |
| commands/slurm.py _backend_refusal | no answer from sbatch refused | new test 13 |
| commands/slurm.py _backend_refusal | an L2LError of the checks let through | caught by test_persona33b.py |
| jobs/base.py _in_one_line | a group of exactly four marked '…' | new test 12 |
| driver_failures.py detail | 'of this session' counted from every evaluation | caught by test_failfast29.py |
| driver_failures.py stopped_line | ', 0 with other reasons' | caught by test_failfast29.py |
| driver_failures.py saw | an earlier session's success ignored | new test 14 |
| plot/curves.py FittingTicks | fewest ticks tried first | caught by test_curves33.py |
| plot/curves.py FittingTicks | fitting's answer negated | caught by test_curves33.py |
| plot/curves.py FittingTicks | a log axis's decades not thinned | new test 19 |
| plot/curves.py draw_curves | FittingTicks not set | caught by test_curves33.py |
| plot/panels.py SizedLocator | the figure's width for the axes' | caught by test_curves33.py |
| plot/panels.py fitting | labels may come SPACING closer | caught by test_curves33.py |
| words.py _python_value | a path with '"' in double quotes | new test 21 |
| words.py call | a switch given as '--force True' | new test 22 |
| summary/failures.py retry_line | '0 evaluations needed a retry' where all failed | new test 20 |
| summary/failures.py _shown | reasons that begin alike cut alike | new test 23 |
| summary/failures.py _others | two reasons left out as 'another reason' | new test 25 |
| policies/halving.py bracket_plan | hyperband's first rung floored | caught by test_hyperband_one_bracket.py |
| results_schema/lineage.py _chain | the ancestor's piece at the branch dropped | caught by test_persona33a.py |
| space.py outside | 'below' said of a value above | caught by test_clipped_candidates_said.py |
| progress.py per_second_text | whole only from a million a second | new test 24 |
| progress.py per_second_text | two decimals from 0.1 | unseen: the same two digits (' 0.16' for '0.16') |

New tests (below):
1. test_a_value_of_six_whole_digits_and_a_fraction_keeps_its_zeros
2. test_a_nest_parameter_typo_that_is_no_space_parameter_is_not_called_one
3. test_a_retirement_counts_for_an_evaluation_taken_up_within_5_percent_of_the_workers_life_only
4. test_a_chunk_of_two_outlived_twice_is_sent_again_as_two_chunks_of_one
5. test_a_run_timeout_above_the_shortest_staggered_lifetime_is_warned_of
6. test_only_a_worker_retiring_for_its_lifetime_hands_its_evaluations_over
7. test_a_worker_that_joined_later_hands_over_its_age
8. test_a_run_of_a_function_resumes_with_the_function_passed_again
9. test_pbt_takes_a_width_for_the_checkpoints_only_where_every_member_from_scratch_had_it
10. test_pbt_does_not_warn_of_a_width_whose_axis_follows_another_parameter_equal_to_it_from_scratch
11. test_a_policy_run_max_time_cut_short_is_told_to_resume_with_twice_the_time
12. test_an_exception_group_of_four_is_given_whole_without_a_mark_of_more
13. test_submit_goes_ahead_where_sbatch_test_only_gives_no_answer
14. test_failures_after_a_success_of_an_earlier_session_never_stop_the_run
15. test_resume_of_a_removed_file_whose_writer_is_on_another_host_does_not_call_it_killed
16. test_resume_of_a_removed_file_says_a_command_that_pastes_for_a_path_with_a_blank
17. test_a_chunk_on_a_shared_worker_starts_no_evaluation_once_its_run_has_ended
18. test_a_slurm_run_with_dashboard_false_checks_and_submits_pageless_worker_jobs
19. test_a_log_axis_of_two_rungs_many_decades_apart_labels_only_the_decades_that_fit
20. test_the_retry_line_is_left_out_where_every_retried_evaluation_failed_in_the_end
21. test_a_python_call_in_a_message_quotes_a_path_with_a_double_quote_as_python_reads_it
22. test_a_command_in_a_message_gives_a_switch_without_a_value
23. test_two_failure_reasons_that_begin_alike_are_shown_up_to_where_they_differ
24. test_the_bars_rate_is_whole_from_a_thousand_a_second_on
25. test_the_failure_lines_reasons_left_out_are_counted_as_reasons
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
    from l2l.jobs.slurm_lifetime import retirements_plugin

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
    from l2l.jobs.error_text import MESSAGE_LINES, _in_one_line

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


# -- l2l/plot/curves.py: FittingTicks ----------------------------------------------------------------------


def test_a_log_axis_of_two_rungs_many_decades_apart_labels_only_the_decades_that_fit():
    from test_curves33 import _labels  # (the overview's panel; asserts that no two labels touch)

    labels = _labels([10.0, 1e7], True)  # before: all seven decades, 10 to 10,000,000, run together
    assert 2 <= len(labels) < 7 and labels[-1] == "10,000,000", labels


# -- what l2l show and the messages name ------------------------------------------------------------------


class _Retried:
    """A trajectory's stand-in for :func:`l2l.summary.failures.retry_line`: three rows, two of them tried again."""

    n_evaluations = 3

    def __init__(self, statuses: list[str]) -> None:
        from l2l.summary.record import status_codes

        self.statuses = [status_codes()[s] for s in statuses]

    def rows(self, columns, start, end):
        import numpy as np

        return {"attempts": np.array([1, 3, 2])[start:end]}

    def _columns(self, columns, n, rows):
        import numpy as np

        return {"status": np.array(self.statuses), "error_start": np.zeros(len(rows), dtype=np.int64),
                "error_length": np.zeros(len(rows), dtype=np.int64)}


def test_the_retry_line_is_left_out_where_every_retried_evaluation_failed_in_the_end():
    from l2l.summary.failures import retry_line

    assert retry_line(_Retried(["failed", "failed"])) == ""  # before: '0 evaluations needed a retry and then ...'
    assert retry_line(_Retried(["ok", "failed"])) == "1 evaluation needed a retry and then succeeded (3 attempts)"


def test_a_python_call_in_a_message_quotes_a_path_with_a_double_quote_as_python_reads_it():
    import ast

    from l2l.words import call

    path = 'runs/the "best" run.h5'
    said = call("resume", path)
    assert ast.literal_eval(said[len("l2l.resume("):-1]) == path, said  # before: "runs/the "best" run.h5"


def test_a_command_in_a_message_gives_a_switch_without_a_value():
    from l2l.words import call, command_line

    with command_line():
        assert call("report", "run.h5", output="r.md", force=True) == "l2l report run.h5 -o r.md --force"
    assert call("report", "run.h5", output="r.md", force=True) == \
        'l2l.analysis.report.report("run.h5", out="r.md", force=True)'


def test_two_failure_reasons_that_begin_alike_are_shown_up_to_where_they_differ():
    from l2l.summary.failures import _shown

    common = "RuntimeError: the simulation of the network diverged after the input layer reached "
    first, second = common + "a rate of 812 Hz", common + "a rate of 905 Hz"
    shown = _shown([first, second])
    assert shown[first] != shown[second], shown  # before: both '"RuntimeError: the simulation ... reached..."'
    assert "812" in shown[first] and "905" in shown[second]


def test_the_failure_lines_reasons_left_out_are_counted_as_reasons():
    from l2l.summary.failures import _others

    assert _others([("ValueError: a", 2)]) == "2 with another reason"
    assert _others([("ValueError: a", 2), ("ValueError: b", 3)]) == "5 with 2 other reasons"


def test_the_bars_rate_is_whole_from_a_thousand_a_second_on():
    from l2l.progress import per_second_text

    assert per_second_text(12345.678) == "12346"  # before: ' 12345.68' below a million a second
    assert per_second_text(1000.4) == "1000" and per_second_text(999.5) == "999.50"
    assert per_second_text(0.0123) == "0.012" and per_second_text(None) == "?"
