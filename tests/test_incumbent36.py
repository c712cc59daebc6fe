"""What a DEHB/SMAC3 user reaches for in pandas (session 36): the compute of each segment in the segment frame, and
the incumbent trajectory (the best so far against compute spent and wall time, DEHB's ``traj``) as
``l2l.incumbent(path)``, the same figures ``l2l compare`` draws and tabulates (docs/coming_from_dehb_smac.md,
docs/multifidelity.md, docs/tutorial_pandas.md).

Before, the segment frame had no ``compute`` column (``columns=["compute"]`` was refused with it) and no function
returned the trajectory: the docs gave a hand-written recipe over the segment frame."""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import l2l
from l2l.errors import ArgumentError
from l2l.simulators.base import SimulationResult

OLD = Path(__file__).parent / "data" / "old_files"


def train(params, seed, budget, checkpoint=None):
    """Continues from its checkpoint; fails above budget 1 where x < 0.2 (failed segments still cost)."""
    x = float(params["x"])
    if x < 0.2 and budget > 1:
        raise RuntimeError("diverged")
    return SimulationResult(objectives={"loss": (x - 0.3) ** 2 + 1.0 / budget}, checkpoint={"epoch": budget})


def restart(params, seed, budget):
    """Takes no checkpoint: each segment trains again from scratch."""
    return {"loss": (float(params["x"]) - 0.3) ** 2 + 1.0 / budget}


def plain(params, seed):
    """No fidelity; fails where x > 0.8."""
    x = float(params["x"])
    if x > 0.8:
        raise RuntimeError("diverged")
    return {"loss": (x - 0.3) ** 2, "size": abs(x)}


def _config(fidelity=True, policy=True, objectives=("loss",), generations=None):
    simulator = {"name": "python"}
    if fidelity:
        simulator["multi_fidelity"] = {"name": "epochs", "unit": "epochs", "minimum": 1, "maximum": 9}
    run = {"seed": 3, **({"compute": 90} if policy else {"generations": generations or 3})}
    return {"run": run, "space": {"x": {"type": "float", "low": -1.0, "high": 1.0}},
            "optimizer": {"name": "random", "population_size": 6},
            "simulator": simulator, **({"policy": {"name": "successive-halving", "eta": 3}} if policy else {}),
            "objectives": [{"name": o, "direction": "minimize"} for o in objectives],
            "backend": {"name": "serial"}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incumbent36")
    return {"mf": l2l.run(_config(), folder / "mf.h5", simulator=train, progress=False),
            "restart": l2l.run(_config(), folder / "restart.h5", simulator=restart, progress=False),
            "plain": l2l.run(_config(fidelity=False, policy=False), folder / "plain.h5", simulator=plain,
                             progress=False),
            "two": l2l.run(_config(fidelity=False, policy=False, objectives=("loss", "size"), generations=2),
                           folder / "two.h5", simulator=plain, progress=False)}


def test_each_segment_says_what_it_cost_and_they_add_up_to_the_candidates_and_the_runs_compute(runs):
    from l2l.plot.compare import table

    for name in ("mf", "restart"):
        segments = l2l.load(runs[name], segments=True)
        cost = ((segments["budget"] - segments["from_budget"]) * segments["attempts"]).to_numpy(dtype=float)
        assert np.array_equal(segments["compute"].to_numpy(), cost)
        candidates = l2l.load(runs[name]).set_index("trial")["compute"]
        assert segments.groupby("trial")["compute"].sum().equals(candidates.rename("compute"))
        assert segments["compute"].sum() == table([runs[name]]).iloc[0]["compute (epochs)"]
        chosen = l2l.load(runs[name], segments=True, columns=["trial", "compute"])  # refused before
        assert list(chosen.columns) == ["trial", "compute"] and chosen["compute"].sum() == segments["compute"].sum()
    segments = l2l.load(runs["mf"], segments=True)
    assert (segments["status"] != "ok").any()  # the failed segments cost their budgets too
    assert (segments.loc[segments["status"] != "ok", "compute"] > 0).all()
    restarted = l2l.load(runs["restart"], segments=True)  # a segment trained from scratch costs its whole budget
    assert (restarted["from_budget"] == 0).all() and np.array_equal(restarted["compute"], restarted["budget"])
    assert restarted["trial"].duplicated().any()


def _expected_curve(path, objective=None):
    """What l2l compare draws (the best so far against compute and against wall time), at its changes."""
    from l2l.plot.compare import curves
    from l2l.plot.data import load_run

    run = load_run(path, errors=False)
    line = curves(run, run.objective(objective), by_compute=True)
    x, y = line["evaluations"], line["best_by_evaluations"]
    keep = np.isfinite(y) & np.r_[True, y[1:] != y[:-1]]  # its last point repeats the best where nothing changed
    return x[keep], y[keep], line


def test_the_incumbent_of_a_policy_run_is_what_compare_draws_and_ends_at_l2l_best(runs):
    from l2l.plot.compare import table

    path = runs["mf"]
    traj = l2l.incumbent(path)
    assert list(traj.columns) == ["evaluations", "compute", "seconds", "loss", "n", "trial", "x"]
    assert traj.attrs["unit"] == "epochs" and traj.attrs["objective"] == "loss"
    assert len(traj) >= 2 and (np.diff(traj["loss"]) < 0).all() and (np.diff(traj["compute"]) > 0).all()
    assert (np.diff(traj["seconds"]) >= 0).all()
    x, y, line = _expected_curve(path)
    assert np.array_equal(traj["compute"], x) and np.array_equal(traj["loss"], y)
    assert traj["seconds"].iloc[-1] == pytest.approx(line["seconds"][np.isfinite(line["best_by_time"])][
        np.flatnonzero(line["best_by_time"][np.isfinite(line["best_by_time"])] == y[-1])[0]])
    best, row = l2l.best(path), table([path]).iloc[0]
    last = traj.iloc[-1]
    assert (last["loss"], last["trial"], last["x"], last["n"]) == (best.value, best.trial, best.params["x"], best.n)
    assert last["compute"] == row["loss found at compute (epochs)"]
    assert last["evaluations"] == row["loss found at evaluation"]
    # every incumbent is a successful result at the top budget
    segments = l2l.load(path, segments=True).set_index(["trial", "budget"])
    assert (segments.loc[[(t, 9.0) for t in traj["trial"]], "status"] == "ok").all()
    # the compute is the segments' own, summed in the order they completed
    seg = l2l.load(path, segments=True)
    done = seg["started"] + pd.to_timedelta(seg["duration"], unit="s")
    spent = seg.assign(done=done).sort_values("done", kind="stable")["compute"].cumsum().to_numpy()
    assert np.array_equal(traj["compute"], spent[traj["evaluations"].to_numpy() - 1])


def test_a_run_without_a_fidelity_counts_compute_in_evaluations_and_failures_are_never_found(runs):
    path = runs["plain"]
    frame = l2l.load(path)
    assert (frame["status"] != "ok").any()
    traj = l2l.incumbent(path)
    assert traj.attrs["unit"] == "evaluations"
    assert np.array_equal(traj["compute"], traj["evaluations"])
    assert list(traj.columns) == ["evaluations", "compute", "seconds", "loss", "n", "generation", "individual", "x"]
    x, y, _ = _expected_curve(path)
    assert np.array_equal(traj["compute"], x) and np.array_equal(traj["loss"], y)
    ok = frame[frame["status"] == "ok"]
    assert traj["loss"].iloc[-1] == ok["loss"].min() == l2l.best(path).value
    assert set(zip(traj["generation"], traj["individual"])) <= set(zip(ok["generation"], ok["individual"]))


def test_a_run_of_two_objectives_is_refused_in_one_line_naming_them_and_one_named_is_given(runs):
    with pytest.raises(ArgumentError) as refused:
        l2l.incumbent(runs["two"])
    text = str(refused.value)
    assert "\n" not in text and "loss" in text and "size" in text and "objective=" in text
    traj = l2l.incumbent(runs["two"], objective="size")
    x, y, _ = _expected_curve(runs["two"], "size")
    assert np.array_equal(traj["size"], y) and np.array_equal(traj["compute"], x)
    with pytest.raises(ArgumentError, match="no objective 'cost'.*loss, size"):
        l2l.incumbent(runs["two"], objective="cost")
    for bad in (3, None, ["a.h5"]):
        with pytest.raises(ArgumentError, match="path must"):
            l2l.incumbent(bad)
    with pytest.raises(ArgumentError, match="objective must"):
        l2l.incumbent(runs["mf"], objective=1)


def test_files_of_schema_1_and_2_give_their_trajectory(tmp_path):
    for name in ("c7d327a_kill_ga", "4fece3d_asha"):
        path = tmp_path / f"{name}.h5"
        with gzip.open(OLD / f"{name}.h5.gz") as source, open(path, "wb") as target:
            shutil.copyfileobj(source, target)
        traj = l2l.incumbent(path)
        x, y, _ = _expected_curve(path)
        objective = traj.attrs["objective"]
        assert len(traj) and np.array_equal(traj["compute"], x) and np.array_equal(traj[objective], y)
        assert traj[objective].iloc[-1] == l2l.best(path).value
    assert traj.attrs["unit"] != "evaluations" and "compute" in l2l.load(path, segments=True).columns


def test_repeats_count_with_their_mean_so_the_incumbent_can_get_worse():
    from l2l.analysis.incumbent import leading
    from l2l.objectives import Objective

    # candidate 0 first at 1.0, then its repeat at 3.0 (mean 2.0): candidate 1 (1.5) leads until its repeat at 2.7
    # (mean 2.1) gives the lead back to candidate 0; a failure changes nothing
    values = np.array([np.nan, 1.0, 1.5, 3.0, np.nan, 2.7])
    candidates = np.array([9, 0, 1, 0, 2, 1])
    best, leader, n = leading(values, candidates, Objective("loss"))
    assert np.array_equal(best, [np.nan, 1.0, 1.0, 1.5, 1.5, 2.0], equal_nan=True)
    assert leader.tolist() == [-1, 1, 1, 2, 2, 1] and n.tolist() == [0, 1, 1, 1, 1, 2]
