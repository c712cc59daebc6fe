"""l2l resume refuses a budget at or below what the run has done: one line, exit 2, the file untouched."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

import l2l
from conftest import TESTS, make_config
from inprocess_cli import l2l_main


def cli(*args: str) -> subprocess.CompletedProcess:
    """``l2l ARGS`` in this process (the tests are about what resume says and writes, not about the process)."""
    return l2l_main(*args, cwd=TESTS)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def ga_run(tmp_path_factory):
    """8 generations of a GA of 8 on the serial backend, 64 evaluations."""
    path = tmp_path_factory.mktemp("ga") / "ga.h5"
    return l2l.run(make_config(run={"generations": 8}), path, progress=False)


@pytest.fixture(scope="module")
def asha_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("asha") / "asha.h5"
    config = l2l.from_mapping({
        "run": {"seed": 1, "compute": 30}, "space": {"x": {"low": -5.0, "high": 5.0, "shape": [2]}},
        "optimizer": {"name": "random"}, "policy": {"name": "asha", "eta": 3},
        "simulator": {"name": "python", "function": "models_compute_limit:curve",
                      "multi_fidelity": {"name": "steps", "unit": "steps", "minimum": 1, "maximum": 9}},
        "backend": {"name": "serial"}}, base_dir=TESTS)
    return l2l.run(config, path, progress=False)


@pytest.mark.parametrize("option, value, message", [
    ("--generations", 3, "the run has 8 generations already; --generations must be at least 8"),
    ("--generations", 7, "the run has 8 generations already; --generations must be at least 8"),
    ("--evaluations", 63, "the run has 64 evaluations already; --evaluations must be at least 64"),
])
def test_resume_with_a_generational_budget_already_reached_is_refused(ga_run, option, value, message):
    before = digest(ga_run)
    done = cli("resume", ga_run, option, value, "--backend", "local")  # no cluster may start either
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [f"l2l: error: {message}"]
    assert digest(ga_run) == before
    assert "8 of 8 generations" in cli("show", ga_run).stdout


def test_resume_with_compute_already_spent_is_refused(asha_run):
    before = digest(asha_run)
    done = cli("resume", asha_run, "--compute", 25)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "l2l: error: the run has 30 steps spent already; --compute must be at least 30"]  # the fidelity's unit
    assert digest(asha_run) == before


def test_a_raised_budget_where_the_compute_still_binds_names_the_fidelitys_unit(asha_run):
    before = digest(asha_run)
    done = cli("resume", asha_run, "--max-time", 100000, "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("its 30 steps of compute (run.compute) are used up: raise --compute too"), \
        done.stderr
    assert digest(asha_run) == before


def test_resume_with_a_budget_above_what_was_done_still_extends_the_run(tmp_path):
    path = l2l.run(make_config(run={"generations": 2}), tmp_path / "two.h5", progress=False)
    with pytest.raises(l2l.errors.ConfigError, match="generations= must be at least 2"):
        l2l.resume(path, generations=1)
    with pytest.raises(l2l.errors.ConfigError, match=r"seconds of run time used already; max_time= must be at least"):
        l2l.resume(path, max_time=0.001)  # the two generations took longer than a millisecond
    l2l.resume(path, generations=3)
    assert l2l.load(path)["generation"].max() == 2


@pytest.mark.parametrize("extra", [[], ["--generations", "8"], ["--evaluations", "64", "--backend", "local"]])
def test_resume_of_a_finished_run_without_a_new_budget_leaves_it_as_it_is(ga_run, extra):
    # what a requeued SLURM job does when its run finished meanwhile: exit 0, say so, write nothing
    before = digest(ga_run)
    done = cli("resume", ga_run, "--no-progress", *extra)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"l2l 0.1.0: test in {ga_run} has finished (8 of 8 generations, 64 evaluations (0 failed)): nothing to "
        f"resume; to extend it, raise a budget (--generations, --evaluations or --max-time)"]
    assert "best 5 by" in done.stdout and "done in" not in done.stdout
    assert digest(ga_run) == before  # it wrote a 'resumed' and a 'finished' event (and started the backend)


def test_resume_of_a_finished_run_starts_no_worker_and_returns_its_path(ga_run, monkeypatch):
    from l2l.jobs.dask import LocalExecutor

    def refuse(*args, **kwargs):
        raise AssertionError("a worker was started for a run with nothing left to do")

    monkeypatch.setattr(LocalExecutor, "prepare", refuse)
    before, seen = digest(ga_run), []
    assert l2l.resume(ga_run, backend="local", nothing_to_do=seen.append) == ga_run
    assert digest(ga_run) == before and len(seen) == 1
    with pytest.raises(AssertionError, match="a worker was started"):  # a budget beyond it still runs
        l2l.resume(ga_run, generations=9, backend="local")


def test_a_budget_raised_by_one_resume_holds_for_the_next_plain_resume(tmp_path):
    # a run extended with --generations 6, stopped (a walltime's signal) after its fourth generation, then
    # resumed plainly, as a requeued job does: it went back to the config's 2 generations and finished at
    # '4 of 2', the extension lost
    path = l2l.run(make_config(run={"generations": 2}), tmp_path / "ext.h5", progress=False)
    control = l2l.RunControl()

    def stop_after_four(info):
        if info["generation"] + 1 >= 4:
            control.request_stop("walltime")

    l2l.resume(path, generations=6, control=control, on_generation=stop_after_four)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 4 and trajectory.events()["kind"].iloc[-1] == "stopped"
    l2l.resume(path)
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.n_generations == 6 and trajectory.events()["kind"].iloc[-1] == "finished"
    assert "6 of 6 generations" in cli("show", path).stdout


def test_a_compute_budget_raised_by_one_resume_holds_for_the_next_plain_resume(asha_run, tmp_path, monkeypatch):
    import shutil

    import l2l.driver

    monkeypatch.setattr(l2l.driver, "FLUSH_SECONDS", 0.0)  # a commit (and on_generation) after every segment

    path = tmp_path / "asha.h5"
    shutil.copy(asha_run, path)
    control = l2l.RunControl()
    spent = []

    def stop_early(info):
        spent.append(info)
        if len(spent) >= 5:
            control.request_stop("walltime")

    l2l.resume(path, compute=90, control=control, on_generation=stop_early)
    frame = l2l.load(path, segments=True)
    before = float((frame["budget"] - frame["from_budget"]).sum())
    assert 30 <= before < 90
    l2l.resume(path)
    frame = l2l.load(path, segments=True)
    assert float((frame["budget"] - frame["from_budget"]).sum()) >= 90  # it stopped at 30 'of 30' before


def test_resume_of_a_finished_policy_run_advises_its_own_budgets(asha_run):
    done = cli("resume", asha_run, "--no-progress")
    assert done.returncode == 0
    assert done.stderr.strip().endswith("nothing to resume; to extend it, raise a budget (--compute, --evaluations "
                                        "or --max-time)")  # --generations is refused on a run with a policy


def test_a_budget_raised_where_another_still_binds_runs_nothing_and_says_which(ga_run, tmp_path):
    """A run that ended at its 8 generations, resumed with --evaluations 100: the generations still stop it
    at once. Nothing is written and one line names the budget to raise; raising it too runs."""
    path = tmp_path / "ga.h5"
    path.write_bytes(ga_run.read_bytes())
    before = digest(path)
    done = cli("resume", path, "--evaluations", "100", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("nothing more to run: its 8 generations (run.generations) are used up: "
                                        "raise --generations too"), done.stderr
    assert "resuming" not in done.stdout + done.stderr
    assert digest(path) == before  # no 'resumed' or 'finished' event written
    done = cli("resume", path, "--evaluations", "100", "--generations", "10", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert len(l2l.load(path)) == 80  # two more generations of 8


def test_a_run_ended_by_its_evaluations_asks_for_more_of_them(tmp_path):
    path = l2l.run(make_config(run={"generations": 8, "evaluations": 20}), tmp_path / "cap.h5", progress=False)
    before = digest(path)
    done = cli("resume", path, "--generations", "12", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith("its 20 evaluations (run.evaluations) are used up: raise --evaluations "
                                        "too"), done.stderr
    assert digest(path) == before
