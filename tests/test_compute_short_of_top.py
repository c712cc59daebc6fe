"""A policy run whose run.compute ends it before any candidate can reach the simulator's top budget.

With top budget 9 (rungs 1, 3, 9) and run.compute 5, 8 or 12, asha, successive halving and hyperband ended with no
candidate at the top, unannounced (and a run.target there could never count a result). Successive halving and
hyperband start the first segment to the top only after 9 x 1 + 3 x 2 = 15 steps at the lower rungs (exact: the
run's loop starts no segment once the compute spent and running reaches run.compute); asha after at least
ceil(eta) x 3 = 9 (a lower bound: its promotions depend on the results). The run says so in one warning line
before it starts (and ``--dry-run`` does), and refuses it when it has a target.
"""

from __future__ import annotations

import pytest

import l2l
from conftest import write_toml
from l2l.cli import main
from l2l.errors import ConfigError

SWEEP = {"run": {"name": "short", "seed": 1},
         "space": {"learning_rate": {"type": "float", "low": 0.001, "high": 0.19, "log": True}},
         "optimizer": {"name": "random"},
         "simulator": {"name": "noisy-sgd", "max_budget": 9},
         "objectives": [{"name": "loss", "direction": "minimize"}],
         "backend": {"name": "serial"}}


def sweep(policy: str, **run):
    return {**SWEEP, "run": {**SWEEP["run"], **run}, "policy": {"name": policy, "min_budget": 1}}


@pytest.mark.parametrize("policy, short, enough, least", [
    ("successive-halving", 15, 16, "15"), ("hyperband", 15, 16, "15"), ("asha", 9, 10, "at least 9")])
def test_a_compute_short_of_the_top_budget_is_said_and_refused_with_a_target(policy, short, enough, least,
                                                                             tmp_path, capsys):
    config = write_toml(tmp_path / "s.toml", sweep(policy, compute=short))
    assert main(["run", str(config), "--dry-run", "--out", str(tmp_path / "s.h5")]) == 0
    warned = [line for line in capsys.readouterr().err.splitlines() if line.startswith("l2l: warning:")]
    assert warned == [f"l2l: warning: run.compute = {short} training steps ends the run before policy {policy!r} "
                      f"trains any candidate to the top budget (9 training steps): its first segment there starts "
                      f"only after {least} training steps at the lower rungs; give run.compute = {enough} or more"]
    with pytest.raises(ConfigError, match=r"^run.target counts only results at the simulator's top budget, and "
                                          rf"run.compute = {short} training steps ends the run before"):
        l2l.loop.build(l2l.from_mapping(sweep(policy, compute=short, target=1.0)))
    l2l.loop.build(l2l.from_mapping(sweep(policy, compute=enough, target=1.0)))  # the compute that may: as before
    assert main(["run", str(config), "--dry-run", "--compute", str(enough), "--out", str(tmp_path / "e.h5")]) == 0
    assert "ends the run before" not in capsys.readouterr().err  # (hyperband: its one-bracket warning instead)


def test_the_compute_said_is_where_successive_halving_first_reaches_the_top(tmp_path, capsys):
    reached = []
    for compute in (15, 16):
        path = l2l.run(l2l.from_mapping(sweep("successive-halving", compute=compute)), tmp_path / f"{compute}.h5")
        reached.append(float(l2l.load(path, segments=True)["budget"].max()))
    assert reached == [3.0, 9.0]
    assert capsys.readouterr().err.count("l2l: warning: run.compute = 15 training steps ends the run") == 1
