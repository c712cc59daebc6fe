"""kill33: a run's file removed or replaced while it ran, and ``l2l resume`` of a file that is gone.

A run whose file was replaced wrote itself beside it as ``NAME.recovered.h5``; where an earlier recovery had
left that file, its rows were lost ('could not be written ...: File exists'). ``l2l resume`` of a file removed
while its run wrote it said only 'no such file', whether that run was still at work (it writes the file back as
it ends) or had been killed (nothing left: start it again).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import l2l
from l2l.cli import main
from l2l.results_schema.lock import lock_path

from test_persona33a import CONFIG, _learner


def test_a_second_recovery_beside_the_file_is_written_beside_the_first(tmp_path, capsys):
    out = tmp_path / "run.h5"
    earlier = tmp_path / "run.recovered.h5"
    earlier.write_text("an earlier recovery, left to be looked at")
    calls = []

    def replacing(params, seed, budget, checkpoint=None):
        if not calls and out.exists():
            out.unlink()
            out.write_text("someone else's")
        calls.append(budget)
        return _learner(params, seed, budget, checkpoint)

    l2l.run(CONFIG, out, simulator=replacing)
    assert out.read_text() == "someone else's"
    assert earlier.read_text() == "an earlier recovery, left to be looked at"
    second = tmp_path / "run.recovered2.h5"
    assert len(l2l.load(second, segments=True)) == len(calls) and l2l.validate(second) == []
    line, = [line for line in capsys.readouterr().err.splitlines() if "was replaced" in line]
    assert line.endswith(f"written back to {second}")


def _lock_of(path, pid):
    lock_path(path).write_text(json.dumps({"pid": pid, "host": socket.gethostname(),
                                           "since": "2026-12-06T16:00:00Z"}) + "\n")


def _resume_error(path, capsys):
    assert main(["resume", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    return err


def test_resume_of_a_removed_file_whose_writer_was_killed_says_to_start_it_again(tmp_path, capsys):
    path = tmp_path / "run.h5"
    assert _resume_error(path, capsys) == f"l2l: error: {path}: no such file"  # no run ever wrote it
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lock_of(path, dead.pid)  # a run killed with kill -9 after its file was removed: only its lock is left
    err = _resume_error(path, capsys)
    assert err.startswith(f"l2l: error: {path}: no such file: the run that wrote it (pid {dead.pid} on ")
    assert err.endswith(f"nothing of it is left to resume: start it again (l2l run CONFIG --out {path})")


def test_resume_of_a_removed_file_still_being_written_says_to_wait(tmp_path, capsys):
    path = tmp_path / "run.h5"
    _lock_of(path, os.getpid())  # alive: it writes the removed file back as it ends
    err = _resume_error(path, capsys)
    assert err.startswith(f"l2l: error: {path}: no such file, but a run still writes it (pid {os.getpid()} on ")
    assert err.endswith("it writes the file back as it ends; wait for it to finish")



def test_a_writer_ending_leaves_the_lock_of_the_next_writer_whose_lock_file_replaced_its_own(tmp_path):
    # `rm run.h5 .run.h5.lock` under a running run, and a second run at that path: the first, ending, removed the
    # second's lock file, and a third writer then locked a new one while the second still wrote the file
    from l2l.errors import TrajectoryError
    from l2l.results_schema.lock import WriterLock

    path = tmp_path / "run.h5"
    first = WriterLock(path).acquire()
    lock_path(path).unlink()
    second = WriterLock(path).acquire()
    first.release()
    assert lock_path(path).exists()
    try:
        WriterLock(path).acquire()
    except TrajectoryError as exc:
        assert "is being written by another run in this process" in str(exc)
    else:
        raise AssertionError("a third writer took the lock while the second held it")
    second.release()
    assert not lock_path(path).exists()
