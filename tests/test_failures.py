"""Failures are data: a failing evaluation is a row with a status and an error, never a crash."""

import distributed  # noqa: F401 - see the lost-worker-timeout below
import numpy as np
import pytest

import l2l
from conftest import make_config

SPACE = {"x": {"low": -2.0, "high": 2.0, "shape": [2]}}


def _python(function, **kwargs):
    return {"name": "python", "function": f"models_for_tests:{function}", "kwargs": kwargs}


@pytest.mark.parametrize("mode, status, text", [
    ("raise", "failed", "simulation diverged for seed"),
    ("nan", "failed", "non-finite objective value"),
    ("wrong", "failed", "missing ['value']"),
    ("exit", "failed", "called sys.exit(0)"),
    ("huge", "failed", "objective 'value': int too large to convert to float"),
    ("none", "failed", "objective 'value' is None"),
])
def test_a_misbehaving_evaluation_becomes_a_failed_row_and_the_run_goes_on(tmp_path, mode, status, text):
    config = make_config(space=SPACE, simulator=_python("flaky", mode=mode), run={"generations": 3})
    path = l2l.run(config, tmp_path / "run.h5")
    frame = l2l.load(path)
    assert len(frame) == 3 * 8
    bad = frame[frame["seed"] % 3 == 0]
    assert len(bad) > 0
    assert (bad["status"] == status).all()
    assert bad["error"].str.contains(text, regex=False).all()
    good = frame[frame["seed"] % 3 != 0]
    assert (good["status"] == "ok").all() and good["error"].isna().all()
    assert l2l.validate(path) == []
    generations = l2l.generations(path)
    assert list(generations["failed"]) == [int((bad["generation"] == g).sum()) for g in range(3)]


def test_an_evaluation_past_its_timeout_is_killed_and_recorded_as_timeout(tmp_path):
    config = make_config(space=SPACE, simulator=_python("flaky", mode="hang"),
                         run={"generations": 1, "timeout": 0.5}, optimizer={"name": "random", "population_size": 6})
    path = l2l.run(config, tmp_path / "run.h5")
    frame = l2l.load(path)
    hung = frame[frame["seed"] % 3 == 0]
    assert len(hung) > 0 and (hung["status"] == "timeout").all()
    assert hung["error"].str.contains("timeout of 0.5 s").all()
    assert (hung["duration"] < 5).all()
    assert (frame.loc[frame["seed"] % 3 != 0, "status"] == "ok").all()


def test_retries_rerun_a_failed_evaluation_and_record_the_attempts(tmp_path):
    config = make_config(space=SPACE, simulator=_python("flaky", mode="raise"),
                         run={"generations": 1, "retries": 2})
    frame = l2l.load(l2l.run(config, tmp_path / "run.h5"))
    bad = frame[frame["seed"] % 3 == 0]
    assert (bad["attempts"] == 3).all()
    assert (frame.loc[frame["seed"] % 3 != 0, "attempts"] == 1).all()
    assert len(frame) == 8  # one row per individual, not per attempt


def test_failed_evaluations_are_told_to_the_optimizer_as_the_configured_penalty(tmp_path):
    told = []
    config = make_config(space=SPACE, simulator=_python("flaky", mode="raise"),
                         run={"generations": 2, "penalty": 1000.0})
    path = l2l.run(config, tmp_path / "run.h5", on_generation=told.append)
    with l2l.Trajectory(path) as trajectory:
        state = trajectory.state(0)["optimizer"]
        frame = trajectory.evaluations()
    first = frame[frame["generation"] == 0]
    # the GA stores larger-is-better scores: the penalty of a minimized objective is -1000
    failed = (first["status"] != "ok").to_numpy()
    assert np.all(state["scores"][failed] == -1000.0)
    assert np.allclose(state["scores"][~failed], -first.loc[~failed, "value"].to_numpy())


def test_a_worker_process_that_dies_is_survived_and_its_evaluation_rerun(tmp_path):
    """With Dask's default config, the path a user's run takes (the dead worker's restart forks from l2l's fork
    server, as the first workers do: tests/test_fork_restart39.py)."""
    marker = tmp_path / "died-once"
    config = make_config(space=SPACE, simulator=_python("once_dies", marker=str(marker)),
                         backend={"name": "local", "workers": 2}, run={"generations": 1})
    frame = l2l.load(l2l.run(config, tmp_path / "run.h5"))
    assert marker.exists()
    assert len(frame) == 8 and (frame["status"] == "ok").all()


def test_when_every_command_fails_the_cli_names_the_programs_message_not_its_working_directory(tmp_path, capsys):
    import sys

    from l2l.cli import main
    from test_slurm import write_toml

    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "cmd", "generations": 1}, "space": {"a": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2}, "backend": {"name": "serial"},
        "simulator": {"name": "command", "argv": [sys.executable, "-c", "print('not json {a}')"]}})
    assert main(["run", str(config), "--no-progress"]) == 1
    err = capsys.readouterr().err
    last = [line for line in err.splitlines() if line.startswith("l2l: every evaluation failed")]
    assert len(last) == 1 and "result is not JSON: 'not json" in last[0] and "workdir" not in last[0], err



def test_a_failed_commands_error_is_the_programs_failure_not_l2ls_traceback(tmp_path):
    """The error of a command that exited non-zero starts with what happened to the program (its exit status,
    its output's tail), not with a Python traceback through l2l's own code the user did not write."""
    import sys

    config = l2l.from_mapping({
        "run": {"name": "cmd", "generations": 1}, "space": {"a": {"type": "float", "low": 0.0, "high": 1.0}},
        "optimizer": {"name": "random", "population_size": 2}, "backend": {"name": "serial"},
        "simulator": {"name": "command", "argv": [sys.executable, "-c",
                                                  "import sys; print('model blew up'); sys.exit(3)"]}})
    frame = l2l.load(l2l.run(config, tmp_path / "cmd.h5"))
    assert (frame["status"] == "failed").all()
    for error in frame["error"]:
        assert error.startswith("EvaluationError: command exited with status 3"), error
        assert "Traceback" not in error and "model blew up" in error, error

def test_workers_killed_again_and_again_are_restarted_until_the_run_ends(tmp_path):
    """A worker that dies is restarted by its nanny; Dask's LocalCluster also closes a nanny whose worker has
    not come back ``distributed.deploy.lost-worker-timeout`` after a death (15 s by default), and when the
    worker died again at that instant, the nanny went for good: with every nanny gone the run waited forever
    (a user's simulator killing its worker for 20 % of candidates hung a run for 10 minutes). The embedded
    cluster never gives its workers up. A short timeout in the user's Dask config makes the race certain.

    Each evaluation that kills its worker also becomes a failed row naming the worker, the others ok (this test
    also stands for the in-process run of the same evaluations, merged into it: one generation of three such
    evaluations is six deaths, which the two workers' nannies survive only without the timeout). The user's Dask
    config is as it was after the run (this test stands for the test of that, merged into it: before, the run
    left its own 3650 days there).

    In this process, with the user's Dask config set as a Python user sets it (distributed is imported above so
    that its defaults are in Dask's config before it is set: a dask.config.set of a section not there yet takes the
    whole section away as it ends, distributed's defaults loaded meanwhile with it), the restarted workers fork from
    l2l's fork server, and a hang a stop asked after 300 s, which fails below (it was a 'python -m l2l' process given
    the timeout in DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT, and each of its some six restarts spawned an
    interpreter: 8 s of CPU; still hangs where the cluster gives a nanny up; 120 s was too short at load 15)."""
    import threading

    import dask

    from l2l.control import RunControl

    config = make_config(space=SPACE, simulator=_python("flaky", mode="die"), backend={"name": "local", "workers": 2},
                         optimizer={"name": "random", "population_size": 6}, run={"name": "dies", "generations": 1})
    control = RunControl()
    hung = threading.Timer(300, control.request_stop, ("hung",))
    hung.start()
    try:
        with dask.config.set({"distributed.deploy.lost-worker-timeout": "200ms"}):
            path = l2l.run(config, tmp_path / "dies.h5", control=control, progress=False)
            assert dask.config.get("distributed.deploy.lost-worker-timeout") == "200ms"  # the user's, after the run
    finally:
        hung.cancel()
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.finished(), "the run hung with its workers killed (stopped after 300 s)"
    frame = l2l.load(path)
    dead = frame[frame["seed"] % 3 == 0]
    assert len(frame) == 6 and len(dead) > 0 and (dead["status"] == "failed").all()
    assert dead["error"].str.contains("worker").all()
    assert (frame.loc[frame["seed"] % 3 != 0, "status"] == "ok").all()


def test_sys_exit_in_a_local_worker_is_a_failed_row_not_a_dead_worker(tmp_path):
    """On the local backend, a simulator's sys.exit() fails its evaluation only: no worker is lost (it was
    reported as 'worker died: KilledWorker' after about 30 s of restarts)."""
    config = make_config(space=SPACE, simulator=_python("flaky", mode="exit"), run={"generations": 1},
                         backend={"name": "local", "workers": 2})
    frame = l2l.load(l2l.run(config, tmp_path / "run.h5"))
    bad = frame[frame["seed"] % 3 == 0]
    assert len(bad) > 0 and (bad["status"] == "failed").all()
    assert bad["error"].str.contains("called sys.exit(0)", regex=False).all()
    assert (frame[frame["seed"] % 3 != 0]["status"] == "ok").all()
