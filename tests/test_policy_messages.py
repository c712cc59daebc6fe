"""What l2l says about a run with a multi-fidelity policy, and what it leaves behind.

Four things a tester met: the optimizers a policy's refusal offered included one the same policy refused next;
a policy whose budgets give one rung stopped nothing early without a word; the one-line sweep's banner gave
the compute of segments that all restart as its bound, where continuing ones cost far less; a ``command``
simulator's successful run left empty ``<run>.work/g00000N`` folders behind.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import write_toml

import l2l
from l2l.errors import ConfigError
from l2l.loop import build
from l2l.optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[1]
UNIT = "synthetic budget units"  # the sphere's fidelity: budgets 1 to 81




def _sweep(policy: str | None = None, optimizer: str = "random", population: int = 20, **policy_options) -> dict:
    """A one-line sweep of the sphere (budgets 1 to 81), or a [policy] table where options are given."""
    data = {"run": {"name": "sweep", "seed": 3, "generations": 1},
            "space": {"x": {"type": "float", "low": -5.0, "high": 5.0, "shape": [2]}},
            "optimizer": {"name": optimizer, "population_size": population},
            "simulator": {"name": "sphere", "multi_fidelity": True}, "backend": {"name": "serial"}}
    if policy_options:
        data["policy"] = {"name": policy, **policy_options}
    elif policy:
        data["run"]["policy"] = policy
    return data


def _write(folder: Path, data: dict, name: str = "sweep.toml") -> Path:
    return write_toml(folder / name, data)


def _offered(stderr: str) -> list[str]:
    line, = stderr.strip().splitlines()
    return line.rpartition("use one of: ")[2].split(", ")


def _accepted(policy: str) -> list[str]:
    """The optimizers a run with ``policy`` over a one-objective problem is built with (their defaults)."""
    names = []
    for name in OPTIMIZERS.names():  # with their default options: a budget in compute, not in candidates
        data = {**_sweep(), "run": {"seed": 3, "compute": 200}, "policy": {"name": policy}, "optimizer": {"name": name}}
        try:
            build(l2l.from_mapping(data))
        except ConfigError:
            continue
        names.append(name)
    return names


# -- 1. the optimizers a refusal offers ---------------------------------------------------------------------
def test_the_optimizers_a_policy_refusal_offers_are_the_ones_the_policy_accepts(tmp_path, l2l_here):
    # 'ga' under hyperband offered nevergrad, which hyperband then refused (it keeps only num_workers
    # candidates untold, and hyperband never tells the ones it stops)
    accepted = _accepted("hyperband")
    assert "random" in accepted and "nevergrad" not in accepted and "ga" not in accepted
    for optimizer in ("ga", "nevergrad"):
        done = l2l_here("run", str(_write(tmp_path, _sweep("hyperband", optimizer=optimizer))), "--dry-run", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("l2l: error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert _offered(done.stderr) == accepted, done.stderr
        first = _offered(done.stderr)[0]  # through the command line too (every one offered was built above)
        again = l2l_here("run", str(_write(tmp_path, _sweep("hyperband", optimizer=first), "again.toml")), "--dry-run",
                     cwd=tmp_path)
        assert again.returncode == 0, (first, again.stderr)
    assert not list(tmp_path.glob("*.h5"))


# -- 2. budgets that give one rung ----------------------------------------------------------------------------
@pytest.mark.parametrize("policy", ["successive-halving", "hyperband", "asha", "median-stopping"])
def test_a_stopping_policy_with_one_rung_is_refused_in_one_line_saying_what_to_change(tmp_path, policy, l2l_here):
    config = _write(tmp_path, _sweep(policy, population=8, min_budget=5, max_budget=7, eta=2))
    done = l2l_here("run", str(config), "--out", str(tmp_path / "one.h5"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert (f"policy '{policy}': min_budget 5 and max_budget 7 with eta 2 give one rung (7 {UNIT}): nothing "
            f"would be stopped early; lower min_budget to at most 3, or lower eta to at most 1.4, or raise "
            f"max_budget to at least 10") in done.stderr, done.stderr
    assert not (tmp_path / "one.h5").exists()
    # each way it names gives a second rung, at which the policy stops candidates early
    for change in ({"min_budget": 3}, {"eta": 1.4}, {"max_budget": 10}):
        data = _sweep(policy, population=8, **{"min_budget": 5, "max_budget": 7, "eta": 2, **change})
        assert len(build(l2l.from_mapping(data)).budgets) == 2, change
    path = l2l.run(l2l.from_mapping(_sweep(policy, population=8, min_budget=3, max_budget=7, eta=2)),
                   tmp_path / "two.h5", progress=False)
    frame = l2l.load(path)
    assert len(frame) == 8 and (frame["budget"] < 7).any()


def test_one_rung_from_the_simulators_range_names_where_the_budgets_come_from():
    with pytest.raises(ConfigError, match=re.escape(
            f"policy 'asha': min_budget 30 and max_budget 81 (the simulator's budget maximum) with eta 3 give one "
            f"rung (81 {UNIT}): nothing would be stopped early; lower min_budget to at most 27, or lower eta to at "
            f"most 2.7")):
        build(l2l.from_mapping(_sweep("asha", min_budget=30)))


def test_model_based_with_one_rung_runs_a_search_at_the_top_budget_and_says_so(tmp_path, l2l_here):
    # allowed: a model-based policy proposes its candidates, so with one rung it is a model-based search at the
    # top budget (what it becomes anyway where low budgets mislead); the run says that nothing is stopped early
    data = {**_sweep(), "run": {"name": "mb", "seed": 1, "compute": 35},
            "policy": {"name": "model-based", "min_budget": 5, "max_budget": 7, "eta": 2}}
    del data["optimizer"]
    done = l2l_here("run", str(_write(tmp_path, data)), "--out", str(tmp_path / "mb.h5"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (f"note: policy 'model-based': min_budget 5 and max_budget 7 with eta 2 give one rung (7 {UNIT}): "
            f"nothing is stopped early, every candidate it proposes trains to the top budget (a model-based "
            f"search there); for early stopping lower min_budget to at most 3") in done.stderr, done.stderr
    assert (l2l.load(tmp_path / "mb.h5")["budget"] == 7).all()


# -- 3. the compute bound of the one-line sweep's banner ----------------------------------------------------
def _banner(done: SimpleNamespace) -> str:
    assert done.returncode == 0, done.stderr
    return done.stderr.splitlines()[0]


def _spent(path: Path) -> float:
    segments = l2l.load(path, segments=True)
    return float((segments["budget"] - segments["from_budget"]).sum())


def test_the_banner_bounds_the_compute_of_segments_that_continue_from_checkpoints(tmp_path, l2l_here):
    # 20 candidates, rungs 1, 3, 9, 27, 81. Successive halving keeps 20, 6, 2, 1, 1: continuing from checkpoints
    # they cost 20x1 + 6x2 + 2x6 + 1x18 + 1x54 = 116, restarting 20 + 6x3 + 2x9 + 27 + 81 = 164 (it said 164).
    # ASHA and median stopping train each candidate at most to 81: 1620; restarting at every rung 20 x 121 = 2420
    # (it said 2420 only).
    for policy, bound, restart in (("successive-halving", 116, 164), ("asha", 1620, 2420),
                                   ("median-stopping", 1620, 2420)):
        out = tmp_path / f"{policy}.h5"
        banner = _banner(l2l_here("run", str(_write(tmp_path, _sweep(policy))), "--out", str(out), "--no-progress",
                              cwd=tmp_path))
        assert (f"policy {policy}, 20 candidates, compute at most {bound} {UNIT} if segments continue from "
                f"checkpoints ({restart} if they restart)") in banner, banner
        spent = _spent(out)
        assert spent <= bound
        if policy == "successive-halving":
            assert spent == bound  # the whole sweep: every bracket's plan ran


def _restarting(folder: Path, policy: str) -> Path:
    """A one-line sweep of a python function without a ``checkpoint`` parameter (epochs 1 to 81): its config."""
    (folder / "restarting.py").write_text(textwrap.dedent("""
        def train(params, seed, budget):
            return {"value": float(sum(v * v for v in params["x"])) + 1.0 / budget}
    """))
    return _write(folder, {**_sweep(policy), "simulator": {"name": "python", "function": "restarting:train",
                   "multi_fidelity": {"name": "epochs", "minimum": 1, "maximum": 81}}})


def test_the_banner_of_a_function_without_a_checkpoint_gives_the_restart_bound(tmp_path, l2l_here):
    out = tmp_path / "restart.h5"
    banner = _banner(l2l_here("run", str(_restarting(tmp_path, "asha")), "--out", str(out), "--no-progress",
                          cwd=tmp_path))
    assert ("20 candidates, compute at most 2420 epochs (every segment restarts: the function takes no "
            "checkpoint)") in banner, banner
    assert _spent(out) <= 2420


def test_the_done_line_and_show_give_the_banners_two_bounds(tmp_path, l2l_here):
    # they gave the restart bound only ("compute 116 of at most 164"), beside a banner that said 116 was the most
    # the sweep could cost: a finished sweep read as if it had stopped short of its work
    out = tmp_path / "sh.h5"
    done = l2l_here("run", str(_write(tmp_path, _sweep("successive-halving"))), "--out", str(out), "--no-progress",
                cwd=tmp_path)
    bounds = f"at most 116 {UNIT} if segments continue from checkpoints (164 if they restart)"
    assert f"compute {bounds}" in _banner(done)
    line = next(x for x in done.stdout.splitlines() if x.startswith("done in"))
    assert f"compute 116 of {bounds}, " in line, line
    shown = l2l_here("show", str(out), cwd=tmp_path)
    progress = next(x for x in shown.stdout.splitlines() if x.startswith("progress"))
    assert progress.endswith(f"compute 116 of {bounds}, status: finished"), progress
    # a compute budget given keeps its one bound, as the banner does
    data = _sweep("successive-halving")
    data["run"]["compute"] = 100
    given = l2l_here("run", str(_write(tmp_path, data)), "--out", str(tmp_path / "given.h5"), "--no-progress",
                 cwd=tmp_path)
    assert f"compute at most 100 {UNIT} -> " in _banner(given)
    line = next(x for x in given.stdout.splitlines() if x.startswith("done in"))
    # (its last segment may pass the budget: then "of 100", never "116 of at most 100")
    spent = float(re.search(rf"compute (\d+) of (?:at most )?100 {UNIT}, ", line).group(1))
    assert re.search(rf"compute \d+ of {'at most ' if spent <= 100 else ''}100 {UNIT}, ", line), line
    assert "restart" not in line, line
    # segments that restart (a function without a checkpoint): the restart bound only, as the banner says
    out = tmp_path / "restart.h5"
    done = l2l_here("run", str(_restarting(tmp_path, "successive-halving")), "--out", str(out), "--no-progress",
                cwd=tmp_path)
    assert "compute at most 164 epochs (every segment restarts: the function takes no checkpoint)" in _banner(done)
    shown = l2l_here("show", str(out), cwd=tmp_path)
    progress = next(x for x in shown.stdout.splitlines() if x.startswith("progress"))
    assert re.search(r"compute \d+ of at most 164 epochs, status: finished$", progress), progress


# -- 4. the working folders of a command simulator ------------------------------------------------------------
TRAIN = """
import json, os, sys
lr, budget, state_dir = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if lr > 0.45:
    sys.exit("diverged")
state = os.path.join(state_dir, "state.json")
step, w = 0, 1.0
if os.path.exists(state):
    saved = json.load(open(state))
    step, w = saved["step"], saved["w"]
for step in range(step + 1, budget + 1):
    w = w - lr * w
json.dump({"step": budget, "w": w}, open(state, "w"))
print(json.dumps({"loss": w * w}))
"""


def _command(tmp_path: Path, high: float = 0.4) -> Path:
    """A one-line successive halving of a program that keeps its state in {checkpoint_dir}, on two workers."""
    (tmp_path / "train.py").write_text(TRAIN)
    data = {"run": {"name": "prog", "seed": 2, "generations": 1, "policy": "successive-halving"},
            "space": {"lr": {"type": "float", "low": 0.01, "high": high}},
            "optimizer": {"name": "random", "population_size": 9},
            "simulator": {"name": "command", "argv": [sys.executable, "{config_dir}/train.py", "{lr}", "{budget}",
                                                      "{checkpoint_dir}"],
                          "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 9}},
            "objectives": [{"name": "loss", "direction": "minimize"}],
            "backend": {"name": "local", "workers": 2}}
    return write_toml(tmp_path / "prog.toml", data)


def _empty_folders(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_dir() and not any(p.iterdir())]


def test_a_successful_command_run_leaves_no_empty_working_folders(tmp_path, l2l_here):
    done = l2l_here("run", str(_command(tmp_path)), "--out", "run.h5", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (l2l.load(tmp_path / "run.h5")["budget"] == 9).any()
    assert not _empty_folders(tmp_path) and not (tmp_path / "run.work").exists()


def test_the_folders_of_failed_evaluations_stay_with_their_files_and_paused_candidates_resume(tmp_path, l2l_here):
    # lr above 0.45 fails: its working folder (params.json, the checkpoint folder) is kept for the user to read
    config = _command(tmp_path, high=0.9)
    done = l2l_here("run", str(config), "--out", "run.h5", "--no-progress", "--evaluations", "10", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    segments = l2l.load(tmp_path / "run.h5", segments=True)
    failed = segments[segments["status"] == "failed"]
    assert len(failed) and len(failed) < len(segments)
    kept = sorted((tmp_path / "run.work").glob("g*/*"))
    assert len(kept) == len(failed) and all((p / "params.json").exists() for p in kept)
    assert not [p for p in _empty_folders(tmp_path) if p.name != "checkpoint"]  # a failed one's, kept whole
    # the run stopped at 10 segments with candidates paused below the top: they continue from their checkpoints
    done = l2l_here("resume", "run.h5", "--no-progress", "--evaluations", "100", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    after = l2l.load(tmp_path / "run.h5", segments=True)
    resumed = after.iloc[len(segments):]
    assert len(resumed) and (resumed.loc[resumed["status"] == "ok", "from_budget"] > 0).any()
    assert sorted((tmp_path / "run.work").glob("g*/*")) == kept
    assert not [p for p in _empty_folders(tmp_path) if p.name != "checkpoint"]


# -- 5. PBT with one interval ----------------------------------------------------------------------------------
def test_pbt_whose_budgets_give_one_interval_is_refused_in_one_line_saying_what_gives_two(tmp_path, l2l_here):
    # rungs of the sphere's 1 to 81: interval 81 is one interval; so is 60 (the last 21 are less than half of
    # one interval and join it). The members were never compared, so none ever exploited another, without a word.
    for interval in (81, 60):
        config = _write(tmp_path, _sweep("pbt", population=4, interval=interval))
        done = l2l_here("run", str(config), "--out", str(tmp_path / "one.h5"), "--no-progress", cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"l2l: error: policy 'pbt': interval {interval} and max_budget 81 (the simulator's budget maximum) give "
            f"one interval (81 {UNIT}), so the members are never compared and none is ever exploited; give an "
            f"interval of at most 54"], done.stderr
        assert not (tmp_path / "one.h5").exists()
    # the interval it names gives two, and the members are compared at the first: the worst ones exploit
    assert build(l2l.from_mapping(_sweep("pbt", population=4, interval=54))).budgets == (54.0, 81.0)
    path = l2l.run(l2l.from_mapping(_sweep("pbt", population=4, interval=54)), tmp_path / "two.h5", progress=False)
    assert (l2l.load(path, segments=True)["parent"] >= 0).any()
    with pytest.raises(ConfigError, match=re.escape(
            "policy 'pbt': interval 5 and max_budget 7 give one interval (7 synthetic budget units), so the members "
            "are never compared and none is ever exploited; give an interval of at most 4, or raise max_budget to "
            "at least 8")):
        build(l2l.from_mapping(_sweep("pbt", population=4, interval=5, max_budget=7)))


def test_pbt_whose_burn_in_is_past_the_last_decision_is_refused_in_one_line(tmp_path, l2l_here):
    # interval 10 of 1..81: decisions at 10, 20, ..., 70 (the last 11 join the interval before); a burn_in of 75
    # skipped every one of them, so the run was a random sweep that called itself PBT, without a word
    config = _write(tmp_path, _sweep("pbt", population=4, interval=10, burn_in=75))
    done = l2l_here("run", str(config), "--out", str(tmp_path / "late.h5"), "--no-progress", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "l2l: error: policy 'pbt': burn_in = 75 is past the last decision (at 70 of max_budget 81), so no member "
        "is ever exploited; give a burn_in of at most 70"], done.stderr
    assert not (tmp_path / "late.h5").exists()
    # the burn_in it names still lets the members be compared at the last decision: the worst ones exploit
    path = l2l.run(l2l.from_mapping(_sweep("pbt", population=4, interval=10, burn_in=70)), tmp_path / "ok.h5",
                   progress=False)
    assert (l2l.load(path, segments=True)["parent"] >= 0).any()
