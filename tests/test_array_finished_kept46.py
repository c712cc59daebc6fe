"""The results a killed session's slurm-array arrays finished (``NAME.work/array/finished``) went, all of them, as the
resumed session closed: a graceful stop right after a resume, before it had asked those evaluations, lost every one it
had not taken, and an ``l2l reevaluate`` of the killed run (whose session closes the same way) lost them all. Now a
session removes only what it took (or found of another code); the rest stay for the next, each used once."""

from __future__ import annotations

import numpy as np

from l2l.jobs.array_finished import CODE_FILE, Finished, keep_results
from l2l.jobs.array_task import write_outcome, write_tasks
from l2l.jobs.tasks import Outcome, Task


def _tasks():
    return [Task(2, i, 50 + i, {"x": np.array([0.1 * i])}) for i in range(3)]


def _kept(tmp_path):
    root = tmp_path / "run.work" / "array"
    directory = root / "batches" / "g00002-0001-1-abcd"
    (directory / "results").mkdir(parents=True)
    write_tasks(str(directory), _tasks())
    (directory / CODE_FILE).write_text("c0de\n")
    for index in range(3):
        write_outcome(str(directory / "results"), index,
                      Outcome(2, index, 50 + index, "ok", objectives={"loss": float(index)}))
    assert keep_results(directory) == 3
    return root


def test_a_session_that_took_some_leaves_the_rest_for_the_next_each_taken_once(tmp_path):
    root = _kept(tmp_path)
    first = Finished(root, "c0de")  # the resumed session: stopped after it was asked individual 0 alone
    assert first.take(_tasks()[0]).objectives == {"loss": 0.0}
    first.remove()
    second = Finished(root, "c0de")  # the next resume asks all three again
    taken = [second.take(task) for task in _tasks()]
    assert [None if outcome is None else outcome.objectives["loss"] for outcome in taken] == [None, 1.0, 2.0]
    second.remove()
    assert not (root / "finished").exists()  # all taken: the folder goes


def test_a_session_that_took_none_removes_none(tmp_path):
    root = _kept(tmp_path)
    Finished(root, "c0de").remove()  # e.g. l2l reevaluate's session (fresh seeds: other evaluations)
    assert len(list((root / "finished").glob("*.json"))) == 3
    assert sum(Finished(root, "c0de").take(task) is not None for task in _tasks()) == 3


def test_a_result_of_another_code_goes_with_the_session_that_found_it(tmp_path):
    root = _kept(tmp_path)
    other = Finished(root, "changed")
    assert other.take(_tasks()[1]) is None and other.other_code == 1
    other.remove()
    assert [Finished(root, "c0de").take(task) is not None for task in _tasks()] == [True, False, True]
