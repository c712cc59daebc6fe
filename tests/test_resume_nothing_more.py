"""`l2l resume FILE --compute X` of a finished run whose policy has nothing more to run (every candidate of a
one-line sweep completed or stopped, every PBT member at the top budget) decides so before any worker starts:
one line says why, nothing is written, exit 0. It started the backend and wrote a resumed and a finished event
for nothing. A run whose compute ran out with candidates paused still goes on with more compute."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import pytest

import l2l
from conftest import TESTS

CANDIDATES = 9


def sweep(policy: str, **run) -> l2l.RunConfig:
    return l2l.from_mapping({
        "run": {"name": "sweep", "seed": 3, "generations": 1, "policy": policy, **run},
        "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random", "population_size": CANDIDATES},
        "simulator": {"name": "sleep", "median": 0.0, "max_budget": 9}, "backend": {"name": "serial"}})


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "l2l", *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=TESTS)


def finished(path) -> dict:
    with l2l.Trajectory(path) as trajectory:
        events = trajectory.events()
    assert events["kind"].iloc[-1] == "finished"
    return json.loads(events["detail"].iloc[-1])


def resumes(path) -> int:
    with l2l.Trajectory(path) as trajectory:
        return int((trajectory.events()["kind"] == "resumed").sum())


@pytest.fixture(scope="module")
def used_up(tmp_path_factory):
    """One-line sweeps that ran all their candidates."""
    folder = tmp_path_factory.mktemp("used")
    return {policy: l2l.run(sweep(policy), folder / f"{policy}.h5")
            for policy in ("successive-halving", "asha", "median-stopping", "hyperband", "pbt")}


@pytest.fixture
def no_workers(monkeypatch):
    from l2l.jobs.dask import LocalExecutor

    def refuse(*args, **kwargs):
        raise AssertionError("a worker was started for a run with nothing more to run")

    monkeypatch.setattr(LocalExecutor, "prepare", refuse)


def test_more_compute_for_a_used_up_sweep_says_why_in_one_line_and_writes_nothing(used_up):
    path = used_up["successive-halving"]
    before = digest(path)
    done = cli("resume", path, "--compute", 1000, "--backend", "local", "--no-progress")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "has finished" in lines[0]
    assert lines[0].endswith(
        f"nothing more to run: all {CANDIDATES} candidates of the sweep were evaluated (completed or stopped by "
        f"policy 'successive-halving'); their number ([policy] max_candidates = {CANDIDATES}; run.generations x "
        f"population_size in a one-line sweep) is fixed when the run starts: for more, start a new run with a "
        f"larger [policy] max_candidates (more run.generations in a one-line sweep)")
    assert "best" in done.stdout and "done in" not in done.stdout
    assert digest(path) == before
    # a plain resume (a requeued job's) says the same, rather than advise raising --compute
    plain = cli("resume", path, "--no-progress")
    assert plain.returncode == 0 and plain.stderr.strip().splitlines() == lines
    assert digest(path) == before


@pytest.mark.parametrize("policy", ["successive-halving", "asha", "median-stopping", "hyperband", "pbt"])
def test_no_worker_starts_for_a_used_up_policy_run_whatever_budget_is_raised(used_up, no_workers, policy):
    path = used_up[policy]
    before, said = digest(path), []
    assert l2l.resume(path, compute=1000, evaluations=10_000, max_time=3600, backend="local",
                      nothing_more=lambda trajectory, why: said.append(why)) == path
    assert digest(path) == before and len(said) == 1
    what = "members of policy 'pbt' were trained to the top budget" if policy == "pbt" else \
        "candidates of the sweep were evaluated"
    assert said[0].startswith(f"all {CANDIDATES} {what}")


@pytest.mark.parametrize("policy", ["successive-halving", "asha", "pbt"])
def test_a_run_whose_compute_ran_out_with_candidates_paused_goes_on_with_more(tmp_path, policy):
    path = l2l.run(sweep(policy, compute=10), tmp_path / "short.h5")
    assert finished(path)["policy_done"] is False and finished(path)["compute"] < 30
    before = digest(path)
    l2l.resume(path, compute=1000)  # the paused candidates (and, in a sweep, the ones not started) go on
    assert digest(path) != before and resumes(path) == 1
    detail = finished(path)
    assert detail["policy_done"] is True and detail["compute"] > 10
    states = l2l.load(path)["state"]
    assert (states == "completed").any() and set(states) <= {"completed", "stopped"}
    # now used up: more compute again runs nothing
    again = tmp_path / "again.h5"
    shutil.copy(path, again)
    said = []
    l2l.resume(again, compute=2000, nothing_more=lambda trajectory, why: said.append(why))
    assert len(said) == 1 and digest(again) == digest(path)
