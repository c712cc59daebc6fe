"""Asynchronous (steady-state) mode: same file, no result counted twice, resumable."""

import os
import signal
import time

import pytest

import l2l
from l2l.errors import ConfigError
from conftest import make_config

ASYNC = {"run": {"name": "steady", "seed": 4, "generations": 6, "mode": "async"},
         "space": {"x": {"low": -2.0, "high": 2.0, "shape": [2]}},
         "optimizer": {"name": "random", "population_size": 5},
         "simulator": {"name": "sleep", "median": 0.02, "sigma": 1.0},
         "backend": {"name": "serial"}}
#: ASYNC with evaluations of a few milliseconds, for the tests on the serial backend, where what an evaluation takes
#: decides nothing (one at a time, told in order) and the sleeps of ASYNC were only waited for.
QUICK = {**ASYNC, "simulator": {"name": "sleep", "median": 0.002, "sigma": 1.0}}


def test_async_mode_writes_one_row_per_evaluation_in_generation_sized_batches(tmp_path):
    path = l2l.run(l2l.from_mapping({**ASYNC, "backend": {"name": "local", "workers": 2}}), tmp_path / "a.h5")
    frame = l2l.load(path)
    assert len(frame) == 30 and not frame.duplicated(["generation", "individual"]).any()
    assert sorted(frame["generation"].unique()) == list(range(6))
    assert (frame["status"] == "ok").all()
    assert list(l2l.generations(path)["evaluations"]) == [5, 10, 15, 20, 25, 30]
    assert l2l.validate(path) == []
    # seeds depend only on (run seed, generation, individual)
    assert all(seed == l2l.evaluation_seed(4, g, i)
               for seed, g, i in zip(frame["seed"], frame["generation"], frame["individual"]))


def test_async_mode_on_the_serial_backend_is_reproducible(tmp_path):
    first = l2l.load(l2l.run(l2l.from_mapping(QUICK), tmp_path / "a.h5"))
    second = l2l.load(l2l.run(l2l.from_mapping(QUICK), tmp_path / "b.h5"))
    columns = ["generation", "individual", "seed", "x[0]", "x[1]", "value"]
    assert first[columns].equals(second[columns])


def test_async_mode_needs_an_optimizer_that_takes_results_one_at_a_time():
    with pytest.raises(ConfigError, match="run.mode = 'async' needs an optimizer") as error:
        l2l.loop.build(make_config(run={"mode": "async"}))
    assert "random" in str(error.value) and "tpe" in str(error.value)


def test_a_killed_async_run_resumes_without_counting_anything_twice(tmp_path):
    from test_writer_safety import _in_child

    # 20 batches of 5 evaluations of about 33 ms: the kill comes at the third, well before the end under any load
    # (it was 40, and the resume slept through 37 of them)
    config = l2l.from_mapping({**ASYNC, "run": {**ASYNC["run"], "generations": 20}})
    path = tmp_path / "killed.h5"
    # a forked child (a 'python -c' process spent a second of CPU importing l2l), killed with kill -9
    pid = _in_child(lambda: l2l.run(config, path, progress=False))
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.1)
        if path.exists():
            with l2l.Trajectory(path) as trajectory:
                if trajectory.n_generations >= 3:
                    break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    with l2l.Trajectory(path) as trajectory:
        assert 3 <= trajectory.n_generations < 20  # killed mid-run
    l2l.resume(path)
    frame = l2l.load(path)
    assert len(frame) == 100 and not frame.duplicated(["generation", "individual"]).any()
    assert l2l.validate(path) == []


def test_an_async_run_killed_between_appending_a_batch_and_committing_it_stores_nothing_twice(tmp_path):
    from l2l.results_schema import writer as writer_module
    from test_writer_safety import _in_child

    config = l2l.from_mapping(QUICK)
    reference = l2l.load(l2l.run(config, tmp_path / "reference.h5"))
    path = tmp_path / "killed.h5"

    def die_before_the_third_commit():
        commits = []
        original = writer_module.TrajectoryWriter.commit_generation

        def commit_generation(self, *args, **kwargs):
            if len(commits) == 2:
                os._exit(9)  # the batch's rows are appended, its state is not
            commits.append(1)
            original(self, *args, **kwargs)

        writer_module.TrajectoryWriter.commit_generation = commit_generation
        l2l.run(config, path)

    _, status = os.waitpid(_in_child(die_before_the_third_commit), 0)
    assert os.WEXITSTATUS(status) == 9
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 2 and trajectory.n_evaluations == 15  # a batch beyond the state
    l2l.resume(path)
    frame = l2l.load(path)
    assert not frame.duplicated(["generation", "individual"]).any() and len(frame) == 30
    columns = ["generation", "individual", "seed", "x[0]", "x[1]", "value"]
    assert frame[columns].equals(reference[columns])
