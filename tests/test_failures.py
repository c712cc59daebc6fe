"""Failures are data: a failing evaluation is a row with a status and an error, never a crash."""

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
    evaluations is six deaths, which the two workers' nannies survive only without the timeout)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from test_slurm import write_toml

    config = write_toml(tmp_path / "c.toml", {
        "run": {"name": "dies", "generations": 1}, "space": SPACE,
        "optimizer": {"name": "random", "population_size": 6},
        "simulator": _python("flaky", mode="die"), "backend": {"name": "local", "workers": 2}})
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'tests'}",
           "DASK_DISTRIBUTED__DEPLOY__LOST_WORKER_TIMEOUT": "200ms"}
    try:
        done = subprocess.run([sys.executable, "-m", "l2l", "run", str(config), "--no-progress"], env=env,
                              capture_output=True, text=True, timeout=180, cwd=tmp_path)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the run hung with its workers killed: {exc.stderr}")
    assert done.returncode == 0, done.stderr
    frame = l2l.load(tmp_path / "dies.h5")
    dead = frame[frame["seed"] % 3 == 0]
    assert len(frame) == 6 and len(dead) > 0 and (dead["status"] == "failed").all()
    assert dead["error"].str.contains("worker").all()
    assert (frame.loc[frame["seed"] % 3 != 0, "status"] == "ok").all()


def test_the_local_cluster_gives_the_users_dask_config_back_after_the_run(tmp_path):
    import dask

    before = dask.config.get("distributed.deploy.lost-worker-timeout")
    config = make_config(space=SPACE, simulator={"name": "sphere"}, backend={"name": "local", "workers": 2},
                         optimizer={"name": "random", "population_size": 2}, run={"generations": 1})
    assert len(l2l.load(l2l.run(config, tmp_path / "run.h5"))) == 2
    assert dask.config.get("distributed.deploy.lost-worker-timeout") == before


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
