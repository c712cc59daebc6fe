"""Crash safety and resume: a killed and resumed run equals an uninterrupted one."""

import os
import select
import signal
import time
import traceback
from pathlib import Path

import numpy as np

import l2l
from l2l.results_schema.validate import validate
from conftest import comparable, make_config

SLEEPY = {"run": {"name": "sleepy", "seed": 11, "generations": 40},
          "space": {"x": {"low": -3.0, "high": 3.0, "shape": [2]}, "k": {"type": "int", "low": 0, "high": 3}},
          "optimizer": {"name": "ga", "population_size": 6},
          "simulator": {"name": "sleep", "median": 0.01, "sigma": 0.5},
          "backend": {"name": "serial"}}


class _Forked:
    """A forked child running or resuming SLEEPY into ``path``, answering as much of ``subprocess.Popen`` as the
    test asks (poll, wait, pid, returncode). The parent has imported everything: no interpreter start-up per
    start (1.5-3 s of CPU under load each, a process of its own per kill before). ``commits``: a pipe the child
    writes a byte to each time it has committed a generation to the file."""

    def __init__(self, command: str, path) -> None:
        self.returncode = None
        self.commits, write_end = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # pragma: no cover - runs in the child
            try:
                from l2l.results_schema import writer as writer_module

                original = writer_module.TrajectoryWriter.commit_generation

                def commit_generation(writer, *args, **kwargs):
                    original(writer, *args, **kwargs)
                    os.write(write_end, b"c")

                writer_module.TrajectoryWriter.commit_generation = commit_generation
                config = l2l.from_mapping(SLEEPY)
                l2l.run(config, path) if command == "run" else l2l.resume(path)
            except BaseException:  # noqa: BLE001 - said, then the child ends without the parent's cleanup
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os.close(write_end)

    def _status(self, status: int) -> int:
        self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        os.close(self.commits)
        return self.returncode

    def poll(self):
        if self.returncode is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self._status(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self._status(os.waitpid(self.pid, 0)[1])
        return self.returncode


def _start(command: str, path) -> _Forked:
    return _Forked(command, path)


def _until_it_works(process: _Forked, timeout: float = 120.0) -> None:
    """Wait until ``process`` has committed a generation to the file (the first since it started), or ended.
    (The test's process read the file every 50 ms for that before: several seconds of CPU a test.)"""
    if select.select([process.commits], [], [], timeout)[0]:
        os.read(process.commits, 1)


def test_a_run_killed_with_sigkill_and_resumed_equals_an_uninterrupted_run(tmp_path):
    # the uninterrupted run (3 s of sleeps) first: no thread of this process may hold a lock when it forks
    reference = l2l.run(l2l.from_mapping(SLEEPY), tmp_path / "reference.h5")
    path = tmp_path / "killed.h5"
    rng = np.random.default_rng(0)
    process = _start("run", path)
    kills = 0
    while True:
        _until_it_works(process)  # however slowly it starts on a loaded machine
        time.sleep(rng.uniform(0.0, 1.0))
        if process.poll() is not None:
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        if not path.exists():  # killed before the file was created: nothing to resume
            process = _start("run", path)
            continue
        assert validate(path) == [], "the file must stay valid after kill -9"
        with l2l.Trajectory(path) as trajectory:
            if trajectory.finished():  # it finished just before the kill
                break
        kills += 1
        process = _start("resume", path)
    assert process.returncode in (0, -signal.SIGKILL)
    assert kills >= 2
    resumed, uninterrupted = l2l.load(path), l2l.load(reference)
    assert len(resumed) == 40 * 6
    assert comparable(resumed).equals(comparable(uninterrupted))
    assert l2l.generations(path)["generation"].tolist() == list(range(40))
    with l2l.Trajectory(path) as trajectory:
        # a resume killed before it opened the file left no event
        assert 1 <= (trajectory.events()["kind"] == "resumed").sum() <= kills


def _writing_child(config: dict, path, create: bool, write_end: int) -> int:
    """Fork a child that runs (``create``) or resumes ``config`` into ``path``, writing one byte to ``write_end``
    as its writer opens the file; its pid. The parent has imported everything: no interpreter start-up."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            from l2l.results_schema import writer as writer_module

            original = writer_module.TrajectoryWriter._open

            def _open(self):
                os.write(write_end, b"o")
                original(self)

            writer_module.TrajectoryWriter._open = _open
            l2l.run(l2l.from_mapping(config), path) if create else l2l.resume(path)
        except BaseException:  # noqa: BLE001 - said, then the child ends without the parent's cleanup
            traceback.print_exc()
        finally:
            os._exit(1)
    return pid


def _cpu_seconds(pid: int) -> tuple[float, bool]:
    """The CPU seconds (user and system) process ``pid`` has used, and whether it is still running."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), fields[0] != "Z"


def _until_it_spent(pid: int, seconds: float, timeout: float = 120.0) -> None:
    """Wait until process ``pid`` has used ``seconds`` more of CPU time (or ended)."""
    start, running = _cpu_seconds(pid)
    deadline = time.monotonic() + timeout
    while running and time.monotonic() < deadline:
        spent, running = _cpu_seconds(pid)
        if spent - start >= seconds:
            return
        time.sleep(0.01)


def test_kill_minus_nine_during_heavy_writing_leaves_a_valid_file_that_resumes(tmp_path):
    """Kills land mostly inside HDF5 writes: a no-op simulator makes writing the main work."""
    config = {**SLEEPY, "run": {"name": "busy", "seed": 2, "generations": 100000},
              "optimizer": {"name": "random", "population_size": 500}, "simulator": {"name": "noop"}}
    path = tmp_path / "busy.h5"
    rng = np.random.default_rng(1)
    for attempt in range(4):
        read_end, write_end = os.pipe()
        pid = _writing_child(config, path, attempt == 0, write_end)
        os.close(write_end)
        # The kills are meant for the writing: the clock starts as the writer opens the file, after the creation
        # or a resume's repair (kills during those: test_writer_safety), however long they take under load.
        # (It was a process started per attempt and the clock started once the file existed, 1.5-3 s before the
        # kill: the interpreter's start-up and the repair took part of that time.)
        assert select.select([read_end], [], [], 120)[0] and os.read(read_end, 1) == b"o", "the writer never opened"
        os.close(read_end)
        # Seconds of writing before each kill, counted in the child's CPU time (0.2-0.6 s, some 2-6 generations of
        # 500 rows): on a loaded machine the wall-clock seconds of before (0.5-1.5 s) could pass with too little
        # writing for the generations asserted below (it failed so at load 10).
        _until_it_spent(pid, rng.uniform(0.2, 0.6))
        os.kill(pid, signal.SIGKILL)
        assert os.WIFSIGNALED(os.waitpid(pid, 0)[1])  # killed while writing
        assert validate(path) == []
        frame = l2l.load(path)
        assert not frame.duplicated(["generation", "individual"]).any()
    assert l2l.generations(path)["generation"].max() >= 3


def test_resume_extends_a_finished_run_with_more_generations(tmp_path):
    config = make_config(run={"generations": 3})
    path = l2l.run(config, tmp_path / "short.h5")
    l2l.resume(path, generations=5)
    longer = l2l.run(make_config(run={"generations": 5}), tmp_path / "long.h5")
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(longer)))


def test_an_interrupted_generation_reuses_the_evaluations_already_stored(tmp_path):
    from l2l.control import RunControl

    control = RunControl()
    config = make_config(run={"generations": 3}, simulator={"name": "sleep", "median": 0.005})
    path = tmp_path / "stopped.h5"
    # stop in the middle of generation 1 through the stop flag, as SLURM's walltime signal does
    import l2l.driver
    import l2l.loop as loop_module

    evaluations = []
    original_append = loop_module.trajectory_writer.TrajectoryWriter.append

    def append(self, outcomes, params):
        original_append(self, outcomes, params)
        evaluations.extend(outcomes)
        if len(evaluations) >= 11:
            control.request_stop("test")

    loop_module.trajectory_writer.TrajectoryWriter.append = append
    try:
        l2l.driver.FLUSH_SECONDS = 0.0
        l2l.run(config, path, control=control)
    finally:
        loop_module.trajectory_writer.TrajectoryWriter.append = original_append
        l2l.driver.FLUSH_SECONDS = 1.0
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 1
        stored = trajectory.n_evaluations
        assert stored > 8
        assert trajectory.events()["kind"].iloc[-1] == "stopped"
    l2l.resume(path)
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    assert '"reused": %d' % (stored - 8) in events["detail"].iloc[-2]
    reference = l2l.run(config, tmp_path / "reference.h5")
    assert comparable(l2l.load(path)).equals(comparable(l2l.load(reference)))
