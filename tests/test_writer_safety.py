"""One writer per file, and kill -9 at any instant of creating, resuming or writing a file.

The kills come from a parent that has imported everything and forks a child
per attempt, so each kill lands at a chosen delay after the child starts
writing (no interpreter start-up to blur it), or at a chosen instant where the
child stops itself for the parent to kill it. Each killed file must open,
validate and resume; the final file must equal an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

import l2l
from l2l.errors import TrajectoryError
from l2l.results_schema.lock import WriterLock, lock_path
from l2l.results_schema.validate import validate
from conftest import comparable
from inprocess_cli import l2l_main

FAST = {"run": {"name": "fast", "seed": 3, "generations": 30},
        "space": {"x": {"low": -3.0, "high": 3.0, "shape": [2]}, "k": {"type": "int", "low": 0, "high": 3}},
        "optimizer": {"name": "ga", "population_size": 8},
        "simulator": {"name": "sphere"},
        "backend": {"name": "serial"}}


def _in_child(action) -> int:
    """Fork; the child runs ``action`` and exits without cleanup. Returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            action()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    return pid


def _kill_after(pid: int, delay: float) -> int:
    """SIGKILL ``pid`` after ``delay`` seconds unless it ended; returns its wait status."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.0005)
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def _assert_readable(path) -> None:
    assert validate(path) == [], "the file must stay valid after kill -9"
    frame = l2l.load(path)
    assert not frame.duplicated(["generation", "individual"]).any()


def test_kill_minus_nine_at_any_instant_of_creating_a_file_leaves_no_file_or_a_valid_one(tmp_path):
    config = l2l.from_mapping(FAST)
    l2l.run(config, tmp_path / "warm-up.h5")  # imports done: a child reaches its file in milliseconds
    rng = np.random.default_rng(7)
    valid_files = 0
    # A creation writes a temporary file, moves it into place, opens it and commits: the even attempts' kills land
    # 0-50 ms from the start, the odd ones within 20 ms after the file appears; 12 of each (40 took 9 s under load)
    for attempt in range(24):
        path = tmp_path / f"created-{attempt}.h5"
        pid = _in_child(lambda: l2l.run(config, path))
        ended = False
        if attempt % 2:  # half the kills land within 20 ms of the file's appearance, however loaded the machine
            deadline = time.monotonic() + 30
            while not path.exists() and time.monotonic() < deadline and not ended:
                ended = os.waitpid(pid, os.WNOHANG)[0] != 0
                time.sleep(0.0005)
        if not ended:
            _kill_after(pid, rng.uniform(0.0, 0.05 if attempt % 2 == 0 else 0.02))
        if path.exists():
            _assert_readable(path)
            valid_files += 1
        leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp") and f"created-{attempt}" in p.name]
        for name in leftovers:  # a temporary file of a killed creation is never taken for the trajectory
            assert not name.endswith(".h5")
    assert valid_files >= 5  # some kills landed after the file appeared


def _resume_signalling_the_open(path, write_end: int, stop: bool = False):
    """In the child: resume, writing one byte to ``write_end`` when the writer opens the file ("o") and as it starts
    each commit ("c"); with ``stop``, the child also stops (SIGSTOP) the instant the file is first opened for
    writing, for the parent to kill it there."""
    import h5py

    from l2l.results_schema import writer as writer_module

    original = writer_module.TrajectoryWriter._open
    commit = writer_module.TrajectoryWriter.commit_generation

    def _open(self):
        os.write(write_end, b"o")
        original(self)

    def commit_generation(self, *args, **kwargs):
        os.write(write_end, b"c")
        return commit(self, *args, **kwargs)

    writer_module.TrajectoryWriter._open = _open
    writer_module.TrajectoryWriter.commit_generation = commit_generation
    if stop:  # h5py.File and the writer's own open both open through h5f.open
        h5f_open = h5py.h5f.open

        def open_and_stop(name, *args, **kwargs):
            fid = h5f_open(name, *args, **kwargs)
            if (args[0] if args else kwargs.get("flags", h5py.h5f.ACC_RDWR)) & h5py.h5f.ACC_RDWR:
                h5py.h5f.open = h5f_open
                os.kill(os.getpid(), signal.SIGSTOP)
            return fid

        h5py.h5f.open = open_and_stop
    l2l.resume(path, generations=300)


def _kill_when_stopped(pid: int) -> int:
    """SIGKILL ``pid`` once it has stopped itself (or return its wait status if it ended first)."""
    _, status = os.waitpid(pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        return status
    os.kill(pid, signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def test_kill_minus_nine_at_any_instant_of_resuming_leaves_a_file_that_resumes_exactly(tmp_path):
    path = tmp_path / "killed.h5"
    first = l2l.from_mapping({**FAST, "run": {**FAST["run"], "generations": 1}})
    l2l.run(first, path)
    rng = np.random.default_rng(11)
    kills = anywhere = 0
    # Validate and load read nothing but the file, and many kills leave the bytes an earlier kill left (a kill at
    # the open after a resume that appended nothing): such a file is not checked twice.
    readable: set[str] = set()  # digests of the files found valid and loadable
    # Each attempt costs a resume's start (about 1 s on a loaded machine): 140 of them (100 random kills at the
    # open, which met the harmful instant, the file open but not yet in SWMR mode, about once in 70) took 2.3-5
    # minutes under load, up to pytest's 300 s timeout. That instant is now aimed at exactly. A resume's phases:
    # its start (reading the file, the lock, needs_repair: nothing written), the repair (a copy of the committed
    # part moved over the file), the writer's SWMR open, the restart before the first commit, the commits (in one,
    # between two). 65 attempts (5 A, 20 o, 40 a) landed 19 before the repair, 1 in it, 36 in the open or before
    # the first commit, 6 in a commit and 3 between two (under load 5); 26 of those kinds once met no commit. 26
    # attempts, the commits aimed at (c) as the open is, reach every phase: 40 % of the CPU.
    cycle = "Aaoacaoaoacao"  # per 13 attempts: 1 aimed (A), 6 anywhere (a), 4 at the open (o), 2 in a commit (c)
    for attempt in range(26):
        kind = cycle[attempt % 13]
        read_end, write_end = os.pipe()
        pid = _in_child(lambda: _resume_signalling_the_open(path, write_end, stop=kind == "A"))
        os.close(write_end)
        if kind == "A":  # killed the instant the writer's open of the file returns, however loaded the machine:
            # a writer that opened the file other than in SWMR mode at once left it unreadable here
            status = _kill_when_stopped(pid)
        elif kind == "a":  # a resume repairs the file, opens it, then appends: 12 kills land anywhere, every
            # other one timed from its start, the others from its open (so that the appends are hit however long
            # the repair takes on a loaded machine), each in 0-250 ms, one per sixth and clock
            earliest = anywhere // 2 % 6 * 0.25 / 6
            if anywhere % 2:
                os.read(read_end, 1)
            anywhere += 1
            status = _kill_after(pid, rng.uniform(earliest, earliest + 0.25 / 6))
        elif kind == "c":  # 4 kills in the 5 ms after the writer starts its first or second commit (one takes
            # 2-10 ms): in the commit's flushes, or just after it
            commits = 0
            while commits < 1 + attempt // 13 and (byte := os.read(read_end, 1)):
                commits += byte == b"c"
            status = _kill_after(pid, rng.uniform(0.0, 0.005))
        else:  # 8 kills in the 2 ms after the writer starts opening the file: before, in or after HDF5's open
            os.read(read_end, 1)
            status = _kill_after(pid, rng.uniform(0.0, 0.002))
        os.close(read_end)
        kills += os.WIFSIGNALED(status)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in readable:
            _assert_readable(path)
            readable.add(digest)
        with l2l.Trajectory(path) as trajectory:
            if trajectory.n_generations == 300:
                break
    assert kills >= 20
    # The run ends 5 generations after the last kill, and an uninterrupted run of as many generations is the
    # reference (the GA's evaluations do not depend on the number of generations asked for: the killed file's
    # started with 1). Running both on to 300 cost about 5 s of CPU and tested nothing more.
    with l2l.Trajectory(path) as trajectory:
        generations = min(300, trajectory.n_generations + 5)
    l2l.resume(path, generations=generations)
    reference = l2l.run(l2l.from_mapping({**FAST, "run": {**FAST["run"], "generations": generations}}),
                        tmp_path / "reference.h5")
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(reference)))
    assert l2l.generations(path)["generation"].tolist() == list(range(generations))
    assert not lock_path(path).exists()


def test_a_second_writer_of_a_file_is_refused_while_the_first_lives(tmp_path):
    # The file's own simulator sleeps (resume runs the stored config): the first writer is still writing when the
    # checks below run, however fast the machine (with FAST's sphere it could finish its 200 generations first).
    slow = {**FAST, "simulator": {"name": "sleep", "median": 0.05, "sigma": 0.1}}
    path = tmp_path / "shared.h5"
    l2l.run(l2l.from_mapping({**slow, "run": {**FAST["run"], "generations": 1}}), path)
    # the first writer: a child forked from this process, which has imported everything (a new interpreter
    # importing l2l cost 1 s of CPU more)
    first = _in_child(lambda: l2l.resume(path, generations=200))
    ended = False
    try:
        deadline = time.monotonic() + 60
        while not lock_path(path).exists() or not lock_path(path).read_text():
            ended = os.waitpid(first, os.WNOHANG)[0] != 0
            assert time.monotonic() < deadline and not ended
            time.sleep(0.05)
        with pytest.raises(TrajectoryError, match=rf"being written by another process \(pid {first} "):
            l2l.resume(path)
        result = l2l_main("resume", path, "--no-progress", cwd=tmp_path)  # the command, in this process
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0 and "being written by another process" in result.stderr
        before = len(l2l.load(path))
    finally:
        if not ended:
            os.kill(first, signal.SIGKILL)
            os.waitpid(first, 0)
    # the lock of the dead writer is stale: the next writer takes it over and finishes the run
    assert lock_path(path).exists()
    l2l.resume(path, generations=3)
    frame = l2l.load(path)
    assert len(frame) >= before and not frame.duplicated(["generation", "individual"]).any()
    with l2l.Trajectory(path) as trajectory:
        kinds = trajectory.events()["kind"].tolist()
    assert kinds[-1] == "finished"


def test_a_writer_killed_while_it_starts_a_process_leaves_its_lock_to_the_next_writer(tmp_path):
    """A process a writer starts holds the writer's lock from its fork until its exec (the ``git`` provenance asks):
    a writer killed with kill -9 then left its lock held for that moment, and the next writer was refused, naming
    the dead one (test_a_second_writer_of_a_file_is_refused_while_the_first_lives failed so under load)."""
    path = tmp_path / "x.h5"
    read_end, write_end = os.pipe()

    def hold_and_start_a_process():
        WriterLock(path).acquire()
        if os.fork() == 0:  # a process between its fork and its exec, for half a second
            time.sleep(0.5)
            os._exit(0)
        os.write(write_end, b"s")
        time.sleep(120)

    pid = _in_child(hold_and_start_a_process)
    os.close(write_end)
    assert os.read(read_end, 1) == b"s"
    os.close(read_end)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with WriterLock(path) as lock:
        assert lock.held
    assert not lock_path(path).exists()


def test_two_runs_racing_for_one_output_file_leave_one_clean_file(tmp_path):
    config = l2l.from_mapping(FAST)
    path = tmp_path / "race.h5"
    pids = [_in_child(lambda: l2l.run(config, path)) for _ in range(2)]
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    codes = sorted(os.WEXITSTATUS(s) for s in statuses)
    assert codes == [0, 1]  # one wrote the file, the other was refused
    _assert_readable(path)
    assert len(l2l.load(path)) == 30 * 8
    with l2l.Trajectory(path) as trajectory:
        assert (trajectory.events()["kind"] == "started").sum() == 1


def test_a_writer_lock_is_released_by_its_holder_and_refused_to_others_in_one_process(tmp_path):
    path = tmp_path / "x.h5"
    with WriterLock(path):
        with pytest.raises(TrajectoryError, match="being written by another run in this process"):
            WriterLock(path).acquire()
    with WriterLock(path) as again:
        assert again.held
    assert not lock_path(path).exists()


@pytest.mark.parametrize("case, message", [
    ("parent_is_a_file", "is not a folder"),
    ("dangling_symlink", "is a dangling symbolic link"),
    ("existing_file", "already exists"),
    ("unwritable_folder", "cannot write in /proc"),  # permissions say yes, writing fails: before the banner
    ("existing_folder", "is a folder; give --out a file name"),  # (it advised 'l2l resume FOLDER')
])
def test_an_unusable_output_path_is_refused_in_one_line_and_nothing_is_created(tmp_path, case, message):
    config = tmp_path / "c.toml"
    config.write_text('[space]\nx = { low = -1.0, high = 1.0 }\n[optimizer]\nname = "random"\n'
                      '[simulator]\nname = "sphere"\n[backend]\nname = "serial"\n')
    (tmp_path / "afile").write_text("keep me")
    out = {"parent_is_a_file": tmp_path / "afile" / "x.h5", "dangling_symlink": tmp_path / "link.h5",
           "existing_file": tmp_path / "afile", "unwritable_folder": Path("/proc/x.h5"),
           "existing_folder": tmp_path}[case]
    if case == "dangling_symlink":
        out.symlink_to(tmp_path / "nowhere" / "target.h5")
    before = sorted(p.name for p in tmp_path.iterdir())
    result = l2l_main("run", config, "--out", out, cwd=tmp_path)  # in this process: the test is about the path
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr.strip().splitlines()[-1]
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "afile").read_text() == "keep me"
