"""Multi-fidelity runs end to end: segments in the file, compute counted, kill -9 and resume, failures."""

from __future__ import annotations

import os
import signal
import time

import numpy as np
import pytest

import l2l
from l2l.errors import ConfigError
from l2l.results_schema.validate import validate
from test_writer_safety import _in_child, _kill_after

POLICIES = ["successive-halving", "hyperband", "asha", "median-stopping", "model-based"]


def mf_config(policy="asha", compute=600, seed=1, simulator=None, **run):
    return l2l.from_mapping({"run": {"seed": seed, "compute": compute, **run},
                             "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
                             "optimizer": {"name": "random"},
                             "simulator": simulator or {"name": "sphere", "multi_fidelity": True},
                             "policy": {"name": policy} if isinstance(policy, str) else policy,
                             "backend": {"name": "serial"}})


def comparable_segments(frame):
    return frame[["trial", "budget", "from_budget", "seed", "status", "value"]].reset_index(drop=True)


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_trains_candidates_in_segments_from_their_checkpoints(tmp_path, policy):
    path = l2l.run(mf_config(policy), tmp_path / f"{policy}.h5")
    assert validate(path) == []
    segments = l2l.load(path, segments=True)
    rungs = [1.0, 3.0, 9.0, 27.0, 81.0]
    assert set(segments["budget"]) <= set(rungs)
    assert (segments["status"] == "ok").all()
    for trial, rows in segments.groupby("trial", sort=False):
        budgets = rows["budget"].tolist()
        assert budgets == sorted(budgets) and len(set(budgets)) == len(budgets)
        # each segment continues from the budget the candidate reached before it
        assert rows["from_budget"].tolist() == [0.0] + budgets[:-1]
        assert rows["seed"].nunique() == 1  # a candidate keeps its seed across segments
    compute = float((segments["budget"] - segments["from_budget"]).sum())
    assert 600 <= compute < 600 + 81
    candidates = l2l.load(path)
    assert len(candidates) == segments["trial"].nunique()
    assert set(candidates["state"]) <= {"completed", "stopped", "paused"}  # run.compute ended it: paused may go on
    assert (candidates.loc[candidates["budget"] == 81.0, "state"] == "completed").all()
    if policy != "median-stopping":
        assert (candidates["state"] != "completed").sum() > (candidates["state"] == "completed").sum()


def asha_gap(seed: int, tmp_path) -> float:
    """Random search's best at full fidelity minus ASHA's best at the top budget, at equal compute (20 full
    evaluations), both of ``seed`` (scripts/multifidelity_test_claims.py runs it on other seeds)."""
    asha = l2l.load(l2l.run(mf_config("asha", compute=81 * 20, seed=seed), tmp_path / f"a{seed}.h5"))
    full = l2l.from_mapping({"run": {"seed": 100 + seed, "generations": 1},
                             "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
                             "optimizer": {"name": "random", "population_size": 20},
                             "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    random_best = l2l.load(l2l.run(full, tmp_path / f"r{seed}.h5"))["value"].min()
    asha_best = asha.loc[asha["budget"] == 81.0, "value"].min()
    return float(random_best - asha_best)


def test_a_multi_fidelity_run_finds_a_better_candidate_than_random_search_at_equal_compute(tmp_path):
    gaps = [asha_gap(seed, tmp_path) for seed in range(5)]
    assert np.mean(gaps) > 0 and sum(g > 0 for g in gaps) >= 4


def _often(action, write_end):
    """In the child: commit every 20 ms (not every second) and write a byte to ``write_end`` after each commit."""
    import l2l.driver
    commit = l2l.driver._Loop.commit

    def signalling_commit(self):
        commit(self)
        os.write(write_end, b"c")

    l2l.driver.FLUSH_SECONDS = 0.02
    l2l.driver._Loop.commit = signalling_commit
    action()


def _start(action):
    """Fork a child that runs ``action`` under :func:`_often`; returns (pid, the read end of its commit pipe)."""
    read_end, write_end = os.pipe()
    pid = _in_child(lambda: _often(action, write_end))
    os.close(write_end)
    return pid, read_end


def _after_commits(read_end, count: int, timeout: float = 60.0) -> None:
    """Wait until the child committed ``count`` times (or ended)."""
    import select
    seen = 0
    deadline = time.monotonic() + timeout
    while seen < count and time.monotonic() < deadline:
        if not select.select([read_end], [], [], 0.5)[0]:
            continue
        data = os.read(read_end, 64)
        if not data:  # the child ended
            return
        seen += len(data)


def kill_and_resume(config, path, rng: np.random.Generator, max_delay: float, rounds: int = 12,
                    finish_here: bool = False) -> int:
    """Run ``config`` into ``path`` in a child, kill -9 it after 1 or 2 commits (plus up to ``max_delay``
    seconds: between two commits or inside one), resume, kill again ...; the last resume runs to the end (with
    ``finish_here``: in this process, committing as a run does, not in a child committing every 20 ms, which
    cost most of a test's CPU). Every killed file must validate. Returns the number of kills that landed."""
    kills = 0
    pid, pipe = _start(lambda: l2l.run(config, path))
    for round_ in range(rounds):
        _after_commits(pipe, int(rng.integers(1, 3)))
        status = _kill_after(pid, rng.uniform(0.0, max_delay))
        os.close(pipe)
        kills += os.WIFSIGNALED(status)
        assert os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == 0
        assert validate(path) == []
        with l2l.Trajectory(path) as trajectory:
            if trajectory.finished():
                return kills
        if finish_here and round_ == rounds - 1:
            l2l.resume(path, progress=False)
            return kills
        pid, pipe = _start(lambda: l2l.resume(path))
    os.waitpid(pid, 0)
    os.close(pipe)
    return kills


@pytest.mark.parametrize("policy", ["asha", "hyperband", "model-based"])
def test_kill_minus_nine_and_resume_of_a_multi_fidelity_run_equals_an_uninterrupted_run(tmp_path, policy):
    # enough compute for about 20 commits or more (a commit every 20 ms in the child); model-based's time grows
    # faster than its compute (its model fits every result): 4000 made some 70 commits here, 8000 took 2.5 times longer;
    # hyperband 6000 costs what asha 3000 does (~1 s of CPU, some 800 segments; 20000 took 3.8 s)
    config = mf_config(policy, compute={"asha": 3000, "hyperband": 6000, "model-based": 4000}[policy], seed=7)
    reference = comparable_segments(l2l.load(l2l.run(config, tmp_path / "reference.h5"), segments=True))
    path = tmp_path / "killed.h5"
    # four kills (the last resume runs to the end in this process): each leaves a valid file and the run equal.
    # Each kill lands between two commits or inside one (1-2 commits plus 0-60 ms: a commit every 20 ms); six
    # sampled the same two phases, at the cost of two more sessions' starts (a resume, its repair) and commits
    kills = kill_and_resume(config, path, np.random.default_rng(5), max_delay=0.06, rounds=4, finish_here=True)
    assert kills >= 3
    resumed = comparable_segments(l2l.load(path, segments=True))
    assert resumed.equals(reference)
    with l2l.Trajectory(path) as trajectory:
        # a resume killed while it repaired or opened the file left no event
        assert 1 <= (trajectory.events()["kind"] == "resumed").sum() <= kills


def test_a_failing_segment_is_retried_then_gets_the_penalty_and_is_not_promoted(tmp_path):
    simulator = {"name": "python", "function": "models_for_tests:flaky_curve", "multi_fidelity":
                 {"name": "steps", "unit": "training steps", "minimum": 1, "maximum": 27}}
    config = mf_config({"name": "asha"}, compute=400, simulator=simulator, retries=1)
    path = l2l.run(config, tmp_path / "flaky.h5")
    segments = l2l.load(path, segments=True)
    failed = segments[segments["status"] == "failed"]
    assert len(failed) and (failed["attempts"] == 2).all()
    for trial, budget in zip(failed["trial"], failed["budget"]):  # a failed candidate is never continued
        later = segments[(segments["trial"] == trial) & (segments["budget"] > budget)]
        assert later.empty
    assert (segments["status"] == "ok").sum() > len(failed)


def test_a_policy_needs_a_simulator_with_a_fidelity_and_one_objective():
    with pytest.raises(ConfigError, match="needs a simulator with a fidelity; 'rastrigin' has none"):
        l2l.loop.build(mf_config(simulator={"name": "rastrigin"}))
    with pytest.raises(ConfigError, match="outside the simulator's"):
        l2l.loop.build(mf_config({"name": "asha", "max_budget": 500}))
    with pytest.raises(ConfigError, match="asks for one new candidate at a time"):
        l2l.loop.build(l2l.from_mapping({**mf_config().to_json(), "optimizer": {"name": "cmaes"}}))


def test_show_plot_compare_and_report_speak_of_candidates_compute_and_curves(tmp_path, capsys):
    from l2l.cli import main
    from l2l.plot import figures
    path = l2l.run(mf_config("hyperband", compute=81 * 12), tmp_path / "hb.h5")
    full = l2l.run(l2l.from_mapping({"run": {"seed": 3, "generations": 2},
                                     "space": {"x": {"low": -5.0, "high": 5.0, "shape": [3]}},
                                     "optimizer": {"name": "random", "population_size": 6},
                                     "simulator": {"name": "sphere", "multi_fidelity": True},
                                     "backend": {"name": "serial"}}), tmp_path / "full.h5")
    capsys.readouterr()
    assert main(["show", str(path)]) == 0
    progress = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("progress"))
    candidates = l2l.load(path)
    completed, stopped, paused = ((candidates["state"] == state).sum() for state in ("completed", "stopped", "paused"))
    assert f"{len(candidates)} candidates ({completed} completed, {stopped} stopped, {paused} paused" in progress
    assert "compute 9" in progress and "of 972 synthetic budget units, status: finished" in progress
    # (--dpi 20: the figures are made as at any resolution; the test reads what is said, not the pixels)
    assert main(["plot", str(path), "--kind", "curves", "-o", str(tmp_path / "curves.png"), "--dpi", "20"]) == 0
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["compare", str(path), str(full), "-o", str(tmp_path / "c.png"), "--dpi", "20"]) == 0
    table = capsys.readouterr().out
    assert "compute (synthetic budget units)" in table and " 972 " in table  # 2 x 6 full evaluations of 81 (whole)
    assert "(random + hyperband)" in table and "(random)" in table  # runs of one config told apart by policy
    with pytest.MonkeyPatch.context() as patch:  # the report's curves figure is read (its caption), not the others
        patch.setattr(figures, "KINDS", ("curves",))
        assert main(["report", str(path), "-o", str(tmp_path / "r.html"), "--dpi", "20"]) == 0
    assert "Learning curves of every candidate" in (tmp_path / "r.html").read_text()
    assert main(["plot", str(full), "--kind", "curves", "-o", str(tmp_path / "no.png")]) == 2
    assert "is not a multi-fidelity run" in capsys.readouterr().err


def test_a_file_of_schema_version_1_stays_readable_valid_and_resumable(tmp_path):
    import h5py
    config = l2l.from_mapping({"run": {"seed": 2, "generations": 2},
                               "space": {"x": {"low": -1.0, "high": 1.0}},
                               "optimizer": {"name": "random", "population_size": 4},
                               "simulator": {"name": "sphere"}, "backend": {"name": "serial"}})
    path = l2l.run(config, tmp_path / "old.h5")
    with h5py.File(path, "r+") as f:  # what l2l wrote before schema version 2
        for name in ("trial", "budget", "from_budget", "checkpoint_start", "checkpoint_length"):
            del f[f"evaluations/{name}"]
        del f["blobs/checkpoints"]
        f.attrs["schema_version"] = 1
    assert validate(path) == []
    before = l2l.load(path)
    assert "trial" not in before.columns and len(before) == 8
    l2l.resume(path, generations=3)
    assert validate(path) == [] and len(l2l.load(path)) == 12
    with l2l.Trajectory(path) as trajectory:
        assert trajectory.schema_version == 1
