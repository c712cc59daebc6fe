"""Behaviours a hand-made mutation of the product (session 35) changed without any test failing.

Round 6 of tests/test_mutation30.py to tests/test_mutation34.py, over the files the session-34 product commits
changed (git diff fc147ed eca9c77 -- l2l/) that no helper owns this session: the lock's moved-file check, the
folders being made (own_files.py) and Dask's scratch folder, the retirements carried over a stop
(jobs/lifetime_losses.py), the write-back's checkpoint link, the NEST refusal under categorical choices, the
traces frame, the resume (loop.py), numbers.py, tell_partial's budgets, space.py, initial_points.py and the
simulator contract (testing/simulators.py). Each mutation was made in a copy of eca9c77 (git archive, in /tmp) and
the tests that exercise the place were run (-x, the files naming it; the machine at load 15-45). Where a mutation
survived and a user would notice, a test below fails with it and passes without it. 64 mutations in 13 files: 34
caught, 23 survived that a user would notice (each fails one of the 16 new tests below), 7 survived unseen or
equivalent. None revealed a defect.

| place | mutation | caught by / new test / why not noticed |
|---|---|---|
| jobs/lifetime_losses.py record | zero counts kept (they take the 12 places) | new test 1 |
| jobs/lifetime_losses.py record | 11 counts kept, not 12 | new test 1 |
| jobs/lifetime_losses.py record | a record with no count written (not None) | new test 1 |
| jobs/lifetime_losses.py carried | any lifetime's count carried | caught by test_leftovers34.py |
| jobs/lifetime_losses.py task_mark | the attempt left out of the mark | new test 2 |
| jobs/lifetime_losses.py task_mark | from_budget left out of the mark | new test 2 |
| jobs/lifetime_losses.py task_mark | the parameters left out of the mark | new test 2 |
| jobs/lifetime_losses.py carried | a count of 0 carried | equivalent: it adds nothing |
| own_files.py _sweep_in | a folder being made removed while young, kept once old | caught by test_leftovers34.py |
| own_files.py _sweep_in | a folder without lock removed though not being made | caught by test_leftovers34.py |
| own_files.py _sweep_in | another host's folder being made kept for good | new test 10 |
| own_files.py new_folder | no check that the final name is free | unseen: a collision of 8 random characters |
| own_files.py new_folder | no lock taken | caught by test_leftovers34.py |
| own_files.py _sweep_in | no folder taken as being made | caught by test_leftovers34.py |
| own_files.py _sweep_in | the age read from ctime, not mtime | caught by test_leftovers34.py |
| own_files.py new_folder | the final name one character short | caught by test_leftovers34.py |
| jobs/dask_cluster.py local_scratch | locked where Dask's file locking is off | caught by test_review31b.py |
| jobs/dask_cluster.py local_scratch | old l2l-dask- folders not swept | caught by test_review31.py |
| results_schema/writer.py _write_back | no checkpoint link | caught by test_review34.py |
| results_schema/writer.py _link_checkpoints | an absolute link (the folder moved: every checkpoint lost) | new test 7 |
| results_schema/writer.py _link_checkpoints | a link to a folder that is not there, and said | new test 8 |
| outcomes.py refuse_nest_name_errors | the choice taken as the error's where NOT shared | caught by test_review34.py |
| outcomes.py refuse_nest_name_errors | every categorical, not one, the same everywhere | new test 6 |
| outcomes.py check_curve_order | the two fidelities said swapped | caught by test_curve_order_continued.py |
| outcomes.py _segment | from and to swapped | caught by test_curve_order_continued.py |
| outcomes.py check_curve_values | value and fidelity swapped | caught by test_mf_exit_and_curves.py |
| results_schema/reader.py traces_frame | the trace names' index kept (0, 0, 0, 1, ...) | new test 16 |
| results_schema/reader.py traces_frame | individual given the generation | caught by test_trajectory.py |
| results_schema/reader.py traces_frame | the trial column reversed | new test 16 |
| loop.py _refuse_moved_from_another_host | a live session taken for an ended one | caught by test_twowriters34.py |
| left_jobs.py jobs_left_elsewhere | a live copy's original's jobs cancelled | caught by test_persona34c.py |
| loop.py resume | counts carried from any last event | equivalent: only 'stopped' events hold them |
| loop.py resume | the --compute warning given without --compute | new test 9 |
| run_warnings.py compute_short_of_top | 'give N or more' one short | caught by test_compute_short_of_top.py |
| resume_limits.py check_raised | the figure in full always | caught by test_resume_limits.py |
| loop.py _used_up | 'more run.generations' only | caught by test_resume_nothing_more.py |
| loop.py _resume_budgets | an unchanged budget named as raised | caught by test_api_words27.py |
| numbers.py number | numpy's booleans as numbers | caught by test_review34.py |
| optimizers/_calls.py _booleans | a list all booleans, not any | caught by test_review34.py |
| optimizers/_calls.py tell_partial | a budget of 0 taken | new test 11 |
| optimizers/_calls.py tell_partial | the budget counted from 1 | new test 11 |
| optimizers/_calls.py _numbers | a ragged list not said | caught by test_review34.py |
| space.py outside | the value said as its bound | caught by test_clipped_candidates_said.py |
| initial_points.py _value | a point at the low bound refused | caught by test_fuzz33.py |
| initial_points.py _value | the bounds said swapped | caught by test_enqueue29.py |
| initial_points.py _value | 0 taken on a log scale (unbounded) | new test 12 |
| testing/simulators.py pause_and_top | budgets (3, 3) taken | new test 15 |
| testing/simulators.py _check_curves | a fidelity given twice taken | new test 13 |
| testing/simulators.py _check_curves | a continued curve from the checkpoint's budget | equivalent: refused before |
| testing/simulators.py _check_curves | a curve ending within 1 % of the budget taken | new test 14 |
| testing/simulators.py _check_curves | ten times the value tolerance | new test 14 |
| results_schema/lock.py WriterLock | the moved-file check skipped | caught by test_twowriters34.py |
| results_schema/lock.py WriterLock | the refused lock file left | caught by test_twowriters34.py |
| results_schema/lock.py _writer_by_another_name | READ locks, not WRITE | caught by test_twowriters34.py |
| results_schema/lock.py _writer_by_another_name | this process's own locks read too | unseen: it sees more (note 1) |
| results_schema/lock.py _writer_by_another_name | a file open to read taken for writing | new test 5 |
| results_schema/lock.py flocks | the device's minor number read as the inode | caught by test_twowriters34.py |
| results_schema/lock.py _moved_refusal | a move taken for a hard link | caught by test_twowriters34.py |
| results_schema/lock.py _moved_refusal | 'mv OLD NEW', not 'mv NEW OLD' | caught by test_twowriters34.py |
| results_schema/lock.py moved_from_another_host | this host's writer judged by its lock | unseen: refused before |
| results_schema/lock.py moved_from_another_host | a copy beside its live original refused | new test 3 |
| results_schema/lock.py moved_from_another_host | a free lock refused | caught by test_twowriters34.py |
| results_schema/lock.py moved_from_another_host | a hard link taken for the same name | new test 4 |
| results_schema/lock.py _writer_by_another_name | a lock naming another pid believed | unseen: never written so |

Note 1: another thread of this process writing the file under another name is documented as not seen (a notebook
that runs into a.h5 in a thread, the file moved to b.h5, and l2l.resume('b.h5') in the same notebook).

New tests (below):
1. test_the_stopped_event_keeps_the_counts_of_evaluations_retired_under_not_those_of_the_others
2. test_a_count_carried_for_one_evaluation_is_never_read_as_another_s
3. test_a_copy_of_a_file_whose_slurm_run_goes_on_on_another_host_resumes
4. test_a_hard_link_to_a_file_whose_slurm_run_goes_on_on_another_host_is_refused
5. test_a_notebook_that_reads_a_run_file_while_it_writes_another_does_not_block_its_resume
6. test_a_nest_parameter_error_where_one_of_two_categoricals_was_the_same_everywhere_is_not_refused
7. test_a_recovered_run_moved_with_its_folder_keeps_its_checkpoints
8. test_a_recovered_run_without_checkpoints_says_nothing_of_them_and_links_nothing
9. test_a_plain_resume_of_a_run_whose_compute_is_short_of_the_top_does_not_speak_of_a_compute_option
10. test_a_folder_another_hosts_process_left_being_made_in_a_shared_temp_folder_is_removed_a_minute_on
11. test_tell_partial_refuses_a_budget_of_nothing_naming_which
12. test_an_initial_point_of_zero_for_an_unbounded_log_parameter_is_refused_in_one_line
13. test_the_contract_fails_a_curve_that_gives_one_fidelity_twice
14. test_the_contract_fails_a_curve_that_ends_short_of_the_budget_or_at_another_value
15. test_the_contract_refuses_budgets_that_are_one_budget_twice
16. test_the_traces_of_a_policy_run_name_each_points_candidate_and_are_numbered_from_zero
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pandas as pd
import pytest


# -- l2l/jobs/lifetime_losses.py: the retirements carried over a stop -------------------------------------------


def test_the_stopped_event_keeps_the_counts_of_evaluations_retired_under_not_those_of_the_others():
    from l2l.jobs.lifetime_losses import MOST_CARRIED, record

    # 20 evaluations in flight (a slurm run of 20 worker jobs), the last one retired under once: the event holds
    # room for 12 counts, which the 19 evaluations without one must not take
    counts = [(f"{i:012x}", 0) for i in range(19)] + [("abcdefabcdef", 1)]
    assert record(30.0, counts) == {"lifetime": 30.0, "marks": [["abcdefabcdef", 1]]}
    assert record(30.0, [(f"{i:012x}", 0) for i in range(3)]) is None  # nothing to carry: no key in the event
    twelve = [(f"{i:012x}", 1 + i % 2) for i in range(MOST_CARRIED + 3)]
    assert record(30.0, twelve)["marks"] == [[mark, n] for mark, n in twelve[:MOST_CARRIED]] and MOST_CARRIED == 12


@pytest.mark.parametrize("change", [{"attempt": 1}, {"from_budget": 3.0}, {"budget": 9.0}, {"trial": 5},
                                    {"params": {"x": 0.25, "neuron": "b"}}, {"params": {"x": 0.5}}])
def test_a_count_carried_for_one_evaluation_is_never_read_as_another_s(change):
    """A count is carried to the evaluation of the same mark only: a retirement under a candidate's segment to 3
    read as the count of its later segment (from 3 to 9), of its retry, or of another candidate at the same
    coordinates, would fail that one after a single retirement of its own."""
    from dataclasses import replace

    from l2l.jobs.base import Task
    from l2l.jobs.lifetime_losses import carried, record, task_mark

    first = Task(2, 1, 7, {"x": 0.25, "neuron": "a"}, budget=3.0, trial=4)
    other = replace(first, **change)
    detail = {"lifetime_losses": record(600.0, [(task_mark(first), 1)])}
    assert carried(detail, 600.0) == {task_mark(first): 1}
    assert task_mark(other) not in carried(detail, 600.0)
    assert task_mark(replace(first, seed=8, checkpoint={"w": 1})) == task_mark(first)  # the same evaluation again


# -- l2l/results_schema/lock.py: a file moved while its run writes it ------------------------------------------


def _lab_run(path):
    import l2l

    config = l2l.from_mapping({"run": {"name": "lab", "seed": 1, "generations": 1},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 2},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    return l2l.run(config, path, progress=False)


@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="Linux /proc only")
def test_a_copy_of_a_file_whose_slurm_run_goes_on_on_another_host_resumes(tmp_path, capsys):
    """Her run writes alice/run.h5 from node7 (its last session recorded that name, the lock there is held); a copy
    of it (cp, the original still there) is another file: its resume writes the copy, as on this host."""
    import fcntl
    import json
    import shutil

    from l2l.cli import main
    from l2l.results_schema.writer import TrajectoryWriter

    (tmp_path / "alice").mkdir()
    old = _lab_run(tmp_path / "alice" / "run.h5")
    with TrajectoryWriter(old) as writer:
        writer.event("resumed", {"backend": {"name": "slurm"}, "pid": 4242, "file": str(old.absolute())})
    copy = tmp_path / "mine.h5"
    shutil.copyfile(old, copy)
    lock = old.with_name(".run.h5.lock")
    lock.write_text(json.dumps({"pid": 4242, "host": "node7", "since": "2026-12-06T18:00:00Z"}) + "\n")
    held = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["resume", str(copy), "--generations", "2", "--no-progress"]) == 0, capsys.readouterr().err
        assert "is being written by" not in capsys.readouterr().err
    finally:
        os.close(held)


@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="Linux /proc only")
def test_a_hard_link_to_a_file_whose_slurm_run_goes_on_on_another_host_is_refused(tmp_path, capsys):
    """Both names there (ln alice/run.h5 mine.h5): the same file, which her run writes from node7: refused while
    the lock of its recorded name is held, as a move is (no mv suggested: that name is there)."""
    import fcntl
    import json

    from l2l.cli import main
    from l2l.results_schema.writer import TrajectoryWriter

    (tmp_path / "alice").mkdir()
    old = _lab_run(tmp_path / "alice" / "run.h5")
    with TrajectoryWriter(old) as writer:
        writer.event("resumed", {"backend": {"name": "slurm"}, "pid": 4242, "file": str(old.absolute())})
    link = tmp_path / "mine.h5"
    os.link(old, link)
    lock = old.with_name(".run.h5.lock")
    lock.write_text(json.dumps({"pid": 4242, "host": "node7", "since": "2026-12-06T18:00:00Z"}) + "\n")
    held = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        size = link.stat().st_size
        assert main(["resume", str(link), "--generations", "2", "--no-progress"]) == 2
        error = capsys.readouterr().err.strip()
        assert f"{link} is being written by pid 4242 on node7, since " in error and "a hard link" in error, error
        assert link.stat().st_size == size
    finally:
        os.close(held)


_READER = """
import sys
import l2l
from l2l.results_schema.reader import Trajectory
from l2l.results_schema.writer import TrajectoryWriter
writer = TrajectoryWriter(sys.argv[2])  # its own run, into another file
with Trajectory(sys.argv[1]) as trajectory:  # a look at the first run's file meanwhile
    print("ready", flush=True)
    sys.stdin.read()
writer.close()
"""


@pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="Linux /proc only")
def test_a_notebook_that_reads_a_run_file_while_it_writes_another_does_not_block_its_resume(tmp_path, capsys):
    """A process that writes b.h5 (its writer lock held) and has a.h5 open for reading only is no writer of a.h5."""
    import subprocess
    import sys

    from l2l.cli import main

    first, second = _lab_run(tmp_path / "a.h5"), _lab_run(tmp_path / "b.h5")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    notebook = subprocess.Popen([sys.executable, "-c", _READER, str(first), str(second)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert notebook.stdout.readline().strip() == "ready"
        assert main(["resume", str(first), "--generations", "2", "--no-progress"]) == 0, capsys.readouterr().err
    finally:
        notebook.stdin.close()
        notebook.wait(timeout=60)


# -- l2l/outcomes.py: NEST's name errors under categorical choices ------------------------------------------------


def test_a_nest_parameter_error_where_one_of_two_categoricals_was_the_same_everywhere_is_not_refused():
    """``nest.Create(params["neuron"], params={"a": ...})`` with a second categorical ``rule``: the first generation
    all chose iaf_psc_alpha (which takes no ``a``) and differed in ``rule``; aeif_cond_alpha may run: not refused.
    Where no categorical was the same in every evaluation, the error is every choice's: refused."""
    from l2l.errors import ConfigError
    from l2l.jobs.base import FAILED, Outcome
    from l2l.outcomes import refuse_nest_name_errors

    error = ("Traceback (most recent call last):\nNESTErrors.UnaccessedDictionaryEntry: Unaccessed elements in "
             "params, in function Create: a\n")
    outcomes = [Outcome(0, i, i, FAILED, error=error) for i in range(2)]
    writer = SimpleNamespace(path="run.h5")
    refuse_nest_name_errors(outcomes, writer, names=["a"], chosen=[{"neuron": "iaf_psc_alpha", "rule": "stdp"},
                                                                   {"neuron": "iaf_psc_alpha", "rule": "static"}])
    with pytest.raises(ConfigError, match="UnaccessedDictionaryEntry"):
        refuse_nest_name_errors(outcomes, writer, names=["a"], chosen=[{"neuron": "iaf_psc_alpha", "rule": "stdp"},
                                                                       {"neuron": "aeif_cond_alpha", "rule": "static"}])


# -- l2l/results_schema/writer.py: a run written back beside a file put in its place -----------------------------


def _replaced_run(folder, config, function):
    """Run ``config`` into folder/run.h5, which another process replaces as the first evaluation starts."""
    import l2l

    out, calls = folder / "run.h5", []

    def replacing(*args, **kwargs):
        if not calls and out.exists():
            out.unlink()
            out.write_text("someone else's")
        calls.append(1)
        return function(*args, **kwargs)

    l2l.run(config, out, simulator=replacing)
    return folder / "run.recovered.h5"


def test_a_recovered_run_moved_with_its_folder_keeps_its_checkpoints(tmp_path, capsys):
    """The link from run.recovered.h5.checkpoints to the run's checkpoint folder is relative: the lab folder moved
    (or copied) elsewhere, the run still reads every checkpoint (an absolute link pointed back to the old place)."""
    import copy
    import shutil

    import l2l
    from test_persona33a import CONFIG, _learner

    (tmp_path / "lab").mkdir()
    config = copy.deepcopy(CONFIG)
    config["run"]["checkpoints"] = "beside"
    _replaced_run(tmp_path / "lab", config, _learner)
    shutil.move(str(tmp_path / "lab"), str(tmp_path / "moved"))
    assert l2l.validate(tmp_path / "moved" / "run.recovered.h5") == []


def test_a_recovered_run_without_checkpoints_says_nothing_of_them_and_links_nothing(tmp_path, capsys):
    config = {"run": {"seed": 1, "generations": 1}, "space": {"x": {"low": -1.0, "high": 1.0}},
              "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "python"},
              "objectives": [{"name": "value"}], "backend": {"name": "serial"}}
    recovered = _replaced_run(tmp_path, config, lambda params, seed: float(params["x"] ** 2))
    line, = [line for line in capsys.readouterr().err.splitlines() if "was replaced" in line]
    assert line.endswith(f"written back to {recovered}"), line
    assert not os.path.lexists(f"{recovered}.checkpoints")  # (no link to a folder that is not there)


# -- l2l/loop.py -------------------------------------------------------------------------------------------------


def test_a_plain_resume_of_a_run_whose_compute_is_short_of_the_top_does_not_speak_of_a_compute_option(tmp_path,
                                                                                                      capsys):
    """l2l run warned of its run.compute already; a resume given no --compute says no '--compute 10 steps ...'."""
    import l2l
    from l2l.control import RunControl
    from test_small34 import pbt_run

    control = RunControl()
    path = l2l.run(pbt_run(tmp_path, 10), tmp_path / "run.h5", control=control,
                   on_evaluation=lambda info: control.request_stop("test"))
    assert "l2l: warning: run.compute = 10 steps ends the run" in capsys.readouterr().err  # (said by l2l run)
    l2l.resume(path)
    assert "--compute" not in capsys.readouterr().err


# -- l2l/own_files.py: folders being made ------------------------------------------------------------------------


def test_a_folder_another_hosts_process_left_being_made_in_a_shared_temp_folder_is_removed_a_minute_on(tmp_path,
                                                                                                      monkeypatch):
    """Killed on node7 after its lock was written, before the folder took its name: a folder still being made a
    minute on is a dead process's, whichever host made it (only a folder with its own name waits for its host)."""
    import tempfile
    import time
    from pathlib import Path

    from l2l.own_files import private_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = Path(tempfile.mkdtemp(prefix="l2l-command-making-", dir=tmp_path))
    named = Path(tempfile.mkdtemp(prefix="l2l-command-", dir=tmp_path))  # node7's live one: its lock is there
    for folder in (dead, named):
        (folder / ".lock").write_bytes(b"node7")
        os.utime(folder, (time.time() - 120,) * 2)
    private_folder("l2l-command-", at_exit=lambda folder: None)
    assert not dead.exists() and named.is_dir()


# -- l2l/optimizers/_calls.py: tell_partial's budgets --------------------------------------------------------------


def test_tell_partial_refuses_a_budget_of_nothing_naming_which():
    """A result reached at budget 0 (no training) is no partial result: refused, naming the first such budget."""
    import numpy as np

    from l2l.errors import ConfigError
    from l2l.optimizers import OPTIMIZERS
    from l2l.testing.problems import evaluate, mixed_problem

    optimizer = OPTIMIZERS.create("tpe", {"population_size": 4})
    problem = mixed_problem(1)
    state = optimizer.init(problem, 3)
    candidates, state = optimizer.ask(problem, state, 4)
    candidates = np.array(candidates, dtype=float)
    scores = np.array(evaluate(problem, candidates)[0], dtype=float)
    for budgets, which in (([3.0, 0.0, 3.0, 0.0], "budget 1 is 0;"), ([0, 3, 3, 3], "budget 0 is 0;"),
                           ([3.0, 3.0, -2.5, 3.0], "budget 2 is -2.5;")):
        with pytest.raises(ConfigError, match=f"^optimizer 'tpe': tell_partial: {which} a budget is the positive"):
            optimizer.tell_partial(problem, state, candidates, budgets, scores)


# -- l2l/initial_points.py -----------------------------------------------------------------------------------------


def test_an_initial_point_of_zero_for_an_unbounded_log_parameter_is_refused_in_one_line():
    """A log scale without bounds (default and scale) has no bound to refuse 0 with: its own check does."""
    import l2l
    from l2l.errors import ConfigError

    config = {"run": {"seed": 1, "generations": 1, "initial_points": [{"lr": 0.0}]},
              "space": {"lr": {"type": "float", "log": True, "default": 0.01, "scale": 1.0}},
              "optimizer": {"name": "random", "population_size": 2}, "simulator": {"name": "sphere"},
              "backend": {"name": "serial"}}
    said = r"^run\.initial_points\[0\]: lr is on a log scale and must be > 0, got 0\.0$"
    with pytest.raises(ConfigError, match=said):
        l2l.from_mapping(config)


# -- l2l/testing/simulators.py: the contract a multi-fidelity simulator's author runs ----------------------------


def _contract_failures(name: str, curve=None, **attributes) -> dict[str, str]:
    """The contract's failures for test_simulator_contract.py's NoisyDescent with its curve made by ``curve``
    (points, checkpoint -> points)."""
    from dataclasses import dataclass

    from test_simulator_contract import NoisyDescent, every_check, suite

    @dataclass(frozen=True)
    class Broken(NoisyDescent):
        def run_to(self, params, seed, budget, checkpoint):
            result = super().run_to(params, seed, budget, checkpoint)
            if curve is not None:
                result.curve = {"value": curve(result.curve["value"], checkpoint)}
            return result

    Broken.__name__ = Broken.__qualname__ = name
    return every_check(suite(Broken, **attributes), Broken)


def test_the_contract_fails_a_curve_that_gives_one_fidelity_twice():
    """A run refuses such a curve at its commit (l2l.outcomes.check_curve_order): the contract says so first."""
    failures = _contract_failures("RepeatsAPoint", lambda points, checkpoint: [points[0], *points])
    message = failures["test_the_curve_ends_at_the_budget_with_the_result"]
    assert "has fidelities that do not increase: 1 then 1" in message, message


def test_the_contract_fails_a_curve_that_ends_short_of_the_budget_or_at_another_value():
    """A curve's last point is [budget, the result]: 0.3 % short of the budget, or a value 5e-6 off the result
    (the run's tolerance is 1e-6: it warns of a curve of another quantity), fails the contract."""
    def short(points, checkpoint):
        return [*points[:-1], [points[-1][0] * 0.997, points[-1][1]]]

    def off(points, checkpoint):
        return [*points[:-1], [points[-1][0], points[-1][1] * (1 + 5e-6)]]

    message = _contract_failures("EndsShort", short)["test_the_curve_ends_at_the_budget_with_the_result"]
    assert "ends at fidelity 2.991, not at the segment's budget 3" in message, message
    message = _contract_failures("EndsOff", off)["test_the_curve_ends_at_the_budget_with_the_result"]
    assert "at fidelity 3, but the result there is value" in message, message


def test_the_contract_refuses_budgets_that_are_one_budget_twice():
    failures = _contract_failures("Fine", budgets=(3, 3))
    message = failures["test_the_curve_ends_at_the_budget_with_the_result"]
    assert message.startswith("budgets = (3, 3) must be two budgets within the fidelity's range [1, 9]"), message


# -- l2l/results_schema/reader.py: l2l.traces ----------------------------------------------------------------------


def test_the_traces_of_a_policy_run_name_each_points_candidate_and_are_numbered_from_zero(tmp_path):
    """Each point of l2l.traces carries the trial, generation and individual of the segment whose curve holds it
    (joined on them, a curve ends at its segment's result), and the frame's index runs 0, 1, 2, ..."""
    import l2l

    config = {"run": {"seed": 2, "compute": 60.0}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
              "optimizer": {"name": "random"}, "policy": {"name": "asha"},
              "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}
    path = l2l.run(config, tmp_path / "run.h5", progress=False)
    traces, segments = l2l.traces(path), l2l.load(path, segments=True)
    assert traces.index.equals(pd.RangeIndex(len(traces))) and len(traces) > 10
    assert traces["trial"].nunique() > 2
    last = traces.groupby(["generation", "individual"]).tail(1)
    joined = last.merge(segments, on=["generation", "individual"], suffixes=("", "_row"))
    assert len(joined) == len(last) and (joined["trial"] == joined["trial_row"]).all()
