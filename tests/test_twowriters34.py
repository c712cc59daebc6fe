"""Two writers of one file through a move (helper-283, session 34; found by helper-275's persona34c).

``mv alice/run.h5 elsewhere/`` while Alice's run writes it, then ``l2l resume elsewhere/run.h5``: the writer lock
goes by the path (``.run.h5.lock`` beside the file), hers stayed in ``alice/``, so the resume took a free lock and
wrote the very file her run wrote (measured: both runs went to their end, exit 0, 8 evaluations of a slow python
simulator on serial written twice over). A live process on this host that holds a writer lock and has this very
file (device and inode) open for writing is now named instead, with the name it writes it by; a copy (another
file) stays resumable.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from l2l.cli import main

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/locks"), reason="Linux /proc only")

#: A run's driver as far as the file sees it: it opens the file through the writer (its lock taken) and keeps it
#: open until its stdin closes.
_WRITER = """
import sys
from l2l.results_schema.writer import TrajectoryWriter
writer = TrajectoryWriter(sys.argv[1])
print("ready", flush=True)
sys.stdin.read()
writer.close()
"""


def _finished_run(path):
    import l2l

    config = l2l.from_mapping({"run": {"name": "lab", "seed": 1, "generations": 1},
                               "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 2},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    return l2l.run(config, path, progress=False)


@pytest.fixture
def moved(tmp_path):
    """Alice's run writes alice/run.h5 (a live process), which was then moved to elsewhere/run.h5."""
    (tmp_path / "alice").mkdir()
    (tmp_path / "elsewhere").mkdir()
    path = _finished_run(tmp_path / "alice" / "run.h5")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]))
    writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert writer.stdout.readline().strip() == "ready"
        target = tmp_path / "elsewhere" / "run.h5"
        shutil.move(str(path), str(target))
        yield writer, path, target
    finally:
        writer.stdin.close()
        try:
            writer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            writer.kill()
            writer.wait()


def _refused(capsys, writer, old, new, argv):
    size, changed = new.stat().st_size, new.stat().st_mtime_ns
    assert main(argv) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0, error
    assert f"{new} is being written by pid {writer.pid} on " in error, error
    assert f"as {old}" in error and f"mv {new} {old}" in error, error  # the name it writes it by, and the way back
    assert (new.stat().st_size, new.stat().st_mtime_ns) == (size, changed)  # nothing written to it
    assert not new.with_name(".run.h5.lock").exists()  # no lock of its own left beside it
    assert writer.poll() is None  # her run goes on


def test_a_resume_of_a_file_moved_while_its_run_writes_it_is_refused(tmp_path, moved, capsys):
    writer, old, new = moved
    _refused(capsys, writer, old, new, ["resume", str(new), "--generations", "2", "--no-progress"])


def test_a_prune_of_a_file_moved_while_its_run_writes_it_is_refused(tmp_path, moved, capsys):
    writer, old, new = moved
    _refused(capsys, writer, old, new, ["prune", str(new)])


def test_a_resume_of_a_symbolic_link_to_a_moved_live_file_is_refused(tmp_path, moved, capsys):
    writer, old, new = moved
    link = tmp_path / "link.h5"
    link.symlink_to(new)
    assert main(["resume", str(link), "--generations", "2", "--no-progress"]) == 2
    assert f"{new} is being written by pid {writer.pid} on " in capsys.readouterr().err


def test_a_copy_of_a_moved_live_file_stays_resumable(tmp_path, moved, capsys):
    """A copy is another file: its resume writes the copy, whoever writes the original (persona34c's copies)."""
    writer, old, new = moved
    copy = tmp_path / "copy.h5"
    shutil.copyfile(new, copy)
    assert main(["resume", str(copy), "--generations", "2", "--no-progress"]) == 0
    assert writer.poll() is None


def test_a_resume_of_a_file_moved_from_a_slurm_run_on_another_host_is_refused_while_its_lock_is_held(tmp_path,
                                                                                                    capsys):
    """Her run's driver runs on node7 (a SLURM job) and writes alice/run.h5 on the shared file system; the file is
    moved from the login node, whose kernel sees none of node7's descriptors. Its last session recorded the file
    (a SLURM backend's does) and has no end, and the lock there is held: refused, naming node7. Once that lock is
    free (her driver killed), the moved file resumes."""
    import fcntl
    import json

    from l2l.results_schema.writer import TrajectoryWriter

    (tmp_path / "alice").mkdir()
    (tmp_path / "elsewhere").mkdir()
    old = _finished_run(tmp_path / "alice" / "run.h5")
    with TrajectoryWriter(old) as writer:  # her session on node7, as it began: it has no end yet
        writer.event("resumed", {"backend": {"name": "slurm"}, "pid": 4242, "file": str(old.absolute())})
    new = tmp_path / "elsewhere" / "run.h5"
    shutil.move(str(old), str(new))
    lock = old.with_name(".run.h5.lock")  # her driver's lock, as it is seen from here: held, naming node7
    lock.write_text(json.dumps({"pid": 4242, "host": "node7", "since": "2026-12-06T18:00:00Z"}) + "\n")
    held = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        size = new.stat().st_size
        assert main(["resume", str(new), "--generations", "2", "--no-progress"]) == 2
        error = capsys.readouterr().err.strip()
        assert error.count("\n") == 0 and f"{new} is being written by pid 4242 on node7, since " in error, error
        assert f"as {old}" in error and f"mv {new} {old}" in error, error
        assert new.stat().st_size == size and not new.with_name(".run.h5.lock").exists()
    finally:
        os.close(held)  # her driver killed: the lock is free, its file still there
    assert main(["resume", str(new), "--generations", "2", "--no-progress"]) == 0


def test_a_resume_of_another_hard_link_of_a_live_file_is_refused(tmp_path, moved, capsys):
    """Both names there (ln, not mv): the lock file beside one is not the other's (hard links have no real name);
    its writer is found all the same, and no mv is suggested."""
    writer, old, new = moved
    os.link(new, old)  # her run's name is back, as a second name of the same file
    assert main(["resume", str(new), "--generations", "2", "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert f"{new} is being written by pid {writer.pid} on " in error and "a hard link" in error and "mv " not in error
