"""A PBT member whose segment failed keeps the checkpoint that segment started from.

A failed segment returns no checkpoint, but the one it started from (the member's last good one) is as good as
before. Before, the loop forgot it: a member that went on itself after a failure (PBT does so when no member at
that budget succeeded, so there is nothing to copy) trained from scratch to the next budget, losing its training
(and an exploited donor's weights) and costing the whole budget again; with every member failing once at 40 of
100 steps, the run's compute ended with no member past 60. Now it continues from that checkpoint, in the same
session and after ``l2l resume`` (the trial's record keeps the checkpoint's row).
"""

from __future__ import annotations

import math

import pytest

import l2l
from l2l.results_schema.validate import validate

FAIL_AT = 40


def flaky(mode: str = "raise"):
    """(1 - lr)^steps; the segment from step 30 to 40 fails (``mode``: raises, or returns NaN), of every member:
    a node lost once, say."""
    def train(params, seed, budget, checkpoint=None):
        start = 0 if checkpoint is None else int(checkpoint["step"])
        if start == FAIL_AT - 10 and budget == FAIL_AT:
            if mode == "nan":
                return {"loss": math.nan}
            raise RuntimeError("node lost")
        return l2l.SimulationResult(objectives={"loss": (1 - params["lr"]) ** budget},
                                    checkpoint={"step": int(budget)})
    return train


def config(synchronous: bool = True, compute: float | None = None):
    run = {"name": "f", "seed": 3, **({"compute": compute} if compute else {})}
    return l2l.from_mapping({
        "run": run, "space": {"lr": {"low": 0.01, "high": 0.1, "log": True}},
        "simulator": {"name": "python", "multi_fidelity": {"name": "steps", "minimum": 1, "maximum": 100}},
        "objectives": [{"name": "loss", "direction": "minimize"}],
        "policy": {"name": "pbt", "population": 4, "interval": 10, "synchronous": synchronous},
        "backend": {"name": "serial"}})


def segments_of(path):
    frame = l2l.load(path, segments=True)
    return frame[["trial", "budget", "from_budget", "parent", "status", "lr", "loss"]].reset_index(drop=True)


@pytest.mark.parametrize("mode, synchronous", [("raise", True), ("nan", True), ("raise", False)])
def test_a_member_that_goes_on_after_a_failed_segment_continues_from_its_last_good_checkpoint(tmp_path, mode,
                                                                                                synchronous):
    path = l2l.run(config(synchronous), tmp_path / "f.h5", simulator=flaky(mode), progress=False)
    assert validate(path) == []
    segments = segments_of(path)
    failed = segments[segments["status"] == "failed"]
    assert len(failed) >= 1 and (failed["budget"] == FAIL_AT).all() and (failed["from_budget"] == 30).all()
    went_on = 0
    for _, row in failed.iterrows():
        later = segments[(segments["trial"] == row["trial"]) & (segments["budget"] > FAIL_AT)]
        if later.empty:  # replaced by exploitation of a member that succeeded
            continue
        went_on += 1
        first = later.iloc[0]
        assert first["from_budget"] == 30 and first["budget"] == 50, later  # not from scratch (from 0)
        assert first["status"] == "ok"
    assert went_on >= 1
    # the compute: the failed 10 steps and the 20 from 30 to 50, not 50 from scratch; members reach the top
    spent = (segments["budget"] - segments["from_budget"]).sum()
    assert spent <= 4 * 100
    assert (segments["budget"] > 60).any()


def test_the_kept_checkpoint_is_used_after_a_resume_as_in_a_run_never_stopped(tmp_path):
    simulator = flaky()
    reference = segments_of(l2l.run(config(), tmp_path / "ref.h5", simulator=simulator, progress=False))
    # compute for every member to 40 (the last interval failed): the run stops there, the members to go on
    path = l2l.run(config(compute=4 * 40), tmp_path / "stopped.h5", simulator=simulator, progress=False)
    stopped = segments_of(path)
    assert (stopped["budget"] <= FAIL_AT).all() and (stopped["status"] == "failed").sum() >= 1
    l2l.resume(path, compute=4 * 100, simulator=simulator)
    assert validate(path) == []
    resumed = segments_of(path)
    assert resumed.equals(reference)
    failed = resumed[resumed["status"] == "failed"]
    continued = resumed[resumed["trial"].isin(failed["trial"]) & (resumed["budget"] > FAIL_AT)]
    assert len(continued) >= 1 and (continued["from_budget"] > 0).all()
