"""kill -9 at the instant each HDF5 open of a trajectory for writing returns, during ``l2l.resume``.

tests/test_writer_safety.py kills resumes at random instants; the harmful instant of an open for writing (a
file opened in append mode and switched to SWMR afterwards is marked "open for writing" only until the
switch, and a writer killed then leaves a file no SWMR reader opens) is hit there in about one attempt of 70.
Here every open for writing of the file is hit in turn, in a forked child killed by itself the moment the open
returns: a writer that opens the file in two steps fails this test every time.
"""

from __future__ import annotations

import os
import signal

import h5py

import l2l
from l2l.results_schema.lock import lock_path
from l2l.results_schema.validate import validate
from conftest import comparable
from test_writer_safety import FAST, _in_child


def _resume_killed_at_open(path, nth: int, generations: int) -> None:
    """In the child: resume ``path``, killing this process when its ``nth`` open of the file for writing returns."""
    original = h5py.h5f.open
    opened = 0

    def open_then_maybe_die(name, flags=h5py.h5f.ACC_RDONLY, *args, **kwargs):
        nonlocal opened
        fid = original(name, flags, *args, **kwargs)
        if flags & h5py.h5f.ACC_RDWR and os.path.samefile(os.fsdecode(name), path):
            opened += 1
            if opened == nth:
                os.kill(os.getpid(), signal.SIGKILL)
        return fid

    h5py.h5f.open = open_then_maybe_die
    l2l.resume(path, generations=generations)


def test_kill_minus_nine_as_each_open_for_writing_returns_leaves_a_file_that_resumes_exactly(tmp_path):
    reference = l2l.run(l2l.from_mapping({**FAST, "run": {**FAST["run"], "generations": 4}}), tmp_path / "ref.h5")
    path = tmp_path / "killed.h5"
    l2l.run(l2l.from_mapping({**FAST, "run": {**FAST["run"], "generations": 1}}), path)
    killed = 0
    for nth in range(1, 10):
        pid = _in_child(lambda: _resume_killed_at_open(path, nth, generations=2 + nth % 2))
        status = os.waitpid(pid, 0)[1]
        if not os.WIFSIGNALED(status):  # a resume that opens the file fewer than nth times: each open was hit
            assert os.WEXITSTATUS(status) == 0
            break
        assert os.WTERMSIG(status) == signal.SIGKILL
        killed += 1
        assert validate(path) == [], f"kill -9 as open {nth} for writing returned left an invalid file"
        assert not l2l.load(path).duplicated(["generation", "individual"]).any()
    assert killed >= 1  # the resume opens the file for writing at least once, and every such open was hit
    l2l.resume(path, generations=4)
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(reference)))
    assert not lock_path(path).exists()
