"""Every attempt of a segment counts as compute: a segment that fails and is retried (run.retries) costs its
budget - from_budget per attempt, in run.compute, the stored state, l2l show, l2l.load, the progress bar and
l2l compare, after a resume and a kill -9 too, and in a file written when l2l counted it once."""

from __future__ import annotations

import json
import os
import select
import time

import numpy as np
import pytest

import l2l
from conftest import TESTS
from l2l.cli import main
from l2l.plot.compare import table
from l2l.progress import Progress
from l2l.results_schema.validate import validate
from test_writer_safety import _kill_after

UNIT = "steps"


def config(markers, compute: float, retries: int = 1, seed: int = 1, function: str = "fails_once", pause: float = 0.0):
    """ASHA over a curve whose first attempt fails on every segment of one candidate in three (``function``: another
    simulator of tests/models_retry_compute.py, given the same keyword arguments; ``pause``: seconds each attempt
    waits)."""
    return l2l.from_mapping({
        "run": {"seed": seed, "compute": compute, "retries": retries},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": f"models_retry_compute:{function}",
                      "kwargs": {"markers": str(markers), **({"pause": pause} if pause else {})},
                      "multi_fidelity": {"name": "steps", "unit": UNIT, "minimum": 1, "maximum": 27}},
        "backend": {"name": "serial"}}, base_dir=TESTS)


def markers(tmp_path, name: str = "markers"):
    folder = tmp_path / name
    folder.mkdir()
    return folder


def file_rows(path, stop: int | None = None) -> dict[str, np.ndarray]:
    """The segments' budget, from_budget and attempts in file order (the order they finished)."""
    with l2l.Trajectory(path) as trajectory:
        return trajectory.rows(("budget", "from_budget", "attempts"), 0, stop)


def honest(rows: dict[str, np.ndarray]) -> np.ndarray:
    """Each segment's compute: its cost per attempt times its attempts."""
    return (rows["budget"] - rows["from_budget"]) * rows["attempts"]


def stored(path) -> tuple[float, int, float]:
    """The last committed state's compute and rows, and the compute of the finished event."""
    with l2l.Trajectory(path) as trajectory:
        loop = trajectory.state()["loop"]
        detail = json.loads(trajectory.events()["detail"].iloc[-1])
    return float(loop["compute"]), int(loop["rows"]), float(detail.get("compute", np.nan))


def shown_compute(path, capsys) -> str:
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    return line.split("compute ", 1)[1].split(",")[0]


def assert_every_figure_counts_every_attempt(path, capsys, allowed: float) -> float:
    rows = file_rows(path)
    spent = float(honest(rows).sum())
    assert (rows["attempts"] == 2).sum() >= 5  # the figure below differs from one that counts segments once
    assert spent > float((rows["budget"] - rows["from_budget"]).sum())
    compute, committed, finished = stored(path)
    assert committed == len(rows["budget"])
    assert compute == spent and finished == spent
    assert shown_compute(path, capsys) == f"{spent:g} of {allowed:g} {UNIT}"
    assert float(l2l.load(path)["compute"].sum()) == spent
    assert float(l2l.load(path, columns=["trial", "compute"])["compute"].sum()) == spent
    assert float(table([path])[f"compute ({UNIT})"].iloc[0]) == spent
    return spent


def _start(action) -> tuple[int, int]:
    """Fork a child that runs ``action``, committing every 20 ms and writing a byte to a pipe after each commit;
    returns (its pid, the pipe's read end)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            import l2l.driver
            commit = l2l.driver._Loop.commit

            def signalling_commit(self, *args, **kwargs):
                commit(self, *args, **kwargs)
                os.write(write_end, b"c")

            l2l.driver.FLUSH_SECONDS = 0.02
            l2l.driver._Loop.commit = signalling_commit
            action()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    os.close(write_end)
    return pid, read_end


def _after_commits(read_end: int, count: int, timeout: float = 60.0) -> None:
    """Wait until the child committed ``count`` times (or ended)."""
    seen, deadline = 0, time.monotonic() + timeout
    while seen < count and time.monotonic() < deadline:
        if select.select([read_end], [], [], 0.5)[0]:
            data = os.read(read_end, 64)
            if not data:  # the child ended
                return
            seen += len(data)


def test_a_retried_segment_costs_every_attempt_and_run_compute_stops_the_run_accordingly(tmp_path, capsys,
                                                                                          monkeypatch):
    moved: list[int] = []
    update = Progress.update

    def counting(self, n, *args, **kwargs):
        moved.append(n)
        update(self, n, *args, **kwargs)

    monkeypatch.setattr(Progress, "update", counting)
    path = l2l.run(config(markers(tmp_path), 300), tmp_path / "retried.h5", progress=True)
    assert validate(path) == []
    spent = assert_every_figure_counts_every_attempt(path, capsys, 300)
    assert sum(moved) == spent  # the progress bar moved by every attempt
    # One segment at a time (serial): each started while the compute of the attempts before it was below
    # run.compute, and the run stopped once it was not, counting failed attempts.
    costs = honest(file_rows(path))
    assert spent - costs[-1] < 300 <= spent
    once = file_rows(path)
    assert float((once["budget"] - once["from_budget"]).sum()) < 300  # a run that counted once went on


def test_the_figure_survives_a_resume_that_raises_run_compute(tmp_path, capsys):
    folder = markers(tmp_path)
    path = l2l.run(config(folder, 120), tmp_path / "resumed.h5")
    first = assert_every_figure_counts_every_attempt(path, capsys, 120)
    l2l.resume(path, compute=400)
    spent = assert_every_figure_counts_every_attempt(path, capsys, 400)
    assert spent > first
    assert spent - honest(file_rows(path))[-1] < 400 <= spent


def test_kill_minus_nine_and_resume_keep_every_attempt_in_the_stored_figure(tmp_path, capsys):
    path = tmp_path / "killed.h5"
    rng = np.random.default_rng(3)
    # run.compute 300 and six rounds of killing (each kills at once, the resume it starts pays its start-up): it was
    # 3000 and twelve, some 330 commits at the child's 20 ms, most of them the last resume's after the rounds, which
    # no kill reached. Each attempt waits 5 ms: the run's 102 segments took 0.13 s on a fast Intel core, so that its
    # first resume finished before the second kill (1 kill of the 2 asserted); now they take 0.6 s or more
    pid, pipe = _start(lambda: l2l.run(config(markers(tmp_path), 300, pause=0.005), path))
    kills = 0
    for _ in range(6):
        _after_commits(pipe, int(rng.integers(1, 3)))
        status = _kill_after(pid, rng.uniform(0.0, 0.06))
        os.close(pipe)
        kills += os.WIFSIGNALED(status)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
        assert validate(path) == []
        with l2l.Trajectory(path) as trajectory:
            done = trajectory.finished()
            if trajectory.n_generations:  # what the last commit counted: every attempt of the rows it holds
                loop = trajectory.state()["loop"]
                assert loop["compute"] == float(honest(file_rows(path, int(loop["rows"]))).sum())
        if done:
            break
        pid, pipe = _start(lambda: l2l.resume(path))
    else:
        os.waitpid(pid, 0)
        os.close(pipe)
    assert kills >= 2
    spent = assert_every_figure_counts_every_attempt(path, capsys, 300)
    assert spent - honest(file_rows(path))[-1] < 300 <= spent


def test_a_file_that_counted_a_retried_segment_once_reads_and_resumes_with_every_attempt(tmp_path, capsys,
                                                                                          monkeypatch):
    import l2l.driver
    from l2l import driver_state

    every_attempt = getattr(driver_state, "EVERY_ATTEMPT", "every_attempt")

    def as_before(components):  # the state of an l2l that did not say it counts every attempt
        state = driver_state.initial_state(components)
        state["loop"].pop(every_attempt, None)
        return state

    record = l2l.driver._Loop.record

    def counting_once(self, trial, outcome, task=None, reused=False):
        record(self, trial, outcome, task, reused)
        if task is not None:  # what that l2l counted: each segment once, however many attempts ran it
            self.loop["compute"] -= (outcome.budget - task.from_budget) * outcome.attempt

    with monkeypatch.context() as patched:
        patched.setattr(l2l.driver, "initial_state", as_before)
        patched.setattr(l2l.driver._Loop, "record", counting_once)
        path = l2l.run(config(markers(tmp_path), 150), tmp_path / "before.h5")
    rows = file_rows(path)
    once = float((rows["budget"] - rows["from_budget"]).sum())
    compute, _, _ = stored(path)
    assert compute == once < float(honest(rows).sum())  # the file stores the figure of the segments once
    # read: counted from the rows, every attempt
    assert shown_compute(path, capsys) == f"{float(honest(rows).sum()):g} of 150 {UNIT}"
    assert float(l2l.load(path)["compute"].sum()) == float(honest(rows).sum())
    # resumed: the stored figure is brought to every attempt first, then run.compute holds the run to it
    l2l.resume(path, compute=400)
    spent = assert_every_figure_counts_every_attempt(path, capsys, 400)
    assert spent - honest(file_rows(path))[-1] < 400 <= spent
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.state()["loop"][every_attempt] is True


@pytest.mark.parametrize("retries", [0, 2])
def test_without_retries_or_with_spare_ones_a_segment_counts_its_attempts(tmp_path, retries):
    # retries = 0: a failed first attempt is the segment's result (one attempt); 2: the second one succeeds
    path = l2l.run(config(markers(tmp_path), 100, retries=retries), tmp_path / "r.h5")
    rows = file_rows(path)
    assert set(rows["attempts"].tolist()) == ({1} if retries == 0 else {1, 2})
    assert stored(path)[0] == float(honest(rows).sum())


def test_a_simulator_that_always_fails_ends_at_run_compute_however_many_retries_are_allowed(tmp_path):
    """A retry is a new attempt: none starts once run.compute is spent. Before, a run whose simulator failed every
    attempt, with a million retries allowed, retried its first segment without end (each attempt counted, the run
    never reached its end)."""
    run = config(markers(tmp_path), 60, retries=1_000_000, function="always_fails")
    path = l2l.run(run, tmp_path / "broken.h5")
    rows = file_rows(path)
    costs = honest(rows)
    assert len(costs) >= 1 and (rows["attempts"] >= 2).any()  # it retried while compute was left
    assert costs.sum() - rows["budget"].max() < 60 <= costs.sum()  # and stopped at run.compute, by one attempt
    with l2l.Trajectory(path) as trajectory:
        assert (trajectory.rows(("status",))["status"] != 0).all()  # every segment recorded as failed
    assert validate(path) == []
