"""successive-halving and hyperband with ``same_everywhere = true`` and an optimizer that learns from results
(tpe, gp) ask the same candidates on every backend (session 31): the results that come in while a bracket still
asks for its first rung's candidates are held and told in trial order once the last is asked, so every ask of a
bracket knows the brackets before it and none of its own, whatever the number of workers and whichever segment
finishes first. Before, tpe on two workers proposed another candidate from the first one past its start-up trials
(trial 10), gp from the bracket that starts at the top budget. Without the option (a policy state without
``held``) each result is told as it comes in, as before; a run killed while results were held and resumed ends as
the uninterrupted run."""

from __future__ import annotations

import numpy as np
import pytest

import l2l
from conftest import comparable, toml_text
from l2l.cli import main
from l2l.jobs.serial import SerialExecutor
from test_tpepartial30 import config as kill_config
from test_tpepartial30 import final_state, killed_run


def hartmann(policy: str, seed: int, optimizer: str = "tpe", backend: str = "serial") -> dict:
    """Instant multi-fidelity hartmann3 (rungs 1, 3, 9, 27), four brackets (hyperband: one from each rung)."""
    return {"run": {"seed": seed, "compute": 100_000}, "space": {"x": {"low": 0.0, "high": 1.0, "shape": [3]}},
            "optimizer": {"name": optimizer}, "policy": {"name": policy, "brackets": 4 if policy == "hyperband" else 2,
                       "same_everywhere": True},
            "simulator": {"name": "hartmann3", "multi_fidelity": True, "low_fidelity": "agree", "min_budget": 1,
                          "max_budget": 27},
            "backend": {"name": backend, **({"workers": 2} if backend == "local" else {})}}


def segments(data: dict, path) -> object:
    frame = l2l.load(l2l.run(l2l.from_mapping(data), path, progress=False), segments=True)
    return frame.drop(columns=[c for c in ("started", "duration") if c in frame.columns]).reset_index(drop=True)


@pytest.fixture
def two_workers_last_first(monkeypatch):
    """The serial backend as two workers whose later segment always finishes first: the loop asks for the next
    candidate while one trains, and results come in out of trial order (the case a local cluster leaves to
    chance)."""
    wait = SerialExecutor.wait

    def last_first(self, timeout=None):
        self._queue.rotate(1)
        return wait(self, timeout)

    def use():
        monkeypatch.setattr(SerialExecutor, "worker_count", property(lambda self: 2), raising=False)
        monkeypatch.setattr(SerialExecutor, "wait", last_first)

    return use


@pytest.mark.parametrize("policy", ["hyperband", "successive-halving"])
@pytest.mark.parametrize("seed", [1, 2])  # a third seed ran the same code on other numbers (each seed parts without)
def test_two_workers_whose_results_come_in_out_of_order_run_the_serial_runs_candidates(tmp_path, policy, seed,
                                                                                         two_workers_last_first):
    serial = segments(hartmann(policy, seed), tmp_path / "serial.h5")
    two_workers_last_first()
    two = segments(hartmann(policy, seed), tmp_path / "two.h5")
    assert len(serial) > 60 and serial["trial"].nunique() >= 49
    assert serial.equals(two)


def test_hyperband_with_gp_holds_the_top_budget_results_of_its_last_bracket_too(tmp_path, two_workers_last_first):
    """gp learns from top-budget results only: the bracket that starts at the top budget is where they came in
    while it still asked (before, the runs parted there, at trial 46)."""
    data = hartmann("hyperband", 1, optimizer="gp")
    data["policy"]["brackets"] = 5
    data["optimizer"]["n_startup_trials"] = 5
    serial = segments(data, tmp_path / "serial.h5")
    two_workers_last_first()
    assert serial.equals(segments(data, tmp_path / "two.h5"))


def test_a_local_cluster_of_two_workers_runs_the_serial_runs_hyperband_tpe_sweep(tmp_path):
    """One seed: its local cluster costs more than the run (three took ~7 s); the order its results come in is
    chance, the order that parts the runs most is the tests above'. Without the option's effect (results never
    held), the local run parted from the serial one on each of 6 seeds, and 8 of 8 times on this one."""
    serial = segments(hartmann("hyperband", 1), tmp_path / "serial.h5")
    local = segments(hartmann("hyperband", 1, backend="local"), tmp_path / "local.h5")
    assert len(serial) > 60 and serial.equals(local)


def test_without_the_option_each_result_is_told_as_it_comes_in(tmp_path, two_workers_last_first):
    """The default: no ``held`` in the state, and two workers whose results come in out of order ask otherwise than
    serial (what the option is for)."""
    data = hartmann("hyperband", 1)
    data["policy"].pop("same_everywhere")
    data["policy"]["brackets"] = 2  # they part in the first bracket already (half the run of 4)
    serial = segments(data, tmp_path / "serial.h5")
    assert "held" not in final_state(tmp_path / "serial.h5")["policy"]
    two_workers_last_first()
    assert not serial.equals(segments(data, tmp_path / "two.h5"))


def test_model_based_refuses_the_option_in_one_line(tmp_path, capsys):
    data = hartmann("hyperband", 1)
    data["policy"] = {"name": "model-based", "same_everywhere": True}
    path = tmp_path / "mb.toml"
    path.write_text(toml_text(data))
    assert main(["run", str(path), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "option same_everywhere does not apply" in err[0], err


def test_a_new_run_killed_while_results_were_held_resumes_to_the_whole_run(tmp_path):
    """Killed in a bracket's first rung with results held in the committed state: the resumed run tells them when
    the bracket's last candidate is asked, as the uninterrupted run did, and the next bracket asks what it asked.

    Compute 50 (15 segments) runs into the second bracket, whose asks use what tpe was told; at compute 30 the run
    ended in the first bracket (no ask after the held results were told), and the test passed with ``held`` not
    restored on resume (its trials then never told). Killed at the 8th evaluation, seven results are held."""
    data = kill_config("hyperband", compute=50, seed=3)
    data["policy"]["same_everywhere"] = True
    whole = tmp_path / "whole.h5"
    l2l.run(l2l.from_mapping(data), whole, progress=False)
    killed = tmp_path / "killed.h5"
    killed_run(data, killed, 8, tmp_path)
    assert final_state(killed)["policy"]["held"] == list(range(7))
    l2l.resume(killed, progress=False)
    assert comparable(l2l.load(killed)).equals(comparable(l2l.load(whole)))
    told, resumed = final_state(whole)["optimizer"]["partial"], final_state(killed)["optimizer"]["partial"]
    for key in ("budgets", "scores"):  # every held result told (a lost one is NaN here)
        assert np.array_equal(told[key], resumed[key], equal_nan=True), key
